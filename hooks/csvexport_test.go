package hooks

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

func TestExportCSV(t *testing.T) {
	t.Parallel()
	withNasty := func(t testing.TB) *tests.TestApp {
		app := statsFixture(t)
		saveRecord(t, app, "mentions", map[string]any{
			"external_id": "nasty", "channel": "webhook", "published_at": "2026-11-04 10:00:00.000Z", "triage": "ticket",
			"author": "=HYPERLINK(\"http://evil.example\",\"clic\")", "author_name": "@SUM(1+1)", "sentiment": -0.5,
			"text": "Crème brûlée, \"super\" ;\nsecond line, café", "title": "+33 6 12 34 56 78",
		})
		return app
	}
	readCSV := func(t testing.TB, res *http.Response) [][]string {
		b, _ := io.ReadAll(res.Body)
		if !bytes.HasPrefix(b, []byte("\ufeff")) {
			t.Fatalf("no UTF-8 byte-order mark: %q", b[:min(20, len(b))])
		}
		r := csv.NewReader(bytes.NewReader(b[3:]))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("not valid CSV: %v", err)
		}
		if !bytes.Contains(b, []byte("\r\n")) {
			t.Fatal("RFC 4180 lines end with CRLF")
		}
		return recs
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "mentions, quoted, formulas neutralised", Method: http.MethodGet, URL: "/api/md/export/mentions.csv?from=2026-11-04&to=2026-11-04",
			Headers: as(agentID), TestAppFactory: withNasty, ExpectedStatus: 200, ExpectedContent: []string{"external_id"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Fatalf("content type %q", ct)
				}
				if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="mentiondesk-mentions-2026-11-04-2026-11-04.csv"` {
					t.Fatalf("disposition %q", cd)
				}
				recs := readCSV(t, res)
				if len(recs) != 3 { // header, ticket 4's mention, the nasty one
					t.Fatalf("%d rows: %q", len(recs), recs)
				}
				col := map[string]int{}
				for i, h := range recs[0] {
					col[h] = i
				}
				nasty := recs[2]
				if nasty[col["external_id"]] != "nasty" {
					nasty = recs[1]
				}
				want := map[string]string{
					"author":      `'=HYPERLINK("http://evil.example","clic")`,
					"author_name": "'@SUM(1+1)",
					"title":       "'+33 6 12 34 56 78",
					"text":        "Crème brûlée, \"super\" ;\nsecond line, café",
					"sentiment":   "-0.5",
				}
				for k, v := range want {
					if nasty[col[k]] != v {
						t.Errorf("%s = %q, want %q", k, nasty[col[k]], v)
					}
				}
			},
		},
		{
			Name: "tickets of a period", Method: http.MethodGet, URL: "/api/md/export/tickets.csv?from=2026-11-01&to=2026-11-07",
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 200, ExpectedContent: []string{"first_response_sec"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				recs := readCSV(t, res)
				if len(recs) != 8 || recs[0][0] != "id" || recs[0][5] != "assignee" {
					t.Fatalf("%d rows, header %q", len(recs), recs[0])
				}
				if recs[1][5] != "agent@example.com" {
					t.Fatalf("assignee %q", recs[1][5])
				}
			},
		},
		{
			Name: "agents get the team's names, not their e-mail addresses", Method: http.MethodGet, URL: "/api/md/export/tickets.csv?from=2026-11-01&to=2026-11-07",
			Headers: as(agentID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			ExpectedContent: []string{"Alex Agent"}, NotExpectedContent: []string{"@example.com"},
		},
		{
			Name: "replies too", Method: http.MethodGet, URL: "/api/md/export/replies.csv?from=2025-01-01&to=2027-12-01",
			Headers: as(agent2ID), TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{"Alex Agent"}, NotExpectedContent: []string{"@example.com"},
		},
		{
			Name: "owners get the addresses", Method: http.MethodGet, URL: "/api/md/export/replies.csv?from=2025-01-01&to=2027-12-01",
			Headers: as(ownerID), TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{"agent@example.com"},
		},
		{
			Name: "unknown export", Method: http.MethodGet, URL: "/api/md/export/users.csv",
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 404, ExpectedContent: []string{"tickets.csv, mentions.csv, replies.csv et labels.csv"}, // in the owner's French
		},
		{
			Name: "anonymous export refused", Method: http.MethodGet, URL: "/api/md/export/tickets.csv",
			TestAppFactory: statsFixture, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
