package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const xMe = "1490000000000000001"

var xNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// fakeX is an httptest X API v2: reads come from testdata/x files keyed by
// "<path>" or "<path>@<next_token|pagination_token>", POST /2/tweets keeps
// what was posted and refuses an identical text, as X does.
type fakeX struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	files    map[string]string
	requests []acctRequest
	posted   []map[string]any // newest first
	handle   func(w http.ResponseWriter, r *http.Request) bool
}

func newFakeX(t *testing.T, files map[string]string) *fakeX {
	f := &fakeX{t: t, files: files}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeX) write(w http.ResponseWriter, status int, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", "x", name))
	if err != nil {
		f.t.Errorf("fake x: %v", err)
		w.WriteHeader(500)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func (f *fakeX) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	f.mu.Lock()
	f.requests = append(f.requests, acctRequest{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), string(body)})
	handle := f.handle
	f.mu.Unlock()
	if handle != nil && handle(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer x-token" {
		f.write(w, http.StatusUnauthorized, "error_401.json")
		return
	}
	w.Header().Set("x-rate-limit-limit", "450")
	w.Header().Set("x-rate-limit-remaining", "447")
	w.Header().Set("x-rate-limit-reset", fmt.Sprint(xNow.Add(10*time.Minute).Unix()))
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		var in struct {
			Text  string `json:"text"`
			Reply struct {
				InReplyToTweetID string `json:"in_reply_to_tweet_id"`
			} `json:"reply"`
		}
		if json.Unmarshal(body, &in) != nil || in.Reply.InReplyToTweetID == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, p := range f.posted {
			if p["plain"] == in.Text {
				f.write(w, http.StatusForbidden, "error_duplicate.json")
				return
			}
		}
		id := fmt.Sprintf("18620000000000009%02d", len(f.posted))
		// X shows a reply's text with the @handle it answers in front.
		f.posted = append([]map[string]any{{"id": id, "text": "@clairem " + in.Text, "plain": in.Text,
			"referenced_tweets": []map[string]string{{"type": "replied_to", "id": in.Reply.InReplyToTweetID}}}}, f.posted...)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"id": id, "text": in.Text, "edit_history_tweet_ids": []string{id}}})
		return
	case r.URL.Path == "/2/users/"+xMe+"/tweets":
		data := []map[string]any{}
		for _, p := range f.posted {
			data = append(data, map[string]any{"id": p["id"], "text": p["text"], "referenced_tweets": p["referenced_tweets"], "edit_history_tweet_ids": []any{p["id"]}})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data, "meta": map[string]any{"result_count": len(data)}})
		return
	}
	route := r.URL.Path
	for _, p := range []string{"next_token", "pagination_token"} {
		if v := r.URL.Query().Get(p); v != "" {
			route += "@" + v
		}
	}
	name, ok := f.files[route]
	if !ok {
		f.t.Errorf("fake x: no answer for %s", route)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	f.write(w, http.StatusOK, name)
}

func (f *fakeX) setFiles(files map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files = files
}

func (f *fakeX) gets(path string) []acctRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []acctRequest
	for _, r := range f.requests {
		if r.Method == http.MethodGet && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func xFirstFiles() map[string]string {
	return map[string]string{
		"/2/users/me":                   "users_me.json",
		"/2/users/" + xMe + "/mentions": "mentions_1.json",
		"/2/users/" + xMe + "/mentions@7140dibdnow9c7btw4ae3tjyj6pp0aqc8vjpbbm8tgdhm": "mentions_2.json",
		"/2/tweets/search/recent": "search_1.json",
		"/2/tweets/search/recent@b26v89c19zqg8o3fr5qdd7v1dmz0b8l9ywvl7kv2xmkql": "search_2.json",
	}
}

func xSource(f *fakeX) Source {
	return Source{ID: "x1", Kind: "x", URL: f.srv.URL, Query: `"Café Lumière" OR @cafelumiere`, Secrets: map[string]string{"access_token": "x-token"}}
}

func xConfig(f *fakeX) Config {
	return Config{Client: f.srv.Client(), Now: func() time.Time { return xNow }}
}

func xCursorOf(t *testing.T, c Cursor) xCursor {
	t.Helper()
	var xc xCursor
	if err := json.Unmarshal([]byte(c.Since), &xc); err != nil {
		t.Fatalf("cursor %q: %v", c.Since, err)
	}
	return xc
}

func TestXFirstPollReadsTheBacklog(t *testing.T) {
	f := newFakeX(t, xFirstFiles())
	batch, err := NewX(xConfig(f)).Fetch(context.Background(), xSource(f), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	got := mentionsByID(batch.Mentions)
	want := []string{"1862000000000000300", "1862000000000000200", "1862000000000000050", "1862000000000000400", "1862000000000000350", "1862000000000000100"}
	if len(batch.Mentions) != len(want) {
		t.Fatalf("got %v", keys(got))
	}
	reply := got["1862000000000000300"]
	if reply.Author != "@clairem" || reply.AuthorName != "Claire Martin" || reply.InReplyTo != "1862000000000000100" || reply.ThreadID != "1862000000000000100" ||
		reply.URL != "https://x.com/clairem/status/1862000000000000300" || reply.Lang != "fr" || !reply.Published.Equal(time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)) || reply.Own {
		t.Errorf("reply %+v", reply)
	}
	if !got["1862000000000000400"].Repost {
		t.Error("a retweet is a Repost")
	}
	// The account's mentions are addressed to it, the brand search's
	// finds are not; a post in both keeps the mention's flag.
	for id, direct := range map[string]bool{"1862000000000000300": true, "1862000000000000200": true, "1862000000000000350": false} {
		if got[id].Direct != direct {
			t.Errorf("post %s: Direct %v, want %v", id, got[id].Direct, direct)
		}
	}
	if !got["1862000000000000100"].Own {
		t.Error("the account's own post is Own")
	}
	if edit := got["1862000000000000350"]; edit.Meta["edit_of"] != "1862000000000000340" || edit.InReplyTo != "1862000000000000340" {
		t.Errorf("edited post %+v", edit)
	}
	search := f.gets("/2/tweets/search/recent")
	if len(search) != 2 || search[0].Query.Get("query") != `"Café Lumière" OR @cafelumiere` || search[0].Query.Get("max_results") != "100" ||
		search[0].Query.Get("expansions") != "author_id" || search[0].Query.Get("user.fields") != "username,name" ||
		!strings.Contains(search[0].Query.Get("tweet.fields"), "conversation_id") || search[1].Query.Get("next_token") == "" {
		t.Errorf("search requests %+v", search)
	}
	if m := f.gets("/2/users/" + xMe + "/mentions"); len(m) != 2 || m[1].Query.Get("pagination_token") == "" {
		t.Errorf("mentions requests %+v", m)
	}
	xc := xCursorOf(t, batch.Cursor)
	if xc.Mentions != (xStream{Since: "1862000000000000300"}) || xc.Search != (xStream{Since: "1862000000000000400"}) {
		t.Errorf("cursor %+v", xc)
	}
}

func TestXIncrementalPoll(t *testing.T) {
	f := newFakeX(t, xFirstFiles())
	x := NewX(xConfig(f))
	first, err := x.Fetch(context.Background(), xSource(f), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	f.setFiles(map[string]string{
		"/2/users/" + xMe + "/mentions": "empty.json",
		"/2/tweets/search/recent":       "search_incremental.json",
	})
	second, err := x.Fetch(context.Background(), xSource(f), first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Mentions) != 1 || second.Mentions[0].ExternalID != "1862000000000000500" || second.Mentions[0].Lang != "" {
		t.Fatalf("got %+v", second.Mentions)
	}
	search := f.gets("/2/tweets/search/recent")
	if last := search[len(search)-1]; last.Query.Get("since_id") != "1862000000000000400" {
		t.Errorf("search since_id %q", last.Query.Get("since_id"))
	}
	mentions := f.gets("/2/users/" + xMe + "/mentions")
	if last := mentions[len(mentions)-1]; last.Query.Get("since_id") != "1862000000000000300" {
		t.Errorf("mentions since_id %q", last.Query.Get("since_id"))
	}
	if got := f.gets("/2/users/me"); len(got) != 1 {
		t.Errorf("/2/users/me asked %d times; once per token is enough", len(got))
	}
	xc := xCursorOf(t, second.Cursor)
	if xc.Search.Since != "1862000000000000500" || xc.Mentions.Since != "1862000000000000300" {
		t.Errorf("cursor %+v", xc)
	}
}

func TestXRateLimit(t *testing.T) {
	reset := xNow.Add(5 * time.Minute)
	limited := func(path string) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path+"@"+r.URL.Query().Get("next_token") != path {
				return false
			}
			w.Header().Set("x-rate-limit-limit", "60")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", fmt.Sprint(reset.Unix()))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			b, _ := os.ReadFile(filepath.Join("testdata", "x", "error_429.json"))
			w.Write(b)
			return true
		}
	}
	t.Run("on the first page it is an error with the reset", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		f.handle = limited("/2/tweets/search/recent@")
		src := xSource(f)
		src.Options = map[string]string{"mentions": "off"}
		_, err := NewX(xConfig(f)).Fetch(context.Background(), src, Cursor{})
		var rl *RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 5*time.Minute {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the last call of the window sets the next check", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		f.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/2/users/"+xMe+"/mentions" {
				return false
			}
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", fmt.Sprint(reset.Unix()))
			f.write(w, http.StatusOK, "empty.json")
			return true
		}
		batch, err := NewX(xConfig(f)).Fetch(context.Background(), xSource(f), Cursor{})
		if err != nil || !batch.NextCheck.Equal(reset) {
			t.Fatalf("next check %v, %v", batch.NextCheck, err)
		}
	})
	t.Run("in the middle of a backlog the next poll resumes", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		f.handle = limited("/2/tweets/search/recent@b26v89c19zqg8o3fr5qdd7v1dmz0b8l9ywvl7kv2xmkql")
		x := NewX(xConfig(f))
		first, err := x.Fetch(context.Background(), xSource(f), Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		if !first.NextCheck.Equal(reset) {
			t.Errorf("NextCheck %v, want %v", first.NextCheck, reset)
		}
		xc := xCursorOf(t, first.Cursor)
		if xc.Search.Next != "b26v89c19zqg8o3fr5qdd7v1dmz0b8l9ywvl7kv2xmkql" || xc.Search.Newest != "1862000000000000400" || xc.Search.Since != "" {
			t.Fatalf("cursor %+v", xc)
		}
		f.handle = nil
		second, err := x.Fetch(context.Background(), xSource(f), first.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := mentionsByID(second.Mentions)["1862000000000000100"]; !ok {
			t.Errorf("the page cut off by the limit was not read: %v", keys(mentionsByID(second.Mentions)))
		}
		if xc := xCursorOf(t, second.Cursor); xc.Search != (xStream{Since: "1862000000000000400"}) {
			t.Errorf("cursor after resuming %+v", xc)
		}
	})
}

func TestXErrors(t *testing.T) {
	t.Run("a plan without search says so", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		f.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/2/tweets/search/recent" {
				return false
			}
			f.write(w, http.StatusForbidden, "error_client_not_enrolled.json")
			return true
		}
		_, err := NewX(xConfig(f)).Fetch(context.Background(), xSource(f), Cursor{})
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "plan of this account does not include GET /2/tweets/search/recent") || IsRetryable(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a refused token asks to reconnect", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		src := xSource(f)
		src.Secrets["access_token"] = "revoked"
		_, err := NewX(xConfig(f)).Fetch(context.Background(), src, Cursor{})
		if !errors.Is(err, ErrReconnect) || !errors.Is(err, ErrAuth) || IsRetryable(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("nothing to read", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		src := xSource(f)
		src.Query = ""
		src.Options = map[string]string{"mentions": "off"}
		if _, err := NewX(xConfig(f)).Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrConfig) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("broken JSON", func(t *testing.T) {
		f := newFakeX(t, xFirstFiles())
		f.handle = func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(`{"data":{"id":`))
			return true
		}
		if _, err := NewX(xConfig(f)).Fetch(context.Background(), xSource(f), Cursor{}); !errors.Is(err, ErrBadFeed) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestXReplyIsSentExactlyOnce(t *testing.T) {
	f := newFakeX(t, xFirstFiles())
	x := NewX(xConfig(f))
	to := Mention{ExternalID: "1862000000000000300", Author: "@clairem"}
	body := "Désolés Claire, nous étions deux en salle samedi. Le prochain café est offert."
	first, err := x.Reply(context.Background(), xSource(f), to, body, "k1")
	if err != nil || first.ExternalID == "" || first.URL != "https://x.com/cafelumiere/status/"+first.ExternalID {
		t.Fatalf("first reply %+v, %v", first, err)
	}
	// Crash between send and store: the outbox tries again, X refuses the
	// duplicate, and the reply already on X is returned.
	again, err := x.Reply(context.Background(), xSource(f), to, body, "k1")
	if err != nil || again.ExternalID != first.ExternalID {
		t.Fatalf("retry %+v, %v", again, err)
	}
	if len(f.posted) != 1 {
		t.Fatalf("%d posts on X", len(f.posted))
	}
	var posts []acctRequest
	for _, r := range f.requests {
		if r.Method == http.MethodPost {
			posts = append(posts, r)
		}
	}
	if !strings.Contains(posts[0].Body, `"in_reply_to_tweet_id":"1862000000000000300"`) || posts[0].Header.Get("Content-Type") != "application/json" {
		t.Errorf("POST body %s", posts[0].Body)
	}
	// The same words as a reply to another post: X says duplicate, but it
	// is not this conversation's reply, and we say so.
	other := Mention{ExternalID: "1862000000000000200"}
	_, err = x.Reply(context.Background(), xSource(f), other, body, "k2")
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "duplicate") || !strings.Contains(err.Error(), "not among the account's latest replies") {
		t.Fatalf("duplicate elsewhere: %v", err)
	}
}

func TestXReplyNotAllowed(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"error_client_not_enrolled.json", "plan of this account does not include POST /2/tweets"},
		{"error_reply_restricted.json", "answer on X by hand"},
	} {
		f := newFakeX(t, xFirstFiles())
		f.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPost {
				return false
			}
			f.write(w, http.StatusForbidden, c.file)
			return true
		}
		_, err := NewX(xConfig(f)).Reply(context.Background(), xSource(f), Mention{ExternalID: "1862000000000000300"}, "Merci !", "k")
		if !errors.Is(err, ErrNoReply) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.file, err)
		}
	}
	f := newFakeX(t, xFirstFiles())
	if _, err := NewX(xConfig(f)).Reply(context.Background(), xSource(f), Mention{ExternalID: "1862000000000000300"}, " ", "k"); !errors.Is(err, ErrRejected) {
		t.Errorf("empty reply: %v", err)
	}
	// A retweet is answered on the post it shares.
	if _, err := NewX(xConfig(f)).Reply(context.Background(), xSource(f), Mention{ExternalID: "1862000000000000400", Meta: map[string]string{"retweet_of": "1862000000000000300"}}, "Merci !", "k"); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(f.requests, func(r acctRequest) bool {
		return r.Method == http.MethodPost && strings.Contains(r.Body, `"in_reply_to_tweet_id":"1862000000000000300"`)
	}) {
		t.Error("the retweet was answered instead of its original")
	}
}

func TestXStaleSinceStartsAgain(t *testing.T) {
	f := newFakeX(t, xFirstFiles())
	f.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/2/tweets/search/recent" || r.URL.Query().Get("since_id") != "1850000000000000000" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"errors":[{"parameters":{"since_id":["1850000000000000000"]},"message":"Invalid 'since_id':'1850000000000000000'. 'since_id' must be a tweet id created after 2026-11-21T12:00Z."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`))
		return true
	}
	src := xSource(f)
	src.Options = map[string]string{"mentions": "off"}
	batch, err := NewX(xConfig(f)).Fetch(context.Background(), src, Cursor{Since: `{"search":{"since":"1850000000000000000"}}`})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Mentions) != 4 || xCursorOf(t, batch.Cursor).Search.Since != "1862000000000000400" {
		t.Fatalf("got %d mentions, cursor %s", len(batch.Mentions), batch.Cursor.Since)
	}
}

// TestXEditedAndDeletedPosts follows docs.x.com "Edit Posts": each edit is
// a new post id whose edit_history_tweet_ids lists the chain oldest first,
// and deleting any version deletes the whole chain. The edit arrives in
// the next search after since_id as a new message answering the original
// (so the desk puts it in the original's ticket); once the chain is
// deleted the search no longer lists it and the source goes on quietly.
func TestXEditedAndDeletedPosts(t *testing.T) {
	f := newFakeX(t, xFirstFiles())
	x := NewX(xConfig(f))
	src := xSource(f)
	first, err := x.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	f.setFiles(map[string]string{
		"/2/users/" + xMe + "/mentions": "empty.json",
		"/2/tweets/search/recent":       "search_incremental.json",
	})
	second, err := x.Fetch(context.Background(), src, first.Cursor)
	if err != nil || len(second.Mentions) != 1 || second.Mentions[0].ExternalID != "1862000000000000500" {
		t.Fatalf("the original: %+v, %v", second.Mentions, err)
	}

	f.setFiles(map[string]string{
		"/2/users/" + xMe + "/mentions": "empty.json",
		"/2/tweets/search/recent":       "search_edit.json",
	})
	third, err := x.Fetch(context.Background(), src, second.Cursor)
	if err != nil || len(third.Mentions) != 1 {
		t.Fatalf("the edit: %+v, %v", third.Mentions, err)
	}
	edit := third.Mentions[0]
	if edit.ExternalID != "1862000000000000620" || edit.InReplyTo != "1862000000000000500" || edit.Meta["edit_of"] != "1862000000000000500" ||
		edit.Meta["event"] != "edited" || edit.ThreadID != "1862000000000000500" || !strings.Contains(edit.Text, "croissants") {
		t.Errorf("edit %+v", edit)
	}
	search := f.gets("/2/tweets/search/recent")
	if last := search[len(search)-1]; last.Query.Get("since_id") != "1862000000000000500" {
		t.Errorf("the edit was asked for with since_id %q", last.Query.Get("since_id"))
	}

	// Marc deletes the post: the chain is gone, the search is empty.
	f.setFiles(map[string]string{
		"/2/users/" + xMe + "/mentions": "empty.json",
		"/2/tweets/search/recent":       "empty.json",
	})
	fourth, err := x.Fetch(context.Background(), src, third.Cursor)
	if err != nil || len(fourth.Mentions) != 0 {
		t.Fatalf("after the deletion: %+v, %v", fourth.Mentions, err)
	}
	if xc := xCursorOf(t, fourth.Cursor); xc.Search.Since != "1862000000000000620" {
		t.Errorf("cursor %+v", xc)
	}
}
