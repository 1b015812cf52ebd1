package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A copy of a text joins the ticket of the same person's copy posted within
// a day of it (hooks/tickets). idx_mentions_hash held every ticketed
// mention by its text's hash, a value that lands anywhere: each new entry
// went to a page of its own among all of them, and at a million mentions
// those pages were 38 % of what ingest wrote to the WAL (BENCHMARKS.md).
// Keyed by the day first, the entries of a day's mentions share that day's
// pages. The copy lookup asks for the day and hash of each day a copy may
// have been posted on, and names this index.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_mentions_hash")
		c.AddIndex("idx_mentions_copies", false, "substr(published_at, 1, 10) || content_hash", "ticket != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_mentions_copies")
		c.AddIndex("idx_mentions_hash", false, "content_hash, published_at", "ticket != ''")
		return app.Save(c)
	})
}
