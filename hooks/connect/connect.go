// Package connect lets an owner connect a source to a platform account with
// OAuth 2.0 (Google reviews and YouTube with Google, Facebook and Instagram
// with Facebook Login, X), keeps the tokens it obtains fresh, and says
// once, to the owners, when a platform stops accepting them.
//
// The flow (connectors/oauth runs the protocol):
//
//	POST /api/md/connect/{source}/start   owner: a state and a PKCE verifier
//	     are kept server-side (oauth_flows, FlowTTL), the answer is the
//	     platform URL the app sends the browser to. A bearer token cannot
//	     ride a browser navigation, so the app asks, then navigates.
//	GET  /api/md/connect/{provider}/callback  the platform's redirect: the
//	     state is looked up (by its SHA-256) and spent, the code exchanged,
//	     the tokens sealed into the source's credentials (never returned),
//	     and the browser sent to the source's screen with ?connect=ok or
//	     ?connect=<message code>.
//	GET  /api/md/connect/{provider}/setup  owner: whether the operator set
//	     the platform's client, and the redirect URL to register there.
//
// Service.Fresh is what the poller and the outbox call before using a
// source's token.
package connect

import (
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/model"
)

// Deps is what the package needs from the rest of the server.
type Deps struct {
	Config Config
	// HTTPClient talks to the platforms' token endpoints and Graph API: the
	// guarded client (connectors.GuardedClient). Nil means
	// http.DefaultClient.
	HTTPClient *http.Client
	// SealSecrets replaces r's hidden "credentials" field with secrets,
	// sealed at rest (hooks/secrets' Store.Set).
	SealSecrets func(r *core.Record, secrets map[string]string)
	// OpenSecrets decrypts r's "credentials" field (hooks/secrets'
	// Store.Open).
	OpenSecrets func(r *core.Record) (map[string]string, error)
	// WriteError answers an API error: msg is a message of model.Messages
	// in English, translated for the caller (hooks/web.WriteError).
	WriteError func(e *core.RequestEvent, status int, msg string, data map[string]any) error
	// PublicURL is the instance's public base URL, without a trailing
	// slash (hooks/web.PublicURL).
	PublicURL func(e *core.RequestEvent) string
	// Alert tells every owner something needs them, on every enabled
	// notification target (the notifier's AlertOwners).
	Alert func(a Alert)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Alert is a message to the owners, in each of model.UILanguages.
type Alert struct {
	// Tag groups repeated alerts of the same thing (a Web Push tag).
	Tag         string
	Title, Body map[string]string
	// Path is the app's screen the alert links to.
	Path string
}

// Service serves the connect routes and keeps tokens fresh.
type Service struct {
	d Deps
	// locks serialises the refreshes of one source: X rotates refresh
	// tokens, so two refreshes at once (a poll and a reply) would spend
	// the same refresh token twice and the second would look revoked.
	locks sync.Map // source id → *sync.Mutex
}

// New returns a Service on d.
func New(d Deps) *Service {
	if d.HTTPClient == nil {
		d.HTTPClient = http.DefaultClient
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// Register wires a Service on d into app. Use New and Service.Register
// instead when the poller needs the same Service's Fresh.
func Register(app core.App, d Deps) error {
	return New(d).Register(app)
}

// Register adds the connect routes to app.
func (s *Service) Register(app core.App) error {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/connect")
		owner := apis.RequireAuth("users")
		g.POST("/{source}/start", s.handleStart).Bind(owner).BindFunc(requireOwner(s.d.WriteError))
		g.GET("/{provider}/setup", s.handleSetup).Bind(owner).BindFunc(requireOwner(s.d.WriteError))
		g.GET("/{provider}/callback", s.handleCallback)
		return se.Next()
	})
	return nil
}

func requireOwner(writeError func(*core.RequestEvent, int, string, map[string]any) error) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if e.Auth == nil || e.Auth.GetString("role") != "owner" {
			return writeError(e, http.StatusForbidden, message("owner_only", nil), nil)
		}
		return e.Next()
	}
}

// message renders a model message in English: WriteError and the source's
// last_error take the English text, and the code is found from it.
func message(code string, params map[string]string) string {
	m, ok := model.Lookup(code)
	if !ok {
		return code
	}
	return m.Render(model.LangEN, params)
}

// codedError is a failure the owner reads: a code of model.Messages and
// its parameters.
type codedError struct {
	code   string
	params map[string]string
}

func (e *codedError) Error() string { return message(e.code, e.params) }
