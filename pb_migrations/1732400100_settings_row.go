package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// SettingsID is the id of the single settings row.
const SettingsID = "mdsettings00001"

// The settings collection holds exactly one row, created here with the
// targets customers expect: a first answer within the hour, never beyond a day.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("settings")
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Set("id", SettingsID)
		r.Set("business_name", "")
		r.Set("timezone", "Europe/Paris")
		r.Set("business_hours", map[string]any{
			"week": map[string]any{
				"mon": [][2]string{{"09:00", "18:00"}}, "tue": [][2]string{{"09:00", "18:00"}},
				"wed": [][2]string{{"09:00", "18:00"}}, "thu": [][2]string{{"09:00", "18:00"}},
				"fri": [][2]string{{"09:00", "18:00"}},
			},
			"holidays": []string{},
		})
		r.Set("sla_business_hours", false)
		r.Set("first_response_target_min", 60)
		r.Set("first_response_limit_min", 24*60)
		r.Set("resolution_target_min", 3*24*60)
		r.Set("priority_overrides", map[string]any{})
		return app.Save(r)
	}, func(app core.App) error {
		r, err := app.FindRecordById("settings", SettingsID)
		if err != nil {
			return nil // already gone
		}
		return app.Delete(r)
	})
}
