// Package oauth runs the OAuth 2.0 authorization-code flow for web server
// apps (RFC 6749 §4.1, with RFC 7636 PKCE where the platform supports it)
// on golang.org/x/oauth2, and refreshes the tokens it yields.
//
// It keeps no state of its own: Start returns a Pending value the caller
// stores (in the owner's session or a record) and hands back to Finish when
// the platform redirects to the callback, so several flows can run at once,
// across restarts, without package-level maps.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
	"golang.org/x/oauth2"
)

// FlowTTL bounds how long the owner may take on the platform's consent
// screen. A callback arriving later is refused: its state may have leaked
// (browser history, logs) and an authorization code is short-lived anyway.
const FlowTTL = 15 * time.Minute

// RefreshMargin is how long before expiry a token is refreshed: a poll that
// starts with a token about to die would fail halfway through its pages.
const RefreshMargin = 5 * time.Minute

// Errors of the connect flow. Refresh failures wrap the connectors errors
// instead, because the poller turns those into the source's health.
var (
	// ErrStateMismatch means the callback's state is not the one we sent:
	// a forged or replayed callback (RFC 6749 §10.12). No code is spent.
	ErrStateMismatch = errors.New("oauth: the callback does not belong to this connection attempt")
	// ErrFlowExpired means the callback came after FlowTTL.
	ErrFlowExpired = errors.New("oauth: the connection attempt expired; start again")
	// ErrDenied means the owner (or the platform) refused the authorization
	// on the consent screen (RFC 6749 §4.1.2.1).
	ErrDenied = errors.New("oauth: the authorization was refused")
)

// App is the OAuth client the owner registered on the platform.
type App struct {
	ClientID     string
	ClientSecret string
}

// Flow runs the authorization-code flow of one platform for one app.
type Flow struct {
	Provider Provider
	App      App
	// PublicURL is Mentiondesk's public base URL ("https://desk.example");
	// CallbackPath is appended to it to make the redirect URL the owner
	// registers on the platform.
	PublicURL    string
	CallbackPath string
	// HTTPClient talks to the token endpoint (the guarded client in
	// production); nil means http.DefaultClient.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Pending is a started flow, to be stored by the caller until the callback.
// Verifier is a secret: store it where the owner's browser cannot read it.
type Pending struct {
	Provider    string    `json:"provider"`
	State       string    `json:"state"`
	Verifier    string    `json:"verifier,omitempty"`
	RedirectURL string    `json:"redirect_url"`
	Started     time.Time `json:"started"`
}

// Token is what the caller stores as the source's secrets.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// Scope is what the owner actually granted (space-separated), when the
	// platform says: Google lets the owner untick scopes.
	Scope string `json:"scope,omitempty"`
}

func (f Flow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// RedirectURL is the callback address the owner must register on the
// platform, exactly as it is sent.
func (f Flow) RedirectURL() (string, error) {
	base, err := url.Parse(strings.TrimSpace(f.PublicURL))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return "", fmt.Errorf("%w: oauth: the public URL must look like https://desk.example, got %q", connectors.ErrConfig, f.PublicURL)
	}
	if base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return "", fmt.Errorf("%w: oauth: the public URL must not carry a query, fragment or credentials", connectors.ErrConfig)
	}
	cb := "/" + strings.TrimLeft(f.CallbackPath, "/")
	base.Path = strings.TrimRight(base.Path, "/") + cb
	return base.String(), nil
}

func (f Flow) config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     f.App.ClientID,
		ClientSecret: f.App.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   f.Provider.AuthURL,
			TokenURL:  f.Provider.TokenURL,
			AuthStyle: f.Provider.AuthStyle,
		},
		RedirectURL: redirectURL,
		Scopes:      f.Provider.Scopes,
	}
}

// ctx carries our HTTP client to golang.org/x/oauth2, which reads it from
// the context.
func (f Flow) ctx(ctx context.Context) context.Context {
	if f.HTTPClient == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, f.HTTPClient)
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Start begins a flow: it returns the platform URL to send the owner's
// browser to, and the Pending value to keep until the callback.
func (f Flow) Start() (authURL string, p Pending, err error) {
	if f.App.ClientID == "" {
		return "", Pending{}, fmt.Errorf("%w: oauth: %s: the app's client id is missing", connectors.ErrConfig, f.Provider.Name)
	}
	redirect, err := f.RedirectURL()
	if err != nil {
		return "", Pending{}, err
	}
	state, err := randomToken(32)
	if err != nil {
		return "", Pending{}, err
	}
	p = Pending{Provider: f.Provider.Name, State: state, RedirectURL: redirect, Started: f.now()}
	var opts []oauth2.AuthCodeOption
	for k, v := range f.Provider.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	if f.Provider.PKCE {
		// 32 random octets, as RFC 7636 §4.1 recommends.
		p.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(p.Verifier))
	}
	return f.config(redirect).AuthCodeURL(state, opts...), p, nil
}

// Finish completes a flow from the callback's query parameters: it checks
// the state against p before anything else, then exchanges the code (with
// the PKCE verifier) at the token endpoint.
func (f Flow) Finish(ctx context.Context, p Pending, callback url.Values) (Token, error) {
	got := callback.Get("state")
	if p.State == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.State)) != 1 {
		return Token{}, ErrStateMismatch
	}
	if p.Provider != f.Provider.Name {
		return Token{}, fmt.Errorf("%w: started for %q, finished for %q", ErrStateMismatch, p.Provider, f.Provider.Name)
	}
	if age := f.now().Sub(p.Started); age > FlowTTL || age < -time.Minute {
		return Token{}, ErrFlowExpired
	}
	if e := callback.Get("error"); e != "" {
		msg := e
		if d := callback.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return Token{}, fmt.Errorf("%w by %s: %s", ErrDenied, f.Provider.Name, msg)
	}
	code := callback.Get("code")
	if code == "" {
		return Token{}, fmt.Errorf("%w: oauth: %s: the callback carries no authorization code", connectors.ErrBadFeed, f.Provider.Name)
	}
	var opts []oauth2.AuthCodeOption
	if p.Verifier != "" {
		opts = append(opts, oauth2.VerifierOption(p.Verifier))
	}
	tok, err := f.config(p.RedirectURL).Exchange(f.ctx(ctx), code, opts...)
	if err != nil {
		return Token{}, f.classify("exchanging the authorization code", err)
	}
	return f.fromOAuth2(tok), nil
}

// NeedsRefresh reports whether t expires within RefreshMargin. A token
// without an expiry is used until the platform refuses it.
func (f Flow) NeedsRefresh(t Token) bool {
	return !t.Expiry.IsZero() && !f.now().Add(RefreshMargin).Before(t.Expiry)
}

// Refresh trades t's refresh token for a new access token. The result keeps
// the newest refresh token: the one the platform sent (X rotates it on every
// refresh) or, when it sent none (Google), the one we had. The caller must
// store the result before using it.
//
// Errors: an invalid_grant answer (revoked, expired or already-rotated
// refresh token) wraps connectors.ErrReconnect; server errors, 429 and
// network failures are plain retryable errors.
func (f Flow) Refresh(ctx context.Context, t Token) (Token, error) {
	if !f.Provider.Refreshable || t.RefreshToken == "" {
		return Token{}, fmt.Errorf("%w: %s issued no refresh token; connect the account again", connectors.ErrReconnect, f.Provider.Name)
	}
	// An empty access token is never valid, so the token source goes
	// straight to the token endpoint.
	src := f.config("").TokenSource(f.ctx(ctx), &oauth2.Token{RefreshToken: t.RefreshToken})
	tok, err := src.Token()
	if err != nil {
		return Token{}, f.classify("refreshing the access token", err)
	}
	out := f.fromOAuth2(tok)
	if out.RefreshToken == "" {
		out.RefreshToken = t.RefreshToken
	}
	if out.Scope == "" {
		out.Scope = t.Scope
	}
	return out, nil
}

// fromOAuth2 converts the library's token, recomputing the expiry on our
// clock (the library uses time.Now).
func (f Flow) fromOAuth2(tok *oauth2.Token) Token {
	out := Token{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		TokenType:    tok.TokenType,
		Expiry:       tok.Expiry,
	}
	if tok.ExpiresIn > 0 {
		out.Expiry = f.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if s, ok := tok.Extra("scope").(string); ok {
		out.Scope = s
	}
	return out
}

// classify turns a token-endpoint failure into our error values (RFC 6749
// §5.2 error codes).
func (f Flow) classify(what string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// Network failure, unreadable answer: trying again can help.
		return fmt.Errorf("oauth: %s: %s: %w", f.Provider.Name, what, err)
	}
	reason := re.ErrorCode
	if re.ErrorDescription != "" {
		reason += " (" + re.ErrorDescription + ")"
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	switch {
	case re.ErrorCode == "invalid_grant":
		// Revoked by the owner, expired, reused, or an old rotated
		// refresh token: only a new consent helps.
		return fmt.Errorf("%w: %s refused the grant while %s: %s", connectors.ErrReconnect, f.Provider.Name, what, reason)
	case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
		return fmt.Errorf("%w: %s refused the app's client id or secret: %s", connectors.ErrConfig, f.Provider.Name, reason)
	case status == http.StatusTooManyRequests:
		wait := connectors.RetryAfter(re.Response.Header, f.now())
		if wait <= 0 {
			wait = time.Minute
		}
		return &connectors.RateLimitedError{RetryAfter: wait, Status: status, Reason: f.Provider.Name + " token endpoint"}
	case status >= 500:
		return &connectors.HTTPError{Status: status, Body: f.Provider.Name + " token endpoint: " + what}
	case reason != "":
		return fmt.Errorf("%w: %s while %s: %s", connectors.ErrAuth, f.Provider.Name, what, reason)
	}
	return fmt.Errorf("%w: %s while %s: HTTP %d", connectors.ErrAuth, f.Provider.Name, what, status)
}
