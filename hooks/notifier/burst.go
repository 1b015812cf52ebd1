package notifier

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// A burst (an SLA pass flagging thousands of tickets, a flood of new
// mentions) can bring events faster than the dispatcher plans them one by
// one (a few queries each). What does not fit in the queue is neither
// dropped nor kept whole: the first burstKept events are kept and planned
// like any other, the rest only counted by kind, and all of it goes out
// in digests, one per target, when the queue is empty again (or at the
// next tick). Memory stays bounded whatever the burst's size.
//
// A counted event is not read back, so who it is for is known only from
// the event itself: assignments go to their assignee, everything else to
// every member whose target subscribed to that kind (as for a ticket
// nobody is assigned to).
const burstKept = 50

// burstKey is what routing needs to know of a counted event.
type burstKey struct {
	kind     string
	notify   bool   // a triage rule asked for a notification
	assignee string // for assignments: the only recipient
}

type burstSummary struct {
	mu     sync.Mutex
	kept   []notifyEvent
	counts map[burstKey]int
	total  int
}

// add takes one event the queue had no room for; it reports whether this
// is the first of a new burst (to log once, not ten thousand times).
func (b *burstSummary) add(ev notifyEvent) (first bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first = b.total == 0
	b.total++
	if len(b.kept) < burstKept {
		b.kept = append(b.kept, ev)
		return first
	}
	k := burstKey{kind: ev.Kind, notify: ev.Notify}
	if ev.Kind == notify.KindAssigned {
		k.assignee = ev.Assignee
	}
	if b.counts == nil {
		b.counts = map[burstKey]int{}
	}
	b.counts[k]++
	return first
}

// take empties the summary and returns what it held.
func (b *burstSummary) take() ([]notifyEvent, map[burstKey]int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept, counts := b.kept, b.counts
	b.kept, b.counts, b.total = nil, nil, 0
	return kept, counts
}

// putBack returns counts that could not be routed, for the next try.
func (b *burstSummary) putBack(counts map[burstKey]int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.counts == nil {
		b.counts = map[burstKey]int{}
	}
	for k, c := range counts {
		b.counts[k] += c
		b.total += c
	}
}

// size counts the events summarised and not yet handed to the batcher.
func (b *burstSummary) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// releaseBurst hands what the burst summary holds to the batcher: the
// kept events planned as usual but held for a digest, the counted ones
// added to the digests of the targets they would have reached.
func (n *Notifier) releaseBurst() {
	kept, counts := n.burst.take()
	for _, ev := range kept {
		n.plan(ev, true)
	}
	if len(counts) == 0 {
		return
	}
	if err := n.holdCounts(counts); err != nil {
		n.app.Logger().Error("notify: routing a burst, trying again at the next tick", "error", err)
		n.burst.putBack(counts)
	}
}

// holdCounts routes counted events to their targets' digests: by kind
// (the target's subscriptions), to the assignee for assignments, else to
// every member.
func (n *Notifier) holdCounts(counts map[burstKey]int) error {
	n.restoreHolds()
	app := n.app
	now := n.now()
	s, err := settings.Load(app)
	if err != nil {
		return err
	}
	members, err := app.FindAllRecords("users", dbx.In("role", "owner", "agent"))
	if err != nil {
		return err
	}
	byID := map[string]*core.Record{}
	member := map[string]bool{}
	ids := make([]any, 0, len(members))
	for _, u := range members {
		byID[u.Id], member[u.Id] = u, true
		ids = append(ids, u.Id)
	}
	for k := range counts {
		if k.assignee != "" && byID[k.assignee] == nil {
			if u, err := app.FindRecordById("users", k.assignee); err == nil {
				byID[u.Id] = u
				ids = append(ids, u.Id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	targets, err := app.FindAllRecords("notifications", dbx.HashExp{"enabled": true, "user": ids})
	if err != nil {
		return err
	}
	slices.SortFunc(targets, func(a, b *core.Record) int { return strings.Compare(a.Id, b.Id) })
	seen := map[string]bool{}
	for _, tg := range targets {
		uid := tg.GetString("user")
		u := byID[uid]
		// Two targets pointing at the same place are one channel.
		where := uid + "\x00" + tg.GetString("kind") + "\x00" + strings.TrimSpace(tg.GetString("target"))
		if u == nil || seen[where] {
			continue
		}
		seen[where] = true
		mine := map[string]int{}
		for k, c := range counts {
			if k.kind == notify.KindAssigned && k.assignee != uid || k.kind != notify.KindAssigned && !member[uid] {
				continue
			}
			if subscribed(tg, notifyEvent{Event: bus.Event{Kind: k.kind, Notify: k.notify}}) {
				mine[k.kind] += c
			}
		}
		if len(mine) == 0 {
			continue
		}
		var quietUntil time.Time
		if q, ok := notify.ParseQuiet(u.GetString("quiet_start"), u.GetString("quiet_end"), u.GetString("timezone"), s.Timezone); ok {
			quietUntil = q.Until(now)
		}
		n.batch.Hold(uid, tg.Id, now, quietUntil, nil, mine)
	}
	return nil
}
