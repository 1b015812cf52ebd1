package notify

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of the burst guard: a sixth event within ten minutes for one
// person starts a digest instead of a sixth buzz.
const (
	DefaultBurst       = 5
	DefaultBurstWindow = 10 * time.Minute
	// keptPerDigest bounds memory per held target: beyond it events are
	// only counted ("and 212 more").
	keptPerDigest = 50
)

// Item is one message-to-be: Key names the delivery target.
type Item struct {
	Key   string
	Event Event
}

// Batch is a digest due for one target of one user.
type Batch struct {
	User   string
	Key    string
	Events []Event // the first events held, at most keptPerDigest
	// More counts, by kind, the events held beyond Events: a burst of
	// thousands is summarised, never kept whole.
	More  map[string]int `json:"more,omitempty"`
	Total int            // every event held: len(Events) + the sum of More
}

// Batcher decides, per user, whether events go out now or wait for a
// digest: during the user's quiet hours everything waits for their end;
// past Burst events within Window, the rest of the window waits. What it
// holds can be kept across restarts: Snapshot, Restore, and Version to
// know when to write it again.
type Batcher struct {
	Burst  int
	Window time.Duration

	mu      sync.Mutex
	users   map[string]*userHold
	version uint64 // moves whenever what is held changes
}

// HeldUser is what a Batcher holds for one user.
type HeldUser struct {
	User    string    `json:"user"`
	Until   time.Time `json:"until"`
	Batches []Batch   `json:"batches"`
}

type userHold struct {
	recent []time.Time // events offered within Window
	until  time.Time   // held until then
	held   map[string]*Batch
	order  []string
}

// NewBatcher returns a batcher with the given burst guard (zero values:
// the defaults).
func NewBatcher(burst int, window time.Duration) *Batcher {
	if burst <= 0 {
		burst = DefaultBurst
	}
	if window <= 0 {
		window = DefaultBurstWindow
	}
	return &Batcher{Burst: burst, Window: window, users: map[string]*userHold{}}
}

// Offer takes one event's items for one user at now and returns those to
// send right away; the others are held. quietUntil is the end of the
// user's current quiet period, zero when they are not in one. bypassBurst
// lets a rule's explicit "notify" through the burst guard (never through
// quiet hours: those are the person's own choice).
func (b *Batcher) Offer(user string, now, quietUntil time.Time, items []Item, bypassBurst bool) []Item {
	if len(items) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.userOf(user)
	cut := now.Add(-b.Window)
	u.recent = slices.DeleteFunc(u.recent, func(t time.Time) bool { return !t.After(cut) })
	u.recent = append(u.recent, now)

	switch {
	case !quietUntil.IsZero():
		if quietUntil.After(u.until) {
			u.until = quietUntil
		}
	case u.until.After(now):
		// still inside an earlier hold
	case len(u.recent) > b.Burst && !bypassBurst:
		u.until = now.Add(b.Window)
	default:
		return items
	}
	if bypassBurst && quietUntil.IsZero() {
		return items
	}
	b.version++
	for _, it := range items {
		u.hold(user, it.Key, []Event{it.Event}, nil)
	}
	return nil
}

// Hold holds a burst too big to look at event by event, for one target
// of one user: events kept as they are (up to keptPerDigest per target,
// like any digest) and counts by kind of those only counted. They wait
// like a burst does: until the user's quiet hours end (quietUntil), or
// the end of the current hold, or a burst window from now.
func (b *Batcher) Hold(user, key string, now, quietUntil time.Time, events []Event, counts map[string]int) {
	if len(events) == 0 && len(counts) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.userOf(user)
	switch {
	case quietUntil.After(u.until):
		u.until = quietUntil
	case !u.until.After(now):
		u.until = now.Add(b.Window)
	}
	b.version++
	u.hold(user, key, events, counts)
}

// userOf returns what is held for user, made on first use. b.mu is held.
func (b *Batcher) userOf(user string) *userHold {
	u := b.users[user]
	if u == nil {
		u = &userHold{held: map[string]*Batch{}}
		b.users[user] = u
	}
	return u
}

// hold adds events, and events counted by kind, to a target's digest.
func (u *userHold) hold(user, key string, events []Event, counts map[string]int) {
	h := u.held[key]
	if h == nil {
		h = &Batch{User: user, Key: key}
		u.held[key] = h
		u.order = append(u.order, key)
	}
	h.Add(events, counts)
}

// Add folds events, and events counted by kind, into the digest, keeping
// the first keptPerDigest events and counting the rest: a digest's
// memory is bounded however many it stands for.
func (h *Batch) Add(events []Event, counts map[string]int) {
	for _, ev := range events {
		h.Total++
		if len(h.Events) < keptPerDigest {
			h.Events = append(h.Events, ev)
			continue
		}
		h.count(ev.Kind, 1)
	}
	for kind, n := range counts {
		if n > 0 {
			h.Total += n
			h.count(kind, n)
		}
	}
}

func (h *Batch) count(kind string, n int) {
	if h.More == nil {
		h.More = map[string]int{}
	}
	h.More[kind] += n
}

// Due returns and forgets the digests whose hold is over at now. quiet,
// when given, says until when a user is in quiet hours now (zero: not): a
// burst digest due at 22:05 waits for the morning like everything else.
func (b *Batcher) Due(now time.Time, quiet func(user string) time.Time) []Batch {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Batch
	for user, u := range b.users {
		if u.until.After(now) {
			continue
		}
		if quiet != nil && len(u.order) > 0 {
			if until := quiet(user); until.After(now) {
				u.until = until
				continue
			}
		}
		for _, k := range u.order {
			out = append(out, *u.held[k])
		}
		if len(u.order) > 0 {
			b.version++
		}
		u.held, u.order = map[string]*Batch{}, nil
		if len(u.recent) == 0 || !u.recent[len(u.recent)-1].After(now.Add(-b.Window)) {
			delete(b.users, user)
		}
	}
	slices.SortFunc(out, func(a, c Batch) int {
		return cmp.Or(strings.Compare(a.User, c.User), strings.Compare(a.Key, c.Key))
	})
	return out
}

// Held counts the events waiting, for logs and tests.
func (b *Batcher) Held() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, u := range b.users {
		for _, h := range u.held {
			n += h.Total
		}
	}
	return n
}

// Snapshot returns what is held, user by user in a stable order.
func (b *Batcher) Snapshot() []HeldUser {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []HeldUser
	for user, u := range b.users {
		if len(u.order) == 0 {
			continue
		}
		h := HeldUser{User: user, Until: u.until}
		for _, k := range u.order {
			bt := *u.held[k]
			bt.Events = slices.Clone(bt.Events)
			bt.More = maps.Clone(bt.More)
			h.Batches = append(h.Batches, bt)
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, c HeldUser) int { return strings.Compare(a.User, c.User) })
	return out
}

// Restore holds again what a Snapshot held, added to anything held now.
func (b *Batcher) Restore(held []HeldUser) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, h := range held {
		u := b.userOf(h.User)
		if h.Until.After(u.until) {
			u.until = h.Until
		}
		for _, bt := range h.Batches {
			more := maps.Clone(bt.More)
			// Held before More existed: the events beyond those kept
			// were only a total, counted as arrivals.
			if rest := bt.Total - len(bt.Events) - sum(bt.More); rest > 0 {
				if more == nil {
					more = map[string]int{}
				}
				more[KindNewTicket] += rest
			}
			u.hold(h.User, bt.Key, bt.Events, more)
		}
	}
	b.version++
}

// Version changes whenever what is held changes.
func (b *Batcher) Version() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.version
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
