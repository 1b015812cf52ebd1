package notifier

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notifier/notifiertest"
	"github.com/pocketbase/dbx"
)

// burstTickets inserts n waiting tickets nobody is assigned to, burst0000000001
// and on, straight into SQLite: a burst is about many tickets.
func burstTickets(t *testing.T, env *notifyEnv, n int) []string {
	t.Helper()
	_, err := env.app.DB().NewQuery(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {:n})
		INSERT INTO tickets (id, subject, status, priority, channel, needs_answer, first_mention_at, created, updated)
		SELECT printf('burst%010d', i), 'Question ' || i, 'new', 'normal', 'bluesky', 1,
			'2026-11-20 10:00:00.000Z', '2026-11-20 10:00:00.000Z', '2026-11-20 10:00:00.000Z' FROM c`).
		Bind(dbx.Params{"n": n}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("burst%010d", i+1)
	}
	return ids
}

var firstNumbers = regexp.MustCompile(`\d+`)

// counted is how many events the messages a target received stand for:
// one per single message, the figures of a digest's title for a digest.
func counted(t *testing.T, hits []notifiertest.Hit) (events, digests int) {
	t.Helper()
	for _, h := range hits {
		title := ntfyTitle(t, h)
		if !strings.HasPrefix(title, "Mentiondesk") {
			events++
			continue
		}
		digests++
		for _, f := range firstNumbers.FindAllString(title, -1) {
			n, _ := strconv.Atoi(f)
			events += n
		}
	}
	return events, digests
}

// A burst of 10,000 events, far more than the queue holds, becomes
// digests: nothing is dropped, every event is counted in some message,
// per target and by what the target subscribed to.
func TestNotifyBurstBecomesDigestsDroppingNothing(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.target(t, ownerID, "ntfy", "/owner-all", allEvents, nil)
	env.target(t, agent2ID, "ntfy", "/agent2-late", []string{"sla_breached"}, nil)
	const total, late = 10_000, 3_000
	ids := burstTickets(t, env, total-late)
	events := make([]bus.Event, 0, total)
	for _, id := range ids {
		events = append(events, bus.Event{Kind: "new_ticket", TicketID: id})
	}
	for _, id := range ids[:late] {
		events = append(events, bus.Event{Kind: "sla_breached", TicketID: id})
	}
	env.bus.Emit(events) // all at once, as an SLA pass or a big poll does
	// Memory is bounded: the queue, a few kept events, counts by kind.
	env.n.burst.mu.Lock()
	kept, keys, summarised := len(env.n.burst.kept), len(env.n.burst.counts), env.n.burst.total
	env.n.burst.mu.Unlock()
	if kept > burstKept || keys > 2 || len(env.n.events)+summarised != total {
		t.Fatalf("queued %d, kept %d, %d counters, %d summarised", len(env.n.events), kept, keys, summarised)
	}
	env.n.Drain(t.Context())
	env.clock = env.clock.Add(15 * time.Minute) // the burst window is over
	env.n.Drain(t.Context())

	for _, c := range []struct {
		path string
		want int
	}{{"/owner-all", total}, {"/fixture-ntfy", total}, {"/agent2-late", late}} {
		got, digests := counted(t, env.f.At(c.path))
		if got != c.want || digests == 0 {
			t.Errorf("%s: %d events in its messages (%d digests), want %d", c.path, got, digests, c.want)
		}
	}
	// The digest says what the events were, late tickets as late ones.
	saidLate := false
	for _, h := range env.f.At("/owner-all") {
		saidLate = saidLate || strings.Contains(ntfyTitle(t, h), "tickets en retard")
	}
	if !saidLate {
		t.Error("the owner's digest does not count the late tickets")
	}
	if held := env.n.batch.Held(); held != 0 {
		t.Errorf("%d events still held", held)
	}
}
