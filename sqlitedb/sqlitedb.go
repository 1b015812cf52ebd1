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

// Page caches, in KiB (SQLite's negative cache_size). PocketBase gives
// every connection 32 MB; the cache fills with the pages a connection
// touches and is kept until the connection closes.
//
// The writer's cache is the one that fills: it survives from one
// transaction to the next (its own commits do not invalidate it), and
// ingest walks every index of a growing file. Two writers (data.db and
// auxiliary.db's logs) at 32 MB took a first ingest of 1,000 feeds × 50
// from 72 to 123 MB of RSS; at 8 MB it peaks at 80 MB at the same speed,
// and ingest into a million stored mentions is 2–5 % slower than with
// 32 MB (BENCHMARKS.md, "Connections and memory"), which no inflow of
// mentions would notice and a small VPS would.
//
// A reader's cache is emptied at the start of any read that follows
// another connection's commit (WAL mode), which on a live server is nearly
// every read, and the pool holds up to 120 readers: fifty phones searching
// a million mentions took the server to 1.2 GB at 32 MB each, 459 MB at
// SQLite's default 2 MB, with the same latencies. The file's pages stay
// in the kernel's cache, shared by every connection.
const (
	writerCacheKiB = "8000"
	readerCacheKiB = "2000"
)

// Connect is a core.DBConnectFunc. PocketBase opens each file twice: a
// pool of readers (app.DB(), up to 120 connections) and the writer
// (app.NonconcurrentDB(), one connection). The returned pool decides each
// new connection's page cache by that limit, which PocketBase sets before
// the first connection is opened: a pool of one is the writer. Counting
// calls to Connect instead would be wrong as soon as anything else opens
// the file first, as ops does before an upgrade: the first measurements of
// this change were, with PocketBase's readers and writer swapped.
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
