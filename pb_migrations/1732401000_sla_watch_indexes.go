package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The SLA watcher's pass is set-based: one UPDATE per rule for the tickets
// whose flags can still change. These partial indexes hold exactly those
// tickets — waiting for us with a due date and not yet flagged at risk,
// or not yet breached and never answered — so a pass at a million
// mentions reads a handful of index entries, not every open ticket (the
// flagged ones leave the index when flagged). Their WHERE clauses are repeated word for word
// by hooks/slawatch.go: SQLite uses a partial index only for a query that
// states its condition.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.AddIndex("idx_tickets_sla_risk", false, "first_mention_at", "sla_at_risk = 0 AND needs_answer = 1 AND status IN ('new', 'open') AND sla_due_at != ''")
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
