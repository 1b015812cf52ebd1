// Package sqlitedb opens Mentiondesk's SQLite files: PocketBase's own
// connection settings, plus the ones a write-heavy inbox needs.
package sqlitedb

import (
	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite" // the pure-Go driver PocketBase uses: one static binary
)

// Pragmas are PocketBase's defaults (core.DefaultDBConnect, v0.40) with
// one change: the WAL is checkpointed every 10,000 pages (40 MB) instead of
// SQLite's 1,000. Ingest commits a batch of mentions whose index entries
// land on pages all over the file; at 1,000 pages the writer stopped to
// copy the WAL back every other batch, the same hot pages again each time.
// Less often, each page is copied once for many batches: ingest of 100,000
// mentions went from 2,197 to 2,707 mentions/s (BENCHMARKS.md). The WAL is
// still truncated to journal_size_limit after each checkpoint.
const Pragmas = "?_pragma=busy_timeout(10000)" + // first: block on busy before asking for WAL
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(ON)" +
	"&_pragma=temp_store(MEMORY)" +
	"&_pragma=cache_size(-32000)" +
	"&_pragma=wal_autocheckpoint(10000)" +
	"&_defensive=1"

// Connect is a core.DBConnectFunc.
func Connect(dbPath string) (*dbx.DB, error) {
	return dbx.Open("sqlite", dbPath+Pragmas)
}
