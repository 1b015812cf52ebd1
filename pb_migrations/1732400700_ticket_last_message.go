package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// tickets.last_message and last_intent: the inbox row shows the latest
// thing the customer said ("still nothing?") with its own chips, not the
// first message of the conversation. Kept on the ticket by ingest, so the
// list stays one query. Field literals are this migration's own.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.Fields.Add(&core.TextField{Name: "last_message", Max: 300})
		c.Fields.Add(&core.SelectField{Name: "last_intent", MaxSelect: 1, Values: []string{"question", "complaint", "praise", "other"}})
		if err := app.Save(c); err != nil {
			return err
		}
		// Existing tickets: their latest mention's text and intent.
		_, err = app.DB().NewQuery(`UPDATE tickets SET
			last_message = COALESCE((SELECT substr(m.text, 1, 300) FROM mentions m WHERE m.ticket = tickets.id ORDER BY m.published_at DESC LIMIT 1), ''),
			last_intent = COALESCE((SELECT m.intent FROM mentions m WHERE m.ticket = tickets.id ORDER BY m.published_at DESC LIMIT 1), '')`).Execute()
		return err
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("tickets")
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("last_message")
		c.Fields.RemoveByName("last_intent")
		return app.Save(c)
	})
}
