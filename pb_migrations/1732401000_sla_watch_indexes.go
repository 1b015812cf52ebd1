package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The SLA watcher's pass is set-based: one UPDATE per rule for the tickets
// whose flags can still change. These partial indexes hold exactly those
// tickets — waiting for our answer (never answered, or the customer
// wrote since) with a due date and not yet flagged at risk, or not yet
// breached and never answered — so a pass at a million
// mentions reads a handful of index entries, not every open ticket (the
// flagged ones leave the index when flagged). Their WHERE clauses are repeated word for word
// (or implied) by hooks/slawatch/rules.go: SQLite uses a partial index only for
// a query whose WHERE implies its condition.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		// Keyed by first_response_at first: the unanswered tickets (''), in
		// the order their clocks started, then the answered ones.
		c.AddIndex("idx_tickets_sla_risk", false, "first_response_at, first_mention_at",
			"sla_at_risk = 0 AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != '' AND "+
				"(first_response_at = '' OR last_customer_at > last_response_at)")
		c.AddIndex("idx_tickets_sla_breach", false, "sla_due_at", "breached = 0 AND first_response_at = '' AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_tickets_sla_risk")
		c.RemoveIndex("idx_tickets_sla_breach")
		return app.Save(c)
	})
}
