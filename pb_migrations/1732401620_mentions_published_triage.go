package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The dashboard counts a period's mentions that named the business
// (hooks/stats CountCorrections: published_at in the period, triage not
// "dropped") for every figure it shows. With published_at alone in the
// index SQLite read every mention of the period from the table to see its
// triage: 56,000 rows, their text included, for a month at a million
// mentions (40 ms alone; the page caches of fifty dashboards at once took
// gigabytes). With triage beside the date the count reads the index only.
// The index replaces idx_mentions_published (the same keys first, so every
// query by date range still uses it); ingest writes one index as before.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_mentions_published")
		c.AddIndex("idx_mentions_published_triage", false, "published_at, triage", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("mentions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_mentions_published_triage")
		c.AddIndex("idx_mentions_published", false, "published_at", "")
		return app.Save(c)
	})
}
