package connect

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// fakeAS is an OAuth 2.0 authorization server's token endpoint, speaking
// the wire format Google ("Using OAuth 2.0 for Web Server Applications":
// POST https://oauth2.googleapis.com/token, form fields code, client_id,
// client_secret, redirect_uri, grant_type, code_verifier; the answer's
// access_token, expires_in, refresh_token, scope, token_type; a refresh
// answers no refresh_token) and X ("OAuth 2.0 Authorization Code Flow with
// PKCE": POST https://api.x.com/2/oauth2/token, a confidential client in
// HTTP Basic, expires_in 7200, a new refresh_token at every refresh that
// voids the old one) document. Errors are RFC 6749 §5.2's:
// {"error": "invalid_grant", "error_description": "..."} with 400.
type fakeAS struct {
	srv              *httptest.Server
	clientID, secret string
	basic            bool // client authentication in HTTP Basic (X)
	rotate           bool // a refresh voids the old refresh token (X)
	scope            string
	expiresIn        int

	mu       sync.Mutex
	codes    map[string]issuedCode
	refresh  map[string]bool // refresh tokens that still work
	n        int
	requests []url.Values // every token request's form
}

type issuedCode struct{ challenge, redirect string }

func newFakeAS(t *testing.T, basic, rotate bool, scope string) *fakeAS {
	as := &fakeAS{clientID: "client-123", secret: "shh-secret", basic: basic, rotate: rotate, scope: scope, expiresIn: 3599,
		codes: map[string]issuedCode{}, refresh: map[string]bool{}}
	as.srv = httptest.NewServer(http.HandlerFunc(as.token))
	t.Cleanup(as.srv.Close)
	return as
}

func (as *fakeAS) tokenURL() string { return as.srv.URL + "/token" }

func (as *fakeAS) app() App {
	return App{ClientID: as.clientID, ClientSecret: as.secret, AuthURL: "https://consent.example/auth", TokenURL: as.tokenURL()}
}

// consent plays the owner agreeing on the platform: it reads the
// authorization URL the start route answered, checks what a platform
// checks, and returns the callback's query (code and state).
func (as *fakeAS) consent(t *testing.T, authURL string) url.Values {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != as.clientID || q.Get("state") == "" {
		t.Fatalf("authorization request: %v", q)
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	as.n++
	code := fmt.Sprintf("code-%d", as.n)
	as.codes[code] = issuedCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	return url.Values{"code": {code}, "state": {q.Get("state")}}
}

// revoke voids every refresh token, as an owner removing the app's access
// in their account settings does.
func (as *fakeAS) revoke() {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.refresh = map[string]bool{}
}

func (as *fakeAS) grants(kind string) int {
	as.mu.Lock()
	defer as.mu.Unlock()
	n := 0
	for _, f := range as.requests {
		if f.Get("grant_type") == kind {
			n++
		}
	}
	return n
}

func (as *fakeAS) fail(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (as *fakeAS) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		as.fail(w, 400, "invalid_request", "unreadable form")
		return
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	as.requests = append(as.requests, r.PostForm)
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if as.basic {
		id, secret, _ = r.BasicAuth()
	}
	if id != as.clientID || secret != as.secret {
		as.fail(w, 401, "invalid_client", "Unauthorized")
		return
	}
	out := map[string]any{"token_type": "Bearer", "expires_in": as.expiresIn}
	if as.scope != "" {
		out["scope"] = as.scope
	}
	as.n++
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c, ok := as.codes[r.PostForm.Get("code")]
		delete(as.codes, r.PostForm.Get("code")) // a code works once
		if !ok || c.redirect != r.PostForm.Get("redirect_uri") {
			as.fail(w, 400, "invalid_grant", "Malformed auth code.")
			return
		}
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if c.challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			as.fail(w, 400, "invalid_grant", "Invalid code verifier.")
			return
		}
		rt := fmt.Sprintf("rt-%d", as.n)
		as.refresh[rt] = true
		out["access_token"], out["refresh_token"] = fmt.Sprintf("at-%d", as.n), rt
	case "refresh_token":
		old := r.PostForm.Get("refresh_token")
		if !as.refresh[old] {
			as.fail(w, 400, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		out["access_token"] = fmt.Sprintf("at-%d", as.n)
		if as.rotate {
			delete(as.refresh, old)
			rt := fmt.Sprintf("rt-%d", as.n)
			as.refresh[rt] = true
			out["refresh_token"] = rt
		}
	default:
		as.fail(w, 400, "unsupported_grant_type", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
