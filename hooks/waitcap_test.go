package hooks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// Hostile or broken "come back later" headers park nothing for more than
// a day: not a source (Retry-After on a 429, a max-age), not a reply.
func TestPlatformWaitsAreCappedAtADay(t *testing.T) {
	t.Parallel()
	headers := map[string]string{
		"a year in seconds":   "31536000",
		"beyond int64":        "99999999999999999999999",
		"a date in year 2999": "Fri, 01 Jan 2999 00:00:00 GMT",
	}
	for name, value := range headers {
		t.Run("poller, "+name, func(t *testing.T) {
			t.Parallel()
			app := newTestApp(t)
			defer app.Cleanup()
			h := hubOf(t, app)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", value)
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			defer srv.Close()
			src := feedSource(t, app, srv.URL)
			_, _ = h.sources.PollSource(context.Background(), src.Id)
			src, _ = app.FindRecordById("sources", src.Id)
			next := src.GetDateTime("next_check_at").Time()
			if limit := time.Now().Add(connectors.MaxWait + time.Minute); next.After(limit) {
				t.Fatalf("source parked until %s (more than a day)", next)
			}
			if !next.After(time.Now().Add(time.Hour)) {
				t.Fatalf("the platform's wait was not honoured: next check %s", next)
			}
		})
		t.Run("outbox, "+name, func(t *testing.T) {
			t.Parallel()
			app, h, fake, tk := outboxCase(t)
			defer app.Cleanup()
			fake.Fail, fake.RetryAfter = http.StatusTooManyRequests, value
			r := queueReply(t, app, tk.Id, "On regarde ça.")
			_ = h.outbox.SendReply(context.Background(), r.Id)
			r, _ = app.FindRecordById("replies", r.Id)
			next := r.GetDateTime("next_attempt_at").Time()
			if r.GetString("status") != "queued" || next.After(time.Now().Add(connectors.MaxWait+time.Minute)) {
				t.Fatalf("reply %s until %s (more than a day)", r.GetString("status"), next)
			}
		})
	}
}
