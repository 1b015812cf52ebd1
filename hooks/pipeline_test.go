package hooks

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// feedItem is one entry of a test RSS feed, with what the pipeline should
// make of it: the labels are written by hand from the text, not read back
// from the analyser.
type feedItem struct {
	guid, author, text string
	ago                time.Duration
	want               string // ticket, logged, ignored, dropped, joined, duplicate
}

// rss renders items as a real RSS 2.0 document.
func rss(items []feedItem, now time.Time) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Mentions</title><link>https://alerts.example/</link><description>x</description>`)
	for _, it := range items {
		var esc strings.Builder
		_ = xml.EscapeText(&esc, []byte(it.text))
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><link>https://social.example/p/%s</link><author>%s@social.example (%s)</author><description>%s</description><pubDate>%s</pubDate></item>`,
			it.guid, it.guid, it.author, it.author, esc.String(), now.Add(-it.ago).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func pipelineFeed() []feedItem {
	h := time.Hour
	return []feedItem{
		// Complaints: ten people, ten tickets.
		{"c1", "anne", "Ma commande chez Café Lune n'est jamais arrivée, j'attends toujours !", 30 * h, "ticket"},
		{"c2", "bruno", "Café Lune m'a servi un café froid et le serveur était désagréable. Très déçu.", 29 * h, "ticket"},
		{"c3", "carla", "Still waiting for my refund from Cafe Lune, nobody answers my emails.", 28 * h, "ticket"},
		{"c4", "dan", "Cafe Lune charged me twice for the same order. Terrible service.", 27 * h, "ticket"},
		{"c5", "emma", "Le pain de Café Lune était rassis ce matin, vraiment nul.", 26 * h, "ticket"},
		{"c6", "farid", "Cafe Lune delivery was two hours late and the croissants were crushed. Awful.", 25 * h, "ticket"},
		{"c7", "gilles", "Toujours aucune réponse de Café Lune pour mon remboursement, c'est scandaleux.", 24 * h, "ticket"},
		{"c8", "hana", "My Cafe Lune order never arrived and support ignored me. Worst experience.", 23 * h, "ticket"},
		{"c9", "ines", "Café Lune a annulé ma commande sans prévenir, inadmissible.", 22 * h, "ticket"},
		{"c10", "jack", "Cafe Lune gave me the wrong cake for my daughter's birthday. So disappointed.", 21 * h, "ticket"},
		// Questions.
		{"q1", "karim", "Est-ce que Café Lune est ouvert le dimanche ?", 20 * h, "ticket"},
		{"q2", "lea", "Café Lune fait-il des gâteaux sans gluten ?", 19 * h, "ticket"},
		{"q3", "marc", "Quels sont les horaires de Café Lune pendant les vacances ?", 18 * h, "ticket"},
		{"q4", "nina", "Est-ce que Café Lune livre à Montreuil ?", 17 * h, "ticket"},
		{"q5", "oscar", "Peut-on réserver une table chez Café Lune pour samedi ?", 16 * h, "ticket"},
		{"q6", "paula", "Café Lune accepte les tickets restaurant ?", 15 * h, "ticket"},
		{"q7", "quentin", "Comment commander un gâteau d'anniversaire chez Café Lune ?", 14 * h, "ticket"},
		{"q8", "rose", "Café Lune a une terrasse ?", 13 * h, "ticket"},
		{"q9", "sam", "Does Cafe Lune have vegan options?", 12 * h, "ticket"},
		{"q10", "tess", "What time does Cafe Lune open on Sundays?", 11 * h, "ticket"},
		{"q11", "uma", "Can I order a birthday cake from Cafe Lune online?", 10 * h, "ticket"},
		{"q12", "victor", "Is there parking near Cafe Lune?", 9 * h, "ticket"},
		// Praise is logged.
		{"p1", "wendy", "Les croissants de Café Lune sont délicieux, merci !", 8 * h, "logged"},
		{"p2", "xavier", "Best flat white in town at Cafe Lune, love it!", 8 * h, "logged"},
		{"p3", "yasmine", "Super accueil chez Café Lune, l'équipe est adorable.", 7 * h, "logged"},
		{"p4", "zoe", "Cafe Lune's sourdough is amazing, thank you!", 7 * h, "logged"},
		{"p5", "albert", "Merci Café Lune pour ce brunch parfait, on reviendra !", 6 * h, "logged"},
		{"p6", "beatrice", "Cafe Lune made our wedding cake and it was perfect. Highly recommend!", 6 * h, "logged"},
		// Noise that names us.
		{"n1", "cyril", "Je passe devant Café Lune tous les matins.", 5 * h, "ignored"},
		{"n2", "dora", "Walked past Cafe Lune today on my way to work.", 5 * h, "ignored"},
		{"n3", "eric", "Rendez-vous devant Café Lune à 14h.", 5 * h, "ignored"},
		{"n4", "fanny", "Cafe Lune is on the corner of Rue des Martyrs.", 4 * h, "ignored"},
		{"n5", "gaston", "Café Lune a changé sa vitrine.", 4 * h, "ignored"},
		{"n6", "hugo", "Meeting Paul at Cafe Lune tomorrow at noon.", 4 * h, "ignored"},
		// Not about us: a broad search is not trusted alone.
		{"d1", "irene", "La lune est magnifique ce soir.", 3 * h, "dropped"},
		{"d2", "jules", "Full moon tonight, what a view.", 3 * h, "dropped"},
		{"d3", "kim", "Mon café préféré ferme ses portes, triste nouvelle.", 3 * h, "dropped"},
		{"d4", "lina", "Best coffee shops in Paris, a list.", 3 * h, "dropped"},
		{"d5", "mona", "Je cherche une bonne boulangerie à Lyon.", 3 * h, "dropped"},
		{"d6", "noah", "Lune de miel à Venise, magnifique.", 3 * h, "dropped"},
		// Another café of the same name, excluded by the owner.
		{"x1", "olga", "Le Café Lune de Montréal est fermé pour travaux, quelle honte.", 2 * h, "dropped"},
		{"x2", "pierre", "Brunch au Café Lune de Montréal, service lent, je suis déçu.", 2 * h, "dropped"},
		{"x3", "quinn", "Is Café Lune de Montréal open on Mondays?", 2 * h, "dropped"},
		// The same people again within a day of their last message: their
		// open ticket.
		{"f1", "anne", "Toujours rien reçu de Café Lune, vous êtes là ?", 29 * h, "joined"},
		{"f2", "carla", "Cafe Lune, it's been a week. Still no refund. Why?", 27 * h, "joined"},
		{"f3", "hana", "Cafe Lune still has not answered me. Is anyone there?", 22 * h, "joined"},
		// The same words from someone else within a day: another customer,
		// owed an answer of their own.
		{"h1", "rachel", "Ma commande chez Café Lune n'est jamais arrivée, j'attends toujours !", 29*h + 30*time.Minute, "ticket"},
		{"h2", "simon", "Cafe Lune charged me twice for the same order. Terrible service.", 26 * h, "ticket"},
		// The feed repeats two entries: stored once.
		{"c1", "anne", "Ma commande chez Café Lune n'est jamais arrivée, j'attends toujours !", 30 * h, "duplicate"},
		{"q1", "karim", "Est-ce que Café Lune est ouvert le dimanche ?", 20 * h, "duplicate"},
	}
}

// TestPipelineEndToEnd polls a feed of 50 mixed mentions through the real
// poller, connector, analyser, triage and ticketing, and asserts exactly
// what was stored.
func TestPipelineEndToEnd(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)

	items := pipelineFeed()
	if len(items) != 50 {
		t.Fatalf("fixture has %d items", len(items))
	}
	now := time.Now().UTC()
	body := rss(items, now)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()

	saveRecord(t, app, "keywords", map[string]any{"term": "Café Lune de Montréal", "kind": "exclude"})
	// Replace the fixture keyword so only our brand counts.
	src := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": "Google Alerts", "url": srv.URL, "enabled": true})

	want := map[string]int{}
	for _, it := range items {
		want[it.want]++
	}
	// Ingest writes rows without Saves; realtime and the stats index
	// still hear of each one after commit.
	var mu sync.Mutex
	announced := map[string]int{}
	app.OnModelAfterCreateSuccess().BindFunc(func(e *core.ModelEvent) error {
		mu.Lock()
		announced[e.Model.TableName()]++
		mu.Unlock()
		return e.Next()
	})
	contactsBefore, _ := app.CountRecords("contacts")
	res, err := h.sources.PollSource(context.Background(), src.Id)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Stats
	expect := tickets.IngestStats{
		// The connector already folds the feed's repeated entries.
		Seen: 48, New: 48, Duplicates: 0, Dropped: want["dropped"], Ignored: want["ignored"],
		Logged: want["logged"], Opened: want["ticket"], Joined: want["joined"],
	}
	if got != expect {
		t.Errorf("stats =\n %+v\nwant\n %+v", got, expect)
	}
	for _, it := range items {
		if it.want == "duplicate" {
			continue
		}
		m, err := app.FindFirstRecordByFilter("mentions", "source = {:s} && external_id = {:e}", dbx.Params{"s": src.Id, "e": it.guid})
		if err != nil {
			t.Fatalf("%s not stored: %v", it.guid, err)
		}
		triage := m.GetString("triage")
		wantTriage := it.want
		if it.want == "joined" {
			wantTriage = "ticket"
		}
		if triage != wantTriage {
			t.Errorf("%s %q: triage %s (%s), want %s", it.guid, it.text, triage, m.GetString("triage_reason"), wantTriage)
		}
		// The row as written in the transaction, links included.
		if m.GetString("thread_key") != "feed:"+it.guid || m.GetString("created") == "" || m.GetString("fetched_at") == "" ||
			m.GetString("text") == "" || (m.GetString("ticket") != "") != (m.GetString("contact") != "") {
			t.Errorf("%s stored as thread %q, created %q, fetched %q, contact %q", it.guid, m.GetString("thread_key"),
				m.GetString("created"), m.GetString("fetched_at"), m.GetString("contact"))
		}
		hasTicket := m.GetString("ticket") != ""
		if hasTicket != (wantTriage == "ticket" || wantTriage == "logged") {
			t.Errorf("%s: ticket %q with triage %s", it.guid, m.GetString("ticket"), triage)
		}
	}
	count := func(collection, filter string) int {
		recs, err := app.FindRecordsByFilter(collection, filter, "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	// The fixture data (one ticket, one mention, one contact) is there too.
	if n := count("mentions", "source = '"+src.Id+"'"); n != 48 {
		t.Errorf("mentions stored = %d, want 48", n)
	}
	if n := count("tickets", "source = '"+src.Id+"' && needs_answer = true && status = 'new'"); n != want["ticket"] {
		t.Errorf("open tickets = %d, want %d", n, want["ticket"])
	}
	if n := count("tickets", "source = '"+src.Id+"' && needs_answer = false && status = 'resolved'"); n != want["logged"] {
		t.Errorf("logged praise tickets = %d, want %d", n, want["logged"])
	}
	if n := count("contacts", "platform = 'feed'"); n != want["ticket"]+want["logged"] {
		t.Errorf("contacts = %d, want %d", n, want["ticket"]+want["logged"])
	}
	mu.Lock()
	contactsAfter, _ := app.CountRecords("contacts")
	if announced["mentions"] != 48 || announced["tickets"] != want["ticket"]+want["logged"] || announced["contacts"] != int(contactsAfter-contactsBefore) {
		t.Errorf("created rows announced after commit: %v, want 48 mentions, %d tickets, %d contacts", announced, want["ticket"]+want["logged"], contactsAfter-contactsBefore)
	}
	mu.Unlock()
	// Anne's ticket holds her complaint and her follow-up, not Rachel's
	// message of the same words.
	c1, _ := app.FindFirstRecordByFilter("mentions", "external_id = 'c1'")
	if n := count("mentions", "ticket = '"+c1.GetString("ticket")+"'"); n != 2 {
		t.Errorf("anne's ticket has %d mentions, want 2", n)
	}
	tk, _ := app.FindRecordById("tickets", c1.GetString("ticket"))
	if tk.GetInt("mention_count") != 2 || tk.GetString("priority") != "high" {
		t.Errorf("anne's ticket: mention_count %d priority %s", tk.GetInt("mention_count"), tk.GetString("priority"))
	}
	due := tk.GetDateTime("sla_due_at").Time().Sub(tk.GetDateTime("first_mention_at").Time())
	if due != time.Hour {
		t.Errorf("sla_due_at is %s after the first mention, want 1h", due)
	}

	// The source is healthy and says what it found.
	src, _ = app.FindRecordById("sources", src.Id)
	if src.GetInt("error_count") != 0 || src.GetString("last_error") != "" || src.GetInt("last_new") != 48 || src.GetString("last_ok_at") == "" {
		t.Errorf("source health: errors %d %q new %d ok_at %q", src.GetInt("error_count"), src.GetString("last_error"), src.GetInt("last_new"), src.GetString("last_ok_at"))
	}

	// Polling the same batch again changes nothing.
	res, err = h.sources.PollSource(context.Background(), src.Id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.New != 0 || res.Stats.Duplicates != 48 {
		t.Fatalf("second poll stats %+v", res.Stats)
	}
	if n := count("mentions", "source = '"+src.Id+"'"); n != 48 {
		t.Errorf("after re-poll: %d mentions", n)
	}
}

// hubOf returns the hub registered on a test app.
func hubOf(t testing.TB, app *tests.TestApp) *hub {
	t.Helper()
	h, ok := hubs.Load(app)
	if !ok {
		t.Fatal("no hub registered on this app")
	}
	return h.(*hub)
}

func saveRecord(t testing.TB, app core.App, collection string, fields map[string]any) *core.Record {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("saving %s: %v", collection, err)
	}
	return r
}

func nowUTC() time.Time { return time.Now().UTC() }
