package stats

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/internal/apptest" // and the schema's migrations
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// A year of a busy business: 1,000,000 mentions and the 300,000 tickets
// they opened, written straight into SQLite (building it takes a minute;
// it is cached in $TMPDIR/md-bench-stats-year between runs). The search
// index triggers are dropped while loading: FTS plays no part in stats or
// export.
//
//	GOTOOLCHAIN=go1.27.3 go test ./hooks/stats -run '^$' -bench 'BenchmarkStatsYear|BenchmarkExportYear' -benchtime 20x
const (
	yearMentions = 1_000_000
	yearTickets  = 300_000
)

// The team the year's tickets are assigned to ("" is unassigned), and the
// source its mentions came from (never read by the stats).
const (
	ownerID  = "owner0000000001"
	agentID  = "agent0000000001"
	agent2ID = "agent0000000002"
	sourceID = "source000000001"
)

var yearDBOnce sync.Once
var yearDBDir string

func yearDB(b *testing.B) (*core.BaseApp, *Reporter) {
	yearDBOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("md-bench-stats-year-%d", yearMentions))
		if _, err := os.Stat(filepath.Join(dir, "ready")); err != nil {
			_ = os.RemoveAll(dir)
			app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
			if err := app.Bootstrap(); err != nil {
				b.Fatal(err)
			}
			if err := app.RunAllMigrations(); err != nil {
				b.Fatal(err)
			}
			for _, u := range []struct{ id, name, role string }{{ownerID, "Olga Owner", "owner"}, {agentID, "Alex Agent", "agent"}, {agent2ID, "Billie Agent", "agent"}} {
				apptest.Save(b, app, "users", map[string]any{"id": u.id, "email": u.id + "@example.com", "name": u.name, "role": u.role, "password": "1234567890"})
			}
			if err := fillYear(app); err != nil {
				b.Fatal(err)
			}
			_ = app.ResetBootstrapState()
			_ = os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644)
		}
		yearDBDir = dir
	})
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: yearDBDir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		b.Fatal(err)
	}
	r, err := Register(app, Deps{DisableWorkers: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.ResetBootstrapState() })
	return app, r
}

func fillYear(app core.App) error {
	if _, err := app.DB().NewQuery(`DROP TRIGGER IF EXISTS mentions_fts_ai; DROP TRIGGER IF EXISTS mentions_fts_au; DROP TRIGGER IF EXISTS mentions_fts_ad`).Execute(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2025, 11, 23, 0, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	channels := []string{"mastodon", "bluesky", "email", "webhook", "feed", "reddit", "hackernews"}
	labels := []string{"negative", "neutral", "positive"}
	statuses := []string{"new", "open", "pending", "resolved", "resolved", "resolved", "ignored"}
	agents := []string{agentID, agent2ID, ownerID, ""}
	ticketAt := make([]time.Time, yearTickets)
	for i := range ticketAt {
		ticketAt[i] = start.Add(time.Duration(rng.Int64N(int64(year))))
	}
	const chunk = 20000
	for lo := 0; lo < yearTickets; lo += chunk {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := lo; i < min(lo+chunk, yearTickets); i++ {
				fr := int64(rng.ExpFloat64() * 5 * 3600)
				answered := rng.IntN(10) < 8
				frAt := ""
				if answered {
					frAt = records.DT(ticketAt[i].Add(time.Duration(fr) * time.Second)).String()
				} else {
					fr = 0
				}
				_, err := tx.DB().Insert("tickets", dbx.Params{
					"id": fmt.Sprintf("yt%013d", i), "subject": "s", "status": statuses[rng.IntN(len(statuses))], "priority": "normal",
					"channel": channels[rng.IntN(len(channels))], "assignee": agents[rng.IntN(len(agents))],
					"first_mention_at": records.DT(ticketAt[i]).String(), "needs_answer": rng.IntN(10) < 9,
					"first_response_at": frAt, "first_response_sec": fr, "first_response_bh_sec": fr / 3,
					"resolution_sec": fr * 3, "resolution_bh_sec": fr, "breached": fr > 3600 || !answered,
					"win_back": rng.IntN(50) == 0, "created": records.DT(ticketAt[i]).String(), "updated": records.DT(ticketAt[i]).String(),
				}).Execute()
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for lo := 0; lo < yearMentions; lo += chunk {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := lo; i < min(lo+chunk, yearMentions); i++ {
				t := rng.IntN(yearTickets)
				ticket, triage := fmt.Sprintf("yt%013d", t), "ticket"
				at := ticketAt[t].Add(time.Duration(rng.IntN(48*3600)) * time.Second)
				if rng.IntN(4) == 0 {
					ticket, triage = "", []string{"ignored", "dropped"}[rng.IntN(2)]
				}
				_, err := tx.DB().Insert("mentions", dbx.Params{
					"id": fmt.Sprintf("ym%013d", i), "source": sourceID, "channel": channels[rng.IntN(len(channels))],
					"external_id": fmt.Sprintf("ext-%d", i), "author": fmt.Sprintf("@user%d@m.example", rng.IntN(50000)),
					"text":         "Bonjour, ma commande Café Lune n'est jamais arrivée; est-ce que quelqu'un peut m'aider ? «Crème», \"quotes\"",
					"published_at": records.DT(at).String(), "fetched_at": records.DT(at).String(), "ticket": ticket, "triage": triage,
					"sentiment_label": labels[rng.IntN(3)], "sentiment": rng.Float64()*2 - 1, "language": "fr", "intent": "complaint",
					"created": records.DT(at).String(), "updated": records.DT(at).String(),
				}).Execute()
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	_, err := app.DB().NewQuery("ANALYZE").Execute()
	return err
}

// BenchmarkStatsYear asks the dashboard's question for a whole year, next
// to the cheapest SQL pass over the same rows (an index-only count of the
// year's mentions) measured in the same run.
func BenchmarkStatsYear(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	app, r := yearDB(b)
	loc, _ := time.LoadLocation("Europe/Paris")
	sq := Query{From: time.Date(2025, 11, 23, 0, 0, 0, 0, loc), To: time.Date(2026, 11, 23, 0, 0, 0, 0, loc), Loc: loc}
	// The index loads once per process, on the first stats request.
	began := time.Now()
	if err := r.LoadIndex(app); err != nil {
		b.Fatal(err)
	}
	b.Logf("stats index loaded in %s (once per process)", time.Since(began).Round(time.Millisecond))
	for _, group := range []string{"", "day", "channel", "agent"} {
		b.Run("group="+group, func(b *testing.B) {
			q := sq
			q.GroupBy = group
			q.keys = map[int64]string{}
			for b.Loop() {
				totals, _, err := r.Compute(app, q)
				if err != nil {
					b.Fatal(err)
				}
				if totals.Tickets < yearTickets*9/10 {
					b.Fatalf("only %d tickets in the year", totals.Tickets)
				}
			}
		})
	}
	b.Run("baseline=count-mentions", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := app.DB().NewQuery("SELECT count(*) FROM mentions WHERE published_at >= {:f} AND published_at < {:t}").
				Bind(dbx.Params{"f": records.DT(sq.From).String(), "t": records.DT(sq.To).String()}).Row(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// countingWriter is a ResponseWriter that keeps nothing, so the export's
// own memory is what the high-water mark measures.
type countingWriter struct {
	h http.Header
	n int64
}

func (w *countingWriter) Header() http.Header         { return w.h }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExportYear streams the year's million mentions as CSV and
// reports the resident-memory high-water mark the export added.
func BenchmarkExportYear(b *testing.B) {
	if testing.Short() {
		b.Skip("large")
	}
	app, _ := yearDB(b)
	for b.Loop() {
		apptest.ResetPeakRSS()
		base := apptest.PeakRSS()
		w := &countingWriter{h: http.Header{}}
		req := httptest.NewRequest(http.MethodGet, "/api/md/export/mentions.csv?from=2025-11-01&to=2026-12-31", nil)
		req.SetPathValue("file", "mentions.csv")
		e := &core.RequestEvent{App: app}
		e.Request, e.Response = req, w
		if err := handleExport(e); err != nil {
			b.Fatal(err)
		}
		peak := apptest.PeakRSS()
		b.ReportMetric(float64(w.n)/(1<<20), "MiB-written")
		b.ReportMetric(float64(peak-base)/(1<<20), "MiB-peak-rss-added")
		b.ReportMetric(float64(base)/(1<<20), "MiB-rss-before")
	}
}
