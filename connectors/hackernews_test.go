package connectors

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fakeAlgolia answers search_by_date from testdata, by page.
type fakeAlgolia struct {
	srv     *httptest.Server
	queries []url.Values
	pages   map[string]string // page number → file
	handler http.HandlerFunc  // overrides pages when set
}

func newFakeAlgolia(t *testing.T, pages map[string]string) *fakeAlgolia {
	f := &fakeAlgolia{pages: pages}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/search_by_date" {
			http.NotFound(w, r)
			return
		}
		f.queries = append(f.queries, r.URL.Query())
		if f.handler != nil {
			f.handler(w, r)
			return
		}
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "0"
		}
		file, ok := f.pages[page]
		if !ok {
			file = "hackernews/empty.json"
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(hfFixture(t, file))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAlgolia) hn() *HackerNews {
	return NewHackerNews(hfConfig(f.srv.Client()))
}

// source is a Hacker News source pointed at the fake, as an owner points
// one at a mirror of the API: the connector must call it, not Algolia.
func (f *fakeAlgolia) source(query string) Source {
	return Source{ID: "hn1", Kind: "hackernews", URL: f.srv.URL + "/api/v1", Query: query}
}

func TestHackerNewsFirstPoll(t *testing.T) {
	fa := newFakeAlgolia(t, map[string]string{"0": "hackernews/search_by_date_page0.json", "1": "hackernews/search_by_date_page1.json"})
	src := fa.source(`"boulangerie martin"`)
	b, err := fa.hn().Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.queries) != 2 {
		t.Fatalf("made %d requests, want 2 (nbPages)", len(fa.queries))
	}
	q := fa.queries[0]
	dayAgo := hfNow.Add(-24 * time.Hour).Unix()
	if q.Get("query") != `"boulangerie martin"` || q.Get("tags") != "(story,comment)" ||
		q.Get("numericFilters") != "created_at_i>1795384800" || q.Get("hitsPerPage") != "100" || q.Has("page") {
		t.Errorf("first request = %v (24 h ago = %d)", q, dayAgo)
	}
	if fa.queries[1].Get("page") != "1" {
		t.Errorf("second request page = %q", fa.queries[1].Get("page"))
	}
	if len(b.Mentions) != 3 {
		t.Fatalf("got %d mentions", len(b.Mentions))
	}
	if b.Cursor.Since != "1795467941" {
		t.Errorf("Cursor.Since = %q, want the newest created_at_i", b.Cursor.Since)
	}

	comment := b.Mentions[0]
	wantComment := Mention{
		ExternalID: "42191877",
		URL:        "https://news.ycombinator.com/item?id=42191877",
		Author:     "tptacek_fan",
		AuthorName: "tptacek_fan",
		AuthorURL:  "https://news.ycombinator.com/user?id=tptacek_fan",
		Title:      "Ask HN: Small businesses that are great at support?",
		Published:  time.Date(2026, 11, 23, 21, 5, 41, 0, time.UTC),
		InReplyTo:  "42191502",
		ThreadID:   "42191234",
	}
	if comment.ExternalID != wantComment.ExternalID || comment.URL != wantComment.URL || comment.Author != wantComment.Author ||
		comment.AuthorURL != wantComment.AuthorURL || comment.Title != wantComment.Title || !comment.Published.Equal(wantComment.Published) ||
		comment.InReplyTo != wantComment.InReplyTo || comment.ThreadID != wantComment.ThreadID || comment.AuthorName != wantComment.AuthorName {
		t.Errorf("comment = %+v\nwant      %+v", comment, wantComment)
	}
	if !strings.HasPrefix(comment.HTML, "I emailed Boulangerie Martin twice") || comment.Text != "" {
		t.Errorf("comment HTML = %q, Text = %q", comment.HTML, comment.Text)
	}
	if len(comment.Raw) == 0 {
		t.Error("Raw hit not kept")
	}

	story := b.Mentions[1]
	if story.ExternalID != "42190999" || story.Title != "Show HN: I reverse-engineered the Boulangerie Martin croissant" ||
		story.HTML != "" || story.InReplyTo != "" || story.ThreadID != "42190999" || story.Meta["link"] != "https://levain.example.dev/croissant" {
		t.Errorf("story = %+v", story)
	}

	ask := b.Mentions[2]
	if ask.ExternalID != "42189000" || !strings.Contains(ask.HTML, "Customers write to us") || ask.Meta != nil {
		t.Errorf("ask HN = %+v", ask)
	}
}

func TestHackerNewsNextPollUsesCursor(t *testing.T) {
	fa := newFakeAlgolia(t, map[string]string{"0": "hackernews/empty.json"})
	cur := Cursor{Since: "1795467941"}
	b, err := fa.hn().Fetch(context.Background(), fa.source("martin"), cur)
	if err != nil {
		t.Fatal(err)
	}
	// Ten minutes of overlap for late indexing; dedupe is by ExternalID.
	if got := fa.queries[0].Get("numericFilters"); got != "created_at_i>1795467341" {
		t.Errorf("numericFilters = %q", got)
	}
	if len(fa.queries) != 1 || len(b.Mentions) != 0 || b.Cursor.Since != "1795467941" {
		t.Errorf("empty poll: %d requests, %+v", len(fa.queries), b)
	}

	// A corrupt cursor falls back to the 24 h window, not to all of history.
	fa.queries = nil
	if _, err := fa.hn().Fetch(context.Background(), fa.source("martin"), Cursor{Since: "garbage"}); err != nil {
		t.Fatal(err)
	}
	if got := fa.queries[0].Get("numericFilters"); got != "created_at_i>1795384800" {
		t.Errorf("corrupt cursor: numericFilters = %q", got)
	}
}

func TestHackerNewsPageCap(t *testing.T) {
	fa := newFakeAlgolia(t, nil)
	page0 := hfFixture(t, "hackernews/search_by_date_page0.json")
	fa.handler = func(w http.ResponseWriter, r *http.Request) {
		// Claims 50 pages, always returns the same hits.
		w.Write([]byte(strings.Replace(string(page0), `"nbPages":2`, `"nbPages":50`, 1)))
	}
	b, err := fa.hn().Fetch(context.Background(), fa.source("martin"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.queries) != 10 {
		t.Errorf("made %d requests, want the 10-page cap", len(fa.queries))
	}
	if len(b.Mentions) != 2 {
		t.Errorf("got %d mentions, want the 2 distinct hits", len(b.Mentions))
	}
}

func TestHackerNewsErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(t *testing.T, b Batch, err error)
	}{
		{
			name: "429",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			check: func(t *testing.T, b Batch, err error) {
				var rl *RateLimitedError
				if !errors.As(err, &rl) || rl.RetryAfter != time.Hour {
					t.Fatalf("err = %v", err)
				}
				if !b.NextCheck.Equal(hfNow.Add(time.Hour)) {
					t.Errorf("NextCheck = %v", b.NextCheck)
				}
			},
		},
		{
			name: "400 with Algolia's message",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				w.Write(hfFixture(t, "hackernews/bad_request.json"))
			},
			check: func(t *testing.T, b Batch, err error) {
				var he *HTTPError
				if !errors.As(err, &he) || he.Status != 400 || !strings.Contains(he.Body, "Invalid syntax for numeric condition") {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name: "truncated JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(hfFixture(t, "hackernews/search_by_date_page0.json")[:300])
			},
			check: func(t *testing.T, b Batch, err error) {
				if !errors.Is(err, ErrBadFeed) {
					t.Fatalf("err = %v, want ErrBadFeed", err)
				}
			},
		},
		{
			name: "odd hits are skipped, not fatal",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"hits":[{"objectID":"abc"},{"objectID":12},{"objectID":"42","created_at_i":1795467000,"author":"pg","comment_text":"ok","parent_id":null,"story_id":null}],"nbPages":1,"page":0}`))
			},
			check: func(t *testing.T, b Batch, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Mentions) != 1 || b.Mentions[0].ExternalID != "42" || b.Mentions[0].InReplyTo != "" || b.Cursor.Since != "1795467000" {
					t.Errorf("batch = %+v", b)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeAlgolia(t, nil)
			fa.handler = tt.handler
			b, err := fa.hn().Fetch(context.Background(), fa.source("martin"), Cursor{})
			tt.check(t, b, err)
		})
	}
	if _, err := NewHackerNews(Config{}).Fetch(context.Background(), Source{Query: "  "}, Cursor{}); !errors.Is(err, ErrConfig) {
		t.Errorf("empty query: %v", err)
	}
}
