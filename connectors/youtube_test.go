package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	youtubeTestChannel = "UCcafeLumiere0000000000a"
	youtubeTestToken   = "ya29.youtube-token"
	youtubeTestVideo   = "dQw8cafe001"
	// youtubeTestIncluded is how many replies the fake puts inside a
	// thread; the rest must be read with comments.list.
	youtubeTestIncluded = 5
)

var youtubeTestNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func youtubeTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "youtube", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// youtubeTestServer fakes channels.list, commentThreads.list, comments.list
// and comments.insert of the YouTube Data API v3, with quota accounting.
type youtubeTestServer struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	threads     []*youtubeThread // newest first by top-level publishedAt
	replies     map[string][]youtubeComment
	inserts     int
	threadPages int
	replyLists  int
	quotaLeft   int // units; <0 means unlimited
	disabled    map[string]bool
	deleted     map[string]bool // top-level comments their authors deleted
	dropInsert  bool            // insert, then drop the connection (a crash before the answer)
}

func newYouTubeTestServer(t *testing.T) *youtubeTestServer {
	y := &youtubeTestServer{t: t, replies: map[string][]youtubeComment{}, quotaLeft: -1, disabled: map[string]bool{}, deleted: map[string]bool{}}
	var page struct {
		Items []youtubeThread `json:"items"`
	}
	if err := json.Unmarshal(youtubeTestdata(t, "comment_threads_page.json"), &page); err != nil {
		t.Fatal(err)
	}
	for i := range page.Items {
		th := page.Items[i]
		y.replies[th.ID] = th.Replies.Comments
		th.Replies.Comments = nil
		y.threads = append(y.threads, &th)
	}
	y.srv = httptest.NewServer(http.HandlerFunc(y.serve))
	t.Cleanup(y.srv.Close)
	return y
}

func youtubeTestComment(id, parent, author, text string, at time.Time) youtubeComment {
	var c youtubeComment
	c.ID = id
	c.Snippet.AuthorDisplayName = "@" + strings.ToLower(author)
	c.Snippet.AuthorChannelURL = "http://www.youtube.com/@" + strings.ToLower(author)
	c.Snippet.AuthorChannelID.Value = author
	c.Snippet.ChannelID = youtubeTestChannel
	c.Snippet.TextDisplay, c.Snippet.TextOriginal = text, text
	c.Snippet.ParentID = parent
	c.Snippet.PublishedAt = at.Format(time.RFC3339)
	c.Snippet.UpdatedAt = c.Snippet.PublishedAt
	return c
}

// addThreads adds n threads, one a minute from `from`, keeping the list
// ordered newest first.
func (y *youtubeTestServer) addThreads(n int, from time.Time) {
	y.mu.Lock()
	defer y.mu.Unlock()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("Ugw%06dAaABAg", len(y.threads))
		th := &youtubeThread{ID: id}
		th.Snippet.ChannelID, th.Snippet.VideoID, th.Snippet.CanReply = youtubeTestChannel, youtubeTestVideo, true
		th.Snippet.TopLevelComment = youtubeTestComment(id, "", "UCviewer"+strconv.Itoa(i%7), "Commentaire "+id, from.Add(time.Duration(i)*time.Minute))
		y.threads = append(y.threads, th)
	}
	y.sortThreads()
}

func (y *youtubeTestServer) sortThreads() {
	sort.SliceStable(y.threads, func(i, j int) bool {
		return googleTime(y.threads[i].Snippet.TopLevelComment.Snippet.PublishedAt).After(googleTime(y.threads[j].Snippet.TopLevelComment.Snippet.PublishedAt))
	})
}

func (y *youtubeTestServer) addReplies(thread string, n int, from time.Time) {
	y.mu.Lock()
	defer y.mu.Unlock()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s.r%03d", thread, len(y.replies[thread]))
		y.replies[thread] = append(y.replies[thread], youtubeTestComment(id, thread, "UCreplier"+strconv.Itoa(i%3), "Réponse "+id, from.Add(time.Duration(i)*time.Second)))
	}
}

func (y *youtubeTestServer) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	if b, ok := v.([]byte); ok {
		w.Write(b)
		return
	}
	json.NewEncoder(w).Encode(v)
}

// spend charges quota units; false when the day's quota is gone.
func (y *youtubeTestServer) spend(units int) bool {
	if y.quotaLeft < 0 {
		return true
	}
	if y.quotaLeft < units {
		return false
	}
	y.quotaLeft -= units
	return true
}

func youtubeTestPage(token string, size, total int) (offset, end int, next string) {
	if raw, err := base64.RawURLEncoding.DecodeString(token); err == nil && token != "" {
		offset, _ = strconv.Atoi(string(raw))
	}
	end = min(offset+size, total)
	offset = min(offset, end)
	if end < total {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return
}

func (y *youtubeTestServer) serve(w http.ResponseWriter, r *http.Request) {
	y.mu.Lock()
	defer y.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+youtubeTestToken {
		y.write(w, 401, youtubeTestdata(y.t, "error_401.json"))
		return
	}
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("maxResults"))
	if size == 0 {
		size = 20
	}
	cost := map[string]int{"/youtube/v3/channels": 1, "/youtube/v3/commentThreads": 5}[r.URL.Path]
	if r.URL.Path == "/youtube/v3/comments" {
		cost = 3
		if r.Method == http.MethodPost {
			cost = 52
		}
	}
	if !y.spend(cost) {
		y.write(w, 403, youtubeTestdata(y.t, "error_quota.json"))
		return
	}
	switch {
	case r.URL.Path == "/youtube/v3/channels" && q.Get("mine") == "true":
		y.write(w, 200, youtubeTestdata(y.t, "channels_mine.json"))
	case r.URL.Path == "/youtube/v3/commentThreads" && r.Method == http.MethodGet:
		if size > 100 || q.Get("part") != "snippet,replies" || (q.Get("allThreadsRelatedToChannelId") == "") == (q.Get("videoId") == "") {
			y.write(w, 400, []byte(`{"error":{"code":400,"message":"Invalid filters","errors":[{"reason":"invalidFilters","domain":"youtube.parameter"}]}}`))
			return
		}
		if y.disabled[q.Get("videoId")] {
			y.write(w, 403, youtubeTestdata(y.t, "error_comments_disabled.json"))
			return
		}
		y.threadPages++
		var match []*youtubeThread
		for _, th := range y.threads {
			if terms := q.Get("searchTerms"); terms == "" || strings.Contains(strings.ToLower(th.Snippet.TopLevelComment.Snippet.TextDisplay), strings.ToLower(terms)) {
				match = append(match, th)
			}
		}
		offset, end, next := youtubeTestPage(q.Get("pageToken"), size, len(match))
		items := make([]youtubeThread, 0, end-offset)
		for _, th := range match[offset:end] {
			out := *th
			all := y.replies[th.ID]
			out.Snippet.TotalReplyCount = len(all)
			out.Replies.Comments = all[:min(len(all), youtubeTestIncluded)]
			items = append(items, out)
		}
		resp := map[string]any{"kind": "youtube#commentThreadListResponse", "items": items,
			"pageInfo": map[string]int{"totalResults": len(match), "resultsPerPage": size}}
		if next != "" {
			resp["nextPageToken"] = next
		}
		y.write(w, 200, resp)
	case r.URL.Path == "/youtube/v3/comments" && r.Method == http.MethodGet && y.deleted[q.Get("parentId")]:
		// Google's standard error for a resource that is not there.
		y.write(w, 404, []byte(`{"error":{"code":404,"message":"Not Found","errors":[{"reason":"notFound","domain":"global"}]}}`))
	case r.URL.Path == "/youtube/v3/comments" && r.Method == http.MethodGet:
		y.replyLists++
		all := y.replies[q.Get("parentId")]
		offset, end, next := youtubeTestPage(q.Get("pageToken"), size, len(all))
		resp := map[string]any{"kind": "youtube#commentListResponse", "items": all[offset:end]}
		if next != "" {
			resp["nextPageToken"] = next
		}
		y.write(w, 200, resp)
	case r.URL.Path == "/youtube/v3/comments" && r.Method == http.MethodPost:
		var in struct {
			Snippet struct {
				ParentID     string `json:"parentId"`
				TextOriginal string `json:"textOriginal"`
			} `json:"snippet"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		if _, ok := y.replies[in.Snippet.ParentID]; !ok && !y.isThread(in.Snippet.ParentID) {
			y.write(w, 400, []byte(`{"error":{"code":400,"message":"operationNotSupported","errors":[{"reason":"operationNotSupported","domain":"youtube.comment"}]}}`))
			return
		}
		y.inserts++
		id := fmt.Sprintf("%s.own%02d", in.Snippet.ParentID, y.inserts)
		c := youtubeTestComment(id, in.Snippet.ParentID, youtubeTestChannel, in.Snippet.TextOriginal, youtubeTestNow)
		c.Snippet.TextDisplay = strings.ReplaceAll(c.Snippet.TextOriginal, "\n", " ") // display text differs
		y.replies[in.Snippet.ParentID] = append(y.replies[in.Snippet.ParentID], c)
		if y.dropInsert {
			y.dropInsert = false
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		y.write(w, 200, c)
	default:
		y.write(w, 404, []byte(`{"error":{"code":404,"message":"Not Found","errors":[{"reason":"notFound","domain":"global"}]}}`))
	}
}

func (y *youtubeTestServer) isThread(id string) bool {
	for _, th := range y.threads {
		if th.ID == id {
			return true
		}
	}
	return false
}

func (y *youtubeTestServer) source() Source {
	return Source{ID: "yt1", Kind: "youtube", URL: y.srv.URL, Secrets: map[string]string{"access_token": youtubeTestToken}}
}

func youtubeTestConnector() *YouTube {
	return NewYouTube(Config{Now: func() time.Time { return youtubeTestNow }})
}

func TestYouTubeBacklogIncrementalEditDelete(t *testing.T) {
	y := newYouTubeTestServer(t)
	y.addThreads(249, youtubeTestNow.Add(-30*24*time.Hour)) // 250 threads: pages of 100, 100, 50
	c := youtubeTestConnector()
	src := y.source()
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 251 || y.threadPages != 3 { // 250 top-level comments and one reply
		t.Fatalf("backlog: %d mentions over %d pages", len(b.Mentions), y.threadPages)
	}
	var reply Mention
	for _, m := range b.Mentions {
		if m.InReplyTo != "" {
			reply = m
		}
	}
	if reply.InReplyTo != "UgzQ8vV3xYk2mNp4rT61AaABAg" || reply.ThreadID != "UgzQ8vV3xYk2mNp4rT61AaABAg" || reply.Author != "UCmarc000000000000000aaa" ||
		reply.URL != "https://www.youtube.com/watch?v=dQw8cafe001&lc=UgzQ8vV3xYk2mNp4rT61AaABAg.9zXcVbNmA1s9zXcWq2RtYu" {
		t.Fatalf("reply = %+v", reply)
	}
	if c := youtubeParseCursor(b.Cursor.Since); c.Since != "2026-11-27T21:02:10Z" {
		t.Fatalf("cursor = %q", b.Cursor.Since)
	}

	// Incremental: two new threads and eight replies to a recent one, of
	// which the thread listing includes only five.
	y.addThreads(2, youtubeTestNow.Add(-2*time.Hour))
	y.addReplies("UgzQ8vV3xYk2mNp4rT61AaABAg", 8, youtubeTestNow.Add(-time.Hour))
	y.threadPages, y.replyLists = 0, 0
	b2, err := c.Fetch(context.Background(), src, b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Mentions) != 10 || y.threadPages != 1 || y.replyLists != 1 {
		t.Fatalf("incremental: %d mentions, %d thread pages, %d reply lists", len(b2.Mentions), y.threadPages, y.replyLists)
	}

	// Three more replies to that thread: the five it includes are all
	// old, only its grown reply count tells.
	y.addReplies("UgzQ8vV3xYk2mNp4rT61AaABAg", 3, youtubeTestNow.Add(-30*time.Minute))
	y.replyLists = 0
	b2b, err := c.Fetch(context.Background(), src, b2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2b.Mentions) != 3 || y.replyLists != 1 {
		t.Fatalf("late replies: %d mentions, %d reply lists", len(b2b.Mentions), y.replyLists)
	}
	y.replyLists = 0
	if quiet, err := c.Fetch(context.Background(), src, b2b.Cursor); err != nil || len(quiet.Mentions) != 0 || y.replyLists != 0 {
		t.Fatalf("quiet poll: %d mentions, %d reply lists, %v", len(quiet.Mentions), y.replyLists, err)
	}
	b2 = b2b

	// An edited comment keeps its id: a new message in the same thread.
	y.mu.Lock()
	top := &y.threads[0].Snippet.TopLevelComment
	top.Snippet.TextDisplay = "Finalement le pain était frais, merci !"
	top.Snippet.UpdatedAt = youtubeTestNow.Add(-time.Minute).Format(time.RFC3339)
	edited := top.ID
	// And one disappears.
	y.threads = append(y.threads[:1], y.threads[2:]...)
	y.mu.Unlock()
	b3, err := c.Fetch(context.Background(), src, b2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b3.Mentions) != 1 || b3.Mentions[0].ThreadID != edited || b3.Mentions[0].ExternalID == edited || b3.Mentions[0].Meta["edited"] != "true" {
		t.Fatalf("edit: %+v", b3.Mentions)
	}
	b4, err := c.Fetch(context.Background(), src, b3.Cursor)
	if err != nil || len(b4.Mentions) != 0 {
		t.Fatalf("quiet poll after a deletion: %d mentions, %v", len(b4.Mentions), err)
	}
}

func TestYouTubeKeywordAndVideoModes(t *testing.T) {
	y := newYouTubeTestServer(t)
	c := youtubeTestConnector()
	src := y.source()
	src.Query = "latte"
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil || len(b.Mentions) != 2 {
		t.Fatalf("search: %d mentions, %v", len(b.Mentions), err)
	}
	src.Query = "croissant"
	if b, err = c.Fetch(context.Background(), src, Cursor{}); err != nil || len(b.Mentions) != 0 {
		t.Fatalf("no match: %d mentions, %v", len(b.Mentions), err)
	}
	y.disabled["closedVideo"] = true
	src.Query, src.Options = "", map[string]string{"video": "closedVideo"}
	_, err = c.Fetch(context.Background(), src, Cursor{})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "comments are disabled") {
		t.Fatalf("comments disabled: err = %v", err)
	}
}

func TestYouTubeErrors(t *testing.T) {
	y := newYouTubeTestServer(t)
	c := youtubeTestConnector()
	src := y.source()
	src.Secrets = map[string]string{"access_token": "ya29.expired"}
	if _, err := c.Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrReconnect) || !strings.Contains(err.Error(), "invalid authentication") {
		t.Fatalf("401: err = %v", err)
	}

	y.quotaLeft = 0
	_, err := c.Fetch(context.Background(), y.source(), Cursor{})
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.Status != 403 {
		t.Fatalf("quota: err = %v", err)
	}
	// 12:00 UTC on 28 November is 04:00 PST: the quota resets at 08:00 UTC
	// on the 29th.
	if want := 20 * time.Hour; rl.RetryAfter != want {
		t.Fatalf("retry after %v, want %v", rl.RetryAfter, want)
	}

	// The quota ends in the middle of a backlog: what was read is kept,
	// the cursor is not moved, and the next poll (next day) goes on.
	y.mu.Lock()
	y.quotaLeft = 1 + 5 // channels.list, then one page of threads
	y.mu.Unlock()
	y.addThreads(150, youtubeTestNow.Add(-10*24*time.Hour))
	c = youtubeTestConnector()
	b, err := c.Fetch(context.Background(), y.source(), Cursor{})
	if err != nil || len(b.Mentions) != 101 || b.Cursor.Since != "" || !b.NextCheck.Equal(youtubeTestNow.Add(20*time.Hour)) {
		t.Fatalf("partial: %d mentions, cursor %q, next %v, err %v", len(b.Mentions), b.Cursor.Since, b.NextCheck, err)
	}
	y.mu.Lock()
	y.quotaLeft = -1
	y.mu.Unlock()
	b2, err := c.Fetch(context.Background(), y.source(), b.Cursor)
	if err != nil || len(b2.Mentions) != 152 {
		t.Fatalf("after the reset: %d mentions, %v", len(b2.Mentions), err)
	}
}

func TestYouTubeReplyExactlyOnceAfterACrash(t *testing.T) {
	y := newYouTubeTestServer(t)
	c := youtubeTestConnector()
	src := y.source()
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	var reply Mention // answering a reply goes to its thread
	for _, m := range b.Mentions {
		if m.InReplyTo != "" {
			reply = m
		}
	}
	body := "Merci Marc et Sophie !\nLe pain est maintenant livré chaque matin."

	// The insert succeeds but the answer never arrives.
	y.dropInsert = true
	if _, err := c.Reply(context.Background(), src, reply, body, "k1"); err == nil {
		t.Fatal("a dropped answer must be an error")
	}
	sent, err := c.Reply(context.Background(), src, reply, body, "k1")
	if err != nil {
		t.Fatal(err)
	}
	y.mu.Lock()
	inserts := y.inserts
	y.mu.Unlock()
	if inserts != 1 || !strings.HasPrefix(sent.ExternalID, "UgzQ8vV3xYk2mNp4rT61AaABAg.own") ||
		sent.URL != "https://www.youtube.com/watch?v=dQw8cafe001&lc="+sent.ExternalID {
		t.Fatalf("%d inserts, sent %+v", inserts, sent)
	}

	// A different reply is posted; our replies come back as our own.
	if _, err := c.Reply(context.Background(), src, reply, "Autre chose", "k2"); err != nil {
		t.Fatal(err)
	}
	if y.inserts != 2 {
		t.Fatalf("%d inserts", y.inserts)
	}
	b2, err := c.Fetch(context.Background(), src, b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range b2.Mentions {
		if !m.Own {
			t.Errorf("not marked own: %+v", m)
		}
	}
	if len(b2.Mentions) != 2 {
		t.Fatalf("%d mentions after two replies", len(b2.Mentions))
	}

	if _, err := c.Reply(context.Background(), src, Mention{Meta: map[string]string{"thread_id": "UgNoSuchThread"}}, "x", "k3"); !errors.Is(err, ErrRejected) {
		t.Fatalf("unknown parent: err = %v", err)
	}
	y.quotaLeft = 10
	_, err = c.Reply(context.Background(), src, reply, "Encore", "k4")
	var rl *RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("quota on insert: err = %v", err)
	}
}

func TestYouTubeQuotaResetAcrossDaylightSaving(t *testing.T) {
	for _, tc := range []struct{ now, want string }{
		{"2026-11-28T12:00:00Z", "2026-11-29T08:00:00Z"}, // PST
		{"2026-07-04T06:59:00Z", "2026-07-04T07:00:00Z"}, // PDT, a minute before midnight
		{"2026-07-04T07:00:00Z", "2026-07-05T07:00:00Z"}, // PDT, at midnight
		{"2026-03-07T12:00:00Z", "2026-03-08T08:00:00Z"}, // the night before DST starts: still PST
		{"2026-03-08T12:00:00Z", "2026-03-09T07:00:00Z"}, // first PDT midnight
		{"2026-10-31T12:00:00Z", "2026-11-01T07:00:00Z"}, // the last PDT midnight
		{"2026-11-01T12:00:00Z", "2026-11-02T08:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := youtubeQuotaReset(now); !got.Equal(want) {
			t.Errorf("reset after %s = %s, want %s", tc.now, got.UTC().Format(time.RFC3339), tc.want)
		}
		if got := youtubeQuotaResetByRule(now); !got.Equal(want) {
			t.Errorf("rule: reset after %s = %s, want %s", tc.now, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
}

// TestYouTubeReplyToADeletedComment: the comment was read, then its author
// deleted it. Whether YouTube refuses the look at its replies (a 404) or
// the insert under it (a 400), the reply is refused as such, never
// reported as the source's configuration, and nothing is inserted.
func TestYouTubeReplyToADeletedComment(t *testing.T) {
	y := newYouTubeTestServer(t)
	c := youtubeTestConnector()
	src := y.source()
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	var to Mention
	for _, m := range b.Mentions {
		if m.InReplyTo == "" {
			to = m
			break
		}
	}
	y.mu.Lock()
	y.deleted[to.Meta["top_comment_id"]] = true
	y.mu.Unlock()
	_, err = c.Reply(context.Background(), src, to, "Merci pour votre retour !", "k")
	if !errors.Is(err, ErrRejected) || errors.Is(err, ErrConfig) {
		t.Fatalf("got %v", err)
	}
	if y.inserts != 0 {
		t.Errorf("%d inserts under a deleted comment", y.inserts)
	}
}

// TestYouTubeReplyHiddenByADeletion: a thread carries only some of its
// replies (the fake: the first five), so its totalReplyCount says when to
// read them all. Between two polls one reply is deleted and another
// written, and the count does not move; a newer thread moves the cursor
// past the new reply. After youtubeRescanEvery the threads read are
// checked again, and the reply is still new for its thread: it arrives,
// once.
func TestYouTubeReplyHiddenByADeletion(t *testing.T) {
	y := newYouTubeTestServer(t)
	const thread = "UgzQ8vV3xYk2mNp4rT61AaABAg"
	y.addReplies(thread, 8, youtubeTestNow.Add(-5*time.Hour))
	now := youtubeTestNow
	c := NewYouTube(Config{Now: func() time.Time { return now }})
	src := y.source()
	first, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}

	y.mu.Lock()
	y.replies[thread] = append(y.replies[thread][:2], y.replies[thread][3:]...) // one old reply deleted
	y.mu.Unlock()
	y.addReplies(thread, 1, youtubeTestNow.Add(-time.Hour)) // one written: the count stays 9
	y.addThreads(1, youtubeTestNow.Add(-30*time.Minute))
	now = now.Add(10 * time.Minute)
	second, err := c.Fetch(context.Background(), src, first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Mentions) != 1 || second.Mentions[0].InReplyTo != "" {
		t.Fatalf("second poll: %+v", second.Mentions)
	}

	now = now.Add(youtubeRescanEvery)
	third, err := c.Fetch(context.Background(), src, second.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Mentions) != 1 || third.Mentions[0].InReplyTo != thread || !strings.HasPrefix(third.Mentions[0].ExternalID, thread+".r") {
		t.Fatalf("after the rescan: %+v", third.Mentions)
	}
	y.mu.Lock()
	y.replyLists = 0
	y.mu.Unlock()
	fourth, err := c.Fetch(context.Background(), src, third.Cursor)
	if err != nil || len(fourth.Mentions) != 0 || y.replyLists != 0 {
		t.Fatalf("the poll after: %d mentions, %d reply lists, %v", len(fourth.Mentions), y.replyLists, err)
	}
}
