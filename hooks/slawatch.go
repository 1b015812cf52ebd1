package hooks

import (
	"context"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The SLA watcher looks at every ticket waiting for our answer once a
// minute: at 80 % of the target it flags the ticket at risk, past the due
// time it marks the first response breached, and each of those is emitted
// once for notifications. One goroutine, so runs never overlap.
const (
	slaTick      = time.Minute
	atRiskShare  = 0.8
	slaBatchSize = 500
)

func (h *hub) registerSLAWatcher() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if !h.cfg.DisableWorkers {
			go func() {
				t := time.NewTicker(slaTick)
				defer t.Stop()
				for {
					if err := h.checkSLA(h.ctx, time.Now().UTC()); err != nil {
						h.app.Logger().Error("sla: check failed", "error", err)
					}
					select {
					case <-h.ctx.Done():
						return
					case <-t.C:
					}
				}
			}()
		}
		return se.Next()
	})
	return nil
}

// checkSLA evaluates the waiting tickets at `now`.
func (h *hub) checkSLA(ctx context.Context, now time.Time) error {
	s, err := loadSettings(h.app)
	if err != nil {
		return err
	}
	var events []ingestEvent
	last := "" // keyset paging: the flags we set take rows out of the filter
	for ctx.Err() == nil {
		recs, err := h.app.FindRecordsByFilter("tickets",
			"id > {:last} && needs_answer = true && (status = 'new' || status = 'open') && sla_due_at != '' && "+
				"(first_response_at = '' || last_customer_at > last_response_at) && (breached = false || sla_at_risk = false)",
			"id", slaBatchSize, 0, dbx.Params{"last": last})
		if err != nil {
			return err
		}
		for _, t := range recs {
			ev, err := h.slaStep(t, s, now)
			if err != nil {
				return err
			}
			events = append(events, ev...)
		}
		if len(recs) < slaBatchSize {
			break
		}
		last = recs[len(recs)-1].Id
	}
	h.emit(events)
	return nil
}

func (h *hub) slaStep(t *core.Record, s settings, now time.Time) ([]ingestEvent, error) {
	due := t.GetDateTime("sla_due_at").Time()
	answered := t.GetString("first_response_at") != ""
	start := t.GetDateTime("first_mention_at").Time()
	if answered {
		start = t.GetDateTime("last_customer_at").Time()
	}
	target, _ := s.targets(t.GetString("priority"))
	var used time.Duration
	if s.SLABusinessHours { // the same clock as the due date
		used = h.businessElapsed(s, start, now)
	} else {
		used = now.Sub(start)
	}

	var events []ingestEvent
	changed := false
	if !t.GetBool("sla_at_risk") && float64(used) >= atRiskShare*float64(target) {
		t.Set("sla_at_risk", true)
		changed = true
		events = append(events, ingestEvent{Kind: "sla_at_risk", TicketID: t.Id})
	}
	if !answered && !t.GetBool("breached") && now.After(due) {
		t.Set("breached", true)
		changed = true
		events = append(events, ingestEvent{Kind: "sla_breached", TicketID: t.Id})
	}
	if !changed {
		return nil, nil
	}
	err := h.app.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(t); err != nil {
			return err
		}
		for _, ev := range events {
			if err := (ticketEvent{Ticket: t.Id, Kind: ev.Kind, At: now}).save(tx); err != nil {
				return err
			}
		}
		return nil
	})
	return events, err
}
