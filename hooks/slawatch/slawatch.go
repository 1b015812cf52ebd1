// Package slawatch is the SLA watcher: it looks at the tickets waiting for
// our answer once a minute: at 80 % of the target it flags the ticket at
// risk (sla.AtRisk), past the due time it marks an unanswered ticket
// breached, and each of those is written in the ticket's history and
// emitted once on the bus for notifications. One goroutine, so passes
// never overlap.
//
// A pass works in sets. Whether a ticket is at risk depends only on when
// its clock started, so for each first-response target the rule becomes
// one instant (sla.LatestStart on the business calendar, or the wall
// clock): every waiting ticket that started by then is at risk. Each rule
// is one UPDATE … RETURNING id over the partial indexes that hold only
// the tickets not yet flagged (migration 1732401000), so a pass costs what
// changed since the last one, not what is open. The history rows of the
// flagged tickets are then written with one INSERT.
//
// The rule itself lives in hooks/sla, once: the watcher turns it into
// SQL, it does not restate it.
package slawatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
)

const (
	tick = time.Minute
	// chunk bounds one transaction: a first pass over a big backlog lets
	// the poller's batches in between chunks.
	chunk = 2000
	// announceMax: a pass flagging more tickets than this does not tell
	// realtime about each (the app works lateness out from the due time
	// itself); the stats index is told of every breach.
	announceMax = 200
)

// Deps is what the watcher needs from the rest of the server.
type Deps struct {
	// Bus carries the at-risk and breached events to notifications.
	Bus *bus.Bus
	// Workers runs the watcher's loop, joined on terminate.
	Workers *workers.Pool
	// Clock is the SLA time: business hours or the wall clock.
	Clock *settings.Clock
	// Announce runs the after-update hooks of tickets changed without a
	// Save (realtime to the inbox), as a Save would have.
	Announce func(updated []*core.Record)
	// MarkBreached tells the stats index of tickets flagged breached by a
	// set-based UPDATE, which no record hook sees.
	MarkBreached func(ids []string)
	// DisableWorkers keeps the loop off: tests call Check by hand.
	DisableWorkers bool
}

// ErrMissingDep is returned by Register when a Deps field it needs is nil.
var ErrMissingDep = errors.New("slawatch: missing dependency")

// Watcher flags tickets at risk and breached.
type Watcher struct {
	app core.App
	d   Deps
}

// Register starts the watcher's loop when the server serves (unless
// d.DisableWorkers) and returns the watcher, for the wiring and tests.
func Register(app core.App, d Deps) (*Watcher, error) {
	switch {
	case d.Bus == nil:
		return nil, fmt.Errorf("%w: Bus", ErrMissingDep)
	case d.Clock == nil:
		return nil, fmt.Errorf("%w: Clock", ErrMissingDep)
	case d.Announce == nil:
		return nil, fmt.Errorf("%w: Announce", ErrMissingDep)
	case d.MarkBreached == nil:
		return nil, fmt.Errorf("%w: MarkBreached", ErrMissingDep)
	case d.Workers == nil && !d.DisableWorkers:
		return nil, fmt.Errorf("%w: Workers", ErrMissingDep)
	}
	w := &Watcher{app: app, d: d}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if !d.DisableWorkers {
			d.Workers.Go("sla watcher", w.run)
		}
		return se.Next()
	})
	return w, nil
}

func (w *Watcher) run(ctx context.Context) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := w.Check(ctx, time.Now().UTC()); err != nil {
			w.app.Logger().Error("sla: check failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check runs one pass at now: it flags what is at risk or breached at
// now, writes the history, tells the stats index and realtime, and emits
// one event per flag.
func (w *Watcher) Check(ctx context.Context, now time.Time) error {
	s, err := settings.Load(w.app)
	if err != nil {
		return err
	}
	var flagged, breached []string
	var events []bus.Event
	for _, r := range w.rules(s, now) {
		for ctx.Err() == nil {
			ids, err := w.apply(r, now)
			if err != nil {
				return err
			}
			for _, id := range ids {
				events = append(events, bus.Event{Kind: r.kind, TicketID: id})
			}
			flagged = append(flagged, ids...)
			if r.kind == notify.KindBreached {
				breached = append(breached, ids...)
			}
			if len(ids) < chunk {
				break
			}
		}
	}
	w.d.MarkBreached(breached)
	w.announce(flagged)
	w.d.Bus.Emit(events)
	return ctx.Err()
}

// apply flags up to chunk tickets matching r and writes their history, in
// one transaction; it returns the tickets flagged.
func (w *Watcher) apply(r rule, now time.Time) ([]string, error) {
	at := records.DT(now).String()
	params := dbx.Params{"now": at, "chunk": chunk}
	for k, v := range r.params {
		params[k] = v
	}
	var ids []string
	err := w.app.RunInTransaction(func(tx core.App) error {
		ids = ids[:0]
		err := tx.DB().NewQuery("UPDATE tickets SET " + r.set + " = 1, updated = {:now} WHERE id IN (SELECT id FROM tickets INDEXED BY " +
			r.index + " WHERE " + r.where + " LIMIT {:chunk}) RETURNING id").Bind(params).Column(&ids)
		if err != nil || len(ids) == 0 {
			return err
		}
		rows := make([][2]string, len(ids))
		for i, id := range ids {
			rows[i] = [2]string{records.NewID(), id}
		}
		raw, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		_, err = tx.DB().NewQuery(`INSERT INTO ticket_events (id, ticket, kind, at)
			SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), {:kind}, {:at} FROM json_each({:rows})`).
			Bind(dbx.Params{"kind": r.kind, "at": at, "rows": string(raw)}).Execute()
		return err
	})
	return ids, err
}

// announce tells realtime subscribers (the inbox) of the tickets a small
// pass flagged, as a Save would have.
func (w *Watcher) announce(ids []string) {
	if len(ids) == 0 || len(ids) > announceMax {
		return
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	recs, err := w.app.FindRecordsByIds("tickets", ids)
	if err != nil {
		w.app.Logger().Warn("sla: announcing flagged tickets", "error", err)
		return
	}
	w.d.Announce(recs)
}
