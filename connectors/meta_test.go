package connectors

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGraph is an httptest Graph API: it answers GETs from testdata files
// ("<path>" or "<path>@<after cursor>") and records every request.
type fakeGraph struct {
	t     *testing.T
	srv   *httptest.Server
	dir   string
	token string

	mu       sync.Mutex
	files    map[string]string // route -> file under testdata/<dir>
	requests []acctRequest
	// handle overrides a request; returning false falls through.
	handle func(w http.ResponseWriter, r *http.Request) bool
}

func newFakeGraph(t *testing.T, dir string, files map[string]string) *fakeGraph {
	g := &fakeGraph{t: t, dir: dir, token: "page-token", files: files}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGraph) setFiles(files map[string]string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.files = files
}

func (g *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	_ = r.ParseForm()
	g.mu.Lock()
	g.requests = append(g.requests, acctRequest{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), string(body)})
	handle := g.handle
	g.mu.Unlock()
	if handle != nil && handle(w, r) {
		return
	}
	if r.URL.Query().Get("access_token") != g.token {
		g.writeFile(w, http.StatusBadRequest, "error_190_expired.json")
		return
	}
	route := r.URL.Path
	if after := r.URL.Query().Get("after"); after != "" {
		route += "@" + after
	}
	g.mu.Lock()
	name, ok := g.files[route]
	g.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"Unsupported get request. Object with ID '` + route + `' does not exist","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"Ax1"}}`))
		return
	}
	g.writeFile(w, http.StatusOK, name)
}

func (g *fakeGraph) writeFile(w http.ResponseWriter, status int, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", g.dir, name))
	if err != nil {
		g.t.Errorf("fake graph: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

// paths lists the requested paths (with the after cursor) in order.
func (g *fakeGraph) paths(method string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, r := range g.requests {
		if r.Method != method {
			continue
		}
		p := r.Path
		if a := r.Query.Get("after"); a != "" {
			p += "@" + a
		}
		out = append(out, p)
	}
	return out
}

func (g *fakeGraph) reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = nil
}

func metaTestConfig(g *fakeGraph) Config {
	return Config{Client: g.srv.Client(), Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }}
}

func TestMetaErrorFrom(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "facebook", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("expired token is a reconnect", func(t *testing.T) {
		err := metaErrorFrom(400, http.Header{}, read("error_190_expired.json"), now, false)
		if !errors.Is(err, ErrReconnect) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("got %v", err)
		}
		if IsRetryable(err) {
			t.Error("a revoked token must not be retried")
		}
	})
	t.Run("changed password is a reconnect", func(t *testing.T) {
		err := metaErrorFrom(400, http.Header{}, read("error_190_password.json"), now, false)
		if !errors.Is(err, ErrReconnect) || !strings.Contains(err.Error(), "password changed") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("business use case throttling waits as told", func(t *testing.T) {
		h := http.Header{}
		h.Set("X-Business-Use-Case-Usage", `{"1061234567890":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":20,"estimated_time_to_regain_access":12}]}`)
		err := metaErrorFrom(400, h, read("error_80001.json"), now, false)
		var rl *RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 12*time.Minute {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("app throttling without a time waits the default", func(t *testing.T) {
		h := http.Header{}
		h.Set("X-App-Usage", `{"call_count":100,"total_cputime":25,"total_time":25}`)
		err := metaErrorFrom(403, h, []byte(`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"x"}}`), now, false)
		var rl *RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != metaDefaultWait {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing permission is named", func(t *testing.T) {
		err := metaErrorFrom(403, http.Header{}, read("error_10_permission.json"), now, false)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "the token lacks the pages_read_engagement permission") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a broken body is an HTTP error", func(t *testing.T) {
		err := metaErrorFrom(502, http.Header{}, []byte("<html>Bad Gateway</html>"), now, false)
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != 502 || !IsRetryable(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an invalid parameter on a reply is a refused reply", func(t *testing.T) {
		body := []byte(`{"error":{"message":"(#100) Param message must be non-empty","type":"OAuthException","code":100,"fbtrace_id":"x"}}`)
		if err := metaErrorFrom(400, http.Header{}, body, now, true); !errors.Is(err, ErrRejected) {
			t.Fatalf("got %v", err)
		}
		if err := metaErrorFrom(400, http.Header{}, body, now, false); !errors.Is(err, ErrConfig) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestMetaWatermark(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var w metaWatermark
	if !w.isNew(t0, "a") {
		t.Fatal("an empty watermark lets everything through")
	}
	w.advance(t0, "a")
	w.advance(t0.Add(-time.Hour), "old")
	w.advance(t0, "b")
	back := parseMetaWatermark(w.String())
	if back.isNew(t0, "a") || back.isNew(t0, "b") || !back.isNew(t0, "c") || back.isNew(t0.Add(-time.Second), "z") || !back.isNew(t0.Add(time.Second), "a") {
		t.Fatalf("watermark %+v", back)
	}
	if got := parseMetaWatermark("{broken"); got.T != 0 {
		t.Fatal("an unreadable cursor starts again")
	}
}

func TestMetaTokenSteps(t *testing.T) {
	g := newFakeGraph(t, "facebook", nil)
	g.handle = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth/access_token":
			q := r.URL.Query()
			if q.Get("grant_type") != "fb_exchange_token" || q.Get("client_id") != "app-1" || q.Get("client_secret") != "s3cret" || q.Get("fb_exchange_token") != "short" {
				w.WriteHeader(400)
				w.Write([]byte(`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"x"}}`))
				return true
			}
			w.Write([]byte(`{"access_token":"long-lived","token_type":"bearer","expires_in":5183944}`))
			return true
		case "/me/accounts":
			if r.URL.Query().Get("access_token") != "long-lived" {
				return false
			}
			if r.URL.Query().Get("after") == "" {
				w.Write([]byte(`{"data":[{"access_token":"page-token","category":"Café","category_list":[{"id":"128673187201735","name":"Café"}],"name":"Café Lumière","id":"1061234567890","tasks":["ANALYZE","ADVERTISE","MODERATE","CREATE_CONTENT","MANAGE"],"instagram_business_account":{"id":"17841400000000001"}}],"paging":{"cursors":{"before":"QVFI1","after":"QVFI2"},"next":"` + "http://" + r.Host + `/me/accounts?after=QVFI2"}}`))
			} else {
				w.Write([]byte(`{"data":[{"access_token":"page-token-2","category":"Salon","name":"Salon Élise","id":"1069999999999","tasks":["MODERATE"]}],"paging":{"cursors":{"before":"QVFI2","after":"QVFI2"}}}`))
			}
			return true
		}
		return false
	}
	ctx := context.Background()
	tok, err := MetaExchangeToken(ctx, g.srv.Client(), g.srv.URL, "app-1", "s3cret", "short")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "long-lived" || tok.ExpiresIn != 5183944*time.Second {
		t.Fatalf("token %+v", tok)
	}
	if _, err := MetaExchangeToken(ctx, g.srv.Client(), g.srv.URL, "app-1", "s3cret", "stale"); !errors.Is(err, ErrReconnect) {
		t.Fatalf("a refused exchange: %v", err)
	}
	pages, err := MetaPageAccounts(ctx, g.srv.Client(), g.srv.URL, "long-lived")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || pages[0].AccessToken != "page-token" || pages[0].InstagramUserID != "17841400000000001" || pages[1].Name != "Salon Élise" {
		t.Fatalf("pages %+v", pages)
	}
	if _, err := MetaPageAccounts(ctx, g.srv.Client(), g.srv.URL, "nope"); !errors.Is(err, ErrReconnect) {
		t.Fatalf("a refused user token: %v", err)
	}
}

func TestMetaVerifyChallenge(t *testing.T) {
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"vt-42"}, "hub.challenge": {"1158201444"}}
	got, err := MetaVerifyChallenge(q, "vt-42")
	if err != nil || got != "1158201444" {
		t.Fatalf("got %q, %v", got, err)
	}
	bad := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"vt-43"}, "hub.challenge": {"1"}}
	if _, err := MetaVerifyChallenge(bad, "vt-42"); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong token: %v", err)
	}
	mode := url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"vt-42"}, "hub.challenge": {"1"}}
	if _, err := MetaVerifyChallenge(mode, "vt-42"); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong mode: %v", err)
	}
	if _, err := MetaVerifyChallenge(q, ""); !errors.Is(err, ErrConfig) {
		t.Fatalf("no token configured: %v", err)
	}
}

func TestMetaVerifySignature(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "facebook", "webhook_feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "app-secret-0a1b2c"
	sig := "sha256=" + sign(sha256.New, secret, body)
	if err := MetaVerifySignature(secret, sig, body); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	// The same JSON decoded and encoded again: \u00e9 becomes é, and the
	// signature no longer matches. The route must hand us the raw bytes.
	var v any
	json.Unmarshal(body, &v)
	again, _ := json.Marshal(v)
	if err := MetaVerifySignature(secret, sig, again); !errors.Is(err, ErrAuth) {
		t.Fatalf("re-serialised body accepted: %v", err)
	}
	for _, h := range []string{"", "sha1=" + sign(sha256.New, secret, body), "sha256=zz", "sha256=" + sign(sha256.New, "other", body)} {
		if err := MetaVerifySignature(secret, h, body); !errors.Is(err, ErrAuth) {
			t.Errorf("header %q accepted: %v", h, err)
		}
	}
	if err := MetaVerifySignature("", sig, body); !errors.Is(err, ErrConfig) {
		t.Errorf("no secret: %v", err)
	}
}
