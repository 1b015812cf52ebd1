package connectors

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hfNow is the pinned clock of the connector tests.
var hfNow = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

func hfConfig(c *http.Client) Config {
	return Config{Client: c, Now: func() time.Time { return hfNow }}
}

func hfFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hfServe answers every request with a testdata file.
func hfServe(t testing.TB, name, contentType string) *httptest.Server {
	body := hfFixture(t, name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hfFetch(t *testing.T, name, contentType string) (Batch, error) {
	t.Helper()
	srv := hfServe(t, name, contentType)
	return NewFeed(hfConfig(srv.Client())).Fetch(context.Background(), Source{URL: srv.URL + "/feed"}, Cursor{})
}

func TestFeedGoogleAlerts(t *testing.T) {
	b, err := hfFetch(t, "feed/google_alerts.xml", "application/atom+xml; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 2 {
		t.Fatalf("got %d mentions, want 2", len(b.Mentions))
	}
	m := b.Mentions[0]
	want := Mention{
		ExternalID: "tag:google.com,2013:googlealerts/feed:12501224780620368192",
		URL:        "https://www.leprogres.fr/economie/2026/11/23/boulangerie-martin-file-attente",
		Title:      "Boulangerie Martin : la file d'attente s'allonge rue Mercière",
		Published:  time.Date(2026, 11, 23, 19, 42, 10, 0, time.UTC),
	}
	if m.ExternalID != want.ExternalID || m.URL != want.URL || m.Title != want.Title || !m.Published.Equal(want.Published) {
		t.Errorf("mention = %+v\nwant %+v", m, want)
	}
	if !strings.Contains(m.HTML, "<b>Boulangerie Martin</b>") || !strings.Contains(m.HTML, "jamais reçu") {
		t.Errorf("HTML lost its content: %q", m.HTML)
	}
	if m.Text != "" {
		t.Errorf("Text = %q, want empty when only HTML is given", m.Text)
	}
	if m.Author != "" || m.AuthorName != "" {
		t.Errorf("empty <author><name/> gave author %q/%q", m.Author, m.AuthorName)
	}
	if got := b.Mentions[1].URL; got != "https://www.lyoncapitale.fr/gastronomie/meilleures-viennoiseries-lyon/" {
		t.Errorf("second URL = %q", got)
	}
	if b.Hub != "" {
		t.Errorf("Google Alerts advertises no hub, got %q", b.Hub)
	}
	if m.Meta["feed_title"] != `Google Alert - "Boulangerie Martin"` {
		t.Errorf("feed_title = %q", m.Meta["feed_title"])
	}
}

func TestFeedRSS2WithHub(t *testing.T) {
	b, err := hfFetch(t, "feed/rss2_hub.xml", "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	if b.Hub != "https://pubsubhubbub.appspot.com/" || b.Topic != "https://blog.example.org/feed/" {
		t.Errorf("hub/topic = %q %q", b.Hub, b.Topic)
	}
	if want := hfNow.Add(90 * time.Minute); !b.NextCheck.Equal(want) {
		t.Errorf("NextCheck from <ttl> = %v, want %v", b.NextCheck, want)
	}
	if len(b.Mentions) != 4 {
		t.Fatalf("got %d mentions, want 4", len(b.Mentions))
	}
	m := b.Mentions[0]
	if m.ExternalID != "https://blog.example.org/?p=4812" {
		t.Errorf("ExternalID = %q, want the guid", m.ExternalID)
	}
	if m.Author != "Claire Dupont" || m.AuthorName != "Claire Dupont" {
		t.Errorf("author = %q / %q", m.Author, m.AuthorName)
	}
	if !strings.Contains(m.HTML, "<strong>personne ne répond</strong>") {
		t.Errorf("HTML should be content:encoded, got %q", m.HTML)
	}
	if m.Lang != "fr" {
		t.Errorf("Lang = %q, want fr", m.Lang)
	}

	rel := b.Mentions[1]
	if rel.URL != "https://blog.example.org/2026/11/20/relatif/" {
		t.Errorf("relative link should resolve against the site link: %q", rel.URL)
	}
	if rel.ExternalID != rel.URL {
		t.Errorf("without guid ExternalID should be the link: %q vs %q", rel.ExternalID, rel.URL)
	}
	if rel.Author != "claire@example.org" || rel.AuthorName != "Claire Dupont" {
		t.Errorf("RSS author email (name) = %q / %q", rel.Author, rel.AuthorName)
	}
	if rel.HTML != "Texte simple & court." {
		t.Errorf("description = %q", rel.HTML)
	}
	if !rel.Published.Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)) || rel.Published.Location() != time.UTC {
		t.Errorf("Published = %v, want 08:00 UTC", rel.Published)
	}

	future := b.Mentions[2]
	if !future.Published.Equal(hfNow) {
		t.Errorf("future date not clamped: %v", future.Published)
	}
	if future.URL != "" {
		t.Errorf("javascript: link kept: %q", future.URL)
	}
	if !strings.HasPrefix(future.ExternalID, "sha256:") {
		t.Errorf("item without guid or usable link: ExternalID = %q, want a hash", future.ExternalID)
	}

	hashed := b.Mentions[3]
	if !strings.HasPrefix(hashed.ExternalID, "sha256:") || hashed.ExternalID == future.ExternalID {
		t.Errorf("hash ids = %q, %q", hashed.ExternalID, future.ExternalID)
	}
	// Stable across polls.
	again, err := hfFetch(t, "feed/rss2_hub.xml", "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	if again.Mentions[3].ExternalID != hashed.ExternalID {
		t.Errorf("hash id not stable")
	}
}

func TestFeedFormats(t *testing.T) {
	tests := []struct {
		file, ct  string
		count     int
		id, title string
		url       string
		author    string
		published time.Time
		html      string
		text      string
	}{
		{
			file: "feed/rss1.rdf", ct: "application/rdf+xml", count: 1,
			id: "https://news.example.net/a/1001", title: "Bakery wins regional prize",
			url: "https://news.example.net/a/1001", author: "Sam Reporter",
			published: time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC),
			html:      "The Boulangerie Martin took first place.",
		},
		{
			file: "feed/rss091.xml", ct: "text/xml", count: 1,
			id: "http://crier.example.com/2026/bread.html", title: "Fresh bread at Martin's",
			url:  "http://crier.example.com/2026/bread.html",
			html: "Martin's bakery opened a second shop.",
		},
		{
			file: "feed/jsonfeed.json", ct: "application/feed+json", count: 2,
			id: "2026-11-23-martin", title: "Still waiting for my order",
			url: "https://watch.example.com/posts/martin", author: "Pat",
			published: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
			text:      "Ordered a cake from Boulangerie Martin 3 weeks ago, still waiting <sigh>.",
		},
		{
			file: "feed/latin1.xml", ct: "application/rss+xml", count: 1,
			id: "https://gazette.example.fr/2026/11/martin", title: "Crème brûlée et café : la Boulangerie Martin s'agrandit",
			url:       "https://gazette.example.fr/2026/11/martin",
			published: time.Date(2026, 11, 22, 9, 15, 0, 0, time.UTC),
			html:      "Déjà très appréciée à Lyon, l'enseigne ouvre une pâtisserie.",
		},
		{
			// No encoding in the prolog: the header's charset decides.
			file: "feed/cp1252_header_charset.xml", ct: "text/xml; charset=windows-1252", count: 1,
			id: "https://cafe.example.fr/2026/11/avis", title: "“Jamais reçu” – un client mécontent",
			url:       "https://cafe.example.fr/2026/11/avis",
			published: time.Date(2026, 11, 21, 9, 15, 0, 0, time.UTC),
			html:      "Avis déposé à 8€ près.",
		},
		{
			// Declares ISO-8859-1 but sends UTF-8: the bytes win.
			file: "feed/utf8_declared_latin1.xml", ct: "application/xml; charset=iso-8859-1", count: 1,
			id: "https://gazette.example.fr/2026/11/martin", title: "Crème brûlée et café : la Boulangerie Martin s'agrandit",
			url:       "https://gazette.example.fr/2026/11/martin",
			published: time.Date(2026, 11, 22, 9, 15, 0, 0, time.UTC),
			html:      "Déjà très appréciée à Lyon, l'enseigne ouvre une pâtisserie.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := hfFetch(t, tt.file, tt.ct)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Mentions) != tt.count {
				t.Fatalf("got %d mentions, want %d", len(b.Mentions), tt.count)
			}
			m := b.Mentions[0]
			if m.ExternalID != tt.id || m.Title != tt.title || m.URL != tt.url || m.Author != tt.author ||
				!m.Published.Equal(tt.published) || m.HTML != tt.html || m.Text != tt.text {
				t.Errorf("got  %+v\nwant id=%q title=%q url=%q author=%q published=%v html=%q text=%q",
					m, tt.id, tt.title, tt.url, tt.author, tt.published, tt.html, tt.text)
			}
		})
	}
}

func TestFeedJSONFeedExtras(t *testing.T) {
	b, err := hfFetch(t, "feed/jsonfeed.json", "application/feed+json")
	if err != nil {
		t.Fatal(err)
	}
	if b.Hub != "https://hub.example.com/" || b.Topic != "https://watch.example.com/feed.json" {
		t.Errorf("hub/topic = %q %q", b.Hub, b.Topic)
	}
	if b.Mentions[0].AuthorURL != "https://watch.example.com/pat" {
		t.Errorf("AuthorURL = %q", b.Mentions[0].AuthorURL)
	}
	second := b.Mentions[1]
	if second.ExternalID != "42" || second.HTML != "<p>Best <em>croissant</em> in town.</p>" || second.Text != "" {
		t.Errorf("second = %+v", second)
	}
	if !second.Published.Equal(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("date_modified fallback: %v", second.Published)
	}
}

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

func TestUnwrapGoogleURL(t *testing.T) {
	tests := map[string]string{
		"https://www.google.com/url?rct=j&sa=t&url=https://example.com/a%3Fb%3D1&ct=ga": "https://example.com/a?b=1",
		"https://www.google.fr/url?q=https://example.fr/x&sa=U":                         "https://example.fr/x",
		"https://www.google.co.uk/url?url=http://example.co.uk/":                        "http://example.co.uk/",
		"https://www.google.com/url?url=javascript:alert(1)":                            "https://www.google.com/url?url=javascript:alert(1)",
		"https://evil.example/url?url=https://example.com/":                             "https://evil.example/url?url=https://example.com/",
		"https://www.google.com/search?q=x":                                             "https://www.google.com/search?q=x",
		"https://example.com/plain":                                                     "https://example.com/plain",
	}
	for in, want := range tests {
		if got := unwrapGoogleURL(in); got != want {
			t.Errorf("unwrapGoogleURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := map[string]string{
		"<b>Boulangerie</b> Martin":             "Boulangerie Martin",
		"Fish &amp; chips":                      "Fish & chips",
		"a < b and c > d":                       "a < b and c > d",
		"x<script>alert(1)</script>y":           "xy",
		"  lots\n of   space ":                  "lots of space",
		"<p>one</p><p>two</p>":                  "one two",
		"l&#39;attente":                         "l'attente",
		"plain title with no markup whatsoever": "plain title with no markup whatsoever",
	}
	for in, want := range tests {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToUTF8(t *testing.T) {
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><t>caf\xe9</t></rss>")
	got := toUTF8(latin1, "")
	if string(got) != `<?xml version="1.0"?><rss><t>café</t></rss>` {
		t.Errorf("latin1: %q", got)
	}
	// UTF-16 with a BOM.
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range `<?xml version="1.0" encoding="UTF-16"?><a>é</a>` {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	if got := string(toUTF8(utf16, "")); got != `<?xml version="1.0"?><a>é</a>` {
		t.Errorf("utf-16: %q", got)
	}
	// Undeclared, no header: windows-1252 guess.
	if got := string(toUTF8([]byte("<a>\x93ok\x94 \x80</a>"), "")); got != "<a>“ok” €</a>" {
		t.Errorf("cp1252 guess: %q", got)
	}
	// Unknown label: still decoded rather than dropped.
	if got := string(toUTF8([]byte("<?xml version=\"1.0\" encoding=\"x-klingon\"?><a>\xe9</a>"), "")); got != `<?xml version="1.0"?><a>é</a>` {
		t.Errorf("unknown label: %q", got)
	}
	// UTF-8 BOM is removed, content kept.
	if got := string(toUTF8([]byte("\xEF\xBB\xBF<a>é</a>"), "")); got != "<a>é</a>" {
		t.Errorf("utf-8 bom: %q", got)
	}
	// One invalid byte in a UTF-8 feed, declared or not, by header or
	// not: that byte is replaced, every accent is kept.
	for _, c := range []struct{ body, ct string }{
		{"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>crème brûlée \xff chez Hélène</a>", ""},
		{"<?xml version=\"1.0\"?><a>crème brûlée \xff chez Hélène</a>", "application/rss+xml; charset=utf-8"},
		{"<?xml version=\"1.0\"?><a>crème brûlée \xff chez Hélène</a>", ""},
	} {
		if got := string(toUTF8([]byte(c.body), c.ct)); got != "<?xml version=\"1.0\"?><a>crème brûlée \uFFFD chez Hélène</a>" {
			t.Errorf("utf-8 with a bad byte (%q): %q", c.ct, got)
		}
	}
	// Declared UTF-8 but written in Latin-1: no valid sequence at all.
	if got := string(toUTF8([]byte("<?xml version=\"1.0\" encoding=\"utf-8\"?><a>caf\xe9</a>"), "")); got != `<?xml version="1.0"?><a>café</a>` {
		t.Errorf("latin-1 declared utf-8: %q", got)
	}
}

func TestFeedParseBody(t *testing.T) {
	f := NewFeed(hfConfig(nil))
	ms, err := f.ParseBody(hfFixture(t, "feed/rss2_hub.xml"), "application/rss+xml", "https://blog.example.org/feed/")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 || ms[1].URL != "https://blog.example.org/2026/11/20/relatif/" {
		t.Fatalf("ParseBody: %d mentions, relative link %q", len(ms), ms[1].URL)
	}
	if _, err := f.ParseBody([]byte("not xml"), "text/plain", ""); !errors.Is(err, ErrBadFeed) {
		t.Errorf("garbage: %v", err)
	}
	small := NewFeed(Config{MaxBody: 100})
	if _, err := small.ParseBody(bytes.Repeat([]byte("x"), 101), "", ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large push: %v", err)
	}
}

func BenchmarkFeedParse(b *testing.B) {
	cases := map[string][]byte{}
	for _, name := range []string{"feed/google_alerts.xml", "feed/rss2_hub.xml", "feed/latin1.xml", "reddit/search.rss"} {
		cases[filepath.Base(name)] = hfFixture(b, name)
	}
	// A busy alert: the two real-shape entries repeated to 200, ids made
	// unique so dedupe keeps them all.
	ga := string(cases["google_alerts.xml"])
	head, rest, _ := strings.Cut(ga, "<entry>")
	entries := "<entry>" + strings.TrimSuffix(rest, "</feed>\n")
	var big strings.Builder
	big.WriteString(head)
	for i := range 100 {
		big.WriteString(strings.ReplaceAll(entries, "googlealerts/feed:", fmt.Sprintf("googlealerts/feed:%d", i)))
	}
	big.WriteString("</feed>")
	cases["google_alerts_x100"] = []byte(big.String())
	if p, err := parseFeed(cases["google_alerts_x100"], "", "https://www.google.com/", hfNow); err != nil || len(p.mentions) != 200 {
		b.Fatalf("synthetic feed: %v, %d mentions", err, len(p.mentions))
	}
	for _, name := range []string{"google_alerts.xml", "google_alerts_x100", "rss2_hub.xml", "latin1.xml", "search.rss"} {
		body := cases[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseFeed(body, "application/xml", "https://example.com/", hfNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestFeedDuplicateGUIDs(t *testing.T) {
	body := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>same</guid><title>first</title></item>
<item><guid>same</guid><title>second</title></item>
<item><guid>other</guid><title>third</title></item></channel></rss>`)
	ms, err := NewFeed(hfConfig(nil)).ParseBody(body, "application/rss+xml", "https://example.com/feed")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Title != "first" || ms[1].Title != "third" {
		t.Errorf("got %+v", ms)
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
