package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A ticket's customer messages are its mentions: ticket_events no longer
// copies each of them as a "customer_message" row (one more row and two
// more index entries per ingested mention, for nothing the mention does
// not say). The history keeps what only it knows: replies, status
// changes, assignments and SLA events. Down writes the copies back.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`DELETE FROM ticket_events WHERE kind = 'customer_message'`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`
INSERT INTO ticket_events (id, ticket, kind, "from", "to", actor, mention, at)
SELECT substr(lower(hex(randomblob(8))), 1, 15), ticket, 'customer_message', '', '', '', id, published_at
FROM mentions WHERE ticket != '' AND own = 0`).Execute()
		return err
	})
}
