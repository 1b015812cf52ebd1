package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The inbox's first section (waiting for our answer and still in time, at
// risk first, then the soonest due: ui/src/screens/Inbox.svelte) in the
// order it is read: SQLite walks it and stops at the page's 30 rows
// instead of sorting every waiting ticket for each page (264,000 at a
// million mentions: 20 s at p50 under 50 clients before).
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.AddIndex("idx_tickets_inbox", false, "breached, sla_at_risk DESC, sla_due_at, created DESC", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_tickets_inbox")
		return app.Save(c)
	})
}
