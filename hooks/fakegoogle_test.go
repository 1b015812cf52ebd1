package hooks

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGoogle is Google as the wired server meets it for a Google reviews
// source: the OAuth 2.0 token endpoint ("Using OAuth 2.0 for Web Server
// Applications": form fields grant_type, code, redirect_uri,
// code_verifier, client_id, client_secret; the answer's access_token,
// expires_in, refresh_token, scope, token_type; a refresh answers no
// refresh_token; errors are RFC 6749 §5.2's {"error": "invalid_grant"})
// and the Business Profile APIs the connector calls: accounts.list
// (GET /v1/accounts), accounts.locations.list (GET
// /v1/{account}/locations, readMask required), the v4 reviews.list (GET
// /v4/{account}/{location}/reviews) and reviews.updateReply (PUT
// /v4/{review}/reply with {"comment"}). The wire shapes are those of
// connectors/google_reviews_test.go; errors are google.rpc.Status
// ({"error": {"code", "message", "status"}}).
type fakeGoogle struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	codes     map[string]string // code → PKCE challenge
	access    string            // the one access token that works
	refresh   map[string]bool   // refresh tokens that work
	expiresIn int
	n         int
	grants    map[string]int // token requests by grant_type
	reviews   []map[string]any
	replies   []fakeReply // every updateReply received
}

type fakeReply struct{ Review, Comment, Token string }

const (
	fakeGoogleClientID = "1234-md.apps.googleusercontent.com"
	fakeGoogleSecret   = "GOCSPX-fake-secret"
	fakeGoogleAccount  = "accounts/118200045219872300091"
	fakeGoogleLocation = "locations/7720395512408151021"
	fakeGoogleScope    = "https://www.googleapis.com/auth/business.manage"
)

func newFakeGoogle(t *testing.T) *fakeGoogle {
	g := &fakeGoogle{t: t, codes: map[string]string{}, refresh: map[string]bool{}, expiresIn: 3599, grants: map[string]int{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// review lists a review, newest first as orderBy=updateTime desc asks. A
// review listed again under the same id is its author's edit: Google keeps
// one review per name, with the new updateTime.
func (g *fakeGoogle) review(id, stars, comment, author string, at time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	name := fakeGoogleAccount + "/" + fakeGoogleLocation + "/reviews/" + id
	ts := at.UTC().Format(time.RFC3339Nano)
	g.reviews = slices.DeleteFunc(g.reviews, func(r map[string]any) bool { return r["name"] == name })
	g.reviews = append([]map[string]any{{
		"name": name, "reviewId": id, "starRating": stars, "comment": comment,
		"reviewer":   map[string]any{"displayName": author, "profilePhotoUrl": "https://lh3.googleusercontent.com/a-/" + id},
		"createTime": ts, "updateTime": ts,
	}}, g.reviews...)
	return name
}

// consent plays the owner agreeing on Google's consent screen: it checks
// the authorization URL as Google would and returns the callback's query.
func (g *fakeGoogle) consent(authURL string) url.Values {
	g.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		g.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("client_id") != fakeGoogleClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		!strings.Contains(q.Get("scope"), fakeGoogleScope) || q.Get("access_type") != "offline" {
		g.t.Fatalf("authorization request: %v", q)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	code := fmt.Sprintf("4/0Ad-code-%d", g.n)
	g.codes[code] = q.Get("code_challenge")
	return url.Values{"code": {code}, "state": {q.Get("state")}, "scope": {fakeGoogleScope}}
}

// revoke is the owner removing Mentiondesk's access in their Google
// account: the refresh token and the access token stop working.
func (g *fakeGoogle) revoke() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refresh, g.access = map[string]bool{}, ""
}

func (g *fakeGoogle) grantCount(kind string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.grants[kind]
}

func (g *fakeGoogle) sentReplies() []fakeReply {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]fakeReply(nil), g.replies...)
}

func (g *fakeGoogle) currentAccess() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.access
}

func (g *fakeGoogle) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		g.token(w, r)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || tok == "" || tok != g.access {
		g.apiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	}
	reviews := "/v4/" + fakeGoogleAccount + "/" + fakeGoogleLocation + "/reviews"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/accounts":
		writeJSON(w, map[string]any{"accounts": []map[string]any{{"name": fakeGoogleAccount, "accountName": "Boulangerie du Plateau", "type": "LOCATION_GROUP"}}})
	case r.Method == http.MethodGet && r.URL.Path == "/v1/"+fakeGoogleAccount+"/locations":
		// A title that is not the brand keyword (the seed's "Café Lune"):
		// a review of the owner's own location counts without naming it.
		if r.URL.Query().Get("readMask") == "" {
			g.apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.")
			return
		}
		writeJSON(w, map[string]any{"locations": []map[string]any{{"name": fakeGoogleLocation, "title": "Boulangerie du Plateau",
			"metadata": map[string]any{"mapsUri": "https://maps.google.com/maps?cid=7720395512408151021"}}}})
	case r.Method == http.MethodGet && r.URL.Path == reviews:
		writeJSON(w, map[string]any{"reviews": g.reviews, "totalReviewCount": len(g.reviews)})
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, reviews+"/") && strings.HasSuffix(r.URL.Path, "/reply"):
		var in struct {
			Comment string `json:"comment"`
		}
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(b, &in) != nil || in.Comment == "" {
			g.apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.")
			return
		}
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v4/"), "/reply")
		g.replies = append(g.replies, fakeReply{Review: name, Comment: in.Comment, Token: g.access})
		writeJSON(w, map[string]any{"comment": in.Comment, "updateTime": time.Now().UTC().Format(time.RFC3339Nano)})
	default:
		g.apiError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
	}
}

func (g *fakeGoogle) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		g.oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	f := r.PostForm
	g.mu.Lock()
	defer g.mu.Unlock()
	g.grants[f.Get("grant_type")]++
	if f.Get("client_id") != fakeGoogleClientID || f.Get("client_secret") != fakeGoogleSecret {
		g.oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	g.n++
	out := map[string]any{"token_type": "Bearer", "expires_in": g.expiresIn, "scope": fakeGoogleScope}
	switch f.Get("grant_type") {
	case "authorization_code":
		challenge, ok := g.codes[f.Get("code")]
		delete(g.codes, f.Get("code")) // a code works once
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			g.oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		rt := fmt.Sprintf("1//0rt-%d", g.n)
		g.refresh[rt] = true
		out["refresh_token"] = rt
	case "refresh_token":
		if !g.refresh[f.Get("refresh_token")] {
			g.oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
	default:
		g.oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	g.access = fmt.Sprintf("ya29.at-%d", g.n)
	out["access_token"] = g.access
	writeJSON(w, out)
}

func (g *fakeGoogle) oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "Token has been expired or revoked."})
}

func (g *fakeGoogle) apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": status, "message": msg, "status": code}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}
