package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// sources.last_error_info holds the code and parameters of last_error
// ({"code":"source_dns","params":{"host":"…"}}), so the app shows the
// failure in the owner's language instead of a Go error string. Written
// with its own field literals: a migration never changes once released.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		c.Fields.Add(&core.JSONField{Name: "last_error_info", MaxSize: 4000})
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("last_error_info")
		return app.Save(c)
	})
}
