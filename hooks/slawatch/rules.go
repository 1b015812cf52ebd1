package slawatch

import (
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// The partial indexes and their conditions, word for word (the risk
// index also requires that we owe an answer: never answered, or the
// customer wrote since our last reply, which each of its two rules
// implies). Each rule
// names its index (INDEXED BY): without statistics SQLite would rather
// seek the status index and read every open ticket; with INDEXED BY, a
// condition that stopped matching the index fails loudly instead.
const (
	riskIndex   = "idx_tickets_sla_risk"
	breachIndex = "idx_tickets_sla_breach"

	riskWatch   = "sla_at_risk = 0 AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != ''"
	breachWatch = "breached = 0 AND first_response_at = '' AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != ''"
)

// rule is one set-based step of a pass: the tickets matching where get
// set to 1 and an event of kind.
type rule struct {
	kind, set, index, where string
	params                  dbx.Params
}

// rules are the pass's statements at now: at risk per first-response
// target (unanswered tickets from their first message, answered ones
// from the customer's message we owe an answer to), then breaches.
func (w *Watcher) rules(s settings.Settings, now time.Time) []rule {
	var cal *sla.Calendar
	if s.SLABusinessHours {
		cal = w.d.Clock.Calendar(s) // nil when unusable: the wall clock
	}
	// Priorities sharing a target share a rule; "" and unknown
	// priorities have the default target.
	byTarget := map[time.Duration][]string{}
	for _, p := range priorities(s) {
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

	var rules []rule
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
			rule{notify.KindAtRisk, "sla_at_risk", riskIndex, riskWatch + " AND first_response_at = ''" + prio +
				" AND first_mention_at <= {:cut}", params},
			rule{notify.KindAtRisk, "sla_at_risk", riskIndex, riskWatch + " AND first_response_at != ''" + prio +
				" AND last_customer_at > last_response_at AND last_customer_at <= {:cut}", params})
	}
	// Breached: due strictly before now, i.e. at or before the last
	// millisecond before now.
	rules = append(rules, rule{notify.KindBreached, "breached", breachIndex, breachWatch + " AND sla_due_at <= {:due}",
		dbx.Params{"due": records.DT(now.Add(-1).Truncate(time.Millisecond)).String()}})
	return rules
}

// priorities are the ticket priorities with their own target, and the
// ones the schema knows.
func priorities(s settings.Settings) []string {
	ps := []string{"low", "normal", "high", "urgent"}
	for p := range s.PriorityOverrides {
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}
