package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A search reads its window of matches newest first from the full-text
// index and joins each to its mention for two values: triage (dropped
// mentions are left out) and published_at (ties rank newest first). By
// the id's own index that was two B-tree descents per match, the index
// then the table; with both values beside the id it is one, and the table
// is not read (hooks/search: the window query names this index). Ids are
// made in time order, so ingest appends to this index as to the id's.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.AddIndex("idx_mentions_search", false, "id, triage, published_at", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_mentions_search")
		return app.Save(c)
	})
}
