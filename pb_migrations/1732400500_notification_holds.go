package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// NotificationHoldsID is the id of the single row of notification_holds.
const NotificationHoldsID = "mdnotifyholds01"

// notification_holds keeps the notifications held for a digest (quiet
// hours, bursts) across restarts: one row, written by the notifier when
// what it holds changes. No API rule: only the server and superusers.
func init() {
	m.Register(func(app core.App) error {
		c, err := collectionSpec{
			name:       "notification_holds",
			fields:     []core.Field{hiddenJSON("state", 5<<20)},
			timestamps: true,
		}.build(app)
		if err != nil {
			return err
		}
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("notification_holds")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
