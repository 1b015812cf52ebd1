package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Full-text search over mentions. A standalone FTS5 table (not an external
// content one). Updates and deletes are kept in step by triggers, in the
// writer's own transaction. Inserts are not: FTS5 flushes its pending
// terms to a new segment at every statement savepoint, so a per-row
// trigger made each ingested mention cost a segment write (half the raw
// insert rate). Ingest indexes a whole batch with one INSERT … SELECT in
// its transaction; any other creator is indexed by a record hook
// (hooks/search.go). remove_diacritics folds accents: "cafe" finds "Café".
//
// Rows are keyed by the indexed mention_id token rather than by rowid:
// VACUUM may renumber the rowids of PocketBase's tables, a MATCH on the id
// is an index lookup, and searches name their columns explicitly.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`
CREATE VIRTUAL TABLE mentions_fts USING fts5(
	mention_id, author, title, text,
	tokenize = "unicode61 remove_diacritics 2"
);
CREATE TRIGGER mentions_fts_ad AFTER DELETE ON mentions BEGIN
	DELETE FROM mentions_fts WHERE rowid IN
		(SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH 'mention_id:"' || old.id || '"');
END;
CREATE TRIGGER mentions_fts_au AFTER UPDATE ON mentions
WHEN old.author IS NOT new.author OR old.author_name IS NOT new.author_name
	OR old.title IS NOT new.title OR old.text IS NOT new.text BEGIN
	DELETE FROM mentions_fts WHERE rowid IN
		(SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH 'mention_id:"' || old.id || '"');
	INSERT INTO mentions_fts(mention_id, author, title, text)
	VALUES (new.id, new.author || ' ' || new.author_name, new.title, new.text);
END;
INSERT INTO mentions_fts(mention_id, author, title, text)
	SELECT id, author || ' ' || author_name, title, text FROM mentions;
`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`
DROP TRIGGER IF EXISTS mentions_fts_au;
DROP TRIGGER IF EXISTS mentions_fts_ad;
DROP TABLE IF EXISTS mentions_fts;
`).Execute()
		return err
	})
}
