package hooks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// guardedAppFactory is a test app with the outbound guard on, as in
// production.
func guardedAppFactory(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey}); err != nil {
		t.Fatal(err)
	}
	return app
}

func TestSourceValidation(t *testing.T) {
	t.Parallel()
	post := func(body string) io.Reader { return strings.NewReader(body) }
	scenarios := []tests.ApiScenario{
		{
			Name: "a feed needs its URL", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"feed","name":"x"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"url":{"code":"validation_required"`},
		},
		{
			Name: "a javascript URL is refused", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"feed","name":"x","url":"javascript:alert(1)"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"url":{"code":"validation_invalid_url"`, "only http and https"},
		},
		{
			Name: "the metadata address is refused", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"feed","name":"x","url":"http://169.254.169.254/latest/meta-data/"}`), Headers: as(ownerID), TestAppFactory: guardedAppFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"url":{"code":"validation_invalid_url"`, "not allowed"},
		},
		{
			Name: "hashtag mode needs a hashtag", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"mastodon","name":"x","url":"https://mastodon.social","options":{"mode":"hashtag"}}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"query":{"code":"validation_required"`},
		},
		{
			Name: "e-mail needs an IMAP address", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"email","name":"x","url":"https://mail.example.com"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"url":{"code":"validation_invalid_url"`, "imaps://"},
		},
		{
			Name: "polling faster than 30 s is refused", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"hackernews","name":"HN","query":"cafe lune","interval_sec":5}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"interval_sec":{"code":"validation_min"`},
		},
		{
			Name: "a good Hacker News source is saved", Method: http.MethodPost, URL: "/api/collections/sources/records",
			Body: post(`{"kind":"hackernews","name":"HN","query":"\"cafe lune\"","enabled":true}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"kind":"hackernews"`},
		},
		{
			Name: "agents cannot preview sources", Method: http.MethodPost, URL: "/api/md/sources/preview",
			Body: post(`{"kind":"feed","url":"https://example.com/feed"}`), Headers: as(agentID), TestAppFactory: appFactory,
			ExpectedStatus: 403, ExpectedContent: []string{"Only the owner"},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// "Test this source" fetches and classifies without storing anything.
func TestSourcePreview(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(rss(pipelineFeed()[:4], nowUTC())))
	}))
	defer ok.Close()
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token", http.StatusUnauthorized)
	}))
	defer denied.Close()
	scenarios := []tests.ApiScenario{
		{
			Name: "preview says what would happen", Method: http.MethodPost, URL: "/api/md/sources/preview",
			Body: strings.NewReader(`{"kind":"feed","name":"Alerts","url":"` + ok.URL + `"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"total":4`, `"would":"ticket"`, `"reason":"complaint"`, `"why":{"code":"triage_complaint"}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n, _ := app.CountRecords("mentions"); n != 1 { // the fixture's own
					t.Fatalf("preview stored mentions: %d", n)
				}
			},
		},
		{
			Name: "a refused token is reported, not thrown", Method: http.MethodPost, URL: "/api/md/sources/preview",
			Body: strings.NewReader(`{"kind":"feed","name":"Alerts","url":"` + denied.URL + `"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"error":"La plateforme a refusé les identifiants : vérifiez le jeton ou le mot de passe."`, `"error_info":{"code":"source_auth"}`, `"mentions":[]`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
