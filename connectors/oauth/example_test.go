package oauth_test

import (
	"context"
	"net/url"

	"github.com/mentiondesk/mentiondesk/connectors/oauth"
)

// The connect button and its callback, as the hooks would wire them.
func Example() {
	flow := oauth.Flow{
		Provider:     oauth.Google(oauth.ScopeBusinessManage),
		App:          oauth.App{ClientID: "1234.apps.googleusercontent.com", ClientSecret: "…"},
		PublicURL:    "https://desk.example",
		CallbackPath: "/api/md/oauth/google/callback",
	}

	// "Connect Google": keep p (server side, tied to the owner's session)
	// and redirect the browser to authURL.
	authURL, p, err := flow.Start()
	if err != nil {
		return
	}
	_ = authURL

	// The callback: Google redirected to the redirect URL with ?code&state.
	callback := url.Values{"code": {"4/0Ab…"}, "state": {p.State}}
	tok, err := flow.Finish(context.Background(), p, callback)
	if err != nil {
		return // ErrStateMismatch, ErrDenied, connectors.ErrReconnect…
	}
	secrets := tok.Secrets() // store encrypted on the source

	// Before each poll: refresh when needed, store when changed.
	fresh, changed, err := flow.Fresh(context.Background(), oauth.TokenFromSecrets(secrets))
	if err != nil {
		return // connectors.ErrReconnect: show "reconnect needed"
	}
	if changed {
		secrets = fresh.Secrets()
	}
}
