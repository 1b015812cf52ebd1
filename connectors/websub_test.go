package connectors

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fakeHub records one subscription request and answers like a hub.
func fakeHub(t *testing.T, status int, body string) (*httptest.Server, *url.Values) {
	t.Helper()
	got := &url.Values{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("hub got %s", r.Method)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			t.Errorf("Content-Type = %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		*got = r.PostForm
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestSubscribe(t *testing.T) {
	srv, got := fakeHub(t, http.StatusAccepted, "")
	cfg := hfConfig(srv.Client())
	err := Subscribe(context.Background(), cfg, srv.URL+"/hub", "https://blog.example.org/feed/",
		"https://desk.example.com/api/md/websub/src123", "s3cret", DefaultWebSubLease, WebSubSubscribe)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"hub.mode":          "subscribe",
		"hub.topic":         "https://blog.example.org/feed/",
		"hub.callback":      "https://desk.example.com/api/md/websub/src123",
		"hub.secret":        "s3cret",
		"hub.lease_seconds": "864000",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}

	// Unsubscribe carries neither secret nor lease; 204 is accepted too.
	srv2, got2 := fakeHub(t, http.StatusNoContent, "")
	err = Subscribe(context.Background(), hfConfig(srv2.Client()), srv2.URL, "https://blog.example.org/feed/",
		"https://desk.example.com/cb", "s3cret", time.Hour, WebSubUnsubscribe)
	if err != nil {
		t.Fatal(err)
	}
	if got2.Get("hub.mode") != "unsubscribe" || got2.Has("hub.secret") || got2.Has("hub.lease_seconds") {
		t.Errorf("unsubscribe form = %v", *got2)
	}
}

func TestSubscribeErrors(t *testing.T) {
	srv, _ := fakeHub(t, http.StatusBadRequest, "hub.topic is not a valid feed URL")
	cfg := hfConfig(srv.Client())
	err := Subscribe(context.Background(), cfg, srv.URL, "https://blog.example.org/feed/", "https://desk.example.com/cb", "", 0, WebSubSubscribe)
	if err == nil || !strings.Contains(err.Error(), "hub.topic is not a valid feed URL") {
		t.Fatalf("err = %v, want the hub's text", err)
	}
	// 200 is not in the spec's vocabulary: the hub did something else.
	srv200, _ := fakeHub(t, http.StatusOK, "ok")
	if err := Subscribe(context.Background(), hfConfig(srv200.Client()), srv200.URL, "https://t.example/", "https://cb.example/", "", 0, WebSubSubscribe); err == nil {
		t.Error("200 accepted as a subscription")
	}

	tests := []struct {
		name                         string
		hub, topic, callback, secret string
		mode                         string
	}{
		{"bad mode", "https://hub.example/", "https://t.example/", "https://cb.example/", "", "follow"},
		{"hub not http", "ftp://hub.example/", "https://t.example/", "https://cb.example/", "", WebSubSubscribe},
		{"no topic", "https://hub.example/", "", "https://cb.example/", "", WebSubSubscribe},
		{"relative callback", "https://hub.example/", "https://t.example/", "/api/md/websub/x", "", WebSubSubscribe},
		{"secret over http", "http://hub.example/", "https://t.example/", "https://cb.example/", "s3cret", WebSubSubscribe},
		{"secret too long", "https://hub.example/", "https://t.example/", "https://cb.example/", strings.Repeat("x", 200), WebSubSubscribe},
	}
	for _, tt := range tests {
		err := Subscribe(context.Background(), Config{}, tt.hub, tt.topic, tt.callback, tt.secret, 0, tt.mode)
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", tt.name, err)
		}
	}
}

func sign(h func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	body := hfFixture(t, "feed/rss2_hub.xml")
	const secret = "s3cret"
	good := []string{
		"sha1=" + sign(sha1.New, secret, body),
		"sha256=" + sign(sha256.New, secret, body),
		"sha384=" + sign(sha512.New384, secret, body),
		"sha512=" + sign(sha512.New, secret, body),
		"SHA256=" + strings.ToUpper(sign(sha256.New, secret, body)),
	}
	for _, h := range good {
		if !VerifySignature(secret, h, body) {
			t.Errorf("good signature refused: %s", h[:12])
		}
	}
	tampered := append([]byte(nil), body...)
	tampered[100] ^= 1
	bad := []struct {
		name, secret, header string
		body                 []byte
	}{
		{"tampered body", secret, good[1], tampered},
		{"wrong secret", "other", good[1], body},
		{"empty secret", "", "sha256=" + sign(sha256.New, "", body), body},
		{"no header", secret, "", body},
		{"md5", secret, "md5=" + sign(sha256.New, secret, body), body},
		{"not hex", secret, "sha256=zz", body},
		{"no method", secret, sign(sha256.New, secret, body), body},
		{"truncated", secret, good[1][:40], body},
	}
	for _, tt := range bad {
		if VerifySignature(tt.secret, tt.header, tt.body) {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestReadWebSubIntent(t *testing.T) {
	const topic = "https://blog.example.org/feed/"
	q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"abc123"}, "hub.lease_seconds": {"432000"}}
	in, err := ReadWebSubIntent(q, topic)
	if err != nil || in.Challenge != "abc123" || in.Lease != 5*24*time.Hour {
		t.Fatalf("intent = %+v, %v", in, err)
	}
	denied := url.Values{"hub.mode": {"denied"}, "hub.topic": {topic}, "hub.reason": {"topic not found"}}
	if in, err := ReadWebSubIntent(denied, topic); err != nil || in.Reason != "topic not found" {
		t.Errorf("denied = %+v, %v", in, err)
	}
	for name, q := range map[string]url.Values{
		"other topic":  {"hub.mode": {"subscribe"}, "hub.topic": {"https://evil.example/"}, "hub.challenge": {"x"}, "hub.lease_seconds": {"1"}},
		"no challenge": {"hub.mode": {"unsubscribe"}, "hub.topic": {topic}},
		"no lease":     {"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}},
		"bad mode":     {"hub.mode": {"publish"}, "hub.topic": {topic}, "hub.challenge": {"x"}},
	} {
		if _, err := ReadWebSubIntent(q, topic); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
