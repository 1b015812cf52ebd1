package hooks

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// Synthetic but realistic mentions for the crash test and the polling and
// ingest benchmarks: French and English posts naming the brand in its
// usual spellings, complaints, questions, praise, noise that names us and
// posts about something else, from a pool of people who sometimes write
// twice in a day. Deterministic for a seed, so runs compare.

var (
	genBrands = []string{"Café Lune", "Cafe Lune", "café lune", "CAFÉ LUNE", "Café Lune"}
	genFirst  = []string{"anne", "bruno", "carla", "dan", "emma", "farid", "gilles", "hana", "ines", "jack",
		"karim", "lea", "marc", "nina", "oscar", "paula", "quentin", "rose", "sam", "tess",
		"uma", "victor", "wendy", "xavier", "yasmine", "zoe", "albert", "beatrice", "cyril", "dora"}
	genFR = map[string][]string{
		"complaint": {
			"Ma commande n°%[1]d chez %[2]s n'est jamais arrivée, j'attends toujours !",
			"%[2]s m'a servi un %[3]s froid à %[1]d h et le serveur était désagréable. Très déçu.",
			"Toujours aucune réponse de %[2]s pour mon remboursement (commande %[1]d), c'est scandaleux.",
			"Le %[3]s de %[2]s était rassis ce matin, payé %[1]d centimes pour ça, vraiment nul.",
			"%[2]s a annulé ma réservation de %[1]d h sans prévenir, inadmissible.",
			"%[1]d minutes d'attente chez %[2]s pour un %[3]s, plus jamais.",
		},
		"question": {
			"Est-ce que %[2]s est ouvert le dimanche vers %[1]d h ?",
			"%[2]s fait-il des %[3]s sans gluten ? Il m'en faudrait %[1]d.",
			"Peut-on réserver une table pour %[1]d chez %[2]s samedi ?",
			"Comment commander un %[3]s chez %[2]s pour %[1]d personnes ?",
			"%[2]s livre jusqu'à quelle heure ? On est %[1]d au bureau.",
		},
		"praise": {
			"Le %[3]s de %[2]s est délicieux, merci ! Déjà %[1]d fois cette année.",
			"Super accueil chez %[2]s, l'équipe est adorable. %[1]d/10",
			"Merci %[2]s pour ce %[3]s parfait, on était %[1]d et on reviendra !",
			"Meilleur %[3]s du quartier chez %[2]s, bravo à toute l'équipe. %[1]d/10",
		},
		"noise": {
			"Je passe devant %[2]s tous les matins à %[1]d h.",
			"Rendez-vous devant %[2]s à %[1]d h.",
			"%[2]s a changé sa vitrine, il y a %[1]d %[3]s dessus.",
			"Photo de la rue avec %[2]s au fond, prise à %[1]d h.",
		},
		"other": {
			"La lune est magnifique ce soir, %[1]d degrés dehors.",
			"Mon %[3]s préféré ferme ses portes après %[1]d ans, triste nouvelle.",
			"Je cherche un bon %[3]s à Lyon, des idées ? (%[1]d)",
			"Lune de miel à Venise, %[1]d jours magnifiques.",
		},
	}
	genEN = map[string][]string{
		"complaint": {
			"Still waiting for my refund from %[2]s, order %[1]d, nobody answers my emails.",
			"%[2]s charged me twice for the same %[3]s, order %[1]d. Terrible service.",
			"My %[2]s order never arrived and support ignored me. Worst experience. #%[1]d",
			"%[2]s delivery was %[1]d minutes late and the %[3]s was crushed. Awful.",
			"Waited %[1]d minutes at %[2]s for a cold %[3]s. Never again.",
		},
		"question": {
			"Does %[2]s have a vegan %[3]s? Asking for %[1]d friends.",
			"What time does %[2]s open on Sundays? Around %[1]d?",
			"Can I order a %[3]s from %[2]s online for %[1]d people?",
			"Is there parking near %[2]s? Coming with %[1]d friends.",
		},
		"praise": {
			"Best %[3]s in town at %[2]s, love it! %[1]d/10",
			"%[2]s made our %[3]s and it was perfect. Highly recommend! %[1]d stars",
			"Thank you %[2]s for the lovely %[3]s this morning, table %[1]d!",
			"The team at %[2]s is wonderful, %[1]d visits and never disappointed.",
		},
		"noise": {
			"Walked past %[2]s today on my way to work at %[1]d.",
			"Meeting Paul at %[2]s tomorrow at %[1]d.",
			"%[2]s is on the corner of Rue des Martyrs, number %[1]d.",
		},
		"other": {
			"Full moon tonight, what a view. %[1]d photos taken.",
			"Best %[3]s shops in Paris, a list of %[1]d.",
			"Looking for a %[3]s recipe for %[1]d people.",
		},
	}
	genProductsFR = []string{"croissant", "flat white", "pain au chocolat", "brunch", "gâteau", "cappuccino", "cookie", "thé glacé", "pain de mie", "éclair"}
	genProductsEN = []string{"croissant", "flat white", "sourdough", "brunch", "birthday cake", "cappuccino", "cookie", "iced tea", "bagel", "muffin"}
	// Weights of complaint, question, praise, noise, other (out of 100).
	genMix   = []string{"complaint", "question", "praise", "noise", "other"}
	genShare = []int{15, 20, 25, 20, 20}
)

// genItems returns n feed items published over the span before now, newest
// last, with GUIDs prefix-0, prefix-1... and authors drawn from a pool of
// n/3 people (at least 30), so some write again within a day.
func genItems(n int, prefix string, seed uint64, span time.Duration) []feedItem {
	r := rand.New(rand.NewPCG(seed, 0x6d656e74))
	people := max(n/3, 30)
	items := make([]feedItem, n)
	for i := range items {
		cat := genMix[len(genMix)-1]
		for p, k := r.IntN(100), 0; k < len(genShare); k++ {
			if p < genShare[k] {
				cat = genMix[k]
				break
			}
			p -= genShare[k]
		}
		tpl, products := genFR[cat], genProductsFR
		if r.IntN(100) < 45 {
			tpl, products = genEN[cat], genProductsEN
		}
		text := fmt.Sprintf(tpl[r.IntN(len(tpl))], 2+r.IntN(9000), genBrands[r.IntN(len(genBrands))], products[r.IntN(len(products))])
		// Some people tag the business or add a detail: fewer identical texts.
		switch r.IntN(6) {
		case 0:
			text += " @cafelune"
		case 1:
			text = strings.TrimSuffix(text, ".") + fmt.Sprintf(" (%s)", genFirst[r.IntN(len(genFirst))])
		}
		person := r.IntN(people)
		items[i] = feedItem{
			guid:   fmt.Sprintf("%s-%d", prefix, i),
			author: fmt.Sprintf("%s%d", genFirst[person%len(genFirst)], person),
			text:   text,
			// Evenly spread, oldest first, as a poll would bring them in.
			ago:  span - spread(i, n, span),
			want: cat,
		}
	}
	return items
}

// spread is i/n of span without overflowing: i*span does not fit in an
// int64 past a few thousand items over 30 days (the 100,000-item fixture
// once covered 51 hours instead of 30 days).
func spread(i, n int, span time.Duration) time.Duration {
	d, r := span/time.Duration(n), span%time.Duration(n)
	return d*time.Duration(i) + r*time.Duration(i)/time.Duration(n)
}

// ingestFixture is the 100,000-mention fixture as a poller would hand it
// to ingest: RSS documents of 100 items, parsed by the feed connector.
type ingestFixture struct {
	now     time.Time
	batches [][]connectors.Mention
	total   int
}

// benchNow is "now" for the benchmarks' data: the ingest fixture's 30 days
// and the load database's year (BenchmarkLoadDatabase) both end here.
var benchNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixtureSpan is the time the ingest fixture's posts cover.
const fixtureSpan = 30 * 24 * time.Hour

var (
	ingestFixtureMu sync.Mutex
	ingestFixtures  = map[time.Time]ingestFixture{}
)

const ingestBatch = 100

// ingestMentions is 100,000 unless MD_BENCH_MENTIONS says otherwise (a
// smaller run is handy under the profiler).
func ingestMentions() int {
	if n, err := strconv.Atoi(os.Getenv("MD_BENCH_MENTIONS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// benchApp opens a copy of the test template the way the binary opens its
// data directory: a plain core.BaseApp, not a tests.TestApp, whose
// per-hook event counters are not part of the product.
func benchApp(b testing.TB) (*core.BaseApp, *hub) {
	b.Helper()
	return benchAppWith(b, Config{DisableWorkers: true, AllowPrivateURLs: true, EncryptionKey: testKey})
}

func benchAppWith(b testing.TB, cfg Config) (*core.BaseApp, *hub) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "pb_data")
	if err := os.CopyFS(dir, os.DirFS(templateDir)); err != nil {
		b.Fatal(err)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		b.Fatal(err)
	}
	h, err := register(app, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.ResetBootstrapState() })
	return app, h
}

func loadIngestFixture(b *testing.B) ingestFixture {
	return ingestFixtureEnding(b, benchNow)
}

// ingestFixtureEnding is the fixture with its 30 days ending at now, built
// once per end.
func ingestFixtureEnding(b *testing.B, now time.Time) ingestFixture {
	ingestFixtureMu.Lock()
	defer ingestFixtureMu.Unlock()
	f, ok := ingestFixtures[now]
	if !ok {
		items := genItems(ingestMentions(), "m", 42, fixtureSpan)
		feed := connectors.NewFeed(connectors.Config{Now: func() time.Time { return now }})
		f.now = now
		for i := 0; i < len(items); i += ingestBatch {
			doc := rss(items[i:min(i+ingestBatch, len(items))], now)
			ms, err := feed.ParseBody([]byte(doc), "application/rss+xml; charset=utf-8", "https://alerts.example/")
			if err != nil {
				b.Fatal(err)
			}
			f.batches = append(f.batches, ms)
			f.total += len(ms)
		}
		ingestFixtures[now] = f
	}
	if f.total != ingestMentions() {
		b.Fatalf("fixture parsed to %d mentions, want %d", f.total, ingestMentions())
	}
	return f
}

// BenchmarkIngest100k ingests 100,000 mentions, 100 per batch as polls
// bring them, into a fresh database through the real pipeline (normalise,
// dedupe, match, analyse, triage, thread, contacts, tickets, the source's
// update; one transaction per batch), then inserts the very rows it stored
// into fresh databases with prepared INSERTs, one transaction per batch:
// its mentions alone (raw_rows/s), and its mentions, tickets and contacts
// (raw_all_mentions/s). Those are the raw SQLite rates on the same
// machine in the same run.
//
//	go test ./hooks -run '^$' -bench 'BenchmarkIngest100k$' -benchtime 1x -v
//
// An iteration takes about a minute: run it with -benchtime 1x.
func BenchmarkIngest100k(b *testing.B) {
	fx := loadIngestFixture(b)
	b.StopTimer()
	for range b.N {
		app, h := benchApp(b)
		// MD_BENCH_FEEDS=n deals the batches out to n feeds, each ingested
		// in order by a goroutine of its own, as the poller's workers do:
		// one feed's batch is analysed while another's is being written.
		// The default, 1, is one feed, one batch at a time.
		feeds := make([]*core.Record, max(1, envInt("MD_BENCH_FEEDS")))
		for i := range feeds {
			feeds[i] = saveRecord(b, app, "sources", map[string]any{"kind": "feed", "name": fmt.Sprintf("Google Alerts %d", i+1),
				"url": fmt.Sprintf("https://alerts.example/feed/%d", i+1), "enabled": true})
		}
		var stats *sqlStats
		if os.Getenv("MD_BENCH_SQLSTATS") != "" {
			stats = &sqlStats{}
			stats.install(app)
		}
		benchPragma(b, app)
		settle()
		baseRSS := apptest.CurrentRSS()
		apptest.ResetPeakRSS()

		b.StartTimer()
		start := time.Now()
		var total tickets.IngestStats
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w, src := range feeds {
			wg.Go(func() {
				for i := w; i < len(fx.batches); i += len(feeds) {
					stats, _, err := h.desk.Ingest(src, fx.batches[i], fx.now, func(tx core.App, stats tickets.IngestStats) error {
						// What pollSource does with the source in the same transaction.
						_, err := tx.DB().Update("sources", dbx.Params{"last_check_at": records.DT(fx.now).String(), "last_ok_at": records.DT(fx.now).String(),
							"last_new": stats.New}, dbx.HashExp{"id": src.Id}).Execute()
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					total = total.Plus(stats)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		pipeline := time.Since(start)
		b.StopTimer()
		pipelinePeak := apptest.PeakRSS()
		if stats != nil {
			stats.report(b, fx.total, pipeline, "mention")
			stats.install(app) // stop counting: what follows is the check
		}

		if total.New != fx.total {
			b.Fatalf("stored %d of %d mentions: %+v", total.New, fx.total, total)
		}
		ours := "source IN (SELECT id FROM sources WHERE url LIKE {:s})"
		mentions := storedRows(b, app, "mentions", ours, "https://alerts.example/%")
		all := []storedTable{mentions,
			storedRows(b, app, "tickets", ours, "https://alerts.example/%"),
			storedRows(b, app, "contacts", "platform = {:s}", "feed")}
		_ = app.ResetBootstrapState()

		// Raw, mention rows only: the bare cost of the table the issue names.
		raw, _ := benchApp(b)
		benchPragma(b, raw)
		settle()
		apptest.ResetPeakRSS()
		rawTime := rawInsert(b, raw, []storedTable{mentions})
		rawPeak := apptest.PeakRSS()
		_ = raw.ResetBootstrapState()
		// Raw, every row the pipeline stored (mentions, tickets, contacts)
		// in as many transactions: the cost of writing what it writes,
		// without deciding any of it.
		rawAll, _ := benchApp(b)
		benchPragma(b, rawAll)
		settle()
		rawAllTime := rawInsert(b, rawAll, all)
		_ = rawAll.ResetBootstrapState()

		n := float64(fx.total)
		b.ReportMetric(n/pipeline.Seconds(), "mentions/s")
		b.ReportMetric(n/rawTime.Seconds(), "raw_rows/s")
		b.ReportMetric(rawTime.Seconds()/pipeline.Seconds(), "pipeline/raw")
		b.ReportMetric(n/rawAllTime.Seconds(), "raw_all_mentions/s")
		b.ReportMetric(rawAllTime.Seconds()/pipeline.Seconds(), "pipeline/raw_all")
		b.ReportMetric(float64(pipelinePeak)/(1<<20), "peak_rss_MB")
		b.ReportMetric(float64(pipelinePeak-baseRSS)/(1<<20), "peak_rss_delta_MB")
		b.ReportMetric(float64(rawPeak)/(1<<20), "raw_peak_rss_MB")
		b.Logf("pipeline %s (%+v): %d mentions, %d tickets, %d contacts; raw mentions %s, raw all rows %s", pipeline.Round(time.Millisecond), total,
			len(all[0].rows), len(all[1].rows), len(all[2].rows), rawTime.Round(time.Millisecond), rawAllTime.Round(time.Millisecond))
	}
}

// settle starts a timed phase on an even footing: the previous phase's
// garbage collected and its written pages flushed by the kernel, not
// while the next phase runs (a pipeline run leaves gigabytes of WAL
// writes behind, which used to slow whatever was measured after it).
func settle() {
	runtime.GC()
	syscall.Sync()
}

// storedTable is rows read back from a table, every column.
type storedTable struct {
	name string
	cols []string
	rows [][]any
}

// storedRows reads back every column of the rows of a table that match
// where (one {:s} parameter), in insertion order.
func storedRows(b *testing.B, app core.App, table, where, arg string) storedTable {
	b.Helper()
	rows, err := app.DB().NewQuery("SELECT * FROM " + table + " WHERE " + where + " ORDER BY rowid").
		Bind(dbx.Params{"s": arg}).Rows()
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	st := storedTable{name: table}
	if st.cols, err = rows.Columns(); err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(st.cols))
		ptrs := make([]any, len(st.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		st.rows = append(st.rows, vals)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return st
}

// sqlStats counts and times every statement PocketBase and our code run,
// by shape (literals blanked), through dbx's log hooks. Diagnostic only:
// building the logged SQL costs time, so the rates of such a run are not
// the figures (MD_BENCH_SQLSTATS=1).
type sqlStats struct {
	mu sync.Mutex
	by map[string]*sqlStat
}

type sqlStat struct {
	n int
	d time.Duration
}

var sqlLiteral = regexp.MustCompile(`'(?:[^']|'')*'|\b[0-9]+(?:\.[0-9]+)?\b`)

func (s *sqlStats) install(app core.App) {
	s.by = map[string]*sqlStat{}
	for _, b := range []dbx.Builder{app.NonconcurrentDB(), app.ConcurrentDB()} {
		db := b.(*dbx.DB)
		db.QueryLogFunc = func(_ context.Context, t time.Duration, q string, _ *sql.Rows, _ error) { s.add(q, t) }
		db.ExecLogFunc = func(_ context.Context, t time.Duration, q string, _ sql.Result, _ error) { s.add(q, t) }
	}
}

func (s *sqlStats) add(q string, t time.Duration) {
	if len(q) > 400 {
		q = q[:400] // an INSERT's shape is in its column list
	}
	key := sqlLiteral.ReplaceAllString(q, "?")
	if len(key) > 150 {
		key = key[:150]
	}
	s.mu.Lock()
	st := s.by[key]
	if st == nil {
		st = &sqlStat{}
		s.by[key] = st
	}
	st.n++
	st.d += t
	s.mu.Unlock()
}

// report logs the statements by total time; per is what n counts
// (mention, source).
func (s *sqlStats) report(b *testing.B, n int, wall time.Duration, per string) {
	keys := make([]string, 0, len(s.by))
	var total int
	var d time.Duration
	for k, st := range s.by {
		keys = append(keys, k)
		total += st.n
		d += st.d
	}
	sort.Slice(keys, func(i, j int) bool { return s.by[keys[i]].d > s.by[keys[j]].d })
	b.Logf("SQL: %d statements (%.1f per %s), %s in SQL = %.0f %% of %s", total, float64(total)/float64(n), per, d.Round(time.Millisecond), 100*d.Seconds()/wall.Seconds(), wall.Round(time.Millisecond))
	for _, k := range keys[:min(len(keys), 25)] {
		st := s.by[k]
		b.Logf("%6.2f/%s %7.1f µs each %5.1f %%  %s", float64(st.n)/float64(n), per, float64(st.d.Microseconds())/float64(st.n), 100*st.d.Seconds()/wall.Seconds(), k)
	}
}

// BenchmarkIngestAnalysis is the Go half of ingest alone on the same
// fixture: normalise (HTML sanitising, plain text, content hash), analyse
// (language, sentiment, intent) and match keywords, nothing stored.
//
//	go test ./hooks -run '^$' -bench BenchmarkIngestAnalysis
func BenchmarkIngestAnalysis(b *testing.B) {
	fx := loadIngestFixture(b)
	app, _ := benchApp(b)
	m, err := ingest.LoadMatcher(app, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, batch := range fx.batches {
			for _, raw := range batch {
				nm := ingest.Normalize(raw, fx.now)
				text := nm.Title + "\n" + nm.Text
				a := ingest.Analyze(text, raw.Lang, nil)
				_ = m.Match(text, a.Lang)
				n++
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mentions/s")
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// benchPragma runs MD_BENCH_PRAGMA (say "PRAGMA synchronous=OFF") on the
// writer of the pipeline's and the raw baselines' databases: how
// connection settings were tried before one went into sqlitedb.
func benchPragma(b *testing.B, app core.App) {
	if p := os.Getenv("MD_BENCH_PRAGMA"); p != "" {
		if _, err := app.NonconcurrentDB().NewQuery(p).Execute(); err != nil {
			b.Fatal(err)
		}
	}
}
