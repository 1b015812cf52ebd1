package connectors

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeReddit serves testdata/reddit files by path and records requests.
type fakeReddit struct {
	srv      *httptest.Server
	requests []*http.Request
	status   int
	header   http.Header
	file     string
}

func newFakeReddit(t *testing.T, file string) *fakeReddit {
	f := &fakeReddit{file: file, status: http.StatusOK, header: http.Header{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests = append(f.requests, r.Clone(context.Background()))
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=UTF-8")
		w.WriteHeader(f.status)
		if f.file != "" {
			w.Write(hfFixture(t, f.file))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeReddit) reddit() *Reddit {
	r := NewReddit(hfConfig(f.srv.Client()))
	r.BaseURL = f.srv.URL
	return r
}

func TestRedditSearch(t *testing.T) {
	fr := newFakeReddit(t, "reddit/search.rss")
	src := Source{ID: "s1", Kind: "reddit", Query: `"boulangerie martin"`, Options: map[string]string{"reddit_user": "martin_owner"}}
	b, err := fr.reddit().Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	req := fr.requests[0]
	if req.URL.Path != "/search.rss" || req.URL.Query().Get("q") != `"boulangerie martin"` || req.URL.Query().Get("sort") != "new" {
		t.Errorf("request = %s", req.URL)
	}
	if ua := req.Header.Get("User-Agent"); ua != "server:mentiondesk:1.0 (by /u/martin_owner)" {
		t.Errorf("User-Agent = %q", ua)
	}
	if len(b.Mentions) != 2 {
		t.Fatalf("got %d mentions", len(b.Mentions))
	}
	m := b.Mentions[0]
	want := Mention{
		ExternalID: "t3_1p4xk2q",
		URL:        "https://www.reddit.com/r/Lyon/comments/1p4xk2q/commande_jamais_recue_boulangerie_martin/",
		Author:     "lyonnais_affame",
		AuthorName: "lyonnais_affame",
		AuthorURL:  "https://www.reddit.com/user/lyonnais_affame",
		Title:      "Commande jamais reçue - Boulangerie Martin",
		Published:  time.Date(2026, 11, 23, 21, 12, 45, 0, time.UTC),
	}
	if m.ExternalID != want.ExternalID || m.URL != want.URL || m.Author != want.Author || m.AuthorName != want.AuthorName ||
		m.AuthorURL != want.AuthorURL || m.Title != want.Title || !m.Published.Equal(want.Published) {
		t.Errorf("mention = %+v\nwant      %+v", m, want)
	}
	if m.ThreadID != "" {
		t.Errorf("a post has no thread parent, got %q", m.ThreadID)
	}
	if m.Meta["subreddit"] != "Lyon" {
		t.Errorf("subreddit = %q", m.Meta["subreddit"])
	}
	if want := `<div class="md"><p>J&#39;ai commandé une bûche chez Boulangerie Martin il y a 10 jours, toujours rien. Quelqu&#39;un a réussi à les joindre ?</p> </div>`; m.HTML != want {
		t.Errorf("HTML = %q\nwant %q", m.HTML, want)
	}
	if link := b.Mentions[1].HTML; !strings.Contains(link, "submitted by") || !strings.Contains(link, "preview.redd.it") {
		t.Errorf("link post HTML should be kept whole: %q", link)
	}
	if b.Mentions[1].ExternalID != "t3_1p3zz9a" || b.Mentions[1].Meta["subreddit"] != "Breadit" {
		t.Errorf("second = %+v", b.Mentions[1])
	}
	if b.Hub != "" || b.Topic != "" {
		t.Errorf("hub = %q %q", b.Hub, b.Topic)
	}
}

func TestRedditComments(t *testing.T) {
	fr := newFakeReddit(t, "reddit/comments.rss")
	b, err := fr.reddit().Fetch(context.Background(), Source{URL: fr.srv.URL + "/r/Lyon/comments/.rss"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	m := b.Mentions[0]
	if m.ExternalID != "t1_nq8w3e1" || m.ThreadID != "t3_1p4xk2q" || m.Author != "voisine_croix_rousse" {
		t.Errorf("comment = %+v", m)
	}
	if ua := fr.requests[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "server:mentiondesk:1.0 (") {
		t.Errorf("User-Agent without user = %q", ua)
	}
}

func TestRedditFeedURL(t *testing.T) {
	r := NewReddit(Config{})
	tests := []struct {
		name string
		src  Source
		want string
		err  error
	}{
		{"search", Source{Query: "acme bakery"}, "https://www.reddit.com/search.rss?q=acme+bakery&sort=new", nil},
		{"subreddit", Source{Options: map[string]string{"subreddit": "r/Lyon"}}, "https://www.reddit.com/r/Lyon/new/.rss", nil},
		{"search in subreddit", Source{Query: "martin", Options: map[string]string{"subreddit": "Lyon"}},
			"https://www.reddit.com/r/Lyon/search.rss?q=martin&restrict_sr=on&sort=new", nil},
		{"private params", Source{Query: "martin", Options: map[string]string{"reddit_user": "owner"}, Secrets: map[string]string{"feed_token": "tok123"}},
			"https://www.reddit.com/search.rss?feed=tok123&q=martin&sort=new&user=owner", nil},
		{"pasted private URL kept as is", Source{URL: "https://www.reddit.com/r/Lyon/new/.rss?feed=abc&user=owner"},
			"https://www.reddit.com/r/Lyon/new/.rss?feed=abc&user=owner", nil},
		{"nothing", Source{}, "", ErrConfig},
		{"bad subreddit", Source{Options: map[string]string{"subreddit": "../../api"}}, "", ErrConfig},
		{"bad URL", Source{URL: "javascript:alert(1)"}, "", ErrConfig},
	}
	for _, tt := range tests {
		got, err := r.FeedURL(tt.src)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("%s: FeedURL = %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestRedditBlocked(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		file       string
		url        string // pasted URL; empty = generated
		wantWait   time.Duration
		wantAuth   bool
	}{
		{name: "429 no header", status: 429, wantWait: 30 * time.Minute},
		{name: "429 longer Retry-After", status: 429, retryAfter: "7200", wantWait: 2 * time.Hour},
		{name: "429 short Retry-After is stretched", status: 429, retryAfter: "5", wantWait: 30 * time.Minute},
		{name: "403 anonymous", status: 403, file: "reddit/blocked.html", wantWait: 2 * time.Hour},
		{name: "block page with 200", status: 200, file: "reddit/blocked.html", wantWait: 2 * time.Hour},
		{name: "403 private feed", status: 403, url: "/r/Lyon/new/.rss?feed=badtoken&user=owner", wantAuth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := newFakeReddit(t, tt.file)
			fr.status = tt.status
			if tt.retryAfter != "" {
				fr.header.Set("Retry-After", tt.retryAfter)
			}
			src := Source{Query: "martin"}
			if tt.url != "" {
				src.URL = fr.srv.URL + tt.url
			}
			b, err := fr.reddit().Fetch(context.Background(), src, Cursor{})
			if tt.wantAuth {
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("err = %v, want ErrAuth", err)
				}
				if strings.Contains(err.Error(), "badtoken") {
					t.Errorf("error leaks the feed token: %v", err)
				}
				return
			}
			var rl *RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("err = %v, want *RateLimitedError", err)
			}
			if rl.RetryAfter != tt.wantWait || rl.Reason != RedditBlockedReason {
				t.Errorf("RetryAfter = %v reason %q", rl.RetryAfter, rl.Reason)
			}
			if !b.NextCheck.Equal(hfNow.Add(tt.wantWait)) {
				t.Errorf("NextCheck = %v", b.NextCheck)
			}
		})
	}
}

// The private token is a credential: a network error must not print it.
func TestRedditErrorsHideToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Close() // connection refused
	r := NewReddit(hfConfig(nil))
	_, err := r.Fetch(context.Background(), Source{URL: srv.URL + "/r/Lyon/new/.rss?feed=s3cr3ttok&user=owner"}, Cursor{})
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), "s3cr3ttok") {
		t.Errorf("error leaks the token: %v", err)
	}
}
