package spa

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/ui"
)

// appFactory is a bare PocketBase test app serving the built app, and
// nothing of ours besides.
func appFactory(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(app, ui.Dist()); err != nil {
		t.Fatal(err)
	}
	return app
}

// The app and its service worker are served with a Content-Security-Policy
// that allows scripts from the app's origin only and images from it or
// data: URLs: no remote image in a mention reaches the agent's browser.
func TestAppIsServedWithAContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	wantCSP := func(t testing.TB, _ *tests.TestApp, res *http.Response) {
		csp := res.Header.Get("Content-Security-Policy")
		for _, d := range []string{"script-src 'self';", "img-src 'self' data:;", "default-src 'self';", "object-src 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, d) {
				t.Fatalf("Content-Security-Policy %q lacks %q", csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Fatalf("Content-Security-Policy %q lets scripts in", csp)
		}
	}
	scenarios := []tests.ApiScenario{
		{Name: "the app", Method: http.MethodGet, URL: "/", TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{"<!doctype html>"}, AfterTestFunc: wantCSP},
		{Name: "a client route", Method: http.MethodGet, URL: "/t/abc", TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{"<!doctype html>"}, AfterTestFunc: wantCSP},
		{Name: "the service worker", Method: http.MethodGet, URL: "/sw.js", TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{"self"}, AfterTestFunc: wantCSP},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
