package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// The SLA watcher looks at the tickets waiting for our answer once a
// minute: at 80 % of the target it flags the ticket at risk (sla.AtRisk),
// past the due time it marks an unanswered ticket breached, and each of
// those is written in the ticket's history and emitted once for
// notifications. One goroutine, so passes never overlap.
//
// A pass works in sets. Whether a ticket is at risk depends only on when
// its clock started, so for each first-response target the rule becomes
// one instant (sla.LatestStart on the business calendar, or the wall
// clock): every waiting ticket that started by then is at risk. Each rule
// is one UPDATE … RETURNING id over the partial indexes that hold only
// the tickets not yet flagged (migration 1732401000), so a pass costs what
// changed since the last one, not what is open. The history rows of the
// flagged tickets are then written with one INSERT.
const (
	slaTick = time.Minute
	// slaChunk bounds one transaction: a first pass over a big backlog
	// lets the poller's batches in between chunks.
	slaChunk = 2000
	// slaAnnounceMax: a pass flagging more tickets than this does not
	// tell realtime about each (the app works lateness out from the due
	// time itself); the stats index is told of every breach.
	slaAnnounceMax = 200
)

// The partial indexes and their conditions, word for word (the risk
// index also requires that we owe an answer: never answered, or the
// customer wrote since our last reply, which each of its two rules
// implies). Each rule
// names its index (INDEXED BY): without statistics SQLite would rather
// seek the status index and read every open ticket; with INDEXED BY, a
// condition that stopped matching the index fails loudly instead.
const (
	slaRiskIndex   = "idx_tickets_sla_risk"
	slaBreachIndex = "idx_tickets_sla_breach"

	slaRiskWatch   = "sla_at_risk = 0 AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != ''"
	slaBreachWatch = "breached = 0 AND first_response_at = '' AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != ''"
)

func (h *hub) registerSLAWatcher() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if !h.cfg.DisableWorkers {
			h.workers.Go("sla watcher", func(ctx context.Context) {
				t := time.NewTicker(slaTick)
				defer t.Stop()
				for {
					if err := h.checkSLA(ctx, time.Now().UTC()); err != nil {
						h.app.Logger().Error("sla: check failed", "error", err)
					}
					select {
					case <-ctx.Done():
						return
					case <-t.C:
					}
				}
			})
		}
		return se.Next()
	})
	return nil
}

// slaRule is one set-based step of a pass: the tickets matching where
// get set to 1 and an event of kind.
type slaRule struct {
	kind, set, index, where string
	params                  dbx.Params
}

// slaRules are the pass's statements at now: at risk per first-response
// target (unanswered tickets from their first message, answered ones
// from the customer's message we owe an answer to), then breaches.
func (h *hub) slaRules(s settings.Settings, now time.Time) []slaRule {
	var cal *sla.Calendar
	if s.SLABusinessHours {
		cal = h.clock.Calendar(s) // nil when unusable: the wall clock
	}
	// Priorities sharing a target share a rule; "" and unknown
	// priorities have the default target.
	byTarget := map[time.Duration][]string{}
	for _, p := range slaPriorities(s) {
		target, _ := s.Targets(p)
		byTarget[target] = append(byTarget[target], p)
	}
	def, _ := s.Targets("")
	var overridden []string
	for target, ps := range byTarget {
		if target != def {
			overridden = append(overridden, ps...)
		}
	}
	targets := make([]time.Duration, 0, len(byTarget)+1)
	for target := range byTarget {
		targets = append(targets, target)
	}
	if _, ok := byTarget[def]; !ok {
		targets = append(targets, def)
	}
	slices.Sort(targets)

	var rules []slaRule
	for i, target := range targets {
		if target <= 0 {
			continue
		}
		// A clock that started at or before cut has used AtRiskAfter:
		// stored times have whole milliseconds, so comparing with cut
		// truncated to the millisecond is exact.
		cut := records.DT(cal.LatestStart(now, sla.AtRiskAfter(target)).Truncate(time.Millisecond)).String()
		params := dbx.Params{"cut": cut}
		prio := ""
		if target == def {
			if len(overridden) > 0 {
				names, p := records.InList("op", overridden)
				prio = " AND priority NOT IN (" + names + ")"
				for k, v := range p {
					params[k] = v
				}
			}
		} else {
			names, p := records.InList(fmt.Sprintf("p%d_", i), byTarget[target])
			prio = " AND priority IN (" + names + ")"
			for k, v := range p {
				params[k] = v
			}
		}
		rules = append(rules,
			slaRule{notify.KindAtRisk, "sla_at_risk", slaRiskIndex, slaRiskWatch + " AND first_response_at = ''" + prio +
				" AND first_mention_at <= {:cut}", params},
			slaRule{notify.KindAtRisk, "sla_at_risk", slaRiskIndex, slaRiskWatch + " AND first_response_at != ''" + prio +
				" AND last_customer_at > last_response_at AND last_customer_at <= {:cut}", params})
	}
	// Breached: due strictly before now, i.e. at or before the last
	// millisecond before now.
	rules = append(rules, slaRule{notify.KindBreached, "breached", slaBreachIndex, slaBreachWatch + " AND sla_due_at <= {:due}",
		dbx.Params{"due": records.DT(now.Add(-1).Truncate(time.Millisecond)).String()}})
	return rules
}

// slaPriorities are the ticket priorities with their own target, and the
// ones the schema knows.
func slaPriorities(s settings.Settings) []string {
	ps := []string{"low", "normal", "high", "urgent"}
	for p := range s.PriorityOverrides {
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}

// checkSLA runs one pass at now.
func (h *hub) checkSLA(ctx context.Context, now time.Time) error {
	s, err := settings.Load(h.app)
	if err != nil {
		return err
	}
	var flagged, breached []string
	var events []bus.Event
	for _, r := range h.slaRules(s, now) {
		for ctx.Err() == nil {
			ids, err := h.applySLARule(r, now)
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
			if len(ids) < slaChunk {
				break
			}
		}
	}
	h.stats.MarkBreached(breached)
	h.announceSLA(flagged)
	h.bus.Emit(events)
	return ctx.Err()
}

// applySLARule flags up to slaChunk tickets matching r and writes their
// history, in one transaction; it returns the tickets flagged.
func (h *hub) applySLARule(r slaRule, now time.Time) ([]string, error) {
	at := records.DT(now).String()
	params := dbx.Params{"now": at, "chunk": slaChunk}
	for k, v := range r.params {
		params[k] = v
	}
	var ids []string
	err := h.app.RunInTransaction(func(tx core.App) error {
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

// announceSLA tells realtime subscribers (the inbox) of the tickets a
// small pass flagged, as a Save would have.
func (h *hub) announceSLA(ids []string) {
	if len(ids) == 0 || len(ids) > slaAnnounceMax {
		return
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	recs, err := h.app.FindRecordsByIds("tickets", ids)
	if err != nil {
		h.app.Logger().Warn("sla: announcing flagged tickets", "error", err)
		return
	}
	h.announce(nil, recs)
}
