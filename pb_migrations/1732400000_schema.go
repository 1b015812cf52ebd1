package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The users collection comes from PocketBase; we add the team fields and
// close public sign-up (the first owner is created by /api/md/setup).
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.Add(
			sel("role", true, "owner", "agent"),
			sel("language", false, "fr", "en"),
			text("timezone", 64),
			// "22:00"-"07:00" in the user's timezone: no pushes in between.
			&core.TextField{Name: "quiet_start", Max: 5, Pattern: `^([01]\d|2[0-3]):[0-5]\d$`},
			&core.TextField{Name: "quiet_end", Max: 5, Pattern: `^([01]\d|2[0-3]):[0-5]\d$`},
		)
		users.ListRule = rule(RuleMember)
		users.ViewRule = rule(RuleMember)
		users.CreateRule = rule(RuleOwner)
		// Members edit themselves (never their role); owners edit anyone.
		users.UpdateRule = rule(`(` + RuleMember + ` && id = @request.auth.id && @request.body.role:isset = false) || (` + RuleOwner + `)`)
		users.DeleteRule = rule(RuleOwner + ` && id != @request.auth.id`)
		users.ManageRule = rule(RuleOwner)
		if err := app.Save(users); err != nil {
			return err
		}

		for _, spec := range schemaSpecs() {
			c, err := spec.build(app)
			if err != nil {
				return err
			}
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		specs := schemaSpecs()
		for i := len(specs) - 1; i >= 0; i-- {
			c, err := app.FindCollectionByNameOrId(specs[i].name)
			if err != nil {
				return err
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		for _, name := range []string{"role", "language", "timezone", "quiet_start", "quiet_end"} {
			users.Fields.RemoveByName(name)
		}
		// PocketBase's own defaults for the users collection.
		owner := `id = @request.auth.id`
		users.ListRule, users.ViewRule = rule(owner), rule(owner)
		users.CreateRule = rule("")
		users.UpdateRule, users.DeleteRule = rule(owner), rule(owner)
		users.ManageRule = nil
		return app.Save(users)
	})
}
