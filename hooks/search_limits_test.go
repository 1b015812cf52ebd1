package hooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// searchApp holds 1,100 mentions naming the business, more than a search
// counts.
func searchApp(t testing.TB) *tests.TestApp {
	return searchAppWith(t, newTestApp(t))
}

// searchAppWith fills app, whose hooks are registered, as searchApp does.
func searchAppWith(t testing.TB, app *tests.TestApp) *tests.TestApp {
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Hook", "enabled": true})
	now := time.Now()
	var batch []connectors.Mention
	for i := range 1100 {
		batch = append(batch, connectors.Mention{ExternalID: fmt.Sprintf("m%d", i), Author: fmt.Sprintf("user%d", i),
			Text: fmt.Sprintf("Café Lune commande %d jamais arrivée", i), Published: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, _, err := h.desk.Ingest(src, batch, now, nil); err != nil {
		t.Fatal(err)
	}
	return app
}

func TestSearchLimits(t *testing.T) {
	t.Parallel()
	search := func(q string, extra ...string) string {
		v := url.Values{"q": {q}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return "/api/md/search?" + v.Encode()
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a thousand terms are refused", Method: http.MethodGet, URL: search(strings.Repeat("cafe ", 1000)),
			Headers: as(agentID), TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{"too long"},
		},
		{
			Name: "eleven words are refused", Method: http.MethodGet, URL: search("a b c d e f g h i j k"),
			Headers: as(agentID), TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{"at most 10 words"},
		},
		{
			Name: "eleven words in a phrase count too", Method: http.MethodGet, URL: search(`"a b c d e f g h i j k"`),
			Headers: as(agentID), TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{"at most 10 words"},
		},
		{
			Name: "201 characters are refused", Method: http.MethodGet, URL: search(strings.Repeat("é", 201)),
			Headers: as(agentID), TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{"too long (201 characters)"},
		},
		{
			Name: "counting stops at 1,000", Method: http.MethodGet, URL: search("cafe lune", "perPage", "5"),
			Headers: as(agentID), TestAppFactory: searchApp, ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1000`, `"totalCapped":true`, `"totalPages":200`},
		},
		{
			Name: "a rarer word is counted exactly", Method: http.MethodGet, URL: search("user1099"),
			Headers: as(agentID), TestAppFactory: searchApp, ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`, `"totalCapped":false`, `"external_id":"m1099"`},
		},
		{
			Name: "paging stops where counting stops", Method: http.MethodGet, URL: search("cafe lune", "page", "11", "perPage", "100"),
			Headers: as(agentID), TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{"stop at 1000"},
		},
		{
			Name: "a search past its time limit stops and says so", Method: http.MethodGet, URL: search("cafe lune"),
			Headers: as(agentID), ExpectedStatus: 503, ExpectedContent: []string{"took too long"},
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				app, err := tests.NewTestApp(templateDir)
				if err != nil {
					t.Fatal(err)
				}
				h, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey, SearchTimeout: time.Nanosecond})
				if err != nil {
					t.Fatal(err)
				}
				hubs.Store(app, h)
				return searchAppWith(t, app)
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A search whose client has gone runs no query and answers nothing.
func TestSearchStopsWithItsRequest(t *testing.T) {
	t.Parallel()
	app := searchApp(t)
	defer app.Cleanup()
	mux := benchMux(t, app)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/api/md/search?q=cafe", nil).WithContext(ctx)
	req.Header.Set("Authorization", tokens[agentID])
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if strings.Contains(rec.Body.String(), `"items"`) {
		t.Fatalf("the search ran for a client that had left: %d %.200s", rec.Code, rec.Body.String())
	}
}
