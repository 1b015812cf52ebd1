// Package fakemastodon is a Mastodon server for tests of the outbox: the
// statuses API as Mastodon documents it (docs.joinmastodon.org,
// methods/statuses, "Post a new status"), its Idempotency-Key included —
// a repeated key returns the first status and creates none — and the
// failures a real instance gives (an HTTP error with Retry-After, a
// refused token, a request that never answers). It answers with the
// connectors' recorded fixtures (connectors/testdata/mastodon), so the
// connector under it parses what a real instance sends.
package fakemastodon

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Server is one fake instance. Set Fail, RetryAfter or Hang before the
// request they should change; read the counters once the requests are
// done.
type Server struct {
	*httptest.Server
	t testing.TB

	mu    sync.Mutex
	byKey map[string][]byte

	// Created counts the statuses posted: a repeated Idempotency-Key
	// adds none.
	Created int
	// Requests and Forms are the calls to /api/v1/statuses, in order.
	Requests []*http.Request
	Forms    []url.Values
	// Fail is the HTTP status to answer instead (0: succeed); a 401
	// carries Mastodon's error body.
	Fail int
	// RetryAfter is the Retry-After header sent with Fail.
	RetryAfter string
	// Hang keeps the request open until the client gives up.
	Hang bool
}

// New starts a fake instance, closed when the test ends.
func New(t testing.TB) *Server {
	f := &Server{t: t, byKey: map[string][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/api/v2/instance":
		_, _ = w.Write(Fixture(f.t, "instance_v2.json"))
		return
	case "/api/v1/statuses":
	default:
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	f.Requests = append(f.Requests, r)
	f.Forms = append(f.Forms, r.PostForm)
	if f.Hang {
		f.mu.Unlock()
		<-r.Context().Done()
		f.mu.Lock()
		return
	}
	if f.Fail != 0 {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.WriteHeader(f.Fail)
		if f.Fail == http.StatusUnauthorized {
			_, _ = w.Write(Fixture(f.t, "error_401.json"))
		}
		return
	}
	// Idempotency-Key: "Provide this header with any arbitrary string to
	// prevent duplicate submissions of the same status" (kept an hour by
	// Mastodon; a test lasts less).
	key := r.Header.Get("Idempotency-Key")
	if body, ok := f.byKey[key]; ok && key != "" {
		_, _ = w.Write(body)
		return
	}
	f.Created++
	body := Fixture(f.t, "status_created.json")
	f.byKey[key] = body
	_, _ = w.Write(body)
}

// Fixture reads one of the connectors' recorded Mastodon responses,
// wherever the test using it runs from.
func Fixture(t testing.TB, name string) []byte {
	_, self, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "..", "connectors", "testdata", "mastodon", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
