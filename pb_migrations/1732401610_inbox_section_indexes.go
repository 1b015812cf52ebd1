package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The inbox's first two sections (ui/src/screens/Inbox.svelte segments():
// waiting for our answer and still in time, at risk first then the
// soonest due; waiting and late, longest waiting first), each in a partial
// index holding only the tickets waiting for an answer, in the order the
// section is read: SQLite walks it and stops at the page's 30 rows.
//
// idx_tickets_inbox (1732401400) held every ticket by breached first: the
// late section, sorted by sla_due_at, could not use it and sorted every
// late ticket for each page (264,000 at a million mentions: 390 ms alone),
// and the first section walked past every resolved ticket (a year of
// them) before reaching the waiting ones. Both partial indexes hold
// waiting tickets only, so resolved ones leave them.
//
// Their WHERE is written as the app's filter reaches SQLite through
// PocketBase (`(status = "new" || status = "open")` becomes
// `(status = 'new' OR status = 'open')`, in that order): SQLite uses a
// partial index only for a query whose WHERE implies its condition.
// breached leads both so that the section's equality on it makes each the
// planner's choice with or without ANALYZE's statistics (a partial index
// keyed by sla_due_at alone lost to idx_tickets_breached and a sort).
// hooks/inbox_sections_test.go holds the app's requests to these indexes
// and to the answers they gave before.
func init() {
	const waitingTickets = "(status = 'new' OR status = 'open')"
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_tickets_inbox")
		c.AddIndex("idx_tickets_inbox_waiting", false, "breached, sla_at_risk DESC, sla_due_at, created DESC", waitingTickets)
		c.AddIndex("idx_tickets_inbox_late", false, "breached, sla_due_at, created DESC", waitingTickets)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_tickets_inbox_waiting")
		c.RemoveIndex("idx_tickets_inbox_late")
		c.AddIndex("idx_tickets_inbox", false, "breached, sla_at_risk DESC, sla_due_at, created DESC", "")
		return app.Save(c)
	})
}
