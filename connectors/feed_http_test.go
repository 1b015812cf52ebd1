package connectors

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFeedErrors(t *testing.T) {
	big := bytes.Repeat([]byte("<!-- padding -->"), (DefaultMaxBody/16)+10)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
		check   func(t *testing.T, err error)
	}{
		{
			name: "malformed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(hfFixture(t, "feed/malformed.xml"))
			},
			want: ErrBadFeed,
		},
		{
			name: "web page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write(hfFixture(t, "feed/webpage.html"))
			},
			want: ErrBadFeed,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "web page") {
					t.Errorf("message should say it is a web page: %v", err)
				}
				if !strings.Contains(err.Error(), "/feed/") {
					t.Errorf("message should point at the advertised feed: %v", err)
				}
			},
		},
		{
			name:    "empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			want:    ErrBadFeed,
		},
		{
			name: "JSON that is not a feed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"error": "nope"}`))
			},
			want: ErrBadFeed,
		},
		{
			name: "too large",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
				w.Write(big)
			},
			want: ErrTooLarge,
		},
		{
			name: "401",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "login required", http.StatusUnauthorized)
			},
			want: ErrAuth,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "login required") {
					t.Errorf("the server's words are lost: %v", err)
				}
				if IsRetryable(err) {
					t.Error("401 must not be retried blindly")
				}
			},
		},
		{
			name: "500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream exploded", http.StatusInternalServerError)
			},
			check: func(t *testing.T, err error) {
				var he *HTTPError
				if !errors.As(err, &he) || he.Status != 500 || !IsRetryable(err) {
					t.Errorf("err = %v, want retryable *HTTPError 500", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			b, err := NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL}, Cursor{ETag: `"old"`})
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(b.Mentions) != 0 || b.Cursor != (Cursor{}) {
				t.Errorf("a failed fetch returned data: %+v", b)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestFeedRateLimited(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"429 seconds", 429, "120", 120 * time.Second},
		{"429 http date", 429, hfNow.Add(90 * time.Minute).Format(http.TimeFormat), 90 * time.Minute},
		{"429 without header", 429, "", time.Minute},
		{"503 seconds", 503, "600", 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			b, err := NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL}, Cursor{})
			var rl *RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("err = %v, want *RateLimitedError", err)
			}
			if rl.RetryAfter != tt.want || rl.Status != tt.status {
				t.Errorf("RetryAfter = %v status %d, want %v %d", rl.RetryAfter, rl.Status, tt.want, tt.status)
			}
			if !b.NextCheck.Equal(hfNow.Add(tt.want)) {
				t.Errorf("NextCheck = %v, want now+%v", b.NextCheck, tt.want)
			}
		})
	}
}

// The server answers 304 only when the validators we stored come back; the
// second poll must send them and report ErrNotModified with the cursor.
func TestFeedConditionalGet(t *testing.T) {
	body := hfFixture(t, "feed/google_alerts.xml")
	const etag = `W/"alerts-42"`
	const lastMod = "Mon, 23 Nov 2026 19:42:10 GMT"
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("Cache-Control", "private, max-age=300")
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.Header().Set("Last-Modified", "Mon, 23 Nov 2026 19:50:00 GMT")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write(body)
	}))
	defer srv.Close()
	f := NewFeed(hfConfig(srv.Client()))
	src := Source{URL: srv.URL}

	first, err := f.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Mentions) != 2 || first.Cursor.ETag != etag || first.Cursor.LastModified != lastMod {
		t.Fatalf("first poll: %d mentions, cursor %+v", len(first.Mentions), first.Cursor)
	}
	if !first.NextCheck.Equal(hfNow.Add(5 * time.Minute)) {
		t.Errorf("max-age floor: NextCheck = %v", first.NextCheck)
	}
	if seen[0].Get("If-None-Match") != "" || seen[0].Get("If-Modified-Since") != "" {
		t.Errorf("first poll sent validators: %v", seen[0])
	}

	second, err := f.Fetch(context.Background(), src, first.Cursor)
	if !errors.Is(err, ErrNotModified) {
		t.Fatalf("second poll: err = %v, want ErrNotModified", err)
	}
	if seen[1].Get("If-None-Match") != etag || seen[1].Get("If-Modified-Since") != lastMod {
		t.Errorf("second poll headers: %v", seen[1])
	}
	if len(second.Mentions) != 0 {
		t.Errorf("304 returned mentions")
	}
	// The 304 carried a new Last-Modified: keep it (RFC 9111 §4.3.4).
	if second.Cursor.ETag != etag || second.Cursor.LastModified != "Mon, 23 Nov 2026 19:50:00 GMT" {
		t.Errorf("cursor after 304 = %+v", second.Cursor)
	}
	if !second.NextCheck.Equal(hfNow.Add(5 * time.Minute)) {
		t.Errorf("NextCheck after 304 = %v", second.NextCheck)
	}
}

// Servers that ignore If-None-Match but send the same ETag have nothing
// new (miniflux's rule), and "Expires: 0" disables that shortcut.
func TestFeedUnchangedETagOn200(t *testing.T) {
	body := hfFixture(t, "feed/rss1.rdf")
	expires := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"same"`)
		if expires != "" {
			w.Header().Set("Expires", expires)
		}
		w.Write(body)
	}))
	defer srv.Close()
	f := NewFeed(hfConfig(srv.Client()))
	b, err := f.Fetch(context.Background(), Source{URL: srv.URL}, Cursor{ETag: `"same"`})
	if !errors.Is(err, ErrNotModified) || b.Cursor.ETag != `"same"` {
		t.Fatalf("same ETag on 200: err = %v, cursor %+v", err, b.Cursor)
	}
	b, err = f.Fetch(context.Background(), Source{URL: srv.URL}, Cursor{ETag: `"older"`})
	if err != nil || len(b.Mentions) != 1 || b.Cursor.ETag != `"same"` {
		t.Fatalf("changed ETag: err = %v, %+v", err, b)
	}
	expires = "0"
	b, err = f.Fetch(context.Background(), Source{URL: srv.URL}, Cursor{ETag: `"same"`})
	if err != nil || len(b.Mentions) != 1 || b.Cursor.ETag != "" {
		t.Fatalf("Expires: 0 must bypass and clear validators: err = %v, cursor %+v", err, b.Cursor)
	}
}

func TestFeedCacheFloor(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", http.Header{}, 0},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=600"}}, 10 * time.Minute},
		{"no-cache wins", http.Header{"Cache-Control": {"no-cache, max-age=600"}}, 0},
		{"expires", http.Header{"Expires": {hfNow.Add(30*time.Minute + 10*time.Second).Format(http.TimeFormat)}}, 31 * time.Minute},
		{"expires past", http.Header{"Expires": {hfNow.Add(-time.Hour).Format(http.TimeFormat)}}, 0},
		{"larger wins", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {hfNow.Add(2 * time.Hour).Format(http.TimeFormat)}}, 2*time.Hour + time.Minute},
		{"capped", http.Header{"Cache-Control": {"max-age=31536000"}}, 24 * time.Hour},
		{"garbage", http.Header{"Cache-Control": {"max-age=soon"}, "Expires": {"tomorrow"}}, 0},
	}
	for _, tt := range tests {
		if got := cacheFloor(tt.h, hfNow); got != tt.want {
			t.Errorf("%s: cacheFloor = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFeedTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := srv.Client()
	c.Timeout = 200 * time.Millisecond
	_, err := NewFeed(hfConfig(c)).Fetch(context.Background(), Source{URL: srv.URL + "/feed?token=s3cr3t"}, Cursor{})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if !IsRetryable(err) {
		t.Error("a timeout is retryable")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error leaks the URL's query: %v", err)
	}
}

func TestFeedGzip(t *testing.T) {
	body := hfFixture(t, "feed/google_alerts.xml")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Write(body)
			t.Error("client did not ask for gzip")
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(gz.Bytes())
	}))
	defer srv.Close()
	b, err := NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 2 {
		t.Fatalf("got %d mentions from a gzip body", len(b.Mentions))
	}
}

// The cap applies after decoding: a small gzip bomb is still refused.
func TestFeedGzipBomb(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
	zw.Write(bytes.Repeat([]byte(" "), 8<<20))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	}))
	defer srv.Close()
	_, err := NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL}, Cursor{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge (compressed %d bytes)", err, gz.Len())
	}
}

func TestFeedHubFromLinkHeader(t *testing.T) {
	body := hfFixture(t, "feed/google_alerts.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", `<https://websub.example.net/hub>; rel="hub", <https://feeds.example.net/alerts.atom>; rel="self"`)
		w.Write(body)
	}))
	defer srv.Close()
	b, err := NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Hub != "https://websub.example.net/hub" || b.Topic != "https://feeds.example.net/alerts.atom" {
		t.Errorf("hub/topic = %q %q", b.Hub, b.Topic)
	}
}

func TestParseLinkHeader(t *testing.T) {
	got := parseLinkHeader([]string{
		`<https://a.example/hub?x=1,2>; rel="hub"; title="a, b", <https://a.example/feed>;rel=self`,
		`<https://b.example/>; rel="alternate hub"`,
		`garbage`,
	})
	want := []linkValue{
		{"https://a.example/hub?x=1,2", "hub"},
		{"https://a.example/feed", "self"},
		{"https://b.example/", "alternate hub"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("link %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestFeedBasicAuthAndUserAgent(t *testing.T) {
	body := hfFixture(t, "feed/rss091.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "owner" || p != "hunter2" {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "Mentiondesk/") {
			t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
		}
		if !strings.Contains(r.Header.Get("Accept"), "application/atom+xml") {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		w.Write(body)
	}))
	defer srv.Close()
	f := NewFeed(hfConfig(srv.Client()))
	if _, err := f.Fetch(context.Background(), Source{URL: srv.URL}, Cursor{}); !errors.Is(err, ErrAuth) {
		t.Fatalf("without credentials: %v", err)
	}
	src := Source{URL: srv.URL, Secrets: map[string]string{"username": "owner", "password": "hunter2"}}
	if b, err := f.Fetch(context.Background(), src, Cursor{}); err != nil || len(b.Mentions) != 1 {
		t.Fatalf("with credentials: %v %+v", err, b)
	}
}

func TestFeedConfigErrors(t *testing.T) {
	f := NewFeed(Config{})
	for _, u := range []string{"", "ftp://example.com/feed", "http://%zz"} {
		if _, err := f.Fetch(context.Background(), Source{URL: u}, Cursor{}); !errors.Is(err, ErrConfig) {
			t.Errorf("URL %q: err = %v, want ErrConfig", u, err)
		}
	}
}

// The guard is what production uses: a feed URL on loopback is refused.
func TestFeedThroughGuard(t *testing.T) {
	srv := hfServe(t, "feed/rss091.xml", "text/xml")
	_, err := NewFeed(Config{Client: GuardedClient(false, time.Second)}).Fetch(context.Background(), Source{URL: srv.URL}, Cursor{})
	if !errors.Is(err, ErrBlockedAddress) || IsRetryable(err) {
		t.Fatalf("err = %v, want non-retryable ErrBlockedAddress", err)
	}
}

func TestFeedRelativeHubLinkHeader(t *testing.T) {
	body := hfFixture(t, "feed/rss091.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", `</hub>; rel=hub`)
		w.Write(body)
	}))
	defer srv.Close()
	b, err := NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL + "/feed.xml"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	// No rel=self anywhere: the topic is the URL we fetched.
	if b.Hub != srv.URL+"/hub" || b.Topic != srv.URL+"/feed.xml" {
		t.Errorf("hub/topic = %q %q", b.Hub, b.Topic)
	}
}

// A feed that moved for good (301, 308) reports its new address; one that
// is only temporarily elsewhere (302, 307) does not, nor does a chain that
// mixes both.
func TestFeedPermanentRedirect(t *testing.T) {
	body := hfFixture(t, "feed/google_alerts.xml")
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	redirect := func(to string, code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) }
	}
	mux.HandleFunc("/old", redirect("/older", http.StatusMovedPermanently))
	mux.HandleFunc("/older", redirect("/feed", http.StatusPermanentRedirect))
	mux.HandleFunc("/away", redirect("/feed", http.StatusFound))
	mux.HandleFunc("/mixed", redirect("/away", http.StatusMovedPermanently))
	mux.HandleFunc("/tmp307", redirect("/feed", http.StatusTemporaryRedirect))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := NewFeed(hfConfig(srv.Client()))
	for path, want := range map[string]string{
		"/old": srv.URL + "/feed", "/older": srv.URL + "/feed",
		"/away": "", "/mixed": "", "/tmp307": "", "/feed": "",
	} {
		b, err := f.Fetch(context.Background(), Source{URL: srv.URL + path}, Cursor{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(b.Mentions) != 2 || b.MovedTo != want {
			t.Errorf("%s: %d mentions, moved to %q, want %q", path, len(b.Mentions), b.MovedTo, want)
		}
	}
}
