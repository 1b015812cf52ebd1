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
// (the last repeats), 200 otherwise. A 429 carries Retry-After: 3. A path
// can be made to hang (Block), and the most requests a path had under way
// at once is kept (MaxInFlight).
type Targets struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []Hit
	statuses map[string][]int
	seen     map[string]int
	inFlight map[string]int
	most     map[string]int
	gates    map[string]chan struct{}
}

// NewTargets starts the fake service, closed when t ends.
func NewTargets(t testing.TB) *Targets {
	f := &Targets{statuses: map[string][]int{}, seen: map[string]int{}, inFlight: map[string]int{}, most: map[string]int{}, gates: map[string]chan struct{}{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p := r.URL.Path
		f.mu.Lock()
		f.hits = append(f.hits, Hit{p, r.Header.Clone(), string(b)})
		f.inFlight[p]++
		f.most[p] = max(f.most[p], f.inFlight[p])
		gate := f.gates[p]
		f.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
			}
		}
		// The status is chosen once the request may go on: a test can
		// change the answer of requests it holds.
		f.mu.Lock()
		st := http.StatusOK
		if s := f.statuses[p]; len(s) > 0 {
			st = s[min(f.seen[p], len(s)-1)]
		}
		f.seen[p]++
		f.inFlight[p]--
		f.mu.Unlock()
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "3")
		}
		w.WriteHeader(st)
	}))
	t.Cleanup(f.Close)
	// Cleanups run last first: held requests are let go before Close
	// waits for them.
	t.Cleanup(f.releaseAll)
	return f
}

// Block makes the requests to path hang, received (At counts them) but
// not answered, until release is called: a service that does not answer.
// Everything held is released when the test ends.
func (f *Targets) Block(path string) (release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.gates[path] = gate
	f.mu.Unlock()
	return func() {
		// Whoever takes the gate out of the map closes it: release may
		// be called twice, or after the test's end released everything.
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.gates[path] == gate {
			delete(f.gates, path)
			close(gate)
		}
	}
}

func (f *Targets) releaseAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, g := range f.gates {
		close(g)
		delete(f.gates, p)
	}
}

// MaxInFlight returns the most requests path had under way at once.
func (f *Targets) MaxInFlight(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.most[path]
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
