package notifier

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notifier/notifiertest"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
)

// heldSleep stands in for n.sleep: every wait is announced on asked and
// lasts until open is called (or its context ends), so a test decides when
// a back-off is over instead of measuring it. It keeps the most waits
// under way at once.
type heldSleep struct {
	asked  chan time.Duration
	opened chan struct{}
	once   sync.Once

	mu        sync.Mutex
	now, peak int
}

func newHeldSleep() *heldSleep {
	return &heldSleep{asked: make(chan time.Duration, 1024), opened: make(chan struct{})}
}

func (s *heldSleep) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.now++
	s.peak = max(s.peak, s.now)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.now--
		s.mu.Unlock()
	}()
	select {
	case s.asked <- d:
	default:
	}
	select {
	case <-s.opened:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// open ends every wait, those under way and those to come.
func (s *heldSleep) open() { s.once.Do(func() { close(s.opened) }) }

func (s *heldSleep) most() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// runInBackground starts the dispatcher as the server does, stopped and
// joined when the test ends.
func runInBackground(t *testing.T, env *notifyEnv) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { env.n.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond: a bound on liveness, never a measure of speed (it
// is met in milliseconds when the code works, never when it does not).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after 20 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *notifyEnv) lanesEmpty() bool {
	e.n.lanesMu.Lock()
	defer e.n.lanesMu.Unlock()
	return len(e.n.lanes) == 0
}

// clicked is the ticket each ntfy message opens.
func clicked(hits []notifiertest.Hit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.Header.Get("X-Click")[strings.LastIndex(h.Header.Get("X-Click"), "/")+1:])
	}
	return out
}

// newTickets makes n tickets and their events, each with a rule's
// "notify" so that the burst guard lets them through one by one.
func newTickets(t *testing.T, env *notifyEnv, n int) ([]string, []bus.Event) {
	t.Helper()
	ids := make([]string, n)
	events := make([]bus.Event, n)
	for i := range ids {
		ids[i] = env.ticket(t, nil)
		events[i] = bus.Event{Kind: "new_ticket", TicketID: ids[i], Notify: true}
	}
	return ids, events
}

// One target that fails (a gateway that hangs, then answers 503) delays
// nobody else: it has one request under way at a time, holds no sender
// slot while it waits to retry, and once it is back it gets every message,
// in order. Before, five events filled the four slots with that target's
// hanging requests and sleeping retries, and every other target waited.
func TestNotifyFailingTargetDelaysNobodyElse(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.target(t, ownerID, "ntfy", "/owner-ntfy", allEvents, nil)
	down := env.target(t, agent2ID, "ntfy", "/agent2-down", allEvents, nil)
	env.f.Answer("/agent2-down", http.StatusServiceUnavailable)
	release := env.f.Block("/agent2-down")
	sleeps := newHeldSleep()
	env.n.sleep = sleeps.sleep
	runInBackground(t, env)
	t.Cleanup(sleeps.open) // before the dispatcher is joined

	ids, events := newTickets(t, env, 5)
	env.bus.Emit(events)
	waitFor(t, "the healthy targets got every message while the other hangs", func() bool {
		return len(env.f.At("/owner-ntfy")) == len(ids) && len(env.f.At("/fixture-ntfy")) == len(ids)
	})
	if got := clicked(env.f.At("/owner-ntfy")); !slices.Equal(got, ids) {
		t.Fatalf("healthy target's messages %v, want %v", got, ids)
	}
	if n := len(env.f.At("/agent2-down")); n != 1 {
		t.Fatalf("the hanging target got %d requests at once, want its first only", n)
	}

	// It answers 503: its lane waits to retry, and the others go on.
	release()
	select {
	case d := <-sleeps.asked:
		if d != 2*time.Second {
			t.Fatalf("first back-off %v", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no retry after a 503")
	}
	later, more := newTickets(t, env, 2)
	env.bus.Emit(more)
	waitFor(t, "a healthy target got the messages of events that came while the other waits to retry", func() bool {
		return len(env.f.At("/owner-ntfy")) == len(ids)+len(later)
	})
	if n := len(env.f.At("/agent2-down")); n != 1 {
		t.Fatalf("the failing target got %d requests while its lane waits", n)
	}

	// It is back: every message, in order, one request at a time.
	env.f.Answer("/agent2-down", http.StatusOK)
	sleeps.open()
	all := append(slices.Clone(ids), later...)
	waitFor(t, "the target that came back got every message", func() bool {
		return len(env.f.At("/agent2-down")) == 1+len(all) && env.lanesEmpty()
	})
	if got := clicked(env.f.At("/agent2-down")); !slices.Equal(got, append([]string{ids[0]}, all...)) {
		t.Fatalf("order at the target that came back: %v, want %v after the failed first", got, all)
	}
	if m := env.f.MaxInFlight("/agent2-down"); m != 1 {
		t.Fatalf("%d requests under way at once to the failing target", m)
	}
	if m := sleeps.most(); m != 1 {
		t.Fatalf("%d retry sequences waiting at once", m)
	}
	r, _ := env.app.FindRecordById("notifications", down.Id)
	if r.GetString("last_error") != "" || r.GetString("last_sent_at") == "" {
		t.Fatalf("after recovery: last_error %q last_sent_at %q", r.GetString("last_error"), r.GetString("last_sent_at"))
	}
}

// A target that stays down is not sent each message through its own
// retries: after one failed sequence everything for it waits in one
// digest, tried again after growing cool-downs. When the target comes
// back the digest counts every message; when it never does, its owner
// reads how many were not delivered.
func TestNotifyDownTargetGetsOneDigest(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	back := env.target(t, agent2ID, "ntfy", "/agent2-back", allEvents, nil)
	dead := env.target(t, ownerID, "ntfy", "/owner-dead", allEvents, nil)
	// Down for two retry sequences, then back.
	env.f.Answer("/agent2-back", append(slices.Repeat([]int{http.StatusServiceUnavailable}, 2*notify.MaxAttempts), http.StatusOK)...)
	env.f.Answer("/owner-dead", http.StatusBadGateway)
	// What the owner of the target that came back read while it was down.
	instant := env.n.sleep
	var mu sync.Mutex
	var read []string
	env.n.sleep = func(ctx context.Context, d time.Duration) error {
		if d >= laneCooldown {
			r, _ := env.app.FindRecordById("notifications", back.Id)
			mu.Lock()
			read = append(read, r.GetString("last_error"))
			mu.Unlock()
		}
		return instant(ctx, d)
	}

	// The first requests hang until every message is in its lane: the
	// lanes see the whole burst, however fast the machine plans it.
	releaseBack, releaseDead := env.f.Block("/agent2-back"), env.f.Block("/owner-dead")
	ids, events := newTickets(t, env, 5)
	env.bus.Emit(events)
	drained := make(chan struct{})
	go func() { env.n.Drain(context.Background()); close(drained) }()
	t.Cleanup(func() { releaseBack(); releaseDead(); <-drained }) // before the app's
	waitFor(t, "every message is in its lane", func() bool {
		env.n.lanesMu.Lock()
		defer env.n.lanesMu.Unlock()
		b, d := env.n.lanes[back.Id], env.n.lanes[dead.Id]
		return b != nil && d != nil && len(b.queue) == len(ids)-1 && len(d.queue) == len(ids)-1
	})
	releaseBack()
	releaseDead()
	<-drained

	hits := env.f.At("/agent2-back")
	if len(hits) != 2*notify.MaxAttempts+1 {
		t.Fatalf("the target that came back got %d requests, want %d failed and the digest", len(hits), 2*notify.MaxAttempts)
	}
	if got := clicked(hits[:notify.MaxAttempts]); !slices.Equal(got, slices.Repeat(ids[:1], notify.MaxAttempts)) {
		t.Fatalf("first retry sequence %v, want the first message's", got)
	}
	if n, digests := counted(t, hits[2*notify.MaxAttempts:]); n != len(ids) || digests != 1 {
		t.Fatalf("after the target came back: %d events in %d digests, want %d in one", n, digests, len(ids))
	}
	if !slices.ContainsFunc(read, func(s string) bool {
		return strings.HasSuffix(s, "HTTP 503 — 5 notifications held, next try at 10:06 UTC.")
	}) {
		t.Fatalf("while down the owner read %q", read)
	}
	r, _ := env.app.FindRecordById("notifications", back.Id)
	if r.GetString("last_error") != "" || r.GetString("last_sent_at") == "" {
		t.Fatalf("after the digest: last_error %q last_sent_at %q", r.GetString("last_error"), r.GetString("last_sent_at"))
	}

	// Never back: one sequence per cool-down, then given up, and said.
	if n := len(env.f.At("/owner-dead")); n != (laneRounds+1)*notify.MaxAttempts {
		t.Fatalf("the dead target got %d requests, want %d", n, (laneRounds+1)*notify.MaxAttempts)
	}
	d, _ := env.app.FindRecordById("notifications", dead.Id)
	if e := d.GetString("last_error"); !strings.Contains(e, "HTTP 502") || !strings.HasSuffix(e, "5 notifications were not delivered.") {
		t.Fatalf("dead target's last_error %q", e)
	}
	env.waitsMu.Lock()
	waits := slices.Clone(env.waits)
	env.waitsMu.Unlock()
	for _, w := range []time.Duration{laneCooldown, 2 * laneCooldown, laneMaxCooldown} {
		if !slices.Contains(waits, w) {
			t.Errorf("no cool-down of %v in %v", w, waits)
		}
	}
	if slices.Max(waits) > laneMaxCooldown {
		t.Errorf("a cool-down longer than %v: %v", laneMaxCooldown, waits)
	}
	for _, p := range []string{"/agent2-back", "/owner-dead"} {
		if m := env.f.MaxInFlight(p); m != 1 {
			t.Errorf("%s: %d requests under way at once", p, m)
		}
	}
}

// A target that hangs while events keep coming keeps a bounded backlog:
// laneBacklog messages, the rest folded into one digest, and nothing is
// lost when it answers again.
func TestNotifyStuckTargetBacklogIsBounded(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	stuck := env.target(t, agent2ID, "ntfy", "/agent2-stuck", allEvents, nil)
	release := env.f.Block("/agent2-stuck")
	runInBackground(t, env)

	const total = laneBacklog + 20
	ids := burstTickets(t, env, total)
	events := make([]bus.Event, total)
	for i, id := range ids {
		// A rule asked for each: through the burst guard, one by one.
		events[i] = bus.Event{Kind: "new_ticket", TicketID: id, Notify: true}
	}
	// The first message hangs at the target before the rest come, so
	// that what waits is the same however slowly the machine runs.
	env.bus.Emit(events[:1])
	waitFor(t, "the stuck target has its first request", func() bool { return len(env.f.At("/agent2-stuck")) == 1 })
	env.bus.Emit(events[1:])
	// On a loaded machine the healthy target's own lane may pass
	// laneBacklog and fold the rest into a digest: count what the
	// messages stand for, not the messages.
	waitFor(t, "a healthy target got every notification", func() bool {
		n, _ := counted(t, env.f.At("/fixture-ntfy"))
		return n == total
	})
	env.n.lanesMu.Lock()
	l := env.n.lanes[stuck.Id]
	queued, folded := len(l.queue), l.folded.Total
	env.n.lanesMu.Unlock()
	if queued != laneBacklog || folded != total-1-laneBacklog {
		t.Fatalf("stuck lane: %d queued, %d folded; want %d and %d", queued, folded, laneBacklog, total-1-laneBacklog)
	}

	release()
	waitFor(t, "the stuck target got its backlog", env.lanesEmpty)
	hits := env.f.At("/agent2-stuck")
	if len(hits) != 1+laneBacklog+1 {
		t.Fatalf("%d messages, want the first, the backlog and one digest", len(hits))
	}
	if got := clicked(hits[:1+laneBacklog]); !slices.Equal(got, ids[:1+laneBacklog]) {
		t.Fatalf("backlog order %v", got)
	}
	if n, digests := counted(t, hits); n != total || digests != 1 {
		t.Fatalf("%d events in the messages (%d digests), want %d", n, digests, total)
	}
}
