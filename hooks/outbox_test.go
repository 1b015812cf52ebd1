package hooks

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/stats"
	"github.com/mentiondesk/mentiondesk/internal/fakemastodon"
)

// outboxCase sets up a Mastodon conversation waiting for an answer.
func outboxCase(t *testing.T) (*tests.TestApp, *hub, *fakemastodon.Server, *core.Record) {
	t.Helper()
	app := newTestApp(t)
	h := hubOf(t, app)
	fake := fakemastodon.New(t)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": fake.URL, "enabled": true})
	h.secrets.Set(src, map[string]string{"token": "tok_outbox"})
	if err := app.Save(src); err != nil {
		t.Fatal(err)
	}
	ingestAll(t, h, src, connectors.Mention{
		ExternalID: "113186126728896492", Author: "@claire@mastodon.example", AuthorName: "Claire",
		Text: "@cafelumiere ma commande n'est jamais arrivée, j'attends toujours", Published: time.Now().Add(-30 * time.Minute),
		Meta: map[string]string{"visibility": "private"},
	})
	tk := ticketOfMention(t, app, "113186126728896492")
	if tk == nil {
		t.Fatal("no ticket")
	}
	return app, h, fake, tk
}

func queueReply(t *testing.T, app core.App, ticketID, body string) *core.Record {
	t.Helper()
	return saveRecord(t, app, "replies", map[string]any{"ticket": ticketID, "author": agentID, "body": body, "via": "platform", "status": "queued"})
}

func TestOutboxRepliesOnMastodon(t *testing.T) {
	t.Parallel()
	app, h, fake, tk := outboxCase(t)
	defer app.Cleanup()
	figures := func() *stats.Figures {
		t.Helper()
		f, _, err := h.stats.Compute(app, stats.Query{From: time.Now().Add(-24 * time.Hour), To: time.Now().Add(time.Minute), Loc: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	before := figures()
	r := queueReply(t, app, tk.Id, "Bonjour Claire, désolés ! On vérifie votre commande tout de suite.")
	h.outbox.SendDue(context.Background())
	after := figures()
	// The reply moves the numbers the dashboard shows.
	if before.Answered != 0 || after.Answered != 1 || after.NeedingAnswer != 1 || after.ResponseRate != 1 || after.Within1h != 1 ||
		after.MedianFirstResponse < 30*60-5 || after.MedianFirstResponse > 30*60+60 {
		t.Fatalf("stats before %+v after %+v", before, after)
	}

	if len(fake.Requests) != 1 {
		t.Fatalf("%d requests to /api/v1/statuses", len(fake.Requests))
	}
	req, form := fake.Requests[0], fake.Forms[0]
	if req.Method != http.MethodPost || req.Header.Get("Authorization") != "Bearer tok_outbox" ||
		req.Header.Get("Idempotency-Key") != r.GetString("idempotency_key") || r.GetString("idempotency_key") == "" {
		t.Fatalf("request: %s auth %q key %q (reply key %q)", req.Method, req.Header.Get("Authorization"), req.Header.Get("Idempotency-Key"), r.GetString("idempotency_key"))
	}
	if !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Fatalf("content type %q", req.Header.Get("Content-Type"))
	}
	wantForm := url.Values{
		"status":         {"@claire@mastodon.example Bonjour Claire, désolés ! On vérifie votre commande tout de suite."},
		"in_reply_to_id": {"113186126728896492"},
		"visibility":     {"private"},
	}
	for k, v := range wantForm {
		if form.Get(k) != v[0] {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v[0])
		}
	}
	r, _ = app.FindRecordById("replies", r.Id)
	if r.GetString("status") != "sent" || r.GetString("external_id") != "113200000000000100" ||
		r.GetString("external_url") != "https://mastodon.example/@cafelumiere/113200000000000100" || r.GetString("sent_at") == "" {
		t.Fatalf("reply after send: %s %q %q", r.GetString("status"), r.GetString("external_id"), r.GetString("external_url"))
	}
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetString("status") != "pending" || tk.GetString("first_response_at") == "" || tk.GetInt("first_response_sec") < 30*60-5 || tk.GetBool("breached") {
		t.Fatalf("ticket after reply: status %s first_response_at %q sec %d breached %v",
			tk.GetString("status"), tk.GetString("first_response_at"), tk.GetInt("first_response_sec"), tk.GetBool("breached"))
	}
	// Sending again finds nothing to send.
	h.outbox.SendDue(context.Background())
	if len(fake.Requests) != 1 {
		t.Fatal("a sent reply was sent again")
	}
}

func TestOutboxFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		fail       int
		hang       bool
		wantStatus string
		wantErr    string
	}{
		{"server error is retried later", 500, false, "queued", "HTTP 500"},
		{"refused token fails for good", 401, false, "failed", "credentials refused (HTTP 401)"},
		{"timeout is retried later", 0, true, "queued", "deadline exceeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			app, h, fake, tk := outboxCase(t)
			defer app.Cleanup()
			fake.Fail, fake.Hang = c.fail, c.hang
			r := queueReply(t, app, tk.Id, "On regarde ça.")
			ctx := context.Background()
			if c.hang {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
			}
			_ = h.outbox.SendReply(ctx, r.Id)
			r, _ = app.FindRecordById("replies", r.Id)
			if r.GetString("status") != c.wantStatus || !strings.Contains(r.GetString("error"), c.wantErr) || r.GetInt("attempts") != 1 {
				t.Fatalf("reply: status %s error %q attempts %d", r.GetString("status"), r.GetString("error"), r.GetInt("attempts"))
			}
			if c.wantStatus == "queued" && !r.GetDateTime("next_attempt_at").Time().After(time.Now()) {
				t.Fatal("a retry must wait")
			}
			tk, _ = app.FindRecordById("tickets", tk.Id)
			if tk.GetString("first_response_at") != "" {
				t.Fatal("a failed reply stopped the clock")
			}
			if c.wantStatus == "failed" {
				// The retry button puts it back in the queue.
				(&tests.ApiScenario{
					Method: http.MethodPost, URL: "/api/md/replies/" + r.Id + "/retry", Headers: as(agentID),
					TestAppFactory: func(testing.TB) *tests.TestApp { return app }, DisableTestAppCleanup: true,
					ExpectedStatus: 200, ExpectedContent: []string{`"status":"queued"`},
				}).Test(t)
			}
		})
	}
}

func TestReplyValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 501)
	scenarios := []tests.ApiScenario{
		{
			Name: "a reply over Mastodon's limit is refused with the numbers", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID), TestAppFactory: appFactory,
			Body:           strings.NewReader(`{"ticket":"` + ticketID + `","author":"` + agentID + `","body":"` + long + `","via":"platform","status":"queued"}`),
			ExpectedStatus: 400, ExpectedContent: []string{"Too long for mastodon: 501 characters, the limit is 500.", `"code":"validation_too_long"`},
		},
		{
			Name: "a blank reply is refused", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID), TestAppFactory: appFactory,
			Body:           strings.NewReader(`{"ticket":"` + ticketID + `","author":"` + agentID + `","body":"   ","via":"platform","status":"queued"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"body":{"code":"validation_required"`},
		},
		{
			Name: "marking a manual answer sent stops the clock", Method: http.MethodPost,
			URL: "/api/md/replies/" + draftReplyID + "/answered-by-hand", Headers: as(agentID),
			BeforeTestFunc: saveManualDraft, TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"sent"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				tk, _ := app.FindRecordById("tickets", ticketID)
				if tk.GetString("first_response_at") == "" || tk.GetString("status") != "pending" || !tk.GetBool("breached") {
					t.Fatalf("ticket: %q %s breached %v", tk.GetString("first_response_at"), tk.GetString("status"), tk.GetBool("breached"))
				}
				var events []string
				_ = app.DB().NewQuery("SELECT kind FROM ticket_events WHERE ticket = {:t} AND kind IN ('reply', 'status') ORDER BY at").Bind(map[string]any{"t": ticketID}).Column(&events)
				if strings.Join(events, ",") != "reply,status" && strings.Join(events, ",") != "status,reply" {
					t.Fatalf("history %v", events)
				}
			},
		},
		{
			Name: "answered elsewhere stops the clock too", Method: http.MethodPost,
			URL: "/api/md/tickets/" + ticketID + "/answered-elsewhere", Headers: as(agentID), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"answered_elsewhere":true`, `"status":"pending"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
