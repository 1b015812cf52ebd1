package connectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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
