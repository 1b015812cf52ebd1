package notifier

// Delivery lanes: one per target, so that a target that is down delays
// nobody else's notifications.
//
// A lane sends its target's messages one at a time, in order. A sender
// slot (n.sem, notifySenders) is held only while a request is under way:
// the waits between Deliver's attempts give it back, so the slots bound
// requests in flight, not waits, and a dead target takes at most one of
// them. The dispatcher only appends to a lane and never waits for one.
//
// A message that still fails after Deliver's retries with an error that
// can pass (network, 429, 5xx) means the target is down: sending each
// message behind it through its own retry sequence would only hammer it.
// That message and everything waiting behind it are folded into one
// digest (a notify.Batch: the first events kept, the rest counted by
// kind, as for bursts and quiet hours), later messages join it, and the
// lane tries the digest again after a cool-down instead: 1 min, doubling
// up to 30 min, or what Retry-After said. After laneRounds cool-downs
// (about an hour) it gives up. Either way the target's last_error says
// how many notifications are held or were not delivered, where its owner
// reads every failure (record). Memory per target is bounded: laneBacklog
// messages, one digest, one daily summary, and one goroutine, only while
// the lane has work.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

const (
	// laneBacklog is far above what the batcher lets through for one
	// person (DefaultBurst per window, plus rules' explicit notifications
	// and due digests): only a target that is slow or down fills it.
	laneBacklog     = 32
	laneCooldown    = time.Minute
	laneMaxCooldown = 30 * time.Minute
	laneRounds      = 6
)

// lane is what waits for one target. Its fields are guarded by
// Notifier.lanesMu.
type lane struct {
	target *core.Record // the newest copy dispatched
	queue  []delivery   // to send one by one, oldest first
	// folded is what did not fit in the queue or waits for the target to
	// come back, sent as one digest after the queue; lang is its reader's.
	folded notify.Batch
	lang   string
	// daily is a daily summary that waits with the digest: it is not made
	// of events, and the newest one says all the older one did.
	daily *delivery
}

// add queues d, or folds it into the digest when the queue is full or a
// digest already waits: what is newer than the digest goes after it.
func (l *lane) add(d delivery) {
	l.target = d.target
	if len(l.queue) < laneBacklog && l.folded.Total == 0 && l.daily == nil {
		l.queue = append(l.queue, d)
		return
	}
	l.fold(d)
}

func (l *lane) fold(d delivery) {
	if d.held.Total == 0 {
		l.daily = &d
		return
	}
	l.folded.Add(d.held.Events, d.held.More)
	l.lang = d.lang
}

// foldAll folds d, then everything queued behind it, into the digest.
func (l *lane) foldAll(d delivery) {
	l.fold(d)
	for _, q := range l.queue {
		l.fold(q)
	}
	l.queue = nil
}

// next takes what the lane sends now: the queue's head, then the digest,
// then a daily summary. digest: it waited, its target is read again.
func (l *lane) next() (d delivery, digest, ok bool) {
	switch {
	case len(l.queue) > 0:
		d = l.queue[0]
		l.queue[0] = delivery{}
		l.queue = l.queue[1:]
		return d, false, true
	case l.folded.Total > 0:
		d = delivery{target: l.target, lang: l.lang, held: l.folded}
		l.folded = notify.Batch{}
		return d, true, true
	case l.daily != nil:
		d = *l.daily
		l.daily = nil
		return d, true, true
	}
	return delivery{}, false, false
}

// pending counts the notifications waiting in the lane.
func (l *lane) pending() int {
	n := l.folded.Total
	for _, d := range l.queue {
		n += d.count()
	}
	if l.daily != nil {
		n++
	}
	return n
}

// drop forgets everything waiting and says how many notifications it was.
func (l *lane) drop() int {
	n := l.pending()
	l.queue, l.folded, l.daily = nil, notify.Batch{}, nil
	return n
}

// count is how many notifications d stands for.
func (d delivery) count() int { return max(d.held.Total, 1) }

// dispatch hands d to its target's lane and starts the lane's goroutine
// when the lane is idle. It never waits: not for a slot, not for the
// target.
func (n *Notifier) dispatch(ctx context.Context, d delivery) {
	if d.target == nil {
		return
	}
	n.lanesMu.Lock()
	defer n.lanesMu.Unlock()
	l := n.lanes[d.target.Id]
	if l == nil {
		l = &lane{}
		n.lanes[d.target.Id] = l
		n.wg.Add(1)
		go n.runLane(ctx, d.target.Id, l)
	}
	l.add(d)
}

// runLane sends what the lane holds until it is empty (or ctx ends: what
// is left is counted in run's last log), then removes it.
func (n *Notifier) runLane(ctx context.Context, id string, l *lane) {
	defer n.wg.Done()
	round := 0 // cool-downs since a delivery last went through
	for {
		n.lanesMu.Lock()
		d, digest, ok := l.next()
		if !ok || ctx.Err() != nil {
			delete(n.lanes, id)
			n.lanesIdle.Broadcast()
			n.lanesMu.Unlock()
			return
		}
		n.lanesMu.Unlock()
		if digest {
			if d = n.freshDigest(id, d); d.target == nil {
				continue
			}
		}
		attempts, err := n.attempt(ctx, d)
		if ctx.Err() != nil {
			continue // stopping: not the target's fault, nothing to record
		}
		// Errors before any request (a secret that cannot be opened) and
		// refusals will not pass by waiting.
		if err == nil || attempts == 0 || !notify.Retryable(err) {
			round = 0
			note := ""
			if err != nil && d.count() > 1 {
				note = fmt.Sprintf("%d notifications were not delivered", d.count())
			}
			if errors.Is(err, notify.ErrGone) {
				// Switched off by record: what waits behind goes nowhere.
				n.lanesMu.Lock()
				if lost := l.drop() + d.count(); lost > 1 {
					note = fmt.Sprintf("%d notifications were not delivered", lost)
				}
				n.lanesMu.Unlock()
			}
			n.record(id, d.msg, err, note)
			continue
		}
		// Down, after every retry: hold everything for one digest.
		round++
		n.lanesMu.Lock()
		lost, held := 0, 0
		if round > laneRounds {
			lost = l.drop() + d.count()
		} else {
			l.foldAll(d)
			held = l.pending()
		}
		n.lanesMu.Unlock()
		if lost > 0 {
			round = 0
			n.record(id, d.msg, err, fmt.Sprintf("gave up after %d tries: %d notifications were not delivered", laneRounds+1, lost))
			continue
		}
		wait := laneWait(round, err)
		n.record(id, d.msg, err, fmt.Sprintf("%d notifications held, next try at %s UTC", held, n.now().Add(wait).Format("15:04")))
		_ = n.sleep(ctx, wait) // a stop ends the wait; the loop sees it
	}
}

// laneWait is the cool-down before a down target's round-th new try.
func laneWait(round int, err error) time.Duration {
	wait := laneCooldown << min(round-1, 10)
	var se *notify.StatusError
	if errors.As(err, &se) && se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	return min(wait, laneMaxCooldown)
}

// freshDigest renders a digest that waited: to the target as saved now
// (its owner may have fixed the address after reading last_error), and
// not at all when the target was removed or switched off meanwhile.
func (n *Notifier) freshDigest(id string, d delivery) delivery {
	r, err := n.app.FindRecordById("notifications", id)
	if err != nil || !r.GetBool("enabled") {
		return delivery{}
	}
	d.target = r
	if d.held.Total > 0 {
		s, _ := settings.Load(n.app)
		d.msg = batchMessage(d.lang, d.held, n.home(s), n.now())
	}
	return d
}

// attempt sends d with Deliver's retries, holding a sender slot only
// while a request is under way: waiting to retry gives it back. It
// returns Deliver's attempts (0: no request was made) and last error.
func (n *Notifier) attempt(ctx context.Context, d delivery) (int, error) {
	acquire := func(ctx context.Context) error {
		select {
		case n.sem <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := acquire(ctx); err != nil {
		return 0, err
	}
	held := true // Deliver calls sleep on this goroutine
	sleep := func(ctx context.Context, wait time.Duration) error {
		<-n.sem
		held = false
		if err := n.sleep(ctx, wait); err != nil {
			return err
		}
		if err := acquire(ctx); err != nil {
			return err
		}
		held = true
		return nil
	}
	attempts, err := n.send(ctx, d.target, d.msg, sleep)
	if held {
		<-n.sem
	}
	return attempts, err
}

// waitLanes returns when every lane is empty (Drain).
func (n *Notifier) waitLanes() {
	n.lanesMu.Lock()
	defer n.lanesMu.Unlock()
	for len(n.lanes) > 0 {
		n.lanesIdle.Wait()
	}
}

// lanesPending counts the notifications waiting in lanes, for logs.
func (n *Notifier) lanesPending() int {
	n.lanesMu.Lock()
	defer n.lanesMu.Unlock()
	c := 0
	for _, l := range n.lanes {
		c += l.pending()
	}
	return c
}
