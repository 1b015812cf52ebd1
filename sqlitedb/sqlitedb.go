// Package sqlitedb opens Mentiondesk's SQLite files: PocketBase's own
// connection settings, plus the ones a write-heavy inbox needs.
package sqlitedb

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/pocketbase/dbx"
	"modernc.org/sqlite" // the pure-Go driver PocketBase uses: one static binary
)

// pragmas are PocketBase's defaults (core.DefaultDBConnect, v0.40) but for
// two changes.
//
// The WAL is checkpointed every 10,000 pages (40 MB) instead of SQLite's
// 1,000. Ingest commits a batch of mentions whose index entries land on
// pages all over the file; at 1,000 pages the writer stopped to copy the
// WAL back every other batch, the same hot pages again each time. Less
// often, each page is copied once for many batches: ingest of 100,000
// mentions went from 2,197 to 2,707 mentions/s (BENCHMARKS.md). The WAL is
// still truncated to journal_size_limit after each checkpoint.
//
// The page cache is sized by role (Connect): PocketBase gives every
// connection 32 MB.
const pragmas = "?_pragma=busy_timeout(10000)" + // first: block on busy before asking for WAL
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(ON)" +
	"&_pragma=temp_store(MEMORY)" +
	"&_pragma=wal_autocheckpoint(10000)" +
	"&_defensive=1"

// Page caches, in KiB (SQLite's negative cache_size). The writer keeps
// PocketBase's 32 MB: it is the only connection whose cache survives from
// one transaction to the next (its own commits do not invalidate it), and
// ingest's lookups and index inserts walk the same hot B-tree pages batch
// after batch. A reader's cache is emptied at the start of any read that
// follows someone else's commit (WAL mode), which on a live server is
// nearly every read, and the pool holds up to 120 of them: at 32 MB each a
// first ingest peaked at 123 MB of RSS and fifty phones searching a million
// mentions at 3.6 GB. SQLite's default 2 MB lets a reader keep the pages
// of the query it is running; the file's pages stay in the kernel's cache,
// shared by all. The first ingest's peak went to 72 MB at the same speed,
// and the million's search and dashboard kept their latency
// (BENCHMARKS.md, "Connections and memory").
const (
	writerCacheKiB = "32000"
	readerCacheKiB = "2000"
)

// Connect is a core.DBConnectFunc. PocketBase opens each file twice: a
// pool of readers (app.DB(), up to 120 connections) and the writer
// (app.NonconcurrentDB(), one connection). The returned pool decides each
// new connection's page cache by that limit, which PocketBase sets before
// the first connection is opened: a pool of one is the writer. Asking the
// pool rather than counting calls to Connect keeps this true whatever order
// PocketBase opens them in, and for a file opened on its own (ops).
func Connect(dbPath string) (*dbx.DB, error) {
	reader, err := sqlite.NewConnector(dbPath + pragmas + "&_pragma=cache_size(-" + readerCacheKiB + ")")
	if err != nil {
		return nil, err
	}
	writer, err := sqlite.NewConnector(dbPath + pragmas + "&_pragma=cache_size(-" + writerCacheKiB + ")")
	if err != nil {
		return nil, err
	}
	c := &byRole{reader: reader, writer: writer}
	c.pool = sql.OpenDB(c) // opens nothing until the first query
	return dbx.NewFromDB(c.pool, "sqlite"), nil
}

// byRole opens a pool's connections as its readers or as the writer.
type byRole struct {
	pool           *sql.DB
	reader, writer driver.Connector
}

func (c *byRole) Connect(ctx context.Context) (driver.Conn, error) {
	if c.pool.Stats().MaxOpenConnections == 1 {
		return c.writer.Connect(ctx)
	}
	return c.reader.Connect(ctx)
}

func (c *byRole) Driver() driver.Driver { return c.reader.Driver() }
