package slawatch

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// slaFixture writes n tickets of every shape the watcher meets, straight
// into SQLite: every status and priority, praise that needs no answer,
// tickets answered or not, customers who wrote again after our answer or
// not, due dates from the settings' clock (or none), flags already set,
// clocks started from three days before at to an hour after it.
// Deterministic for a seed.
func slaFixture(tb testing.TB, p *probe, seed uint64, n int, at time.Time) {
	tb.Helper()
	app := p.app
	s, err := settings.Load(app)
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 0x736c61))
	pick := func(weights map[string]int) string {
		keys := make([]string, 0, len(weights))
		total := 0
		for k, w := range weights {
			keys = append(keys, k)
			total += w
		}
		slices.Sort(keys)
		x := r.IntN(total)
		for _, k := range keys {
			if x < weights[k] {
				return k
			}
			x -= weights[k]
		}
		return keys[0]
	}
	ts := func(t time.Time) string { return records.DT(t.Truncate(time.Millisecond)).String() }
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			first := at.Add(-time.Duration(r.Int64N(int64(72 * time.Hour)))).Add(time.Duration(r.IntN(1000)) * time.Millisecond)
			if r.IntN(50) == 0 {
				first = at.Add(time.Duration(r.Int64N(int64(time.Hour))))
			}
			row := dbx.Params{
				"id":       fmt.Sprintf("sla%012d", i),
				"subject":  "Ticket " + fmt.Sprint(i),
				"status":   pick(map[string]int{"new": 40, "open": 25, "pending": 15, "resolved": 10, "ignored": 10}),
				"priority": pick(map[string]int{"low": 1, "normal": 2, "high": 1, "urgent": 1}),
				"channel":  "mastodon", "needs_answer": r.IntN(100) < 85,
				"first_mention_at": ts(first), "last_customer_at": ts(first),
				"first_response_at": "", "last_response_at": "",
				"sla_at_risk": r.IntN(100) < 15, "breached": r.IntN(100) < 10,
				"created": ts(first), "updated": ts(first),
			}
			start := first
			if r.IntN(100) < 40 { // answered
				reply := first.Add(time.Duration(r.Int64N(int64(5 * time.Hour))))
				row["first_response_at"], row["last_response_at"] = ts(reply), ts(reply)
				if r.IntN(2) == 0 { // the customer wrote again
					start = reply.Add(time.Duration(1 + r.Int64N(int64(20*time.Hour))))
					row["last_customer_at"] = ts(start)
				}
			}
			// The due time tickets give a clock started at start
			// (hooks/tickets, Desk.Deadlines).
			target, _ := s.Targets(row["priority"].(string))
			switch due := p.w.d.Clock.AddBusinessTime(s, start, target); {
			case r.IntN(10) == 0:
				row["sla_due_at"] = ""
			default:
				row["sla_due_at"] = ts(due)
			}
			if _, err := tx.DB().Insert("tickets", row).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// slaOutcome is what a pass leaves: every ticket's flags, the events it
// emitted and the history it wrote, in a stable order.
type slaOutcome struct {
	flags, events, history []string
}

func slaOutcomeOf(t *testing.T, app core.App, events []string) slaOutcome {
	t.Helper()
	var o slaOutcome
	var rows []struct {
		ID       string `db:"id"`
		AtRisk   bool   `db:"sla_at_risk"`
		Breached bool   `db:"breached"`
	}
	if err := app.DB().NewQuery("SELECT id, sla_at_risk, breached FROM tickets WHERE id LIKE 'sla%' ORDER BY id").All(&rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		o.flags = append(o.flags, fmt.Sprintf("%s %v %v", r.ID, r.AtRisk, r.Breached))
	}
	var hist []string
	if err := app.DB().NewQuery("SELECT ticket || ' ' || kind || ' ' || at FROM ticket_events WHERE kind LIKE 'sla_%' ORDER BY 1").Column(&hist); err != nil {
		t.Fatal(err)
	}
	o.history = hist
	o.events = slices.Sorted(slices.Values(events))
	return o
}

// The set-based pass flags, emits and records exactly what the
// per-ticket pass does, pass after pass, on the wall clock with
// per-priority targets and on business hours across a weekend.
func TestSLAPassEqualsPerTicket(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		name string
		set  map[string]any
		at   time.Time
	}{
		{"wall clock, per-priority targets", map[string]any{"priority_overrides": map[string]any{
			"urgent": map[string]int{"first_response_target_min": 15}, "low": map[string]int{"first_response_target_min": 240}}},
			time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)},
		{"business hours, Friday evening", map[string]any{"sla_business_hours": true, "timezone": "Europe/Paris",
			"priority_overrides": map[string]any{"high": map[string]int{"first_response_target_min": 30}}},
			time.Date(2026, 11, 20, 17, 40, 0, 0, paris)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			per, set := newProbe(t, c.set), newProbe(t, c.set)
			slaFixture(t, per, 7, 1500, c.at)
			slaFixture(t, set, 7, 1500, c.at)
			for _, after := range []time.Duration{0, 7 * time.Minute, 45*time.Minute + 500*time.Microsecond, 16 * time.Hour, 3 * 24 * time.Hour} {
				now := c.at.Add(after).UTC()
				if err := per.w.checkPerTicket(context.Background(), now); err != nil {
					t.Fatal(err)
				}
				if err := set.w.Check(context.Background(), now); err != nil {
					t.Fatal(err)
				}
				want, got := slaOutcomeOf(t, per.app, per.takeEvents()), slaOutcomeOf(t, set.app, set.takeEvents())
				if after == 0 && len(want.events) < 100 {
					t.Fatalf("the fixture flags only %d tickets at the first pass", len(want.events))
				}
				for _, d := range []struct {
					what      string
					want, got []string
				}{{"flags", want.flags, got.flags}, {"events", want.events, got.events}, {"history", want.history, got.history}} {
					if !slices.Equal(d.want, d.got) {
						t.Fatalf("pass at +%s: %s differ: per ticket %d, in sets %d; first difference %q", after, d.what, len(d.want), len(d.got), firstDiff(d.want, d.got))
					}
				}
			}
		})
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " / " + b[i]
		}
	}
	if len(a) > len(b) {
		return a[len(b)] + " / (none)"
	}
	if len(b) > len(a) {
		return "(none) / " + b[len(a)]
	}
	return ""
}

// countStatements counts the SQL statements app runs from now on.
func countStatements(app core.App) *atomic.Int64 {
	var n atomic.Int64
	for _, b := range []dbx.Builder{app.NonconcurrentDB(), app.ConcurrentDB()} {
		db := b.(*dbx.DB)
		db.QueryLogFunc = func(context.Context, time.Duration, string, *sql.Rows, error) { n.Add(1) }
		db.ExecLogFunc = func(context.Context, time.Duration, string, sql.Result, error) { n.Add(1) }
	}
	return &n
}

// A pass writes in sets: as many statements for 400 overdue tickets as
// for 40, and no ticket saved one by one.
func TestSLAPassWritesInSets(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	statements := map[int]int64{}
	for _, n := range []int{40, 400} {
		p := newProbe(t, nil)
		app := p.app
		_, err := app.DB().NewQuery(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {:n})
			INSERT INTO tickets (id, subject, status, priority, channel, needs_answer, first_mention_at, last_customer_at, sla_due_at, created, updated)
			SELECT printf('sla%012d', i), 'Late', 'new', 'normal', 'mastodon', 1, '2026-11-20 07:00:00.000Z', '2026-11-20 07:00:00.000Z',
				'2026-11-20 08:00:00.000Z', '2026-11-20 07:00:00.000Z', '2026-11-20 07:00:00.000Z' FROM c`).Bind(dbx.Params{"n": n}).Execute()
		if err != nil {
			t.Fatal(err)
		}
		var saves atomic.Int64
		app.OnModelUpdate("tickets").BindFunc(func(e *core.ModelEvent) error {
			saves.Add(1)
			return e.Next()
		})
		count := countStatements(app)
		if err := p.w.Check(context.Background(), at); err != nil {
			t.Fatal(err)
		}
		statements[n] = count.Load()
		if got := len(p.takeEvents()); got != 2*n {
			t.Fatalf("%d tickets: %d events, want %d", n, got, 2*n)
		}
		if saves.Load() != 0 {
			t.Errorf("%d tickets: %d saved one by one", n, saves.Load())
		}
	}
	// Announcing a small pass to realtime reads its tickets once; nothing
	// else may grow with the number of tickets.
	if statements[400] > statements[40] || statements[400] > 30 {
		t.Errorf("statements: %d for 40 tickets, %d for 400", statements[40], statements[400])
	}
}

// The pass's statements read the partial indexes that hold only the
// tickets whose flags can still change (SQLite refuses INDEXED BY a
// partial index whose condition the query does not state).
func TestSLAPassUsesWatchIndexes(t *testing.T) {
	t.Parallel()
	p := newProbe(t, map[string]any{"priority_overrides": map[string]any{"urgent": map[string]int{"first_response_target_min": 15}}})
	app := p.app
	s, err := settings.Load(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.w.rules(s, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) {
		params := dbx.Params{"chunk": chunk}
		for k, v := range r.params {
			params[k] = v
		}
		var plan []struct {
			ID     int    `db:"id"`
			Parent int    `db:"parent"`
			NotU   int    `db:"notused"`
			Detail string `db:"detail"`
		}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN SELECT id FROM tickets INDEXED BY " + r.index + " WHERE " + r.where + " LIMIT {:chunk}").Bind(params).All(&plan); err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if d := strings.Join(details, "; "); !strings.Contains(d, r.index) {
			t.Errorf("%s rule %q: plan %s", r.kind, r.where, d)
		}
	}
}

// A pass tells the stats index of every breach it flags, and realtime of
// the tickets it flagged when they are few (announceMax); a bigger pass
// leaves the inbox to work lateness out from the due time.
func TestSLAPassTellsStatsAndRealtime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		n        int
		announce bool
	}{{40, true}, {announceMax + 1, false}} {
		p := newProbe(t, nil)
		_, err := p.app.DB().NewQuery(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {:n})
			INSERT INTO tickets (id, subject, status, priority, channel, needs_answer, first_mention_at, last_customer_at, sla_due_at, created, updated)
			SELECT printf('sla%012d', i), 'Late', 'new', 'normal', 'mastodon', 1, '2026-11-20 07:00:00.000Z', '2026-11-20 07:00:00.000Z',
				'2026-11-20 08:00:00.000Z', '2026-11-20 07:00:00.000Z', '2026-11-20 07:00:00.000Z' FROM c`).Bind(dbx.Params{"n": c.n}).Execute()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.w.Check(context.Background(), at); err != nil {
			t.Fatal(err)
		}
		// Each ticket is at risk and breached: two flags, one breach, and
		// at most one announcement.
		if len(p.breached) != c.n {
			t.Errorf("%d tickets: %d breaches told to the stats index", c.n, len(p.breached))
		}
		want := 0
		if c.announce {
			want = c.n
		}
		if len(p.announced) != want {
			t.Errorf("%d tickets: %d announced, want %d", c.n, len(p.announced), want)
		}
	}
}
