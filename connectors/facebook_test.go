package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const fbPage = "1061234567890"

func fbFirstPollFiles() map[string]string {
	return map[string]string{
		"/" + fbPage + "/feed":                          "feed_1.json",
		"/" + fbPage + "/feed@QVFIUjJfeGZAh":            "feed_2.json",
		"/" + fbPage + "/visitor_posts":                 "visitor_posts.json",
		"/" + fbPage + "/tagged":                        "tagged.json",
		"/" + fbPage + "_111/comments":                  "comments_A_1.json",
		"/" + fbPage + "_111/comments@WTI5dGJXVnVkRjg1": "comments_A_2.json",
		"/" + fbPage + "_222/comments":                  "comments_B.json",
		"/" + fbPage + "_333/comments":                  "empty.json",
	}
}

func fbSource(g *fakeGraph) Source {
	return Source{ID: "src1", Kind: "facebook", URL: g.srv.URL, Options: map[string]string{"page_id": fbPage}, Secrets: map[string]string{"access_token": "page-token"}}
}

func mentionsByID(ms []Mention) map[string]Mention {
	out := map[string]Mention{}
	for _, m := range ms {
		out[m.ExternalID] = m
	}
	return out
}

func TestFacebookFirstPollReadsTheBacklog(t *testing.T) {
	g := newFakeGraph(t, "facebook", fbFirstPollFiles())
	fb := NewFacebook(metaTestConfig(g))
	batch, err := fb.Fetch(context.Background(), fbSource(g), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	got := mentionsByID(batch.Mentions)
	want := []string{fbPage + "_111", fbPage + "_222", fbPage + "_333", "111_901", "111_902", "111_903", "111_904", "222_951", "7788000000_4455"}
	if len(batch.Mentions) != len(want) {
		t.Fatalf("got %d mentions, want %d: %v", len(batch.Mentions), len(want), keys(got))
	}
	for _, id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("missing %s", id)
		}
	}
	// Both pages of the feed and of the busy post's comments were read.
	paths := g.paths(http.MethodGet)
	for _, p := range []string{"/" + fbPage + "/feed@QVFIUjJfeGZAh", "/" + fbPage + "_111/comments@WTI5dGJXVnVkRjg1"} {
		if !slices.Contains(paths, p) {
			t.Errorf("did not page to %s; asked %v", p, paths)
		}
	}
	visitor := got[fbPage+"_222"]
	if visitor.Own || visitor.Meta["kind"] != "visitor_post" || visitor.AuthorName != "Claire Martin" || visitor.URL == "" {
		t.Errorf("visitor post %+v", visitor)
	}
	if own := got[fbPage+"_111"]; !own.Own {
		t.Error("the Page's own post must be Own")
	}
	reply := got["111_903"]
	if !reply.Own || reply.InReplyTo != "111_901" || reply.ThreadID != fbPage+"_111" {
		t.Errorf("page reply %+v", reply)
	}
	top := got["111_902"]
	if top.Own || top.InReplyTo != fbPage+"_111" || top.Text != "Le chocolat chaud était froid, dommage." || !top.Published.Equal(time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("comment %+v", top)
	}
	if tag := got["7788000000_4455"]; tag.Meta["kind"] != "tagged" || tag.Own {
		t.Errorf("tagged post %+v", tag)
	}
	w := parseMetaWatermark(batch.Cursor.Since)
	if w.T != time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).Unix() || !slices.Equal(w.IDs, []string{"111_903"}) {
		t.Errorf("cursor %s", batch.Cursor.Since)
	}
	for _, r := range g.requests {
		if r.Query.Get("access_token") != "page-token" {
			t.Errorf("request %s without the Page token", r.Path)
		}
	}
}

func keys(m map[string]Mention) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestFacebookIncrementalPoll(t *testing.T) {
	g := newFakeGraph(t, "facebook", fbFirstPollFiles())
	fb := NewFacebook(metaTestConfig(g))
	src := fbSource(g)
	first, err := fb.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	g.reset()
	g.setFiles(map[string]string{
		"/" + fbPage + "/feed":          "feed_incremental.json",
		"/" + fbPage + "/visitor_posts": "visitor_posts.json",
		"/" + fbPage + "/tagged":        "tagged.json",
		"/" + fbPage + "_111/comments":  "comments_A_incremental.json",
	})
	second, err := fb.Fetch(context.Background(), src, first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Mentions) != 1 || second.Mentions[0].ExternalID != "111_905" {
		t.Fatalf("incremental poll: %v", keys(mentionsByID(second.Mentions)))
	}
	if m := second.Mentions[0]; m.InReplyTo != "111_902" || m.ThreadID != fbPage+"_111" {
		t.Errorf("threading %+v", m)
	}
	paths := g.paths(http.MethodGet)
	// Post B has no activity since the cursor: its comments are not read;
	// post A's comments stop at the cursor without reading page two.
	if slices.Contains(paths, "/"+fbPage+"_222/comments") || slices.Contains(paths, "/"+fbPage+"_111/comments@WTI6") {
		t.Errorf("read more than needed: %v", paths)
	}
	// A third poll with nothing new brings nothing.
	third, err := fb.Fetch(context.Background(), src, second.Cursor)
	if err != nil || len(third.Mentions) != 0 {
		t.Fatalf("third poll: %v, %v", third.Mentions, err)
	}
}

func TestFacebookErrors(t *testing.T) {
	t.Run("expired token asks to reconnect", func(t *testing.T) {
		g := newFakeGraph(t, "facebook", fbFirstPollFiles())
		src := fbSource(g)
		src.Secrets["access_token"] = "expired-token"
		_, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), src, Cursor{})
		if !errors.Is(err, ErrReconnect) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), "expired-token") {
			t.Error("the error leaks the token")
		}
	})
	t.Run("rate limit carries the wait", func(t *testing.T) {
		g := newFakeGraph(t, "facebook", fbFirstPollFiles())
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasSuffix(r.URL.Path, "/comments") {
				return false
			}
			w.Header().Set("X-Business-Use-Case-Usage", `{"`+fbPage+`":[{"type":"pages","call_count":100,"total_cputime":40,"total_time":51,"estimated_time_to_regain_access":7}]}`)
			g.writeFile(w, http.StatusBadRequest, "error_80001.json")
			return true
		}
		_, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), fbSource(g), Cursor{})
		var rl *RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Minute {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing permission is named", func(t *testing.T) {
		g := newFakeGraph(t, "facebook", fbFirstPollFiles())
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			g.writeFile(w, http.StatusForbidden, "error_10_permission.json")
			return true
		}
		_, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), fbSource(g), Cursor{})
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "the token lacks the pages_read_engagement permission") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("deprecated ratings are skipped", func(t *testing.T) {
		files := fbFirstPollFiles()
		g := newFakeGraph(t, "facebook", files)
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/"+fbPage+"/ratings" {
				return false
			}
			g.writeFile(w, http.StatusBadRequest, "error_12_ratings.json")
			return true
		}
		src := fbSource(g)
		src.Options["ratings"] = "on"
		batch, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), src, Cursor{})
		if err != nil || len(batch.Mentions) != 9 {
			t.Fatalf("got %d mentions, %v", len(batch.Mentions), err)
		}
	})
	t.Run("an API version without visitor_posts", func(t *testing.T) {
		files := fbFirstPollFiles()
		delete(files, "/"+fbPage+"/visitor_posts") // the fake answers error 100
		g := newFakeGraph(t, "facebook", files)
		batch, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), fbSource(g), Cursor{})
		if err != nil || len(batch.Mentions) != 9 {
			t.Fatalf("got %d mentions, %v", len(batch.Mentions), err)
		}
	})
	t.Run("no page id", func(t *testing.T) {
		g := newFakeGraph(t, "facebook", nil)
		src := fbSource(g)
		delete(src.Options, "page_id")
		if _, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrConfig) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("broken JSON", func(t *testing.T) {
		g := newFakeGraph(t, "facebook", nil)
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(`{"data":[{"id":`))
			return true
		}
		if _, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), fbSource(g), Cursor{}); !errors.Is(err, ErrBadFeed) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("huge body", func(t *testing.T) {
		g := newFakeGraph(t, "facebook", nil)
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(`{"data":[` + strings.Repeat(" ", 4096) + `]}`))
			return true
		}
		cfg := metaTestConfig(g)
		cfg.MaxBody = 1024
		if _, err := NewFacebook(cfg).Fetch(context.Background(), fbSource(g), Cursor{}); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
}

// fakeReplies serves one comment's replies and accepts new ones, like the
// Graph Comments edge.
type fakeReplies struct {
	mu      sync.Mutex
	replies []map[string]any
	posts   int
}

// handler serves path; author holds the fields that name the account in
// each new reply ({"from": {"id": ...}} on Facebook, {"username": ...} on
// Instagram), textKey the text's field name.
func (f *fakeReplies) handler(path string, author map[string]any, textKey string) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != path {
			return false
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			f.posts++
			id := fmt.Sprintf("111_99%d", f.posts)
			reply := map[string]any{"id": id, textKey: r.PostForm.Get("message")}
			for k, v := range author {
				reply[k] = v
			}
			f.replies = append([]map[string]any{reply}, f.replies...)
			json.NewEncoder(w).Encode(map[string]string{"id": id})
			return true
		}
		json.NewEncoder(w).Encode(map[string]any{"data": f.replies})
		return true
	}
}

func TestFacebookReplyIsSentExactlyOnce(t *testing.T) {
	g := newFakeGraph(t, "facebook", nil)
	replies := &fakeReplies{replies: []map[string]any{
		{"id": "111_950", "message": "Désolés, on vous offre le prochain !", "from": map[string]string{"id": "6012000000001", "name": "Claire Martin"}},
	}}
	g.handle = replies.handler("/111_902/comments", map[string]any{"from": map[string]string{"id": fbPage}}, "message")
	fb := NewFacebook(metaTestConfig(g))
	to := Mention{ExternalID: "111_902", Meta: map[string]string{"kind": "comment", "post_id": fbPage + "_111"}}
	body := "Désolés, on vous offre le prochain !"

	first, err := fb.Reply(context.Background(), fbSource(g), to, body, "key-1")
	if err != nil || first.ExternalID == "" {
		t.Fatalf("first reply: %+v, %v", first, err)
	}
	// The process dies before storing first: the outbox sends again.
	again, err := fb.Reply(context.Background(), fbSource(g), to, "  "+body+"\n", "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.ExternalID != first.ExternalID || replies.posts != 1 {
		t.Fatalf("sent twice: %+v vs %+v, %d POSTs", first, again, replies.posts)
	}
	// Someone else writing the same words does not count as our reply, and
	// another text is a new reply.
	if _, err := fb.Reply(context.Background(), fbSource(g), to, "Merci pour votre retour.", "key-2"); err != nil || replies.posts != 2 {
		t.Fatalf("second text: %v, %d POSTs", err, replies.posts)
	}
	for _, r := range g.requests {
		if r.Method == http.MethodPost && (r.Path != "/111_902/comments" || !strings.Contains(r.Body, "message=")) {
			t.Errorf("unexpected POST %s %s", r.Path, r.Body)
		}
	}
}

func TestFacebookReplyErrors(t *testing.T) {
	g := newFakeGraph(t, "facebook", nil)
	g.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet {
			w.Write([]byte(`{"data":[]}`))
			return true
		}
		g.writeFile(w, http.StatusBadRequest, "error_190_password.json")
		return true
	}
	fb := NewFacebook(metaTestConfig(g))
	to := Mention{ExternalID: "111_902"}
	if _, err := fb.Reply(context.Background(), fbSource(g), to, "Merci", "k"); !errors.Is(err, ErrReconnect) {
		t.Fatalf("revoked token on reply: %v", err)
	}
	if _, err := fb.Reply(context.Background(), fbSource(g), to, "   ", "k"); !errors.Is(err, ErrRejected) {
		t.Fatalf("empty reply: %v", err)
	}
	rating := Mention{ExternalID: "998877", Meta: map[string]string{"kind": "rating"}}
	if _, err := fb.Reply(context.Background(), fbSource(g), rating, "Merci", "k"); !errors.Is(err, ErrNoReply) {
		t.Fatalf("rating: %v", err)
	}
}

func TestParseFacebookWebhook(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "facebook", "webhook_feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	byPage, err := ParseFacebookWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	ms := byPage[fbPage].Mentions
	if len(ms) != 3 {
		t.Fatalf("got %d mentions (the removal and the reaction are none): %v", len(ms), keys(mentionsByID(ms)))
	}
	// Marc's comment, removed (verb "remove"), is named to be marked deleted.
	if removed := byPage[fbPage].Removed; !slices.Equal(removed, []string{"111_901"}) {
		t.Errorf("removed %v", removed)
	}
	added, edited, own := ms[0], ms[1], ms[2]
	if added.ExternalID != "111_906" || added.Text != "Le chocolat était froid, vraiment déçue." || added.InReplyTo != fbPage+"_111" || added.ThreadID != fbPage+"_111" || added.Own {
		t.Errorf("added %+v", added)
	}
	if !added.Published.Equal(time.Unix(1764325200, 0)) {
		t.Errorf("published %v", added.Published)
	}
	if !strings.HasPrefix(edited.ExternalID, "111_906#edited-") || edited.InReplyTo != "111_906" || edited.Meta["event"] != "edited" || edited.Text != "Le chocolat était tiède, déçue." {
		t.Errorf("edited %+v", edited)
	}
	if !own.Own || own.InReplyTo != "111_906" {
		t.Errorf("own reply %+v", own)
	}
	// An edited comment is answered on the comment itself.
	g := newFakeGraph(t, "facebook", nil)
	replies := &fakeReplies{}
	g.handle = replies.handler("/111_906/comments", map[string]any{"from": map[string]string{"id": fbPage}}, "message")
	if _, err := NewFacebook(metaTestConfig(g)).Reply(context.Background(), fbSource(g), edited, "Désolés !", "k"); err != nil || replies.posts != 1 {
		t.Fatalf("reply to an edit: %v, %d", err, replies.posts)
	}

	for _, bad := range []string{`{"object":"instagram","entry":[]}`, `{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":[1]}]}]}`, `not json`} {
		if _, err := ParseFacebookWebhook([]byte(bad)); !errors.Is(err, ErrBadWebhook) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestFacebookSlowsDownNearTheLimit(t *testing.T) {
	g := newFakeGraph(t, "facebook", fbFirstPollFiles())
	g.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/"+fbPage+"/feed" && r.URL.Query().Get("after") == "" {
			w.Header().Set("X-App-Usage", `{"call_count":96,"total_cputime":10,"total_time":12}`)
		}
		return false
	}
	cur := Cursor{Since: `{"t":1764230400}`}
	batch, err := NewFacebook(metaTestConfig(g)).Fetch(context.Background(), fbSource(g), cur)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(g.paths(http.MethodGet), "/"+fbPage+"/feed@QVFIUjJfeGZAh") {
		t.Error("kept paging at 96 % of the app's calls")
	}
	if batch.Cursor.Since != cur.Since || !batch.NextCheck.Equal(time.Date(2026, 11, 28, 12, 15, 0, 0, time.UTC)) {
		t.Errorf("cursor %q, next check %v", batch.Cursor.Since, batch.NextCheck)
	}
	if len(batch.Mentions) == 0 {
		t.Error("what was read is still returned")
	}
}

// TestFacebookReplyToADeletedComment: a comment its author deleted after
// it was read is answered with Graph's "Unsupported get request. Object
// with ID … does not exist" (code 100, subcode 33) on the look for an
// earlier reply: the reply is refused as deleted, not the source's
// configuration, and nothing is posted.
func TestFacebookReplyToADeletedComment(t *testing.T) {
	g := newFakeGraph(t, "facebook", nil) // no object exists: every GET is 100/33
	fb := NewFacebook(metaTestConfig(g))
	_, err := fb.Reply(context.Background(), fbSource(g), Mention{ExternalID: "111_904", Meta: map[string]string{"kind": "comment"}}, "Merci Claire !", "k")
	if !errors.Is(err, ErrRejected) || errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "no longer exists") {
		t.Fatalf("got %v", err)
	}
	if slices.Contains(g.paths(http.MethodPost), "/111_904/comments") {
		t.Error("posted under a deleted comment")
	}
	// A removal stored before removals were skipped is refused without a call.
	g.reset()
	removed := Mention{ExternalID: "111_901#removed", Meta: map[string]string{"event": "removed", "edit_of": "111_901"}}
	if _, err := fb.Reply(context.Background(), fbSource(g), removed, "Merci", "k"); !errors.Is(err, ErrRejected) {
		t.Fatalf("got %v", err)
	}
	if len(g.requests) != 0 {
		t.Error("asked Graph about a deleted comment")
	}
}

// TestFacebookPollAfterADeletion: the comment the cursor stopped at
// (111_903, the newest second's id in the watermark) is deleted before the
// next poll; the Comments edge simply stops listing it. The poll still
// finds the new comment under it, brings nothing twice, and the one after
// is quiet.
func TestFacebookPollAfterADeletion(t *testing.T) {
	g := newFakeGraph(t, "facebook", fbFirstPollFiles())
	fb := NewFacebook(metaTestConfig(g))
	src := fbSource(g)
	first, err := fb.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"/" + fbPage + "/feed":          "feed_incremental.json",
		"/" + fbPage + "/visitor_posts": "visitor_posts.json",
		"/" + fbPage + "/tagged":        "tagged.json",
		"/" + fbPage + "_111/comments":  "comments_A_deleted.json",
	}
	g.setFiles(files)
	second, err := fb.Fetch(context.Background(), src, first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(mentionsByID(second.Mentions)); !slices.Equal(got, []string{"111_905"}) {
		t.Fatalf("after the deletion: %v", got)
	}
	third, err := fb.Fetch(context.Background(), src, second.Cursor)
	if err != nil || len(third.Mentions) != 0 {
		t.Fatalf("the poll after: %v, %v", keys(mentionsByID(third.Mentions)), err)
	}
}

func TestFacebookSubscribeWebhooks(t *testing.T) {
	for _, answer := range []string{`{"success":"true"}`, `{"success":true}`} {
		g := newFakeGraph(t, "facebook", nil)
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPost || r.URL.Path != "/"+fbPage+"/subscribed_apps" || r.PostForm.Get("subscribed_fields") != "feed" || r.URL.Query().Get("access_token") != "page-token" {
				return false
			}
			w.Write([]byte(answer))
			return true
		}
		if err := NewFacebook(metaTestConfig(g)).SubscribeWebhooks(context.Background(), fbSource(g)); err != nil {
			t.Errorf("%s: %v", answer, err)
		}
	}
	g := newFakeGraph(t, "facebook", nil)
	g.handle = func(w http.ResponseWriter, r *http.Request) bool {
		g.writeFile(w, http.StatusForbidden, "error_10_permission.json")
		return true
	}
	if err := NewFacebook(metaTestConfig(g)).SubscribeWebhooks(context.Background(), fbSource(g)); !errors.Is(err, ErrAuth) {
		t.Errorf("refused: %v", err)
	}
}
