package stats

import (
	"errors"
	"strings"
	"testing"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// The index follows Saves; a write around the hooks shows in CheckIndex
// until the writer tells the index (MarkBreached, the SLA watcher's way).
func TestCheckIndexSeesWritesAroundTheHooks(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	r, err := Register(app, Deps{DisableWorkers: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CheckIndex(app); !errors.Is(err, ErrIndexNotLoaded) {
		t.Fatalf("before loading: %v", err)
	}
	if err := r.LoadIndex(app); err != nil {
		t.Fatal(err)
	}
	tk := apptest.Save(t, app, "tickets", map[string]any{"subject": "s", "status": "new", "priority": "normal", "channel": "mastodon",
		"first_mention_at": "2026-11-02 09:00:00.000Z", "needs_answer": true})
	apptest.Save(t, app, "mentions", map[string]any{"external_id": "m1", "channel": "mastodon", "ticket": tk.Id,
		"published_at": "2026-11-02 09:00:00.000Z", "sentiment_label": "negative", "triage": "ticket", "text": "x"})
	if err := r.CheckIndex(app); err != nil {
		t.Fatalf("after Saves: %v", err)
	}

	if _, err := app.DB().NewQuery("UPDATE tickets SET breached = TRUE WHERE id = {:id}").Bind(map[string]any{"id": tk.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckIndex(app); err == nil || !strings.Contains(err.Error(), "ticket "+tk.Id) {
		t.Fatalf("a set-based UPDATE went unseen: %v", err)
	}
	r.MarkBreached([]string{tk.Id})
	if err := r.CheckIndex(app); err != nil {
		t.Fatalf("after MarkBreached: %v", err)
	}

	if _, err := app.DB().NewQuery("UPDATE mentions SET sentiment_label = 'positive'").Execute(); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckIndex(app); err == nil || !strings.Contains(err.Error(), "mentions of") {
		t.Fatalf("a mention changed around the hooks went unseen: %v", err)
	}
}
