package pb_migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// SignInRateLimit is the rule this migration adds: ten password sign-ins
// per minute and per client address, for the app's users and superusers
// alike (PocketBase's "*:" prefix matches every auth collection). The
// label is more specific than PocketBase's own "*:auth" rule, so it wins
// for password sign-ins; the other auth routes keep "*:auth".
var SignInRateLimit = core.RateLimitRule{Label: "*:authWithPassword", MaxRequests: 10, Duration: 60}

// PocketBase ships its rate limiter off. Mentiondesk turns it on at the
// first start (this migration runs once): 300 wrong passwords in 20 s must
// not all be answered. An operator who later turns it off, or tunes it in
// the admin UI (Settings → Application → Rate limiting), keeps that
// choice; and an instance whose rules were already edited is left alone.
func init() {
	m.Register(func(app core.App) error {
		return EnableSignInRateLimits(app)
	}, func(app core.App) error {
		s := app.Settings()
		s.RateLimits.Rules = slices.DeleteFunc(s.RateLimits.Rules, func(r core.RateLimitRule) bool { return r == SignInRateLimit })
		s.RateLimits.Enabled = false
		return app.Save(s)
	})
}

// pocketBaseDefaultRules are the rules PocketBase v0.40 writes on a new
// instance (newDefaultSettings in core/settings_model.go), disabled.
var pocketBaseDefaultRules = []core.RateLimitRule{
	{Label: "*:auth", MaxRequests: 2, Duration: 3},
	{Label: "*:create", MaxRequests: 20, Duration: 5},
	{Label: "/api/batch", MaxRequests: 3, Duration: 1},
	{Label: "/api/", MaxRequests: 300, Duration: 10},
}

// EnableSignInRateLimits turns the rate limiter on with SignInRateLimit,
// unless the operator already edited the rules.
func EnableSignInRateLimits(app core.App) error {
	s := app.Settings()
	if !slices.Equal(s.RateLimits.Rules, pocketBaseDefaultRules) {
		return nil // someone chose these rules: theirs to keep
	}
	s.RateLimits.Enabled = true
	s.RateLimits.Rules = append([]core.RateLimitRule{SignInRateLimit}, s.RateLimits.Rules...)
	return app.Save(s)
}
