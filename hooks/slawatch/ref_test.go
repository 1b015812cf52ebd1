package slawatch

import (
	"context"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// checkPerTicket is the SLA watcher as it was before it worked in
// sets, kept as the reference its results are compared with and the
// baseline of BenchmarkSLAPass: every waiting ticket read, its clock
// measured in Go, each flagged ticket saved on its own with its history.
// The at-risk rule is sla.AtRisk, as in the watcher.
func (w *Watcher) checkPerTicket(ctx context.Context, now time.Time) error {
	s, err := settings.Load(w.app)
	if err != nil {
		return err
	}
	const batch = 500
	var events []bus.Event
	last := "" // keyset paging: the flags set take rows out of the filter
	for ctx.Err() == nil {
		recs, err := w.app.FindRecordsByFilter("tickets",
			"id > {:last} && needs_answer = true && (status = 'new' || status = 'open') && sla_due_at != '' && "+
				"(first_response_at = '' || last_customer_at > last_response_at) && (breached = false || sla_at_risk = false)",
			"id", batch, 0, dbx.Params{"last": last})
		if err != nil {
			return err
		}
		for _, t := range recs {
			ev, err := w.stepPerTicket(t, s, now)
			if err != nil {
				return err
			}
			events = append(events, ev...)
		}
		if len(recs) < batch {
			break
		}
		last = recs[len(recs)-1].Id
	}
	w.d.Bus.Emit(events)
	return nil
}

func (w *Watcher) stepPerTicket(t *core.Record, s settings.Settings, now time.Time) ([]bus.Event, error) {
	due := t.GetDateTime("sla_due_at").Time()
	answered := t.GetString("first_response_at") != ""
	start := t.GetDateTime("first_mention_at").Time()
	if answered {
		start = t.GetDateTime("last_customer_at").Time()
	}
	target, _ := s.Targets(t.GetString("priority"))
	var used time.Duration
	if s.SLABusinessHours {
		used = w.d.Clock.BusinessElapsed(s, start, now)
	} else {
		used = now.Sub(start)
	}
	var events []bus.Event
	changed := false
	if !t.GetBool("sla_at_risk") && sla.AtRisk(used, target) {
		t.Set("sla_at_risk", true)
		changed = true
		events = append(events, bus.Event{Kind: "sla_at_risk", TicketID: t.Id})
	}
	if !answered && !t.GetBool("breached") && now.After(due) {
		t.Set("breached", true)
		changed = true
		events = append(events, bus.Event{Kind: "sla_breached", TicketID: t.Id})
	}
	if !changed {
		return nil, nil
	}
	err := w.app.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(t); err != nil {
			return err
		}
		col, err := tx.FindCachedCollectionByNameOrId("ticket_events")
		if err != nil {
			return err
		}
		for _, ev := range events {
			// The history line tickets write (hooks/tickets, History).
			r := core.NewRecord(col)
			r.Set("ticket", t.Id)
			r.Set("kind", ev.Kind)
			r.Set("at", now)
			if err := tx.SaveNoValidate(r); err != nil {
				return err
			}
		}
		return nil
	})
	return events, err
}
