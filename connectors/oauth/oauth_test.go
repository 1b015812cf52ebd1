package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
	"golang.org/x/oauth2"
)

// fakeAS is an authorization server speaking RFC 6749 §4.1 and §6 with RFC
// 7636 S256 challenges. /authorize plays the owner who clicks "Allow": it
// answers with the redirect to the callback at once.
type fakeAS struct {
	t           *testing.T
	srv         *httptest.Server
	clientID    string
	secret      string
	basicAuth   bool // client authentication in the Authorization header
	requirePKCE bool
	rotate      bool // issue a new refresh token on each refresh, revoking the old
	expiresIn   int

	mu            sync.Mutex
	codes         map[string]*fakeCode
	refresh       map[string]bool // refresh token -> still valid
	tokenRequests int
	failNext      int // answer the next token request with this status
	seq           int
}

type fakeCode struct {
	redirect  string
	challenge string
	used      bool
}

func newFakeAS(t *testing.T) *fakeAS {
	as := &fakeAS{t: t, clientID: "client-123", secret: "s3cret", expiresIn: 3600,
		codes: map[string]*fakeCode{}, refresh: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", as.authorize)
	mux.HandleFunc("POST /token", as.token)
	as.srv = httptest.NewServer(mux)
	t.Cleanup(as.srv.Close)
	return as
}

func (as *fakeAS) provider(p Provider) Provider {
	p.AuthURL = as.srv.URL + "/authorize"
	p.TokenURL = as.srv.URL + "/token"
	return p
}

func (as *fakeAS) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != as.clientID || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	challenge := q.Get("code_challenge")
	if as.requirePKCE && (q.Get("code_challenge_method") != "S256" || len(challenge) != 43) {
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE S256 required")
	} else {
		as.mu.Lock()
		as.seq++
		code := fmt.Sprintf("code-%d", as.seq)
		as.codes[code] = &fakeCode{redirect: redirect.String(), challenge: challenge}
		as.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (as *fakeAS) fail(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (as *fakeAS) token(w http.ResponseWriter, r *http.Request) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.tokenRequests++
	if as.failNext != 0 {
		status := as.failNext
		as.failNext = 0
		w.Header().Set("Retry-After", "42")
		http.Error(w, "temporarily unavailable", status)
		return
	}
	if err := r.ParseForm(); err != nil {
		as.fail(w, 400, "invalid_request", err.Error())
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if basic != as.basicAuth || id != as.clientID || secret != as.secret {
		as.fail(w, 401, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c, ok := as.codes[r.PostForm.Get("code")]
		switch {
		case !ok:
			as.fail(w, 400, "invalid_grant", "unknown code")
			return
		case c.used:
			as.fail(w, 400, "invalid_grant", "code already used")
			return
		case c.redirect != r.PostForm.Get("redirect_uri"):
			as.fail(w, 400, "invalid_grant", "redirect_uri mismatch")
			return
		}
		c.used = true
		if c.challenge != "" {
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
				as.fail(w, 400, "invalid_grant", "code_verifier does not match the challenge")
				return
			}
		}
		as.issue(w, true)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !as.refresh[rt] {
			as.fail(w, 400, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		if as.rotate {
			as.refresh[rt] = false
		}
		as.issue(w, as.rotate)
	default:
		as.fail(w, 400, "unsupported_grant_type", "")
	}
}

// issue writes a token response (RFC 6749 §5.1); caller holds as.mu.
func (as *fakeAS) issue(w http.ResponseWriter, withRefresh bool) {
	as.seq++
	body := map[string]any{
		"access_token": fmt.Sprintf("access-%d", as.seq),
		"token_type":   "Bearer",
		"expires_in":   as.expiresIn,
		"scope":        "https://www.googleapis.com/auth/business.manage",
	}
	if withRefresh {
		rt := fmt.Sprintf("refresh-%d", as.seq)
		as.refresh[rt] = true
		body["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(body)
}

var testNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func (as *fakeAS) flow(p Provider) Flow {
	return Flow{
		Provider:     as.provider(p),
		App:          App{ClientID: as.clientID, ClientSecret: as.secret},
		PublicURL:    "https://desk.example/",
		CallbackPath: "/api/md/oauth/callback",
		HTTPClient:   as.srv.Client(),
		Now:          func() time.Time { return testNow },
	}
}

// consent sends the browser to authURL and returns the callback's query,
// without following the redirect to our (absent) public URL.
func consent(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: HTTP %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "https://desk.example/api/md/oauth/callback" {
		t.Fatalf("redirected to %q", got)
	}
	return loc.Query()
}

func TestGoogleFlowEndToEnd(t *testing.T) {
	as := newFakeAS(t)
	as.requirePKCE = true
	f := as.flow(Google())
	authURL, p, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(authURL)
	for k, want := range map[string]string{"access_type": "offline", "prompt": "consent", "code_challenge_method": "S256"} {
		if got := q.Query().Get(k); got != want {
			t.Errorf("auth URL %s = %q, want %q", k, got, want)
		}
	}
	if strings.Contains(authURL, p.Verifier) {
		t.Error("the PKCE verifier leaked into the authorization URL")
	}
	// The pending flow survives a round trip through storage.
	raw, _ := json.Marshal(p)
	var stored Pending
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	cb := consent(t, authURL)
	tok, err := f.Finish(context.Background(), stored, cb)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || !tok.Expiry.Equal(testNow.Add(time.Hour)) {
		t.Fatalf("token = %+v", tok)
	}
	if tok.Scope != ScopeBusinessManage {
		t.Errorf("scope = %q", tok.Scope)
	}
	// The same callback again: the code is spent.
	if _, err := f.Finish(context.Background(), stored, cb); !errors.Is(err, connectors.ErrReconnect) {
		t.Fatalf("reused code: err = %v", err)
	}

	// Google sends no new refresh token on refresh: keep ours.
	if f.NeedsRefresh(tok) {
		t.Fatal("a fresh token needs no refresh")
	}
	f.Now = func() time.Time { return testNow.Add(56 * time.Minute) }
	if !f.NeedsRefresh(tok) {
		t.Fatal("a token four minutes from expiry needs a refresh")
	}
	fresh, err := f.Refresh(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken != tok.RefreshToken {
		t.Fatalf("refreshed = %+v, had %+v", fresh, tok)
	}
}

func TestWrongStateIsRefusedWithoutSpendingTheCode(t *testing.T) {
	as := newFakeAS(t)
	f := as.flow(Google())
	authURL, p, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	cb := consent(t, authURL)
	forged := url.Values{"code": cb["code"], "state": {"attacker-state"}}
	if _, err := f.Finish(context.Background(), p, forged); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("forged state: err = %v", err)
	}
	noState := url.Values{"code": cb["code"]}
	if _, err := f.Finish(context.Background(), p, noState); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("missing state: err = %v", err)
	}
	if as.tokenRequests != 0 {
		t.Fatalf("%d token requests after refused callbacks", as.tokenRequests)
	}
	// Another platform's callback with the right state is refused too.
	other := as.flow(X())
	if _, err := other.Finish(context.Background(), p, cb); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("cross-platform callback: err = %v", err)
	}
	late := f
	late.Now = func() time.Time { return testNow.Add(FlowTTL + time.Second) }
	if _, err := late.Finish(context.Background(), p, cb); !errors.Is(err, ErrFlowExpired) {
		t.Fatalf("late callback: err = %v", err)
	}
	if _, err := f.Finish(context.Background(), p, cb); err != nil {
		t.Fatalf("the genuine callback still works: %v", err)
	}
}

func TestPKCEVerifierIsChecked(t *testing.T) {
	as := newFakeAS(t)
	as.requirePKCE, as.basicAuth = true, true
	f := as.flow(X())
	authURL, p, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	cb := consent(t, authURL)
	p.Verifier = oauth2.GenerateVerifier() // not the one the challenge was made from
	if _, err := f.Finish(context.Background(), p, cb); !errors.Is(err, connectors.ErrReconnect) || !strings.Contains(err.Error(), "code_verifier") {
		t.Fatalf("wrong verifier: err = %v", err)
	}

	// Without PKCE the server refuses the authorization request itself.
	noPKCE := f
	noPKCE.Provider.PKCE = false
	authURL, p, _ = noPKCE.Start()
	if _, err := noPKCE.Finish(context.Background(), p, consent(t, authURL)); !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "PKCE") {
		t.Fatalf("no challenge: err = %v", err)
	}
}

func TestXRotatesRefreshTokens(t *testing.T) {
	as := newFakeAS(t)
	as.requirePKCE, as.basicAuth, as.rotate = true, true, true
	as.expiresIn = 7200
	f := as.flow(X())
	authURL, p, _ := f.Start()
	tok, err := f.Finish(context.Background(), p, consent(t, authURL))
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.Refresh(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == tok.RefreshToken || second.RefreshToken == "" {
		t.Fatalf("X's new refresh token was not kept: %+v", second)
	}
	if _, err := f.Refresh(context.Background(), second); err != nil {
		t.Fatalf("the newest refresh token works: %v", err)
	}
	// The first refresh token was rotated away: reconnect needed.
	_, err = f.Refresh(context.Background(), tok)
	if !errors.Is(err, connectors.ErrReconnect) || connectors.IsRetryable(err) {
		t.Fatalf("old refresh token: err = %v", err)
	}
	if !strings.Contains(err.Error(), "expired or revoked") {
		t.Errorf("the platform's reason is lost: %v", err)
	}
}

func TestRefreshFailuresAreClassified(t *testing.T) {
	as := newFakeAS(t)
	f := as.flow(Google())
	authURL, p, _ := f.Start()
	tok, err := f.Finish(context.Background(), p, consent(t, authURL))
	if err != nil {
		t.Fatal(err)
	}

	as.failNext = http.StatusServiceUnavailable
	_, err = f.Refresh(context.Background(), tok)
	if err == nil || errors.Is(err, connectors.ErrReconnect) || !connectors.IsRetryable(err) {
		t.Fatalf("503: err = %v", err)
	}
	as.failNext = http.StatusTooManyRequests
	_, err = f.Refresh(context.Background(), tok)
	var rl *connectors.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 42*time.Second {
		t.Fatalf("429: err = %v", err)
	}

	wrongSecret := f
	wrongSecret.App.ClientSecret = "rotated"
	if _, err := wrongSecret.Refresh(context.Background(), tok); !errors.Is(err, connectors.ErrConfig) {
		t.Fatalf("invalid_client: err = %v", err)
	}

	// The owner revoked the grant.
	as.mu.Lock()
	as.refresh[tok.RefreshToken] = false
	as.mu.Unlock()
	if _, err := f.Refresh(context.Background(), tok); !errors.Is(err, connectors.ErrReconnect) {
		t.Fatalf("revoked: err = %v", err)
	}
	if _, err := f.Refresh(context.Background(), Token{AccessToken: "a"}); !errors.Is(err, connectors.ErrReconnect) {
		t.Fatalf("no refresh token: err = %v", err)
	}

	as.srv.Close()
	_, err = f.Refresh(context.Background(), tok)
	if err == nil || errors.Is(err, connectors.ErrReconnect) || !connectors.IsRetryable(err) {
		t.Fatalf("network failure: err = %v", err)
	}
}

func TestStartChecksConfiguration(t *testing.T) {
	f := Flow{Provider: Google(), App: App{ClientID: "id"}, PublicURL: "desk.example", CallbackPath: "cb"}
	if _, _, err := f.Start(); !errors.Is(err, connectors.ErrConfig) {
		t.Fatalf("relative public URL: err = %v", err)
	}
	f.PublicURL = "https://desk.example/sub/"
	got, err := f.RedirectURL()
	if err != nil || got != "https://desk.example/sub/cb" {
		t.Fatalf("redirect URL = %q, %v", got, err)
	}
	f.App.ClientID = ""
	if _, _, err := f.Start(); !errors.Is(err, connectors.ErrConfig) {
		t.Fatalf("no client id: err = %v", err)
	}
	// Two flows never share a state or a verifier.
	f.App.ClientID = "id"
	_, a, _ := f.Start()
	_, b, _ := f.Start()
	if a.State == b.State || a.Verifier == b.Verifier || len(a.State) < 43 {
		t.Fatalf("weak randomness: %+v %+v", a, b)
	}
}

func TestDeniedConsent(t *testing.T) {
	f := Flow{Provider: Meta(), App: App{ClientID: "id"}, PublicURL: "https://desk.example", CallbackPath: "cb", Now: func() time.Time { return testNow }}
	_, p, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	if p.Verifier != "" {
		t.Error("Meta's classic flow sends no PKCE challenge")
	}
	cb := url.Values{"state": {p.State}, "error": {"access_denied"}, "error_description": {"Permissions error"}}
	if _, err := f.Finish(context.Background(), p, cb); !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "Permissions error") {
		t.Fatalf("denied: err = %v", err)
	}
}

func TestTokenSecretsRoundTripAndFresh(t *testing.T) {
	as := newFakeAS(t)
	f := as.flow(Google())
	authURL, p, _ := f.Start()
	tok, err := f.Finish(context.Background(), p, consent(t, authURL))
	if err != nil {
		t.Fatal(err)
	}
	stored := TokenFromSecrets(tok.Secrets())
	if stored.AccessToken != tok.AccessToken || stored.RefreshToken != tok.RefreshToken || !stored.Expiry.Equal(tok.Expiry) || stored.Scope != tok.Scope {
		t.Fatalf("round trip: %+v != %+v", stored, tok)
	}
	same, changed, err := f.Fresh(context.Background(), stored)
	if err != nil || changed || same.AccessToken != tok.AccessToken {
		t.Fatalf("fresh token: changed %v, err %v", changed, err)
	}
	f.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
	renewed, changed, err := f.Fresh(context.Background(), stored)
	if err != nil || !changed || renewed.AccessToken == tok.AccessToken {
		t.Fatalf("expired token: changed %v, err %v", changed, err)
	}
	broken := TokenFromSecrets(map[string]string{SecretAccessToken: "a", SecretRefreshToken: renewed.RefreshToken, SecretTokenExpiry: "soon"})
	if !f.NeedsRefresh(broken) {
		t.Fatal("an unreadable expiry must count as expired")
	}
}
