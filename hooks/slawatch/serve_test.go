package slawatch

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// Serving starts the watcher in the pool: its first pass runs at once
// (a ticket already late is flagged without waiting a minute), and the
// loop returns when the pool's context ends, so the pool joins it.
func TestServeStartsTheWatcher(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	late := records.DT(time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Millisecond)).String()
	apptest.Save(t, app, "tickets", map[string]any{"id": "late00000000001", "subject": "Late", "status": "new", "priority": "normal",
		"channel": "email", "needs_answer": true, "first_mention_at": late, "last_customer_at": late, "sla_due_at": late})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := workers.New(ctx, app.Logger())
	b := &bus.Bus{}
	got := make(chan bus.Event, 4)
	b.Listen(func(e bus.Event) { got <- e })
	_, err := Register(app, Deps{Bus: b, Workers: pool, Clock: settings.NewClock(app.Logger()),
		Announce: func([]*core.Record) {}, MarkBreached: func([]string) {}})
	if err != nil {
		t.Fatal(err)
	}
	apptest.Handler(t, app) // runs the OnServe hooks
	kinds := map[string]bool{}
	for len(kinds) < 2 {
		select {
		case e := <-got:
			kinds[e.Kind] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("after 10 s the first pass emitted %v", kinds)
		}
	}
	cancel()
	joined := make(chan struct{})
	go func() { pool.Join(); close(joined) }()
	select {
	case <-joined:
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher did not stop with its context")
	}
}
