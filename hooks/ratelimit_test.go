package hooks

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// Guessing passwords is slowed down out of the box, for the app's users
// and for superusers: PocketBase's rate limiter is on after the first
// start, with ten password sign-ins a minute per address.
func TestSignInIsRateLimitedByDefault(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ collection, identity string }{
		{"users", "agent@example.com"},
		{"_superusers", "admin@example.com"},
	} {
		t.Run(c.collection, func(t *testing.T) {
			t.Parallel()
			app := newTestApp(t)
			defer app.Cleanup()
			mux := benchMux(t, app)
			codes := map[int]int{}
			for range 30 {
				req := httptest.NewRequest(http.MethodPost, "/api/collections/"+c.collection+"/auth-with-password",
					strings.NewReader(`{"identity":"`+c.identity+`","password":"wrong-password"}`))
				req.Header.Set("Content-Type", "application/json")
				req.RemoteAddr = "203.0.113.7:40000"
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				codes[rec.Code]++
			}
			if codes[http.StatusBadRequest] != pb_migrations.SignInRateLimit.MaxRequests || codes[http.StatusTooManyRequests] != 30-pb_migrations.SignInRateLimit.MaxRequests {
				t.Fatalf("30 wrong passwords answered %v, want %d × 400 then 429", codes, pb_migrations.SignInRateLimit.MaxRequests)
			}
			// Another address is not punished for the first one's guesses.
			req := httptest.NewRequest(http.MethodPost, "/api/collections/"+c.collection+"/auth-with-password",
				strings.NewReader(`{"identity":"`+c.identity+`","password":"wrong-password"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "198.51.100.9:40000"
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("another address got %d", rec.Code)
			}
		})
	}
}

// The operator's later choice stands: the defaults are applied once, and
// never over rules someone edited.
func TestRateLimitDefaultsKeepTheOperatorsRules(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	s := app.Settings()
	if !s.RateLimits.Enabled {
		t.Fatal("rate limits are off after the first start")
	}
	s.RateLimits.Enabled = false
	s.RateLimits.Rules = s.RateLimits.Rules[:1]
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	if err := pb_migrations.EnableSignInRateLimits(app); err != nil {
		t.Fatal(err)
	}
	if app.Settings().RateLimits.Enabled || len(app.Settings().RateLimits.Rules) != 1 {
		t.Fatalf("the operator's rate limits were overridden: %+v", app.Settings().RateLimits)
	}
}
