package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// mentions_fts_terms lists the search index's terms in order (an fts5vocab
// table: no data of its own, it reads the index). A search's last word,
// typed as a prefix, is expanded into the terms it starts, because FTS5
// answers "lune*" by merging the doclists of every such term in memory:
// 700 ms at a million mentions, against a few ms for the expanded OR.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`CREATE VIRTUAL TABLE IF NOT EXISTS mentions_fts_terms USING fts5vocab(mentions_fts, 'row')`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS mentions_fts_terms`).Execute()
		return err
	})
}
