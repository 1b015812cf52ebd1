package hooks

import (
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/pocketbase/pocketbase/tests"
)

func TestDemoDataset(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	h, err := register(app, Config{DisableWorkers: true, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := h.demo.Load(now); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := app.DB().NewQuery(q).Row(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM mentions"); n < 200 {
		t.Errorf("%d mentions, want 200+", n)
	}
	if n := count("SELECT count(DISTINCT channel) FROM mentions"); n != 7 {
		t.Errorf("mentions on %d channels, want all 7", n)
	}
	if n := count("SELECT count(DISTINCT language) FROM mentions WHERE language IN ('fr','en')"); n != 2 {
		t.Errorf("languages: %d", n)
	}
	for _, status := range []string{"new", "pending", "resolved", "ignored"} {
		if n := count("SELECT count(*) FROM tickets WHERE status = '" + status + "'"); n == 0 {
			t.Errorf("no %s ticket", status)
		}
	}
	for _, q := range []string{
		"SELECT count(*) FROM tickets WHERE breached",
		"SELECT count(*) FROM tickets WHERE win_back",
		"SELECT count(*) FROM tickets WHERE first_response_sec > 0 AND first_response_sec < 3600",
		"SELECT count(*) FROM tickets WHERE first_response_sec > 86400",
		"SELECT count(*) FROM replies WHERE status = 'failed'",
		"SELECT count(*) FROM replies WHERE via = 'note'",
		"SELECT count(*) FROM mentions WHERE triage = 'ignored'",
		"SELECT count(*) FROM mentions WHERE triage = 'logged'",
		"SELECT count(*) FROM sources WHERE last_error != ''",
	} {
		if count(q) == 0 {
			t.Errorf("the demo shows nothing for %s", q)
		}
	}
	if count("SELECT count(*) FROM mentions WHERE published_at > '"+records.DT(now).String()+"'") != 0 {
		t.Error("a mention from the future")
	}
	if count("SELECT count(*) FROM users WHERE role = 'owner'") != 0 {
		t.Error("the demo must leave the owner account to the first-run setup")
	}
	// Loading twice changes nothing.
	before := count("SELECT count(*) FROM mentions")
	if err := h.demo.Load(now); err != nil {
		t.Fatal(err)
	}
	if after := count("SELECT count(*) FROM mentions"); after != before {
		t.Errorf("second load: %d → %d mentions", before, after)
	}
}
