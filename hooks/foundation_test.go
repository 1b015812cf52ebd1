package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// A fresh app (no users) for the first-run scenarios.
func emptyAppFactory(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(app, Config{DisableWorkers: true}); err != nil {
		t.Fatal(err)
	}
	return app
}

func TestSetup(t *testing.T) {
	t.Parallel()
	valid := `{"name":"Léa Martin","email":"lea@cafe-lune.fr","password":"croissant-2026","passwordConfirm":"croissant-2026","language":"fr","business_name":"Café Lune","timezone":"Europe/Paris","public_url":"https://desk.cafe-lune.fr/"}`
	scenarios := []tests.ApiScenario{
		{
			Name: "an empty instance asks for setup", Method: http.MethodGet, URL: "/api/md/setup",
			TestAppFactory: emptyAppFactory, ExpectedStatus: 200, ExpectedContent: []string{`{"needed":true}`},
		},
		{
			Name: "setup creates the owner and signs in", Method: http.MethodPost, URL: "/api/md/setup",
			Body: strings.NewReader(valid), TestAppFactory: emptyAppFactory, ExpectedStatus: 200,
			ExpectedContent:    []string{`"token":"`, `"role":"owner"`, `"email":"lea@cafe-lune.fr"`},
			NotExpectedContent: []string{"croissant-2026"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
				if err != nil {
					t.Fatal(err)
				}
				if s.GetString("business_name") != "Café Lune" || s.GetString("public_url") != "https://desk.cafe-lune.fr" {
					t.Fatalf("business_name = %q, public_url = %q", s.GetString("business_name"), s.GetString("public_url"))
				}
				// The business name is the first brand keyword, for every language.
				kws, err := app.FindAllRecords("keywords")
				if err != nil || len(kws) != 1 || kws[0].GetString("term") != "Café Lune" || kws[0].GetString("kind") != "brand" || kws[0].GetString("language") != "any" {
					t.Fatalf("keywords after setup: %v %v", kws, err)
				}
				u, err := app.FindAuthRecordByEmail("users", "lea@cafe-lune.fr")
				if err != nil || !u.ValidatePassword("croissant-2026") {
					t.Fatalf("owner not created with its password: %v", err)
				}
			},
		},
		{
			Name: "a business name that is already a keyword (the demo's) is kept once", Method: http.MethodPost, URL: "/api/md/setup",
			Body: strings.NewReader(strings.Replace(valid, `"Café Lune"`, `"CAFE LUNE"`, 1)), ExpectedStatus: 200,
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				app := emptyAppFactory(t)
				saveRecord(t, app, "keywords", map[string]any{"term": "Café Lune", "kind": "brand"})
				return app
			},
			ExpectedContent: []string{`"role":"owner"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n, _ := app.CountRecords("keywords"); n != 1 {
					t.Fatalf("%d keywords, want the existing one only", n)
				}
			},
		},
		{
			Name: "missing fields are named", Method: http.MethodPost, URL: "/api/md/setup",
			Body: strings.NewReader(`{}`), TestAppFactory: emptyAppFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"email":{"code":"validation_required"`, `"password":{"code":"validation_required"`, `"name":{"code":"validation_required"`},
		},
		{
			Name: "short password, bad email, wrong confirmation, unknown zone", Method: http.MethodPost, URL: "/api/md/setup",
			Body:           strings.NewReader(`{"name":"x","email":"not-an-email","password":"short","passwordConfirm":"other","timezone":"Mars/Olympus","public_url":"javascript:alert(1)"}`),
			TestAppFactory: emptyAppFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"email":{"code":"validation_is_email"`, `"password":{"code":"validation_length_out_of_range"`, `"passwordConfirm":{"code":"validation_in_invalid"`, `"timezone":{`, `"public_url":{"code":"validation_is_url"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n, _ := app.CountRecords("users"); n != 0 {
					t.Fatalf("a refused setup created %d users", n)
				}
			},
		},
		{
			Name: "broken JSON is a 400, not a crash", Method: http.MethodPost, URL: "/api/md/setup",
			Body: strings.NewReader(`{"email":`), TestAppFactory: emptyAppFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"status":400`},
		},
		{
			Name: "setup is refused once a user exists", Method: http.MethodPost, URL: "/api/md/setup",
			Body: strings.NewReader(valid), TestAppFactory: appFactory, ExpectedStatus: 403,
			ExpectedContent: []string{`already set up`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if _, err := app.FindAuthRecordByEmail("users", "lea@cafe-lune.fr"); err == nil {
					t.Fatal("a second owner slipped in")
				}
			},
		},
		{
			Name: "a set-up instance says so", Method: http.MethodGet, URL: "/api/md/setup",
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`{"needed":false}`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestSPAServing(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "the app is served at /", Method: http.MethodGet, URL: "/",
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{"<!doctype html>"},
			AfterTestFunc: expectHeader("Cache-Control", "no-cache"),
		},
		{
			Name: "client routes fall back to index.html", Method: http.MethodGet, URL: "/tickets/abc",
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{"<!doctype html>"},
			AfterTestFunc: expectHeader("Cache-Control", "no-cache"),
		},
		{
			Name: "an unknown API path is a JSON 404", Method: http.MethodGet, URL: "/api/nope",
			TestAppFactory: appFactory, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
			NotExpectedContent: []string{"<!doctype html>"},
		},
		{
			Name: "a nested unknown API path is a JSON 404", Method: http.MethodGet, URL: "/api/md/nope/deeper",
			TestAppFactory: appFactory, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
			NotExpectedContent: []string{"<!doctype html>"},
		},
		{
			Name: "health answers", Method: http.MethodGet, URL: "/api/health",
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`"code":200`},
		},
		{
			Name: "a missing hashed asset is a 404, not the app", Method: http.MethodGet, URL: "/assets/missing-abc123.js",
			TestAppFactory: appFactory, ExpectedStatus: 404, NotExpectedContent: []string{"<!doctype html>"},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func expectHeader(key, want string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
		if got := res.Header.Get(key); got != want {
			t.Fatalf("%s = %q, want %q", key, got, want)
		}
	}
}

// Every migration applies on an empty database and rolls back to
// PocketBase's own schema, leaving no table or trigger of ours behind.
func TestMigrationsUpAndDown(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()

	ours := []string{"settings", "sources", "keywords", "rules", "contacts", "tickets", "mentions", "templates", "replies", "ticket_events", "notifications", "mentions_fts", "notification_holds"}
	for _, name := range ours {
		if !app.HasTable(name) {
			t.Fatalf("table %s missing after migrations", name)
		}
	}
	runner := core.NewMigrationsRunner(app, core.AppMigrations)
	reverted, err := runner.Down(len(core.AppMigrations.Items()))
	if err != nil {
		t.Fatal(err)
	}
	if len(reverted) == 0 {
		t.Fatal("nothing reverted")
	}
	for _, name := range ours {
		if app.HasTable(name) {
			t.Fatalf("table %s still there after down", name)
		}
	}
	var triggers int
	if err := app.DB().NewQuery(`SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'mentions_fts%'`).Row(&triggers); err != nil {
		t.Fatal(err)
	}
	if triggers != 0 {
		t.Fatalf("%d FTS triggers left behind", triggers)
	}
	// And up again: the down steps left a database the up steps accept.
	if _, err := runner.Up(); err != nil {
		t.Fatal(err)
	}
	if !app.HasTable("mentions_fts") {
		t.Fatal("re-applying the migrations failed")
	}
}
