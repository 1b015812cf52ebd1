package hooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// BenchmarkFirstIngestRSS measures the peak resident memory (VmHWM) of a
// process whose only work is a first ingest of 50,000 feed items: a child
// process (this test binary again, running TestFirstIngestRSSChild) opens
// a fresh data directory as the binary does and polls the feeds the
// parent serves, through pollSource and the poller's workers. The child
// holds nothing else, so its VmHWM is what the server would reach.
//
//	go test ./hooks -run '^$' -bench BenchmarkFirstIngestRSS -benchtime 1x -v
//
// MD_RSS_FEEDS=1000 splits the items into 1,000 feeds of 50 polled by the
// 4 workers (the real-binary run); the default is one feed of
// 50,000 items (about 15 MB: the child's body cap is raised to 64 MB, the
// server's default of 5 MB would refuse it). MD_RSS_HEAPPROFILE=file
// writes the child's heap profile (allocations) after the ingest.
func BenchmarkFirstIngestRSS(b *testing.B) {
	const items = 50_000
	feeds := max(1, envInt("MD_RSS_FEEDS"))
	now := time.Now().UTC()
	all := genItems(items, "big", 5, 7*24*time.Hour)
	bodies := make([][]byte, feeds)
	for i := range feeds {
		bodies[i] = []byte(rss(all[i*items/feeds:(i+1)*items/feeds], now))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n >= feeds {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(bodies[n])
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for range b.N {
		dir := b.TempDir()
		out := filepath.Join(dir, "result")
		cmd := exec.Command(os.Args[0], "-test.run=^TestFirstIngestRSSChild$", "-test.v")
		cmd.Env = append(os.Environ(), "MD_RSS_DIR="+filepath.Join(dir, "pb_data"), "MD_RSS_URL="+srv.URL, "MD_RSS_OUT="+out,
			"MD_RSS_NFEEDS="+strconv.Itoa(feeds))
		if log, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("child: %v\n%s", err, log)
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			b.Fatal(err)
		}
		var base, peak, stored, goSys int64
		var took time.Duration
		if _, err := fmt.Sscan(string(raw), &base, &peak, &stored, &took, &goSys); err != nil {
			b.Fatalf("child result %q: %v", raw, err)
		}
		if stored < items/2 {
			b.Fatalf("stored %d mentions of %d items", stored, items)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak_rss_MB")
		b.ReportMetric(float64(base)/(1<<20), "before_MB")
		b.ReportMetric(float64(stored)/took.Seconds(), "mentions/s")
		b.ReportMetric(float64(goSys)/(1<<20), "go_sys_MB")
		b.Logf("%d feeds: VmRSS %.1f MB before the poll, VmHWM %.1f MB after (Go runtime %.1f MB); %d mentions stored in %s",
			feeds, float64(base)/(1<<20), float64(peak)/(1<<20), float64(goSys)/(1<<20), stored, took.Round(time.Millisecond))
	}
}

// TestFirstIngestRSSChild is BenchmarkFirstIngestRSS's child process.
func TestFirstIngestRSSChild(t *testing.T) {
	dir := os.Getenv("MD_RSS_DIR")
	if dir == "" {
		t.Skip("helper process of BenchmarkFirstIngestRSS")
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	h, err := register(app, Config{DisableWorkers: true, AllowPrivateURLs: true, MaxBody: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	feeds, _ := strconv.Atoi(os.Getenv("MD_RSS_NFEEDS"))
	for i := range max(1, feeds) {
		saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": fmt.Sprintf("Alerts %d", i),
			"url": fmt.Sprintf("%s/feed/%d", os.Getenv("MD_RSS_URL"), i), "enabled": true})
	}
	base := apptest.CurrentRSS()
	apptest.ResetPeakRSS()
	done := make(chan struct{})
	sampled := make(chan struct{})
	go sampleHeap(os.Getenv("MD_RSS_HEAPPROFILE"), done, sampled)
	start := time.Now()
	h.sources.DispatchDue(context.Background())
	close(done)
	<-sampled
	took := time.Since(start)
	peak := apptest.PeakRSS()
	var stored int64
	if err := app.DB().Select("count(*)").From("mentions").Where(dbx.NewExp("1 = 1")).Row(&stored); err != nil {
		t.Fatal(err)
	}
	var failing []string
	_ = app.DB().Select("last_error").From("sources").Where(dbx.NewExp("last_error != ''")).Column(&failing)
	if len(failing) > 0 {
		t.Fatalf("%d sources failed: %s", len(failing), strings.Join(failing[:1], ""))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// Go's own share: what the runtime got from the OS (it never gives
	// it back within a second); the rest of VmHWM is SQLite's (its page
	// caches live outside the Go heap) and the binary's pages.
	if err := os.WriteFile(os.Getenv("MD_RSS_OUT"), fmt.Appendf(nil, "%d %d %d %d %d", base, peak, stored, took, ms.Sys), 0o600); err != nil {
		t.Fatal(err)
	}
}

// sampleHeap writes a heap profile to path (when set) each time the live
// heap reaches a new high, every 50 ms until done: the profile left is
// the one nearest the peak, what was live then and who allocated it.
func sampleHeap(path string, done <-chan struct{}, finished chan<- struct{}) {
	defer close(finished)
	if path == "" {
		return
	}
	var high uint64
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc <= high {
			continue
		}
		high = ms.HeapAlloc
		if f, err := os.Create(path); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			_ = f.Close()
		}
	}
}
