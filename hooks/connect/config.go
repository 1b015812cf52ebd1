package connect

import (
	"strings"

	"github.com/mentiondesk/mentiondesk/connectors/oauth"
	"github.com/mentiondesk/mentiondesk/model"
)

// App is one OAuth client the operator registered on a platform, and where
// that platform's authorization server lives.
type App struct {
	ClientID, ClientSecret string
	// AuthURL and TokenURL replace the platform's endpoints when set: a
	// test's fake authorization server, a proxy.
	AuthURL, TokenURL string
}

func (a App) configured() bool { return a.ClientID != "" && a.ClientSecret != "" }

// Config is the operator's side of connecting accounts: the OAuth clients
// registered on Google, Meta and X. A platform without its client answers
// the "Connect" button with connect_not_configured, naming the variables.
type Config struct {
	Google, Meta, X App
	// MetaGraphURL replaces https://graph.facebook.com/<version> for the
	// token exchange and the Page listing that follow Facebook Login.
	MetaGraphURL string
	// MetaVerifyToken is the string the operator types as "Verify token"
	// in the Meta App Dashboard's Webhooks product (hooks/metahooks).
	MetaVerifyToken string
}

// Environment variables of Config, as README's configuration table lists
// them.
const (
	EnvGoogleClientID     = "MD_GOOGLE_CLIENT_ID"
	EnvGoogleClientSecret = "MD_GOOGLE_CLIENT_SECRET"
	EnvGoogleAuthURL      = "MD_GOOGLE_AUTH_URL"
	EnvGoogleTokenURL     = "MD_GOOGLE_TOKEN_URL"
	EnvMetaAppID          = "MD_META_APP_ID"
	EnvMetaAppSecret      = "MD_META_APP_SECRET"
	EnvMetaAuthURL        = "MD_META_AUTH_URL"
	EnvMetaTokenURL       = "MD_META_TOKEN_URL"
	EnvMetaGraphURL       = "MD_META_GRAPH_URL"
	EnvMetaVerifyToken    = "MD_META_VERIFY_TOKEN"
	EnvXClientID          = "MD_X_CLIENT_ID"
	EnvXClientSecret      = "MD_X_CLIENT_SECRET"
	EnvXAuthURL           = "MD_X_AUTH_URL"
	EnvXTokenURL          = "MD_X_TOKEN_URL"
)

// ConfigFromEnv reads Config with getenv (os.Getenv in main.go).
func ConfigFromEnv(getenv func(string) string) Config {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	return Config{
		Google: App{ClientID: get(EnvGoogleClientID), ClientSecret: get(EnvGoogleClientSecret),
			AuthURL: get(EnvGoogleAuthURL), TokenURL: get(EnvGoogleTokenURL)},
		Meta: App{ClientID: get(EnvMetaAppID), ClientSecret: get(EnvMetaAppSecret),
			AuthURL: get(EnvMetaAuthURL), TokenURL: get(EnvMetaTokenURL)},
		X: App{ClientID: get(EnvXClientID), ClientSecret: get(EnvXClientSecret),
			AuthURL: get(EnvXAuthURL), TokenURL: get(EnvXTokenURL)},
		MetaGraphURL:    get(EnvMetaGraphURL),
		MetaVerifyToken: get(EnvMetaVerifyToken),
	}
}

// app returns the client of provider and the variables that configure it.
func (c Config) app(provider string) (App, []string) {
	switch provider {
	case model.ProviderGoogle:
		return c.Google, []string{EnvGoogleClientID, EnvGoogleClientSecret}
	case model.ProviderMeta:
		return c.Meta, []string{EnvMetaAppID, EnvMetaAppSecret}
	case model.ProviderX:
		return c.X, []string{EnvXClientID, EnvXClientSecret}
	}
	return App{}, nil
}

// providerFor is the authorization server and the scopes a source of kind
// needs: each kind asks only for what its connector uses.
func providerFor(kind string) (oauth.Provider, bool) {
	switch kind {
	case model.KindGoogleReviews:
		return oauth.Google(oauth.ScopeBusinessManage), true
	case model.KindYouTube:
		return oauth.Google(oauth.ScopeYouTubeForceSSL), true
	case model.KindFacebook:
		// pages_manage_metadata lets Mentiondesk install the app's webhook
		// on the Page (POST /{page-id}/subscribed_apps).
		return oauth.Meta("pages_show_list", "pages_read_engagement", "pages_read_user_content",
			"pages_manage_engagement", "pages_manage_metadata"), true
	case model.KindInstagram:
		return oauth.Meta("pages_show_list", "pages_read_engagement", "instagram_basic", "instagram_manage_comments"), true
	case model.KindX:
		return oauth.X(), true
	}
	return oauth.Provider{}, false
}

// providerNames are the platforms as owners read them.
var providerNames = map[string]string{
	model.ProviderGoogle: "Google",
	model.ProviderMeta:   "Facebook",
	model.ProviderX:      "X",
}

// CallbackPath is where provider sends the owner back; the redirect URL
// to register on the platform is the public URL followed by it.
func CallbackPath(provider string) string {
	return "/api/md/connect/" + provider + "/callback"
}
