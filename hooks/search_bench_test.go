package hooks

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// The server under load: 50 agents' phones at once against a year of a
// busy business (1,000,000 mentions, built through the real ingest
// pipeline), over real HTTP, measuring what an agent waits for: a search,
// the inbox's first page, a ticket's screen. Not run in CI.
//
//	GOTOOLCHAIN=go1.27.3 nice -n 10 go test ./hooks -run '^$' -bench BenchmarkServerUnderLoad -benchtime 1x -timeout 60m -v
//
// The database is built once (about 10 minutes of CPU: 1,000,000 mentions
// through h.ingest, 500 per batch as a busy poll brings them) and kept in
// $TMPDIR/md-bench-search-1000000 for later runs; MD_BENCH_SEARCH_MENTIONS
// makes a smaller one. Each phase runs MD_BENCH_SECONDS (default 20) with
// MD_BENCH_CLIENTS (default 50) clients, each sending its next request as
// soon as the last one is answered: a closed loop, the harshest reading of
// "50 concurrent clients". MD_BENCH_PACE_MS=1000 paces each client to one
// action a second instead; MD_BENCH_PHASES=search,inbox,ticket picks phases.

func searchBenchMentions() int {
	if n := envInt("MD_BENCH_SEARCH_MENTIONS"); n > 0 {
		return n
	}
	return 1_000_000
}

var (
	searchDBOnce sync.Once
	searchDBDir  string
)

// searchDB opens the cached load-test database, building it first if
// needed.
func searchDB(b *testing.B) (*core.BaseApp, *hub) {
	searchDBOnce.Do(func() {
		n := searchBenchMentions()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("md-bench-search-%d", n))
		if _, err := os.Stat(filepath.Join(dir, "ready")); err != nil {
			_ = os.RemoveAll(dir)
			if err := os.CopyFS(dir, os.DirFS(templateDir)); err != nil {
				b.Fatal(err)
			}
			if err := buildSearchDB(b, dir, n); err != nil {
				b.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644)
		}
		searchDBDir = dir
	})
	// MD_BENCH_CONNS sets the read pool (open and idle connections alike);
	// 0 keeps PocketBase's defaults (120 open, 15 idle).
	conns := envInt("MD_BENCH_CONNS")
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: searchDBDir, DBConnect: sqlitedb.Connect,
		DataMaxOpenConns: conns, DataMaxIdleConns: conns})
	if err := app.Bootstrap(); err != nil {
		b.Fatal(err)
	}
	// A database cached by an older run gets the migrations since, as
	// `serve` would apply them.
	if err := app.RunAllMigrations(); err != nil {
		b.Fatal(err)
	}
	// Capacity, not the per-address limiter: fifty phones have fifty
	// addresses, these clients share 127.0.0.1.
	app.Settings().RateLimits.Enabled = false
	h, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.ResetBootstrapState() })
	return app, h
}

// buildSearchDB ingests n generated mentions spread over a year, in chunks
// of 10,000 generated at a time (memory stays flat).
func buildSearchDB(b *testing.B, dir string, n int) error {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	defer app.ResetBootstrapState()
	h, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey})
	if err != nil {
		return err
	}
	src := saveRecord(b, app, "sources", map[string]any{"kind": "feed", "name": "Google Alerts",
		"url": "https://alerts.example/feed", "enabled": true})
	now := benchNow
	const chunk, batch = 10_000, 500
	chunks := (n + chunk - 1) / chunk
	span := 365 * 24 * time.Hour / time.Duration(chunks)
	began := time.Now()
	for c := range chunks {
		items := genItems(min(chunk, n-c*chunk), fmt.Sprintf("c%d", c), uint64(c+1), span)
		older := time.Duration(chunks-1-c) * span // oldest chunk first
		for lo := 0; lo < len(items); lo += batch {
			ms := make([]connectors.Mention, 0, batch)
			for _, it := range items[lo:min(lo+batch, len(items))] {
				ms = append(ms, connectors.Mention{
					ExternalID: it.guid, URL: "https://alerts.example/item/" + it.guid,
					Author: it.author, Text: it.text, Published: now.Add(-it.ago - older),
				})
			}
			if _, _, err := h.desk.Ingest(src, ms, now, nil); err != nil {
				return err
			}
		}
		if (c+1)%10 == 0 {
			b.Logf("built %d mentions in %s", (c+1)*chunk, time.Since(began).Round(time.Second))
		}
	}
	_, err = app.DB().NewQuery("ANALYZE").Execute()
	return err
}

// loadPhase is one kind of request and how to make the next one.
type loadPhase struct {
	name string
	// do sends one user action (one or several requests) and reports
	// whether it succeeded.
	do func(c *http.Client, base string, i int) error
}

func BenchmarkServerUnderLoad(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	app, _ := searchDB(b)
	mux := benchMux(b, app)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var mentions, tickets int
	_ = app.DB().NewQuery("SELECT count(*) FROM mentions").Row(&mentions)
	_ = app.DB().NewQuery("SELECT count(*) FROM tickets").Row(&tickets)
	b.Logf("database: %d mentions, %d tickets", mentions, tickets)

	var ticketIDs []string
	if err := app.DB().NewQuery("SELECT id FROM tickets ORDER BY random() LIMIT 1000").Column(&ticketIDs); err != nil || len(ticketIDs) == 0 {
		b.Fatalf("no tickets: %v", err)
	}
	// A token of the cached database's own agent (each test binary makes
	// a new template, with new signing keys).
	agent, err := app.FindRecordById("users", agentID)
	if err != nil {
		b.Fatal(err)
	}
	token, err := agent.NewAuthToken()
	if err != nil {
		b.Fatal(err)
	}
	get := func(c *http.Client, u string) error {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", token)
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: HTTP %d", u, res.StatusCode)
		}
		if bytes.Contains(body, []byte(`"items":[]`)) && !strings.Contains(u, "/replies/") {
			return fmt.Errorf("%s: nothing found", u) // a list rule that failed reads as empty
		}
		return nil
	}
	// What agents type: common and rare words, French and English, a
	// prefix being typed, an author, two-word phrases; "cafe lune" is in
	// nearly every mention, the worst case.
	queries := []string{"remboursement", "commande jamais", "croissant", "cafe lune", "gluten", "refund order",
		"brunch", "zoe", "rembour", "scandaleux", "vegan", "annulé réservation", "parking", "éclair", "thank", "c"}
	inbox := url.Values{
		"page": {"1"}, "perPage": {"30"}, "skipTotal": {"1"}, "expand": {"contact,assignee"},
		// The inbox's first section as the app asks for it (Inbox.svelte
		// segments): waiting for our answer and still in time.
		"filter": {`(((status = "new" || status = "open") && sla_due_at != "") && breached = false)`}, "sort": {"-sla_at_risk,sla_due_at,-created"},
	}.Encode()
	phases := []loadPhase{
		{"search", func(c *http.Client, base string, i int) error {
			return get(c, base+"/api/md/search?"+url.Values{"q": {queries[i%len(queries)]}, "perPage": {"20"}}.Encode())
		}},
		{"inbox", func(c *http.Client, base string, i int) error {
			return get(c, base+"/api/collections/tickets/records?"+inbox)
		}},
		{"ticket", func(c *http.Client, base string, i int) error {
			// The ticket screen's reads: the ticket, its conversation, its replies.
			id := ticketIDs[i%len(ticketIDs)]
			f := func(s string) string { return url.QueryEscape(fmt.Sprintf("ticket = %q", s)) }
			for _, u := range []string{
				"/api/collections/tickets/records/" + id + "?expand=contact,assignee",
				"/api/collections/mentions/records?perPage=200&skipTotal=1&sort=published_at,created&filter=" + f(id),
				"/api/collections/replies/records?perPage=200&skipTotal=1&sort=created&expand=author&filter=" + f(id),
			} {
				if err := get(c, base+u); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	clients := max(1, envInt("MD_BENCH_CLIENTS"))
	if envInt("MD_BENCH_CLIENTS") == 0 {
		clients = 50
	}
	seconds := time.Duration(max(1, envInt("MD_BENCH_SECONDS"))) * time.Second
	if envInt("MD_BENCH_SECONDS") == 0 {
		seconds = 20 * time.Second
	}
	// MD_BENCH_PACE_MS paces each client: one action every that many
	// milliseconds (a person reading results between searches) instead of
	// the closed loop.
	pace := time.Duration(envInt("MD_BENCH_PACE_MS")) * time.Millisecond
	if only := os.Getenv("MD_BENCH_PHASES"); only != "" { // say "search,inbox"
		phases = slices.DeleteFunc(phases, func(p loadPhase) bool { return !slices.Contains(strings.Split(only, ","), p.name) })
	}
	for range b.N {
		for _, p := range phases {
			lat, errs, firstErr := runPhase(p, srv.URL, clients, seconds, pace)
			if firstErr != nil {
				b.Logf("%s: first error: %v", p.name, firstErr)
			}
			slices.Sort(lat)
			b.Logf("%-6s %d clients (pace %s), %s: %d done, %d errors, %.1f/s, p50 %s, p90 %s, p99 %s, max %s",
				p.name, clients, pace, seconds, len(lat), errs, float64(len(lat))/seconds.Seconds(),
				pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100))
			b.ReportMetric(float64(pct(lat, 50).Microseconds())/1000, p.name+"_p50_ms")
			b.ReportMetric(float64(pct(lat, 99).Microseconds())/1000, p.name+"_p99_ms")
		}
	}
}

// runPhase runs p with n clients for d, each in a closed loop or one
// action per pace; latencies of successful actions, the number of
// failures and the first one.
func runPhase(p loadPhase, base string, n int, d, pace time.Duration) ([]time.Duration, int, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		errs  atomic.Int64
		first atomic.Value
		seq   atomic.Int64
		wg    sync.WaitGroup
	)
	stop := time.Now().Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 60 * time.Second}
			var mine []time.Duration
			// Paced clients start spread over one pace, as people do.
			next := time.Now().Add(time.Duration(rand.Int64N(int64(max(pace, 1)))))
			for time.Now().Before(stop) {
				if pace > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(pace)
				}
				i := int(seq.Add(1))
				t0 := time.Now()
				if err := p.do(c, base, i); err != nil {
					errs.Add(1)
					first.CompareAndSwap(nil, err)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	err, _ := first.Load().(error)
	return lat, int(errs.Load()), err
}

// pct is the q-th percentile of sorted durations (nearest rank).
func pct(sorted []time.Duration, q int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*q + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))].Round(100 * time.Microsecond)
}

// benchMux is the app's router as `serve` builds it.
func benchMux(b testing.TB, app core.App) http.Handler {
	router, err := apis.NewRouter(app)
	if err != nil {
		b.Fatal(err)
	}
	var mux http.Handler
	se := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return mux
}
