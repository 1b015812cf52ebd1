// Package bus carries what happened to tickets, once it is committed,
// from the concern that did it (ingest, the SLA watcher) to the ones that
// care (notifications): none of them imports another for it.
package bus

import "sync"

// Event is something notifications care about, emitted after commit.
type Event struct {
	Kind     string // new_ticket, negative, reopened, sla_at_risk, sla_breached…
	TicketID string
	Notify   bool // a rule asked for a notification
}

// Bus hands committed events to every listener, in order.
type Bus struct {
	mu        sync.RWMutex
	listeners []func(Event)
}

// Listen adds fn to the listeners; it must not block (queue the work).
func (b *Bus) Listen(fn func(Event)) {
	b.mu.Lock()
	b.listeners = append(b.listeners, fn)
	b.mu.Unlock()
}

// Emit hands events to every listener.
func (b *Bus) Emit(events []Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, e := range events {
		for _, l := range b.listeners {
			l(e)
		}
	}
}
