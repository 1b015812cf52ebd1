package hooks

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
)

// ingestOne feeds mentions through the pipeline as a Mastodon mentions
// source (addressed to us: no brand keyword needed) would.
func ingestAll(t *testing.T, h *hub, src *core.Record, ms ...connectors.Mention) tickets.IngestStats {
	t.Helper()
	stats, _, err := h.desk.Ingest(src, ms, time.Now().UTC(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

func ticketOfMention(t *testing.T, app core.App, ext string) *core.Record {
	t.Helper()
	m, err := app.FindFirstRecordByData("mentions", "external_id", ext)
	if err != nil {
		t.Fatalf("mention %s: %v", ext, err)
	}
	if m.GetString("ticket") == "" {
		return nil
	}
	tk, err := app.FindRecordById("tickets", m.GetString("ticket"))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestThreadingAndDedupe(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": "https://m.example", "enabled": true})
	now := time.Now().UTC()
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }

	// A complaint opens a ticket.
	root := connectors.Mention{ExternalID: "100", Author: "@zoe@m.example", HTML: "<p>@cafelune ma commande n'est jamais arrivée !</p>", Published: at(5 * time.Hour)}
	if s := ingestAll(t, h, src, root); s.Opened != 1 {
		t.Fatalf("root: %+v", s)
	}
	tk := ticketOfMention(t, app, "100")

	// Re-ingesting it changes nothing.
	if s := ingestAll(t, h, src, root); s.New != 0 || s.Duplicates != 1 {
		t.Fatalf("duplicate: %+v", s)
	}
	// A reply by someone else in the thread joins the same ticket.
	reply := connectors.Mention{ExternalID: "101", Author: "@yann@m.example", Text: "Pareil pour moi, toujours rien reçu ?", InReplyTo: "100", ThreadID: "100", Published: at(4 * time.Hour)}
	if s := ingestAll(t, h, src, reply); s.Joined != 1 || s.Opened != 0 {
		t.Fatalf("thread reply: %+v", s)
	}
	if got := ticketOfMention(t, app, "101"); got == nil || got.Id != tk.Id {
		t.Fatal("the thread reply opened another ticket")
	}

	// We answer; the ticket waits on the customer.
	saveRecord(t, app, "replies", map[string]any{"ticket": tk.Id, "author": agentID, "body": "Désolés Zoé, on regarde.", "via": "manual", "status": "sent", "external_id": "200", "sent_at": at(3*time.Hour + 30*time.Minute)})
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetString("status") != "pending" || tk.GetString("first_response_at") == "" {
		t.Fatalf("after reply: status %s first_response_at %q", tk.GetString("status"), tk.GetString("first_response_at"))
	}
	// Our own post coming back through the source never opens a ticket.
	own := connectors.Mention{ExternalID: "200", Author: "@cafelune@m.example", Text: "Désolés Zoé, on regarde.", InReplyTo: "100", Own: true, Published: at(3 * time.Hour)}
	if s := ingestAll(t, h, src, own); s.Own != 1 || s.Opened != 0 {
		t.Fatalf("own post: %+v", s)
	}
	// The customer answers our reply (its parent is our reply's id): same
	// ticket, back to open, and the next-response clock starts.
	back := connectors.Mention{ExternalID: "102", Author: "@zoe@m.example", Text: "Toujours pas reçu, vous pouvez vérifier ?", InReplyTo: "200", Published: at(2 * time.Hour)}
	if s := ingestAll(t, h, src, back); s.Joined != 1 {
		t.Fatalf("answer to our reply: %+v", s)
	}
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetString("status") != "open" || !tk.GetDateTime("sla_due_at").Time().Equal(at(2*time.Hour).Add(time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("after customer came back: status %s due %s", tk.GetString("status"), tk.GetDateTime("sla_due_at").Time())
	}
	// The inbox row shows what they said last.
	if tk.GetString("last_message") != back.Text || tk.GetString("last_intent") == "" {
		t.Fatalf("last message %q (%s), want %q", tk.GetString("last_message"), tk.GetString("last_intent"), back.Text)
	}

	// Resolved, then the customer writes in the thread again: reopened.
	tk.Set("status", "resolved")
	if err := app.Save(tk); err != nil {
		t.Fatal(err)
	}
	again := connectors.Mention{ExternalID: "103", Author: "@zoe@m.example", Text: "Finalement le colis est abîmé, je veux un remboursement.", InReplyTo: "102", Published: at(time.Hour)}
	if s := ingestAll(t, h, src, again); s.Reopened != 1 || s.Joined != 1 {
		t.Fatalf("reopen: %+v", s)
	}
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetString("status") != "open" || tk.GetInt("reopened") != 1 || tk.GetString("resolved_at") != "" {
		t.Fatalf("reopened ticket: status %s reopened %d resolved_at %q", tk.GetString("status"), tk.GetInt("reopened"), tk.GetString("resolved_at"))
	}
	// A thank-you in the thread after resolving is recorded, not reopened.
	tk.Set("status", "resolved")
	if err := app.Save(tk); err != nil {
		t.Fatal(err)
	}
	thanks := connectors.Mention{ExternalID: "104", Author: "@zoe@m.example", Text: "Merci beaucoup, remboursement reçu, super service !", InReplyTo: "103", Published: at(30 * time.Minute)}
	if s := ingestAll(t, h, src, thanks); s.Reopened != 0 || s.Joined != 1 {
		t.Fatalf("thanks: %+v", s)
	}
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetString("status") != "resolved" || !tk.GetBool("win_back") {
		t.Fatalf("after thanks: status %s win_back %v", tk.GetString("status"), tk.GetBool("win_back"))
	}

	// Boosts are not stored; an unrelated post by the same author more than
	// a day after their last message opens a new ticket.
	boost := connectors.Mention{ExternalID: "105", Author: "@zoe@m.example", Text: "boost", Repost: true, Published: at(10 * time.Minute)}
	if s := ingestAll(t, h, src, boost); s.Reposts != 1 || s.New != 0 {
		t.Fatalf("boost: %+v", s)
	}
}

func TestNormalisedMentionIsSafe(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Zapier", "enabled": true})
	hostile := connectors.Mention{
		ExternalID: "x1",
		URL:        "javascript:alert(1)",
		AuthorURL:  "https://example.com/u/\x00bad",
		Author:     "eve\xff\xfe",
		HTML:       `<p onclick="steal()">Where is my order?<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">link</a><iframe src="https://evil.example"></iframe></p>`,
		Published:  time.Now().Add(72 * time.Hour), // from the future
	}
	ingestAll(t, h, src, hostile)
	m, err := app.FindFirstRecordByData("mentions", "external_id", "x1")
	if err != nil {
		t.Fatal(err)
	}
	html := strings.ToLower(m.GetString("html"))
	for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "<iframe"} {
		if strings.Contains(html, bad) {
			t.Errorf("stored html still has %q: %s", bad, m.GetString("html"))
		}
	}
	if m.GetString("url") != "" {
		t.Errorf("javascript: URL kept: %q", m.GetString("url"))
	}
	if !strings.Contains(m.GetString("text"), "Where is my order?") || strings.Contains(m.GetString("text"), "alert") {
		t.Errorf("text %q", m.GetString("text"))
	}
	if p := m.GetDateTime("published_at").Time(); p.After(time.Now().Add(time.Minute)) {
		t.Errorf("published in the future: %s", p)
	}
	if !strings.HasPrefix(m.GetString("author"), "eve") || !utf8.ValidString(m.GetString("author")) {
		t.Errorf("author %q", m.GetString("author"))
	}
}
