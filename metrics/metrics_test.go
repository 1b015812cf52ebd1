package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

func scrape(t *testing.T, h http.Handler, auth string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", Path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestOffWithoutAToken(t *testing.T) {
	app, _ := apptest.New(t)
	if register(app, "  ") != nil {
		t.Fatal("metrics registered without a token")
	}
	if code, _ := scrape(t, apptest.Handler(t, app), "Bearer "); code != http.StatusNotFound {
		t.Fatalf("GET %s without metrics: %d, want 404", Path, code)
	}
}

func TestTokenIsRequired(t *testing.T) {
	app, _ := apptest.New(t)
	register(app, "s3cret-token")
	h := apptest.Handler(t, app)
	for _, auth := range []string{"", "Bearer wrong", "s3cret-token", "Basic s3cret-token", "Bearer s3cret-token-and-more"} {
		if code, body := scrape(t, h, auth); code != http.StatusUnauthorized || strings.Contains(body, "mentiondesk_") {
			t.Errorf("Authorization %q: %d, want 401 and no metrics", auth, code)
		}
	}
	if code, _ := scrape(t, h, "Bearer s3cret-token"); code != http.StatusOK {
		t.Fatalf("right token: %d", code)
	}
}

func TestCountsFromRecordHooksAndGaugesFromTheDatabase(t *testing.T) {
	app, _ := apptest.New(t)
	register(app, "tok")
	h := apptest.Handler(t, app)
	now := time.Now().UTC()

	src := apptest.Save(t, app, "sources", map[string]any{"kind": "feed", "name": "Blog", "enabled": true})
	apptest.Save(t, app, "sources", map[string]any{"kind": "reddit", "name": "r/lyon", "enabled": true})
	// A poll that failed, one that worked, an owner's rename (no poll),
	// and a failure again: the gauge reads the table as it is now.
	update(t, app, src, map[string]any{"last_check_at": now.Add(-time.Minute), "error_count": 1})
	update(t, app, src, map[string]any{"last_check_at": now, "error_count": 0})
	update(t, app, src, map[string]any{"name": "The blog"})
	update(t, app, src, map[string]any{"last_check_at": now.Add(time.Second), "error_count": 2})

	ticket := apptest.Save(t, app, "tickets", map[string]any{"status": "open", "priority": "normal", "channel": "feed", "sla_at_risk": true})
	apptest.Save(t, app, "tickets", map[string]any{"status": "new", "priority": "high", "channel": "feed", "breached": true})
	apptest.Save(t, app, "tickets", map[string]any{"status": "resolved", "priority": "low", "channel": "feed", "breached": true})
	apptest.Save(t, app, "mentions", map[string]any{"external_id": "m1", "channel": "feed", "triage": "ticket", "ticket": ticket.Id})
	apptest.Save(t, app, "mentions", map[string]any{"external_id": "m2", "channel": "feed", "triage": "dropped"})

	// The outbox: one reply sent, one retried, one given up, one stuck in
	// the queue for an hour, one draft edited (no send).
	reply := func(status string) *core.Record {
		return apptest.Save(t, app, "replies", map[string]any{"ticket": ticket.Id, "body": "Merci !", "via": "platform", "status": status})
	}
	update(t, app, reply("sending"), map[string]any{"status": "sent"})
	update(t, app, reply("sending"), map[string]any{"status": "queued", "error": "Mastodon answered 503"})
	update(t, app, reply("sending"), map[string]any{"status": "failed"})
	update(t, app, reply("queued"), map[string]any{"next_attempt_at": now.Add(-time.Hour)})
	update(t, app, reply("draft"), map[string]any{"body": "Merci beaucoup !"})

	user := apptest.Save(t, app, "users", map[string]any{"email": "anne@example.com", "password": "a-long-password", "name": "Anne", "role": "owner"})
	target := apptest.Save(t, app, "notifications", map[string]any{"user": user.Id, "kind": "ntfy", "target": "desk", "enabled": true})
	update(t, app, target, map[string]any{"last_sent_at": now})
	update(t, app, target, map[string]any{"last_error": "ntfy answered 429"})
	update(t, app, target, map[string]any{"name": "Phone"})

	code, body := scrape(t, h, "Bearer tok")
	if code != http.StatusOK {
		t.Fatalf("scrape: %d\n%s", code, body)
	}
	for _, want := range []string{
		`mentiondesk_polls_total{kind="feed",result="error"} 2`,
		`mentiondesk_polls_total{kind="feed",result="ok"} 1`,
		`mentiondesk_mentions_ingested_total{channel="feed",triage="ticket"} 1`,
		`mentiondesk_mentions_ingested_total{channel="feed",triage="dropped"} 1`,
		`mentiondesk_tickets_opened_total{channel="feed"} 3`,
		`mentiondesk_outbox_sends_total{result="sent",via="platform"} 1`,
		`mentiondesk_outbox_sends_total{result="retry",via="platform"} 1`,
		`mentiondesk_outbox_sends_total{result="failed",via="platform"} 1`,
		`mentiondesk_notifications_total{kind="ntfy",result="sent"} 1`,
		`mentiondesk_notifications_total{kind="ntfy",result="failed"} 1`,
		`mentiondesk_sources_failing{kind="feed"} 1`,
		`mentiondesk_sources_failing{kind="reddit"} 0`,
		`mentiondesk_outbox_queue_depth 2`,
		`mentiondesk_outbox_stuck 1`,
		`mentiondesk_replies_failed 1`,
		`mentiondesk_sla_at_risk 1`,
		`mentiondesk_sla_breached 1`,
		`mentiondesk_backlog_read_ok 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if !strings.Contains(body, "\ngo_goroutines ") || !strings.Contains(body, "\nprocess_resident_memory_bytes ") {
		t.Error("the Go runtime and process collectors are missing")
	}
	// The first scrape was timed, and a refused one; the next shows them
	// under the route's pattern and status class.
	scrape(t, h, "Bearer wrong")
	_, body = scrape(t, h, "Bearer tok")
	for _, want := range []string{
		`mentiondesk_http_request_duration_seconds_count{code="2xx",method="GET",route="GET /api/md/metrics"} 1`,
		`mentiondesk_http_request_duration_seconds_count{code="4xx",method="GET",route="GET /api/md/metrics"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("request latency lacks %s:\n%s", want, grep(body, "http_request"))
		}
	}
}

// update changes a fresh copy of r, as the poller, outbox and notifier do.
func update(t *testing.T, app core.App, r *core.Record, fields map[string]any) {
	t.Helper()
	fresh, err := app.FindRecordById(r.Collection().Name, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		fresh.Set(k, v)
	}
	if err := app.Save(fresh); err != nil {
		t.Fatal(err)
	}
}

func grep(body, word string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
