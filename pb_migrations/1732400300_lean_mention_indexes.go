package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Fewer and smaller indexes on mentions, the table ingest writes most.
// Every index keyed by something random (an id, a hash, a handle) costs
// each new row a B-tree page of its own, and every such page is written to
// the WAL at each batch's commit: with eight indexes the raw insert rate
// halved by 100,000 rows (BENCHMARKS.md, "Ingest of 100,000 mentions").
//
//   - external_id and (source, external_id) become one unique index on
//     (external_id, source): dedupe uses both columns, threading the
//     leading one.
//   - (channel, author, published_at) and (contact, published_at) go:
//     nothing reads mentions by author or contact; a person's history is
//     their tickets (tickets by contact), and a ticket's thread is read by
//     ticket.
//   - content_hash and thread_key are only looked up to find a ticket
//     (cross-posts, earlier replies of a thread), so only mentions that
//     have one are indexed. Dropped and ignored mentions, most of what a
//     broad search brings, no longer pay for them.
var leanMentionIndexes = map[string][4]string{
	"idx_mentions_external": ix("idx_mentions_external", true, "external_id, source", ""),
	"idx_mentions_hash":     ix("idx_mentions_hash", false, "content_hash, published_at", "ticket != ''"),
	"idx_mentions_thread":   ix("idx_mentions_thread", false, "thread_key, published_at", "ticket != ''"),
}

var formerMentionIndexes = map[string][4]string{
	"idx_mentions_external": ix("idx_mentions_external", true, "source, external_id", ""),
	"idx_mentions_extid":    ix("idx_mentions_extid", false, "external_id", ""),
	"idx_mentions_hash":     ix("idx_mentions_hash", false, "content_hash, published_at", ""),
	"idx_mentions_thread":   ix("idx_mentions_thread", false, "thread_key, published_at", ""),
	"idx_mentions_author":   ix("idx_mentions_author", false, "channel, author, published_at", ""),
	"idx_mentions_contact":  ix("idx_mentions_contact", false, "contact, published_at", ""),
}

func init() {
	m.Register(func(app core.App) error {
		return setMentionIndexes(app, []string{"idx_mentions_extid", "idx_mentions_author", "idx_mentions_contact"}, leanMentionIndexes)
	}, func(app core.App) error {
		return setMentionIndexes(app, nil, formerMentionIndexes)
	})
}

// setMentionIndexes drops the named indexes and (re)defines the given
// ones; PocketBase rebuilds the table's indexes from the collection.
func setMentionIndexes(app core.App, drop []string, set map[string][4]string) error {
	c, err := app.FindCollectionByNameOrId("mentions")
	if err != nil {
		return err
	}
	for _, name := range drop {
		c.RemoveIndex(name)
	}
	for name, ix := range set {
		c.RemoveIndex(name)
		c.AddIndex(ix[0], ix[1] == "1", ix[2], ix[3])
	}
	return app.Save(c)
}
