package hooks

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// statsFixture: seven tickets in the first week of November 2026 (Paris)
// and one before it, with figures chosen by hand so every number below is
// computed from the definitions, not read back from the code.
func statsFixture(t testing.TB) *tests.TestApp {
	app := newTestApp(t)
	type tk struct {
		id, channel, assignee, status, first string
		needs, answered, breached, winBack   bool
		fr, frBH, res                        int
		sentiment                            string
	}
	rows := []tk{
		{"stat00000000001", "mastodon", agentID, "resolved", "2026-11-02 09:00:00.000Z", true, true, false, true, 600, 600, 3600, "negative"},
		{"stat00000000002", "mastodon", agentID, "pending", "2026-11-02 10:00:00.000Z", true, true, false, false, 3600, 1800, 0, "neutral"},
		{"stat00000000003", "email", agent2ID, "resolved", "2026-11-03 08:00:00.000Z", true, true, true, false, 7200, 3600, 10800, "negative"},
		{"stat00000000004", "email", "", "new", "2026-11-04 12:00:00.000Z", true, false, true, false, 0, 0, 0, "negative"},
		{"stat00000000005", "bluesky", agent2ID, "pending", "2026-11-05 22:30:00.000Z", true, true, true, false, 90000, 30000, 0, "positive"},
		{"stat00000000006", "feed", "", "resolved", "2026-11-06 15:00:00.000Z", false, false, false, false, 0, 0, 0, ""},
		{"stat00000000007", "reddit", "", "ignored", "2026-11-07 16:00:00.000Z", true, false, false, false, 0, 0, 0, ""},
		{"stat00000000008", "mastodon", agentID, "resolved", "2026-10-20 09:00:00.000Z", true, true, false, false, 1, 1, 5, "negative"},
	}
	for _, r := range rows {
		fields := map[string]any{
			"id": r.id, "subject": "s", "status": r.status, "priority": "normal", "channel": r.channel, "assignee": r.assignee,
			"first_mention_at": r.first, "needs_answer": r.needs, "breached": r.breached, "win_back": r.winBack,
			"first_response_sec": r.fr, "first_response_bh_sec": r.frBH, "resolution_sec": r.res, "resolution_bh_sec": r.res / 2,
		}
		if r.answered {
			fields["first_response_at"] = r.first
		}
		if r.sentiment != "" {
			fields["mention_count"] = 1
			fields["sentiment_start"] = map[string]float64{"negative": -0.5, "neutral": 0, "positive": 0.5}[r.sentiment]
		}
		saveRecord(t, app, "tickets", fields)
		if r.sentiment != "" {
			saveRecord(t, app, "mentions", map[string]any{
				"external_id": "sm" + r.id, "channel": r.channel, "ticket": r.id, "published_at": r.first,
				"sentiment_label": r.sentiment, "triage": "ticket", "text": "x",
			})
		}
	}
	// Dropped mentions are not about us: never counted.
	saveRecord(t, app, "mentions", map[string]any{"external_id": "drop1", "channel": "feed", "published_at": "2026-11-03 10:00:00.000Z", "sentiment_label": "negative", "triage": "dropped"})
	return app
}

func statsOf(t testing.TB, res *http.Response) map[string]any {
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return out
}

func TestStats(t *testing.T) {
	t.Parallel()
	period := "from=2026-11-01&to=2026-11-07"
	scenarios := []tests.ApiScenario{
		{
			Name: "totals over the week", Method: http.MethodGet, URL: "/api/md/stats?" + period,
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			ExpectedContent: []string{
				`"tickets":7`, `"needing_answer":5`, `"answered":4`, `"response_rate":0.8`,
				`"within_1h":2`, `"within_24h":3`, `"share_1h":0.4`, `"share_24h":0.6`,
				`"median_first_response_sec":5400`, `"p90_first_response_sec":65160`,
				`"median_resolution_sec":7200`, `"breaches":3`, `"win_backs":1`,
				`"mentions":5`, `"sentiment":{"negative":3,"neutral":1,"positive":1}`,
			},
		},
		{
			Name: "business hours", Method: http.MethodGet, URL: "/api/md/stats?business_hours=1&" + period,
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			ExpectedContent: []string{`"business_hours":true`, `"within_1h":3`, `"share_1h":0.6`, `"median_first_response_sec":2700`, `"median_resolution_sec":3600`},
		},
		{
			Name: "by channel", Method: http.MethodGet, URL: "/api/md/stats?group_by=channel&" + period,
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 200, ExpectedContent: []string{`"group_by":"channel"`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				out := statsOf(t, res)
				groups := map[string]map[string]any{}
				for _, g := range out["groups"].([]any) {
					m := g.(map[string]any)
					groups[m["key"].(string)] = m
				}
				m := groups["mastodon"]
				if m["tickets"] != 2.0 || m["answered"] != 2.0 || m["median_first_response_sec"] != 2100.0 || m["share_1h"] != 1.0 {
					t.Fatalf("mastodon group %v", m)
				}
				e := groups["email"]
				if e["needing_answer"] != 2.0 || e["answered"] != 1.0 || e["response_rate"] != 0.5 || e["mentions"] != 2.0 {
					t.Fatalf("email group %v", e)
				}
				if len(groups) != 5 {
					t.Fatalf("groups %v", groups)
				}
			},
		},
		{
			Name: "by day in Paris time", Method: http.MethodGet, URL: "/api/md/stats?group_by=day&" + period,
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			// 22:30 UTC on the 5th is 23:30 in Paris: still the 5th; one more hour would be the 6th.
			ExpectedContent: []string{`"key":"2026-11-02","label":"2026-11-02","mentions":2,"tickets":2`, `"key":"2026-11-05","label":"2026-11-05","mentions":1,"tickets":1`},
		},
		{
			Name: "by week", Method: http.MethodGet, URL: "/api/md/stats?group_by=week&from=2026-10-01&to=2026-11-07",
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			ExpectedContent: []string{`"key":"2026-10-19"`, `"key":"2026-11-02","label":"2026-11-02","mentions":5,"tickets":7`},
		},
		{
			Name: "an agent's own tickets", Method: http.MethodGet, URL: "/api/md/stats?mine=1&" + period,
			Headers: as(agentID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			ExpectedContent: []string{`"tickets":2`, `"answered":2`, `"mentions":2`, `"median_first_response_sec":2100`, `"sentiment":{"negative":1,"neutral":1,"positive":0}`},
		},
		{
			Name: "by agent, named", Method: http.MethodGet, URL: "/api/md/stats?group_by=agent&" + period,
			Headers: as(agentID), TestAppFactory: statsFixture, ExpectedStatus: 200,
			ExpectedContent: []string{`"key":"` + agentID + `","label":"Alex Agent"`, `"key":"` + agent2ID + `","label":"Billie Agent"`},
		},
		{
			Name: "a reversed period is refused", Method: http.MethodGet, URL: "/api/md/stats?from=2026-11-07&to=2026-11-01",
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 400, ExpectedContent: []string{"from must be before to"},
		},
		{
			Name: "a bad date is refused", Method: http.MethodGet, URL: "/api/md/stats?from=yesterday",
			Headers: as(ownerID), TestAppFactory: statsFixture, ExpectedStatus: 400, ExpectedContent: []string{"use a date (2026-11-23)"},
		},
		{
			Name: "anonymous gets nothing", Method: http.MethodGet, URL: "/api/md/stats",
			TestAppFactory: statsFixture, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
