// Command feedserver serves the first-ingest comparison's feeds on
// loopback: -feeds RSS documents of -items posts each, rendered once at
// start so every reader fetches the same bytes, answered like a real
// server (ETag, Last-Modified, 304 to a conditional request), with each
// feed's site page (Miniflux reads it to look for an icon).
//
//	go run ./bench/miniflux/feedserver -addr 127.0.0.1:18600 -feeds 1000 -items 50
//
// GET /stats says what was served since the last POST /reset, so the
// driver can check that each product fetched every feed once.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18600", "address to listen on (loopback)")
	feeds := flag.Int("feeds", 1000, "number of feeds")
	items := flag.Int("items", 50, "posts per feed")
	days := flag.Int("days", 30, "the posts' dates span this many days")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	s := newServer("http://"+ln.Addr().String(), *feeds, *items, time.Duration(*days)*24*time.Hour, time.Now().UTC().Truncate(time.Second))
	log.Printf("feedserver: %d feeds of %d items (%d bytes) on %s", *feeds, *items, s.size(), ln.Addr())
	log.Fatal(http.Serve(ln, s.routes()))
}

// doc is one rendered feed and its validators.
type doc struct {
	body []byte
	etag string
}

type server struct {
	docs     []doc
	modified time.Time // every document's Last-Modified: when they were rendered

	mu    sync.Mutex
	stats stats
}

// stats is what was served since the last reset.
type stats struct {
	Feed200     int   `json:"feed_200"`
	Feed304     int   `json:"feed_304"`
	FeedBytes   int64 `json:"feed_bytes"`
	Other       int   `json:"other"`
	FirstUnixNs int64 `json:"first_unix_ns"`
	LastUnixNs  int64 `json:"last_unix_ns"`
}

func newServer(base string, feeds, items int, span time.Duration, now time.Time) *server {
	s := &server{docs: make([]doc, feeds), modified: now}
	for n := range feeds {
		body := renderRSS(base, n, genFeed(base, n, feeds, items, now, span), now)
		sum := sha256.Sum256(body)
		s.docs[n] = doc{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return s
}

func (s *server) size() (n int) {
	for _, d := range s.docs {
		n += len(d.body)
	}
	return n
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed/{n}", s.feed)
	mux.HandleFunc("GET /site/{n}/", s.site)
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		st := s.stats
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats = stats{}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count(func(st *stats) { st.Other++ })
		http.NotFound(w, r) // /favicon.ico and the like: no icon here
	})
	return mux
}

// feed answers GET /feed/{n}. http.ServeContent does the conditional
// part as RFC 9110 says (If-None-Match against the ETag first, then
// If-Modified-Since against Last-Modified) and sets Last-Modified.
func (s *server) feed(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(s.docs) {
		s.count(func(st *stats) { st.Other++ })
		http.NotFound(w, r)
		return
	}
	d := s.docs[n]
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", d.etag)
	w.Header().Set("Cache-Control", "max-age=300")
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(rec, r, "", s.modified, bytes.NewReader(d.body))
	s.count(func(st *stats) {
		switch rec.status {
		case http.StatusOK:
			st.Feed200++
			st.FeedBytes += rec.written
		case http.StatusNotModified:
			st.Feed304++
		default:
			st.Other++
		}
	})
}

// site is a feed's home page: a small HTML page with no icon link, as
// many small sites have.
func (s *server) site(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *stats) { st.Other++ })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><html><head><title>Neighbourhood news %s</title></head><body><p>News.</p></body></html>", r.PathValue("n"))
}

func (s *server) count(f func(*stats)) {
	now := time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stats.FirstUnixNs == 0 {
		s.stats.FirstUnixNs = now
	}
	s.stats.LastUnixNs = now
	f(&s.stats)
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written int64
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	n, err := r.ResponseWriter.Write(p)
	r.written += int64(n)
	return n, err
}
