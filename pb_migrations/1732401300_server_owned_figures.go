package pb_migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Figures nobody can fake (issue 13):
//   - settings loses allow_private_urls: only the operator's
//     --allow-private-urls flag (MD_ALLOW_PRIVATE_URLS) may open the
//     outbound guard, never an owner at runtime;
//   - tickets gain answered_by_hand, so the stats say how many first
//     answers were posted by hand rather than sent by Mentiondesk;
//   - ticket_events records those answers ("answered_by_hand") and a
//     superuser's corrections of the server's figures ("correction", with
//     the field corrected and who did it).
func init() {
	m.Register(func(app core.App) error {
		s, err := app.FindCollectionByNameOrId("settings")
		if err != nil {
			return err
		}
		s.Fields.RemoveByName("allow_private_urls")
		if err := app.Save(s); err != nil {
			return err
		}

		t, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		t.Fields.Add(flag("answered_by_hand"))
		if err := app.Save(t); err != nil {
			return err
		}

		ev, err := app.FindCollectionByNameOrId("ticket_events")
		if err != nil {
			return err
		}
		kind, _ := ev.Fields.GetByName("kind").(*core.SelectField)
		kind.Values = append(kind.Values, "answered_by_hand", "correction")
		ev.Fields.Add(text("field", 60), text("by", 200))
		return app.Save(ev)
	}, func(app core.App) error {
		ev, err := app.FindCollectionByNameOrId("ticket_events")
		if err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(`DELETE FROM ticket_events WHERE kind IN ('answered_by_hand', 'correction')`).Execute(); err != nil {
			return err
		}
		kind, _ := ev.Fields.GetByName("kind").(*core.SelectField)
		kind.Values = slices.DeleteFunc(kind.Values, func(v string) bool { return v == "answered_by_hand" || v == "correction" })
		ev.Fields.RemoveByName("field")
		ev.Fields.RemoveByName("by")
		if err := app.Save(ev); err != nil {
			return err
		}

		t, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		t.Fields.RemoveByName("answered_by_hand")
		if err := app.Save(t); err != nil {
			return err
		}

		s, err := app.FindCollectionByNameOrId("settings")
		if err != nil {
			return err
		}
		s.Fields.Add(flag("allow_private_urls"))
		return app.Save(s)
	})
}
