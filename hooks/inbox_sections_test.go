package hooks

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// The inbox's sections as ui/src/screens/Inbox.svelte asks for them
// (baseFilter, segments, fetchPage), with the default filters and with
// some of the owner's: the requests whose indexes migration 1732401610
// changed.
func inboxRequests() []string {
	const waiting = `(status = "new" || status = "open") && sla_due_at != ""`
	bases := []string{
		`(status = "new" || status = "open" || status = "pending")`, // the default: active
		`(status = "new" || status = "open" || status = "pending") && assignee = "` + agentID + `"`,
		`(status = "new" || status = "open" || status = "pending") && channel = "mastodon"`,
		`(status = "new" || status = "open" || status = "pending") && breached = true`,
		`status = "open" && priority = "high"`,
		"", // all
	}
	var out []string
	for _, base := range bases {
		and := func(x string) string {
			if base == "" {
				return x
			}
			return "(" + base + ") && (" + x + ")"
		}
		segs := [][2]string{
			{and(waiting + " && breached = false"), "-sla_at_risk,sla_due_at,-created"},
			{and(waiting + " && breached = true"), "sla_due_at,-created"},
			{and(`(status != "new" && status != "open") || sla_due_at = ""`), "-created"},
		}
		for _, s := range segs {
			for page := 1; page <= 3; page++ {
				out = append(out, "/api/collections/tickets/records?"+url.Values{
					"page": {fmt.Sprint(page)}, "perPage": {"30"}, "skipTotal": {"true"},
					"filter": {s[0]}, "sort": {s[1]}, "expand": {"contact,assignee"},
				}.Encode())
			}
		}
	}
	return out
}

// seedInbox saves n tickets across every status, late or not, at risk or
// not, assigned or not, on two channels, with distinct due dates and
// creation times: the sections' orders have no ties, so any plan that
// answers right answers the same rows in the same order.
func seedInbox(t *testing.T, app core.App, n int) {
	t.Helper()
	statuses := []string{"new", "open", "pending", "resolved", "ignored", "new", "open"}
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		due := ""
		if i%11 != 0 { // some tickets have no deadline
			due = base.Add(time.Duration((i*7919)%n) * time.Minute).Format("2006-01-02 15:04:05.000Z")
		}
		assignee := ""
		if i%3 == 0 {
			assignee = agentID
		}
		r := saveRecord(t, app, "tickets", map[string]any{
			"subject": fmt.Sprintf("Ticket %d", i), "status": statuses[i%len(statuses)],
			"priority": []string{"normal", "high", "low"}[i%3], "channel": []string{"mastodon", "feed"}[i%2],
			"source": sourceID, "contact": contactID, "assignee": assignee,
			"breached": i%4 == 1, "sla_at_risk": i%5 == 2, "sla_due_at": due,
			"first_mention_at": base.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05.000Z"),
		})
		// Distinct creation times, in an order unlike the due dates'.
		created := base.Add(time.Duration((i*104729)%(n*10)) * time.Second).Format("2006-01-02 15:04:05.000Z")
		if _, err := app.DB().NewQuery("UPDATE tickets SET created = {:c} WHERE id = {:id}").
			Bind(dbx.Params{"c": created, "id": r.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
}

// answers sends every inbox request as the agent and returns the bodies.
func answers(t *testing.T, mux http.Handler, reqs []string) []string {
	t.Helper()
	out := make([]string, len(reqs))
	for i, u := range reqs {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", tokens[agentID])
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: HTTP %d: %s", u, rec.Code, rec.Body)
		}
		out[i] = rec.Body.String()
	}
	return out
}

// TestInboxSectionsAnswerAsBefore: the indexes of migration 1732401610
// change how SQLite finds the inbox's rows, never which rows nor their
// order: every section, page and filter answers byte for byte what it
// answered with the index it replaced.
func TestInboxSectionsAnswerAsBefore(t *testing.T) {
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	seedInbox(t, app, 400)
	mux := benchMux(t, app)
	reqs := inboxRequests()
	now := answers(t, mux, reqs)

	m := slices.IndexFunc(core.AppMigrations.Items(), func(m *core.Migration) bool {
		return m.File == "1732401610_inbox_section_indexes.go"
	})
	if m < 0 {
		t.Fatal("migration 1732401610 is not registered")
	}
	if err := core.AppMigrations.Items()[m].Down(app); err != nil {
		t.Fatal(err)
	}
	before := answers(t, mux, reqs)

	full, empty := 0, 0
	for i := range reqs {
		if now[i] != before[i] {
			t.Errorf("%s:\nnow    %.300s\nbefore %.300s", reqs[i], now[i], before[i])
		}
		switch strings.Count(now[i], `"collectionName":"tickets"`) {
		case 30:
			full++
		case 0:
			empty++
		}
	}
	// The comparison is of rows, not of empty lists: full pages and
	// partial last pages in most sections.
	if full < 15 || empty > len(reqs)/2 {
		t.Errorf("%d full pages and %d empty answers of %d requests", full, empty, len(reqs))
	}
}

var placeholder = regexp.MustCompile(`\[\[(\w+)\.(\w+)\]\]`)

// TestInboxSectionsUseTheirIndexes: the SQL PocketBase runs for the
// inbox's first two sections walks their partial index (no sort of every
// waiting ticket), with the statistics ANALYZE leaves and without any.
func TestInboxSectionsUseTheirIndexes(t *testing.T) {
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	seedInbox(t, app, 200)
	mux := benchMux(t, app)
	// The SQL of each list request, as PocketBase's query log prints it
	// (values in place of its parameters).
	var logged []string
	db := app.ConcurrentDB().(*dbx.DB)
	db.QueryLogFunc = func(_ context.Context, _ time.Duration, q string, _ *sql.Rows, _ error) {
		if strings.HasPrefix(q, "SELECT `tickets`.* FROM `tickets`") {
			// dbx logs its column placeholders unquoted: [[table.column]].
			logged = append(logged, placeholder.ReplaceAllString(q, "`$1`.`$2`"))
		}
	}
	defer func() { db.QueryLogFunc = nil }()
	reqs := inboxRequests()
	answers(t, mux, reqs[:6]) // the default filters' first two sections, three pages each
	db.QueryLogFunc = nil
	if len(logged) != 6 {
		t.Fatalf("logged %d ticket queries, want 6", len(logged))
	}
	want := []string{"idx_tickets_inbox_waiting", "idx_tickets_inbox_late"}
	for _, stats := range []string{"ANALYZE tickets", "DELETE FROM sqlite_stat1"} {
		if _, err := app.DB().NewQuery(stats).Execute(); err != nil {
			t.Fatal(err)
		}
		for i, q := range logged {
			var plan []struct {
				ID, Parent, NotUsed int
				Detail              string
			}
			if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q).All(&plan); err != nil {
				t.Fatal(err)
			}
			var steps []string
			for _, p := range plan {
				steps = append(steps, p.Detail)
			}
			got := strings.Join(steps, "; ")
			if !strings.Contains(got, want[i/3]) || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("after %s, %s\nplan: %s", stats, q, got)
			}
		}
	}
}
