package oauth

import "golang.org/x/oauth2"

// Provider describes one platform's OAuth 2.0 authorization server and
// what Mentiondesk asks of it. The values below come from each platform's
// documentation; Scopes can be narrowed or widened by the caller.
type Provider struct {
	// Name is the platform's short name ("google", "meta", "x"); it is
	// stored in Pending so a callback cannot finish another platform's flow.
	Name     string
	AuthURL  string
	TokenURL string
	Scopes   []string
	// PKCE adds an RFC 7636 S256 code challenge to the authorization
	// request and the verifier to the code exchange.
	PKCE bool
	// AuthParams are extra query parameters of the authorization request.
	AuthParams map[string]string
	// AuthStyle says how the client authenticates at the token endpoint.
	// It is pinned per platform: the library's auto-detection tries a
	// second style after a failure, which would spend an authorization
	// code twice.
	AuthStyle oauth2.AuthStyle
	// RotatesRefreshToken: every refresh answers with a new refresh token
	// and the old one stops working, so the caller must store the newest
	// one at once (X does this).
	RotatesRefreshToken bool
	// Refreshable is false where the platform issues no refresh token
	// (Meta: a user token is exchanged for a long-lived one instead, with
	// grant_type=fb_exchange_token, which the Meta connector does).
	Refreshable bool
}

// Google Business Profile and YouTube scopes.
const (
	// ScopeBusinessManage reads reviews and answers them (Business
	// Profile APIs, "Using OAuth 2.0" in developers.google.com/my-business).
	ScopeBusinessManage = "https://www.googleapis.com/auth/business.manage"
	// ScopeYouTubeForceSSL reads comment threads and inserts replies
	// (the scope comments.insert names).
	ScopeYouTubeForceSSL = "https://www.googleapis.com/auth/youtube.force-ssl"
)

// Google returns Google's authorization server ("Using OAuth 2.0 for Web
// Server Applications"). access_type=offline asks for a refresh token, and
// prompt=consent makes Google issue one again on a reconnect: without it a
// refresh token is only issued on the first consent, and a reconnect after
// a revoked grant would leave us with an access token that dies in an hour.
// Google accepts PKCE from web server clients too, so we send it.
func Google(scopes ...string) Provider {
	if len(scopes) == 0 {
		scopes = []string{ScopeBusinessManage, ScopeYouTubeForceSSL}
	}
	return Provider{
		Name:     "google",
		AuthURL:  "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL: "https://oauth2.googleapis.com/token",
		Scopes:   scopes,
		PKCE:     true,
		AuthParams: map[string]string{
			"access_type":            "offline",
			"prompt":                 "consent",
			"include_granted_scopes": "true",
		},
		// Google takes client_id and client_secret in the form body.
		AuthStyle:   oauth2.AuthStyleInParams,
		Refreshable: true,
	}
}

// MetaGraphVersion is the Graph API version of the login dialog and the
// token endpoint; Meta versions every path.
const MetaGraphVersion = "v23.0"

// Meta returns Facebook Login's manual flow ("Manually Build a Login
// Flow"): the dialog at www.facebook.com/{version}/dialog/oauth and the code
// exchange at graph.facebook.com/{version}/oauth/access_token. The classic
// flow has no PKCE (only the OIDC variant, still marked as testing, does)
// and no refresh token.
func Meta(scopes ...string) Provider {
	if len(scopes) == 0 {
		scopes = []string{
			"pages_show_list", "pages_read_engagement", "pages_read_user_content",
			"pages_manage_engagement", "instagram_basic", "instagram_manage_comments",
		}
	}
	return Provider{
		Name:      "meta",
		AuthURL:   "https://www.facebook.com/" + MetaGraphVersion + "/dialog/oauth",
		TokenURL:  "https://graph.facebook.com/" + MetaGraphVersion + "/oauth/access_token",
		Scopes:    scopes,
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

// X returns X's OAuth 2.0 Authorization Code Flow with PKCE. offline.access
// is what makes X issue a refresh token; access tokens last two hours.
// Confidential clients authenticate with HTTP Basic at the token endpoint.
func X(scopes ...string) Provider {
	if len(scopes) == 0 {
		scopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access"}
	}
	return Provider{
		Name:                "x",
		AuthURL:             "https://x.com/i/oauth2/authorize",
		TokenURL:            "https://api.x.com/2/oauth2/token",
		Scopes:              scopes,
		PKCE:                true,
		AuthStyle:           oauth2.AuthStyleInHeader,
		RotatesRefreshToken: true,
		Refreshable:         true,
	}
}
