package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A member can correct what the analysis said of a mention. The analyser's
// own labels stay as they were, the correction sits beside them: the pair
// is what the statistics count (how often the analysis is wrong) and what
// the labelled-data export gives to tune an instance on its own customers.
// Field literals are this migration's own.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: "corrected_sentiment", MaxSelect: 1, Values: []string{"negative", "neutral", "positive"}},
			&core.SelectField{Name: "corrected_intent", MaxSelect: 1, Values: []string{"question", "complaint", "praise", "other"}},
			&core.RelationField{Name: "corrected_by", CollectionId: users.Id, MaxSelect: 1},
			&core.DateField{Name: "corrected_at"},
		)
		c.AddIndex("idx_mentions_corrected", false, "corrected_at", "corrected_at != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_mentions_corrected")
		for _, f := range []string{"corrected_sentiment", "corrected_intent", "corrected_by", "corrected_at"} {
			c.Fields.RemoveByName(f)
		}
		return app.Save(c)
	})
}
