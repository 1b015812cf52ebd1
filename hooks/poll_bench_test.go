package hooks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const (
	pollSources = 1000
	// Every pollActiveEvery-th feed has news at each poll; the others
	// answer 304 to the conditional request once they have been read.
	pollActiveEvery = 10
)

// feedFarm is one local server for many feeds at /feed/{n}. Quiet feeds
// keep their first document and ETag; active ones add 1–5 items (new
// GUIDs) at every request, keep the latest 20 and change their ETag, as a
// busy Google Alerts feed does.
type feedFarm struct {
	srv  *httptest.Server
	now  time.Time
	pool []feedItem // texts to draw from

	mu    sync.Mutex
	feeds map[int]*farmFeed

	notModified, full, newItems atomic.Int64
}

type farmFeed struct {
	version int
	seq     int
	items   []feedItem
	body    []byte
}

func newFeedFarm(tb testing.TB) *feedFarm {
	f := &feedFarm{now: time.Now().UTC(), pool: genItems(5000, "pool", 3, 48*time.Hour), feeds: map[int]*farmFeed{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed/{n}", f.serve)
	f.srv = httptest.NewServer(mux)
	tb.Cleanup(f.srv.Close)
	return f
}

func (f *feedFarm) url(n int) string { return fmt.Sprintf("%s/feed/%d", f.srv.URL, n) }

func (f *feedFarm) serve(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	fd := f.feeds[n]
	if fd == nil {
		fd = &farmFeed{}
		f.feeds[n] = fd
		f.add(n, fd, 10)
	} else if n%pollActiveEvery == 0 {
		f.add(n, fd, 1+(fd.version*7+n)%5)
	}
	etag := `"v` + strconv.Itoa(fd.version) + `"`
	body := fd.body
	f.mu.Unlock()

	if r.Header.Get("If-None-Match") == etag {
		f.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	_, _ = w.Write(body)
}

// add appends k new items to feed n and renders its document; f.mu held.
func (f *feedFarm) add(n int, fd *farmFeed, k int) {
	for range k {
		it := f.pool[(n*31+fd.seq)%len(f.pool)]
		it.guid = fmt.Sprintf("feed%d-item%d", n, fd.seq)
		it.ago = time.Duration(k) * time.Minute
		fd.seq++
		fd.items = append(fd.items, it)
	}
	if len(fd.items) > 20 {
		fd.items = fd.items[len(fd.items)-20:]
	}
	f.newItems.Add(int64(k))
	fd.version++
	fd.body = []byte(rss(fd.items, f.now))
}

// BenchmarkPollRound measures one full round of 1,000 due feed sources
// through the real worker pool (dispatchDue: claim, fetch with a
// conditional GET, parse, ingest in one transaction, source update):
// 900 answer 304, 100 bring 1–5 new items. The baseline makes the same
// 1,000 conditional GETs with a plain http.Client on 4 goroutines, against
// the same server in the same run, so the ratio survives a noisy machine.
//
//	go test ./hooks -run '^$' -bench BenchmarkPollRound -benchtime 20x
func BenchmarkPollRound(b *testing.B) {
	for _, workers := range []int{4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { benchPollRound(b, workers) })
	}
	b.Run("baseline_http_4", benchPollBaseline)
}

func benchPollRound(b *testing.B, workers int) {
	farm := newFeedFarm(b)
	app, h := benchAppWith(b, Config{DisableWorkers: true, AllowPrivateURLs: true, EncryptionKey: testKey, PollWorkers: workers})
	// The fixture's Mastodon source points at a host that does not exist.
	if _, err := app.DB().Update("sources", dbx.Params{"enabled": false}, dbx.HashExp{"id": sourceID}).Execute(); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, pollSources)
	for n := range pollSources {
		ids[n] = feedSource(b, app, farm.url(n)).Id
	}
	ctx := context.Background()
	poll := func() {
		h.sources.DispatchDue(ctx)
	}
	poll() // first read of every feed: validators stored, 10,000 mentions
	if got := countMentions(b, app); got != int(farm.newItems.Load()) {
		b.Fatalf("first round stored %d mentions, the feeds served %d", got, farm.newItems.Load())
	}
	farm.notModified.Store(0)
	farm.full.Store(0)

	var stats *sqlStats
	if os.Getenv("MD_BENCH_SQLSTATS") != "" {
		stats = &sqlStats{}
		stats.install(app)
	}
	baseRSS := apptest.CurrentRSS()
	apptest.ResetPeakRSS()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if _, err := app.DB().NewQuery("UPDATE sources SET next_check_at = '' WHERE kind = 'feed'").Execute(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		poll()
	}
	b.StopTimer()
	elapsed := b.Elapsed()
	if stats != nil {
		stats.report(b, b.N*pollSources, elapsed, "source")
		stats.install(app)
	}
	peak := apptest.PeakRSS()

	// The round did what it claims: 900 × 304 and 100 × 200 per round,
	// every new item stored once, no source in error.
	if nm, full := farm.notModified.Load(), farm.full.Load(); nm != int64(b.N*(pollSources-pollSources/pollActiveEvery)) || full != int64(b.N*pollSources/pollActiveEvery) {
		b.Fatalf("%d rounds: %d × 304, %d × 200", b.N, nm, full)
	}
	if got := countMentions(b, app); got != int(farm.newItems.Load()) {
		b.Fatalf("stored %d mentions, the feeds served %d new items", got, farm.newItems.Load())
	}
	var failing int
	_ = app.DB().Select("count(*)").From("sources").Where(dbx.NewExp("error_count > 0")).Row(&failing)
	if failing > 0 {
		b.Fatalf("%d sources failed", failing)
	}
	b.ReportMetric(float64(b.N*pollSources)/elapsed.Seconds(), "sources/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak_rss_MB")
	b.ReportMetric(float64(peak-baseRSS)/(1<<20), "peak_rss_delta_MB")
}

func countMentions(b *testing.B, app core.App) int {
	b.Helper()
	var n int
	if err := app.DB().Select("count(*)").From("mentions").Where(dbx.NewExp("source != {:s}", dbx.Params{"s": sourceID})).Row(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// benchPollBaseline is the floor: the HTTP half alone, same server, same
// conditional requests, body read and dropped, nothing parsed or stored.
func benchPollBaseline(b *testing.B) {
	farm := newFeedFarm(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 4}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	etags := make([]string, pollSources)
	get := func(n int) {
		req, err := http.NewRequest(http.MethodGet, farm.url(n), nil)
		if err != nil {
			b.Error(err)
			return
		}
		if etags[n] != "" {
			req.Header.Set("If-None-Match", etags[n])
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			etags[n] = resp.Header.Get("ETag") // each goroutine owns its own n
		}
	}
	round := func() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for n := int(next.Add(1) - 1); n < pollSources; n = int(next.Add(1) - 1) {
					get(n)
				}
			})
		}
		wg.Wait()
	}
	round()
	farm.notModified.Store(0)
	baseRSS := apptest.CurrentRSS()
	apptest.ResetPeakRSS()
	b.ResetTimer()
	for range b.N {
		round()
	}
	b.StopTimer()
	peak := apptest.PeakRSS()
	if nm := farm.notModified.Load(); nm != int64(b.N*(pollSources-pollSources/pollActiveEvery)) {
		b.Fatalf("%d rounds: %d × 304", b.N, nm)
	}
	b.ReportMetric(float64(b.N*pollSources)/b.Elapsed().Seconds(), "sources/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak_rss_MB")
	b.ReportMetric(float64(peak-baseRSS)/(1<<20), "peak_rss_delta_MB")
}
