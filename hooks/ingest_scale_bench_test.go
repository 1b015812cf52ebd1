package hooks

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// BenchmarkIngestAtScale asks whether ingest slows as the database grows:
// the ingest benchmark's fixture (MD_BENCH_MENTIONS, default 20,000 here
// is enough: set it) ingested one batch at a time, as one feed's polls
// bring it, into an empty database and into a copy of the load test's
// 1,000,000-mention database, alternated in each iteration so both see the
// same machine. Reports each rate and at_scale/empty (the goal: ≥ 0.8).
//
// The large database holds the year up to benchNow. A desk ingests the
// days after the ones it holds, so the fixture's 30 days are the month
// after that year on both sides; a third side, "backfill", ingests the
// year's last month again (new posts, days the database already fills:
// a new feed's old items), reported as backfill/empty.
//
//	MD_BENCH_MENTIONS=20000 GOTOOLCHAIN=go1.27.3 go test ./hooks -run '^$' -bench BenchmarkIngestAtScale -benchtime 3x -timeout 60m -v
//
// The large database is the one BenchmarkLoadDatabase builds and keeps in
// $TMPDIR/md-bench-search-<n> (MD_BENCH_SEARCH_MENTIONS); this benchmark
// never builds it (five to ten minutes of CPU) and skips when it is
// missing. Each side copies it (1.4 GB at 1M), syncs the copy to disk, and
// deletes it after.
func BenchmarkIngestAtScale(b *testing.B) {
	n := searchBenchMentions()
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("md-bench-search-%d", n))
	if _, err := os.Stat(filepath.Join(cached, "ready")); err != nil {
		b.Skipf("no %s: build it first with BenchmarkLoadDatabase", cached)
	}
	fixtures := sideFixtures(b)
	b.StopTimer()
	rates := map[string][]float64{}
	for range b.N {
		for _, side := range scaleSides {
			fx := fixtures[side]
			app, h, src := openSide(b, side, cached)
			start := time.Now()
			var total tickets.IngestStats
			for _, batch := range fx.batches {
				stats, _, err := h.desk.Ingest(src, batch, fx.now, nil)
				if err != nil {
					b.Fatal(err)
				}
				total = total.Plus(stats)
			}
			rate := float64(total.New) / time.Since(start).Seconds()
			if total.New != fx.total {
				b.Fatalf("%s: stored %d of %d mentions", side, total.New, fx.total)
			}
			b.Logf("%s database: %.0f mentions/s (%+v)", side, rate, total)
			rates[side] = append(rates[side], rate)
			_ = app.ResetBootstrapState()
		}
	}
	e, l, f := median(rates["empty"]), median(rates["large"]), median(rates["backfill"])
	b.ReportMetric(e, "empty_mentions/s")
	b.ReportMetric(l, "at_scale_mentions/s")
	b.ReportMetric(l/e, "at_scale/empty")
	b.ReportMetric(f/e, "backfill/empty")
}

// scaleSides are the databases the at-scale benchmarks compare: an empty
// one, and two copies of the large one (see BenchmarkIngestAtScale).
var scaleSides = []string{"empty", "large", "backfill"}

// sideFixtures gives each side its fixture: the month after the large
// database's year, but for the backfill, which ingests its last month.
func sideFixtures(b *testing.B) map[string]ingestFixture {
	after := ingestFixtureEnding(b, benchNow.Add(fixtureSpan))
	return map[string]ingestFixture{"empty": after, "large": after, "backfill": loadIngestFixture(b)}
}

// openSide opens the side's database, an empty one or a copy of the large
// one, with a feed source for the fixture, and lets its start settle.
func openSide(b *testing.B, side, cached string) (*core.BaseApp, *hub, *core.Record) {
	var app *core.BaseApp
	var h *hub
	if side == "empty" {
		app, h = benchApp(b)
	} else {
		app, h = copyOfLargeDB(b, cached)
	}
	src := saveRecord(b, app, "sources", map[string]any{"kind": "feed", "name": "Google Alerts, at scale",
		"url": "https://alerts.example/scale", "enabled": true})
	settle()
	return app, h, src
}

// copyOfLargeDB opens a private copy of the cached large database with
// our hooks, workers off, as `serve` would after its migrations.
func copyOfLargeDB(b *testing.B, cached string) (*core.BaseApp, *hub) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "pb_data")
	if err := os.CopyFS(dir, os.DirFS(cached)); err != nil {
		b.Fatal(err)
	}
	syncTree(b, dir)
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		b.Fatal(err)
	}
	if err := app.RunAllMigrations(); err != nil {
		b.Fatal(err)
	}
	h, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.ResetBootstrapState(); _ = os.RemoveAll(dir) })
	return app, h
}

// syncTree writes a fresh copy to disk before it is timed. A desk's
// database sits on disk, clean; a copy just made is 1.4 GB of dirty pages
// in the OS cache, and the first checkpoint's fsync of data.db would wait
// for all of them, a cost the empty side never pays.
func syncTree(b *testing.B, dir string) {
	b.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
	if err != nil {
		b.Fatal(err)
	}
}

// median of the runs' rates (the middle one, or the mean of the two).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
