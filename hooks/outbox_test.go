package hooks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/stats"
)

// fakeMastodon speaks the statuses API the way Mastodon does, including
// Idempotency-Key: a repeated key returns the first status, creates none.
type fakeMastodon struct {
	t        testing.TB
	mu       sync.Mutex
	created  int
	byKey    map[string][]byte
	requests []*http.Request
	forms    []url.Values
	fail     int // status to answer instead, 0 = succeed
	// retryAfter is the Retry-After header sent with fail.
	retryAfter string
	hang       bool
}

func (f *fakeMastodon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/api/v2/instance":
		_, _ = w.Write(readFixture(f.t, "mastodon/instance_v2.json"))
		return
	case "/api/v1/statuses":
	default:
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	f.requests = append(f.requests, r)
	f.forms = append(f.forms, r.PostForm)
	if f.hang {
		f.mu.Unlock()
		<-r.Context().Done()
		f.mu.Lock()
		return
	}
	if f.fail != 0 {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.fail)
		if f.fail == 401 {
			_, _ = w.Write(readFixture(f.t, "mastodon/error_401.json"))
		}
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if body, ok := f.byKey[key]; ok && key != "" {
		_, _ = w.Write(body)
		return
	}
	f.created++
	body := readFixture(f.t, "mastodon/status_created.json")
	f.byKey[key] = body
	_, _ = w.Write(body)
}

func readFixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("../connectors/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// outboxCase sets up a Mastodon conversation waiting for an answer.
func outboxCase(t *testing.T) (*tests.TestApp, *hub, *fakeMastodon, *core.Record) {
	t.Helper()
	app := newTestApp(t)
	h := hubOf(t, app)
	fake := &fakeMastodon{t: t, byKey: map[string][]byte{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": srv.URL, "enabled": true})
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
	h.sendDue(context.Background())
	after := figures()
	// The reply moves the numbers the dashboard shows.
	if before.Answered != 0 || after.Answered != 1 || after.NeedingAnswer != 1 || after.ResponseRate != 1 || after.Within1h != 1 ||
		after.MedianFirstResponse < 30*60-5 || after.MedianFirstResponse > 30*60+60 {
		t.Fatalf("stats before %+v after %+v", before, after)
	}

	if len(fake.requests) != 1 {
		t.Fatalf("%d requests to /api/v1/statuses", len(fake.requests))
	}
	req, form := fake.requests[0], fake.forms[0]
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
	h.sendDue(context.Background())
	if len(fake.requests) != 1 {
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
			fake.fail, fake.hang = c.fail, c.hang
			r := queueReply(t, app, tk.Id, "On regarde ça.")
			ctx := context.Background()
			if c.hang {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
			}
			_ = h.sendReply(ctx, r.Id)
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

// A crash after the platform accepted a reply but before we saved that
// leaves it "sending". On restart it is sent again with the same
// Idempotency-Key, and Mastodon answers with the first status: one post.
func TestOutboxCrashBetweenSendAndSave(t *testing.T) {
	t.Parallel()
	app, h, fake, tk := outboxCase(t)
	defer app.Cleanup()
	r := queueReply(t, app, tk.Id, "Bonjour Claire, c'est parti.")

	// The send reaches the platform; the process dies before saving.
	if _, err := h.deliver(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE replies SET status = 'sending' WHERE id = {:id}").Bind(map[string]any{"id": r.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	// Restart.
	h.recoverInterruptedSends()
	h.sendDue(context.Background())

	if fake.created != 1 || len(fake.requests) != 2 {
		t.Fatalf("statuses created %d (requests %d): the reply was posted twice", fake.created, len(fake.requests))
	}
	if fake.requests[0].Header.Get("Idempotency-Key") != fake.requests[1].Header.Get("Idempotency-Key") {
		t.Fatal("the retry changed the idempotency key")
	}
	r, _ = app.FindRecordById("replies", r.Id)
	if r.GetString("status") != "sent" || r.GetString("external_id") != "113200000000000100" {
		t.Fatalf("after recovery: %s %q", r.GetString("status"), r.GetString("external_id"))
	}
}

// E-mail has no way to ask "did this arrive?": an interrupted send is
// handed to the agent, never repeated blindly.
func TestOutboxInterruptedEmailIsNotResent(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "email", "name": "Inbox", "url": "imaps://127.0.0.1:1", "enabled": true})
	ingestAll(t, h, src, connectors.Mention{ExternalID: "<m1@example.com>", Author: "claire@example.com", Title: "Commande", Text: "Où est ma commande ?", Published: time.Now().Add(-time.Hour)})
	tk := ticketOfMention(t, app, "<m1@example.com>")
	r := saveRecord(t, app, "replies", map[string]any{"ticket": tk.Id, "author": agentID, "body": "Bonjour", "via": "email", "status": "sending"})
	h.recoverInterruptedSends()
	r, _ = app.FindRecordById("replies", r.Id)
	if r.GetString("status") != "failed" || !strings.Contains(r.GetString("error"), "check whether the customer received it") {
		t.Fatalf("interrupted e-mail: %s %q", r.GetString("status"), r.GetString("error"))
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
