package main

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

type rssDoc struct {
	Items []struct {
		Title   string `xml:"title"`
		GUID    string `xml:"guid"`
		PubDate string `xml:"pubDate"`
		Desc    string `xml:"description"`
	} `xml:"channel>item"`
}

// The feeds parse as RSS, their GUIDs are unique across feeds, and their
// dates cover the span they claim, newest at the render time.
func TestFeedsParseAndSpanTheirDates(t *testing.T) {
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	span := 30 * 24 * time.Hour
	s := newServer("http://127.0.0.1:1", 20, 50, span, now)
	guids := map[string]bool{}
	oldest, newest := now, time.Time{}
	for n, d := range s.docs {
		var doc rssDoc
		if err := xml.Unmarshal(d.body, &doc); err != nil {
			t.Fatalf("feed %d: %v", n, err)
		}
		if len(doc.Items) != 50 {
			t.Fatalf("feed %d: %d items, want 50", n, len(doc.Items))
		}
		for _, it := range doc.Items {
			if guids[it.GUID] {
				t.Fatalf("GUID %q twice", it.GUID)
			}
			guids[it.GUID] = true
			if it.Title == "" || it.Desc == "" {
				t.Fatalf("feed %d: item %q has an empty title or description", n, it.GUID)
			}
			at, err := time.Parse(time.RFC1123Z, it.PubDate)
			if err != nil {
				t.Fatal(err)
			}
			if at.Before(oldest) {
				oldest = at
			}
			if at.After(newest) {
				newest = at
			}
		}
	}
	if !newest.Equal(now) || now.Sub(oldest) < span*99/100 || now.Sub(oldest) > span {
		t.Fatalf("dates from %s to %s, want the %s before %s", oldest, newest, span, now)
	}
}

// A conditional request with the served ETag or Last-Modified is a 304;
// anything else gets the document.
func TestConditionalRequests(t *testing.T) {
	s := newServer("http://127.0.0.1:1", 2, 3, time.Hour, time.Now().UTC().Truncate(time.Second))
	srv := httptest.NewServer(s.routes())
	defer srv.Close()

	get := func(h map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/feed/1", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	first := get(nil)
	etag, lm := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if first.StatusCode != 200 || etag == "" || lm == "" {
		t.Fatalf("first GET: %d, ETag %q, Last-Modified %q", first.StatusCode, etag, lm)
	}
	for name, h := range map[string]map[string]string{
		"etag":          {"If-None-Match": etag},
		"last-modified": {"If-Modified-Since": lm},
	} {
		if res := get(h); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s: %d, want 304", name, res.StatusCode)
		}
	}
	if res := get(map[string]string{"If-None-Match": `"other"`}); res.StatusCode != 200 {
		t.Errorf("stale ETag: %d, want 200", res.StatusCode)
	}
	if s.stats.Feed200 != 2 || s.stats.Feed304 != 2 || s.stats.FeedBytes != 2*int64(len(s.docs[1].body)) {
		t.Errorf("stats %+v", s.stats)
	}
}
