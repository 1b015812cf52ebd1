package spa

import (
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/pocketbase/pocketbase/tests"
)

// A built app in miniature: an index, a service worker and one hashed
// chunk, as Vite lays them out.
var dist = fstest.MapFS{
	"index.html":           {Data: []byte("<!doctype html><title>app</title>")},
	"sw.js":                {Data: []byte("self.addEventListener('push', () => {})")},
	"assets/index-abc1.js": {Data: []byte("console.log(1)")},
}

func distFactory(t testing.TB) *tests.TestApp {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(app, dist); err != nil {
		t.Fatal(err)
	}
	return app
}

func header(key, want string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
		if got := res.Header.Get(key); got != want {
			t.Fatalf("%s = %q, want %q", key, got, want)
		}
	}
}

// Hashed chunks are cached for good, everything else revalidated; the
// service worker may control the whole origin; the catch-all never turns
// an API or admin path, or a missing chunk, into the app's HTML.
func TestCachingAndFallback(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{Name: "a hashed chunk is immutable", Method: http.MethodGet, URL: "/assets/index-abc1.js", TestAppFactory: distFactory,
			ExpectedStatus: 200, ExpectedContent: []string{"console.log(1)"}, AfterTestFunc: header("Cache-Control", "public, max-age=31536000, immutable")},
		{Name: "a client route is the index, revalidated", Method: http.MethodGet, URL: "/settings/sources", TestAppFactory: distFactory,
			ExpectedStatus: 200, ExpectedContent: []string{"<!doctype html>"}, AfterTestFunc: header("Cache-Control", "no-cache")},
		{Name: "the service worker may control the app", Method: http.MethodGet, URL: "/sw.js", TestAppFactory: distFactory,
			ExpectedStatus: 200, ExpectedContent: []string{"addEventListener"}, AfterTestFunc: header("Service-Worker-Allowed", "/")},
		{Name: "a missing chunk is a 404", Method: http.MethodGet, URL: "/assets/index-old9.js", TestAppFactory: distFactory,
			ExpectedStatus: 404, NotExpectedContent: []string{"<!doctype html>"}},
		{Name: "an API path is never the app", Method: http.MethodGet, URL: "/api/md/nope", TestAppFactory: distFactory,
			ExpectedStatus: 404, NotExpectedContent: []string{"<!doctype html>"}},
		{Name: "nor is the admin's", Method: http.MethodGet, URL: "/_/collections", TestAppFactory: distFactory,
			ExpectedStatus: 404, NotExpectedContent: []string{"<!doctype html>"}},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
