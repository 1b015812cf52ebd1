package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A WebSub hub's verification GET is answered only for a request we made:
// the source records the (un)subscription it is waiting for and since when.
// Hidden: only the server reads them.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: "websub_pending", Values: []string{"subscribe", "unsubscribe"}, MaxSelect: 1, Hidden: true},
			&core.DateField{Name: "websub_pending_at", Hidden: true},
		)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("websub_pending")
		c.Fields.RemoveByName("websub_pending_at")
		return app.Save(c)
	})
}
