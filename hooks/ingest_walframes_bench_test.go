package hooks

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// BenchmarkIngestWALFrames counts what ingest writes, not how long it
// takes: the ingest benchmark's fixture (MD_BENCH_MENTIONS) ingested one
// batch at a time into an empty database and, when BenchmarkLoadDatabase
// has built it, into copies of the million-mention one (the sides of
// BenchmarkIngestAtScale: the month after its year, and its last month
// again), with the WAL never checkpointed, then every frame of the WAL
// attributed to the table or index its page belongs to (SQLite's dbstat,
// read before and after). A page a commit changed is one frame of that
// commit, so the frames of an index are what its inserts and updates cost
// in WAL writes, checkpoint copies and fsyncs. The counts do not depend on
// the machine's speed.
//
//	MD_BENCH_MENTIONS=20000 GOTOOLCHAIN=go1.27.3 go test ./hooks -run '^$' -bench BenchmarkIngestWALFrames -benchtime 1x -v
func BenchmarkIngestWALFrames(b *testing.B) {
	fixtures := sideFixtures(b)
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("md-bench-search-%d", searchBenchMentions()))
	sides := scaleSides[:1]
	if _, err := os.Stat(filepath.Join(cached, "ready")); err == nil {
		sides = scaleSides
	}
	b.StopTimer()
	for range b.N {
		for _, side := range sides {
			fx := fixtures[side]
			app, h, src := openSide(b, side, cached)
			// The writer is one connection: its pragma holds for every batch.
			for _, q := range []string{"PRAGMA wal_autocheckpoint = 0", "PRAGMA wal_checkpoint(TRUNCATE)"} {
				if _, err := app.NonconcurrentDB().NewQuery(q).Execute(); err != nil {
					b.Fatal(err)
				}
			}
			before := pageOwners(b, app)
			for _, batch := range fx.batches {
				if _, _, err := h.desk.Ingest(src, batch, fx.now, nil); err != nil {
					b.Fatal(err)
				}
			}
			frames := walFrames(b, filepath.Join(app.DataDir(), "data.db-wal"))
			after := pageOwners(b, app)
			total, byOwner := 0, map[string]int{}
			for page, n := range frames {
				owner := cmp.Or(after[page], "(free)")
				if before[page] != after[page] {
					owner += " (new page)" // grown into, or reused from another b-tree
				}
				byOwner[owner] += n
				total += n
			}
			b.Logf("%s database: %d mentions, %d WAL frames (%d distinct pages), %.2f per mention",
				side, fx.total, total, len(frames), float64(total)/float64(fx.total))
			for _, owner := range slices.SortedFunc(maps.Keys(byOwner), func(x, y string) int { return cmp.Compare(byOwner[y], byOwner[x]) }) {
				if byOwner[owner]*100 >= total { // the b-trees with 1 % of the frames or more
					b.Logf("  %-50s %7d frames %5.1f %%", owner, byOwner[owner], 100*float64(byOwner[owner])/float64(total))
				}
			}
			b.ReportMetric(float64(total)/float64(fx.total), side+"_frames/mention")
			_ = app.ResetBootstrapState()
		}
	}
}

// walFrames counts the frames of a WAL file by the page each one holds
// (SQLite's WAL format: a 32-byte header, then per frame a 24-byte header
// whose first 4 bytes are the page number, and the page).
func walFrames(b *testing.B, path string) map[uint32]int {
	wal, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	if len(wal) < 32 {
		b.Fatalf("%s: no WAL header", path)
	}
	pageSize := int(binary.BigEndian.Uint32(wal[8:12]))
	frames := map[uint32]int{}
	for off := 32; off+24+pageSize <= len(wal); off += 24 + pageSize {
		frames[binary.BigEndian.Uint32(wal[off:off+4])]++
	}
	return frames
}

// pageOwners maps each page of the database, WAL included, to the table
// or index it belongs to.
func pageOwners(b *testing.B, app core.App) map[uint32]string {
	var rows []struct {
		Name   string `db:"name"`
		Pageno int64  `db:"pageno"`
	}
	if err := app.NonconcurrentDB().NewQuery("SELECT name, pageno FROM dbstat").All(&rows); err != nil {
		b.Fatal(err)
	}
	owners := make(map[uint32]string, len(rows))
	for _, r := range rows {
		owners[uint32(r.Pageno)] = r.Name
	}
	return owners
}
