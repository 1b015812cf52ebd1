// Package notifiertest gives tests of notifications a fake notification
// service (every channel at once, one path per target) and real browser
// push subscriptions, for the notifier's own tests and for the wired
// server's.
package notifiertest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Hit is one request the fake service received.
type Hit struct {
	Path   string
	Header http.Header
	Body   string
}

// Targets is one httptest server standing in for every channel: each
// path is a target; the statuses set with Answer answer in turn per path
// (the last repeats), 200 otherwise. A 429 carries Retry-After: 3.
type Targets struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []Hit
	statuses map[string][]int
	seen     map[string]int
}

// NewTargets starts the fake service, closed when t ends.
func NewTargets(t testing.TB) *Targets {
	f := &Targets{statuses: map[string][]int{}, seen: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.hits = append(f.hits, Hit{r.URL.Path, r.Header.Clone(), string(b)})
		st := http.StatusOK
		if s := f.statuses[r.URL.Path]; len(s) > 0 {
			st = s[min(f.seen[r.URL.Path], len(s)-1)]
		}
		f.seen[r.URL.Path]++
		f.mu.Unlock()
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "3")
		}
		w.WriteHeader(st)
	}))
	t.Cleanup(f.Close)
	return f
}

// Answer sets the statuses path answers, in turn.
func (f *Targets) Answer(path string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[path] = statuses
}

// At returns the requests path received, in order.
func (f *Targets) At(path string) []Hit {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Hit
	for _, h := range f.hits {
		if h.Path == path {
			out = append(out, h)
		}
	}
	return out
}

// BrowserSubscription makes a real PushSubscription JSON (P-256 key and
// auth secret) for endpoint, as a browser's PushManager.subscribe gives.
func BrowserSubscription(t testing.TB, endpoint string) map[string]any {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return map[string]any{"endpoint": endpoint, "expirationTime": nil, "keys": map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(auth),
	}}
}
