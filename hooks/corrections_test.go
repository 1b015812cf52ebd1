package hooks

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/stats"
)

const correctedID = "mentionqc000001"

// appWithQuebecMention has one mention, analysed by the pipeline, with a
// known id.
func appWithQuebecMention(t testing.TB) *tests.TestApp {
	app := newTestApp(t)
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": "https://m.example", "enabled": true})
	if _, _, err := h.desk.Ingest(src, []connectors.Mention{{ExternalID: "qc1", Author: "@julie@m.example", AuthorName: "Julie",
		Text: "Le pouding chômeur était pas pire pantoute!", Published: time.Now().UTC().Add(-time.Hour)}}, time.Now().UTC(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE mentions SET id = '" + correctedID + "' WHERE external_id = 'qc1'").Execute(); err != nil {
		t.Fatal(err)
	}
	return app
}

// A member corrects a mention the analysis got wrong; the correction is
// kept beside the analysis, counted in the stats and exported as
// labelled data.
func TestCorrections(t *testing.T) {
	t.Parallel()
	today := time.Now().UTC()
	from, to := today.AddDate(0, 0, -2), today.AddDate(0, 0, 1)
	period := "?from=" + from.Format("2006-01-02") + "&to=" + to.Format("2006-01-02")
	url := "/api/md/mentions/" + correctedID + "/correct"
	scenarios := []tests.ApiScenario{
		{
			Name: "an unknown label is refused", Method: http.MethodPost, URL: url, Headers: as(agentID),
			Body: strings.NewReader(`{"sentiment":"ecstatic"}`), TestAppFactory: appWithQuebecMention,
			ExpectedStatus: 400, ExpectedContent: []string{`"sentiment":{"code":"validation_invalid_value"`},
		},
		{
			Name: "signed-out callers cannot correct", Method: http.MethodPost, URL: url,
			Body: strings.NewReader(`{"sentiment":"positive"}`), TestAppFactory: appWithQuebecMention, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
		{
			Name: "an agent corrects: kept beside the analysis and counted", Method: http.MethodPost, URL: url, Headers: as(agentID),
			Body: strings.NewReader(`{"sentiment":"positive","intent":"praise"}`), TestAppFactory: appWithQuebecMention,
			ExpectedStatus: 200, ExpectedContent: []string{`"corrected_sentiment":"positive"`, `"corrected_intent":"praise"`, `"corrected_by":"` + agentID + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				m, _ := app.FindRecordById("mentions", correctedID)
				if m.GetString("sentiment_label") == "" || m.GetString("corrected_at") == "" {
					t.Fatalf("the analysis or the correction's time was lost: %v", m.PublicExport())
				}
				corr, err := stats.CountCorrections(app, from, to)
				if err != nil || corr.Mentions != 1 || corr.Corrected != 1 {
					t.Fatalf("stats corrections %+v %v", corr, err)
				}
			},
		},
		{
			Name: "labels.csv gives the corrected labels in the training columns", Method: http.MethodGet, URL: "/api/md/export/labels.csv" + period, Headers: as(ownerID),
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				app := appWithQuebecMention(t)
				m, _ := app.FindRecordById("mentions", correctedID)
				m.Set("corrected_sentiment", "positive")
				m.Set("corrected_intent", "praise")
				m.Set("corrected_at", time.Now().UTC())
				if err := app.Save(m); err != nil {
					t.Fatal(err)
				}
				return app
			},
			ExpectedStatus: 200, ExpectedContent: []string{"lang,channel,stars,sentiment,intent,text,analysed_sentiment,analysed_intent"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				body, _ := io.ReadAll(res.Body)
				rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\uFEFF"))).ReadAll()
				if err != nil || len(rows) != 2 || rows[1][3] != "positive" || rows[1][4] != "praise" || !strings.Contains(rows[1][5], "pas pire") {
					t.Fatalf("labels.csv: %q %v", rows, err)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
