package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	igUser = "17841400000000001"
	igM1   = "17900000000000001"
	igM3   = "17900000000000003"
	igC1   = "17850000000000001"
	igR1   = "17850000000000002"
)

func igFirstFiles() map[string]string {
	return map[string]string{
		"/" + igUser:                    "me.json",
		"/" + igUser + "/media":         "media_1.json",
		"/" + igUser + "/media@QVFIUzI": "media_2.json",
		"/" + igUser + "/tags":          "tags.json",
		"/" + igM1 + "/comments":        "comments_M1_1.json",
		"/" + igM1 + "/comments@Q29tMg": "comments_M1_2.json",
		"/" + igM3 + "/comments":        "comments_M3.json",
	}
}

func igSource(g *fakeGraph) Source {
	return Source{ID: "ig1", Kind: "instagram", URL: g.srv.URL, Options: map[string]string{"ig_user_id": igUser}, Secrets: map[string]string{"access_token": "page-token"}}
}

func TestInstagramFirstPollReadsTheBacklog(t *testing.T) {
	g := newFakeGraph(t, "instagram", igFirstFiles())
	batch, err := NewInstagram(metaTestConfig(g)).Fetch(context.Background(), igSource(g), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	got := mentionsByID(batch.Mentions)
	want := []string{igM1, "17900000000000002", igM3, igC1, igR1, "17850000000000003", "17850000000000010", "17900000000000050"}
	if len(got) != len(want) {
		t.Fatalf("got %v", keys(got))
	}
	if m := got[igM1]; !m.Own || m.Meta["kind"] != "media" {
		t.Errorf("own media %+v", m)
	}
	c1 := got[igC1]
	if c1.Own || c1.Author != "@claire.m" || c1.InReplyTo != igM1 || c1.ThreadID != igM1 || c1.URL != "https://www.instagram.com/p/DCm1/" || c1.Text != "Vous gardez le croissant aux amandes ?" {
		t.Errorf("comment %+v", c1)
	}
	r1 := got[igR1]
	if !r1.Own || r1.InReplyTo != igC1 || r1.Meta["parent_id"] != igC1 {
		t.Errorf("own reply %+v", r1)
	}
	if tag := got["17900000000000050"]; tag.Own || tag.Meta["kind"] != "tag" || tag.Author != "@bistro.voisin" {
		t.Errorf("tag %+v", tag)
	}
	paths := g.paths(http.MethodGet)
	if !slices.Contains(paths, "/"+igUser+"/media@QVFIUzI") || !slices.Contains(paths, "/"+igM1+"/comments@Q29tMg") {
		t.Errorf("did not page: %v", paths)
	}
	if slices.Contains(paths, "/17900000000000002/comments") {
		t.Error("read the comments of a media that has none")
	}
	var cur instagramCursor
	if err := json.Unmarshal([]byte(batch.Cursor.Since), &cur); err != nil || cur.Counts[igM1] != 3 || cur.T != time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("cursor %s", batch.Cursor.Since)
	}
}

func TestInstagramIncrementalPoll(t *testing.T) {
	g := newFakeGraph(t, "instagram", igFirstFiles())
	ig := NewInstagram(metaTestConfig(g))
	first, err := ig.Fetch(context.Background(), igSource(g), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	g.reset()
	files := igFirstFiles()
	files["/"+igUser+"/media"] = "media_incremental.json"
	files["/"+igM1+"/comments"] = "comments_M1_incremental.json"
	g.setFiles(files)
	second, err := ig.Fetch(context.Background(), igSource(g), first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Mentions) != 1 || second.Mentions[0].ExternalID != "17850000000000004" {
		t.Fatalf("got %v", keys(mentionsByID(second.Mentions)))
	}
	paths := g.paths(http.MethodGet)
	if slices.Contains(paths, "/"+igM3+"/comments") {
		t.Error("re-read the comments of a media whose count did not move")
	}
	if slices.Contains(paths, "/"+igUser) {
		t.Error("asked the username again")
	}
}

func TestInstagramErrors(t *testing.T) {
	t.Run("expired token", func(t *testing.T) {
		g := newFakeGraph(t, "instagram", igFirstFiles())
		src := igSource(g)
		src.Secrets["access_token"] = "old"
		_, err := NewInstagram(metaTestConfig(g)).Fetch(context.Background(), src, Cursor{})
		if !errors.Is(err, ErrReconnect) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		g := newFakeGraph(t, "instagram", igFirstFiles())
		g.handle = func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasSuffix(r.URL.Path, "/media") {
				return false
			}
			w.Header().Set("X-Business-Use-Case-Usage", `{"17841400000000001":[{"type":"instagram","call_count":100,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":30}]}`)
			g.writeFile(w, http.StatusForbidden, "error_80002.json")
			return true
		}
		_, err := NewInstagram(metaTestConfig(g)).Fetch(context.Background(), igSource(g), Cursor{})
		var rl *RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Minute {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no account id", func(t *testing.T) {
		g := newFakeGraph(t, "instagram", nil)
		src := igSource(g)
		src.Options["ig_user_id"] = "@cafelumiere"
		if _, err := NewInstagram(metaTestConfig(g)).Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrConfig) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestInstagramReplyIsSentExactlyOnce(t *testing.T) {
	g := newFakeGraph(t, "instagram", igFirstFiles())
	replies := &fakeReplies{replies: []map[string]any{{"id": igR1, "text": "@claire.m oui, toute la saison !", "username": "cafelumiere"}}}
	g.handle = replies.handler("/"+igC1+"/replies", map[string]any{"username": "cafelumiere"}, "text")
	ig := NewInstagram(metaTestConfig(g))
	// Answering the Page's own earlier reply goes to the top-level comment.
	to := Mention{ExternalID: "17850000000000099", Meta: map[string]string{"kind": "comment", "media_id": igM1, "parent_id": igC1}}
	body := "Oui, et la tarte au sucre aussi !"
	first, err := ig.Reply(context.Background(), igSource(g), to, body, "k")
	if err != nil || first.ExternalID == "" {
		t.Fatalf("first %+v, %v", first, err)
	}
	again, err := ig.Reply(context.Background(), igSource(g), to, body, "k")
	if err != nil || again.ExternalID != first.ExternalID || replies.posts != 1 {
		t.Fatalf("retry %+v vs %+v, %v, %d POSTs", again, first, err, replies.posts)
	}
}

func TestInstagramMentions(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "instagram", "webhook.json"))
	if err != nil {
		t.Fatal(err)
	}
	byAccount, err := ParseInstagramWebhook(body, map[string]string{igUser: "cafelumiere"})
	if err != nil {
		t.Fatal(err)
	}
	d := byAccount[igUser]
	if len(d.Mentions) != 2 || len(d.Refs) != 2 {
		t.Fatalf("delivery %+v", d)
	}
	if c := d.Mentions[0]; c.Own || c.Author != "@julie.t" || c.Text != "Le latte était parfait 👌" || c.InReplyTo != igM1 || !c.Published.Equal(time.Unix(1764328800, 0)) {
		t.Errorf("comment %+v", c)
	}
	if own := d.Mentions[1]; !own.Own || own.InReplyTo != "17850000000000020" {
		t.Errorf("own reply %+v", own)
	}
	if d.Refs[0].CommentID != "17860000000000001" || d.Refs[1].CommentID != "" || d.Refs[1].MediaID != "17910000000000002" {
		t.Errorf("refs %+v", d.Refs)
	}

	g := newFakeGraph(t, "instagram", igFirstFiles())
	var mentionPosts []string
	g.handle = func(w http.ResponseWriter, r *http.Request) bool {
		fields := r.URL.Query().Get("fields")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/"+igUser+"/mentions":
			mentionPosts = append(mentionPosts, r.PostForm.Encode())
			w.Write([]byte(`{"id":"17860000000000077"}`))
			return true
		case r.URL.Path == "/"+igUser && strings.HasPrefix(fields, "mentioned_comment.comment_id(17860000000000001){replies"):
			if len(mentionPosts) == 0 {
				w.Write([]byte(`{"mentioned_comment":{"replies":{"data":[]},"id":"17860000000000001"},"id":"` + igUser + `"}`))
			} else {
				w.Write([]byte(`{"mentioned_comment":{"replies":{"data":[{"id":"17860000000000077","text":"Oui, le jeudi !","username":"cafelumiere"}]},"id":"17860000000000001"},"id":"` + igUser + `"}`))
			}
			return true
		case r.URL.Path == "/"+igUser && strings.HasPrefix(fields, "mentioned_comment"):
			g.writeFile(w, http.StatusOK, "mentioned_comment.json")
			return true
		case r.URL.Path == "/"+igUser && strings.HasPrefix(fields, "mentioned_media"):
			g.writeFile(w, http.StatusOK, "mentioned_media.json")
			return true
		}
		return false
	}
	ig := NewInstagram(metaTestConfig(g))
	mc, err := ig.Mentioned(context.Background(), igSource(g), d.Refs[0])
	if err != nil {
		t.Fatal(err)
	}
	if mc.ExternalID != "17860000000000001" || mc.Text != "@cafelumiere vous livrez à Laval ?" || mc.Meta["kind"] != "mention_comment" || mc.Meta["media_id"] != "17910000000000001" {
		t.Errorf("mentioned comment %+v", mc)
	}
	mm, err := ig.Mentioned(context.Background(), igSource(g), d.Refs[1])
	if err != nil || mm.Author != "@julie.t" || mm.Meta["kind"] != "mention_media" || mm.Own {
		t.Errorf("mentioned media %+v, %v", mm, err)
	}
	// Reply to the comment mention, twice: one POST /{ig-user-id}/mentions.
	for range 2 {
		sent, err := ig.Reply(context.Background(), igSource(g), mc, "Oui, le jeudi !", "k")
		if err != nil || sent.ExternalID != "17860000000000077" {
			t.Fatalf("reply %+v, %v", sent, err)
		}
	}
	if len(mentionPosts) != 1 || !strings.Contains(mentionPosts[0], "comment_id=17860000000000001") || !strings.Contains(mentionPosts[0], "media_id=17910000000000001") {
		t.Errorf("mention replies %v", mentionPosts)
	}
	tag := Mention{ExternalID: "17900000000000050", Meta: map[string]string{"kind": "tag"}}
	if _, err := ig.Reply(context.Background(), igSource(g), tag, "Merci !", "k"); !errors.Is(err, ErrNoReply) {
		t.Errorf("tag reply: %v", err)
	}
	if _, err := ParseInstagramWebhook([]byte(`{"object":"page","entry":[]}`), nil); !errors.Is(err, ErrBadWebhook) {
		t.Errorf("wrong object: %v", err)
	}
}

// TestInstagramEditedAndDeletedComments: Instagram shows no edit to the
// API (the IG Comment node has text and timestamp, no update time, and the
// "comments" webhook field no verb), so a comment whose text changed comes
// back with its id and first timestamp and must not become a second
// message. A deleted comment stops being listed and lowers the media's
// comments_count: the poll that sees the drop reads the comments again,
// finds nothing new, and the next comment is read as usual.
func TestInstagramEditedAndDeletedComments(t *testing.T) {
	g := newFakeGraph(t, "instagram", igFirstFiles())
	ig := NewInstagram(metaTestConfig(g))
	first, err := ig.Fetch(context.Background(), igSource(g), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	files := igFirstFiles()
	files["/"+igUser+"/media"] = "media_after_delete.json"  // 17850000000000003 deleted: 3 → 2
	files["/"+igM1+"/comments"] = "comments_M1_edited.json" // and 17850000000000001's text edited
	g.setFiles(files)
	g.reset()
	second, err := ig.Fetch(context.Background(), igSource(g), first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Mentions) != 0 {
		t.Fatalf("an edit or a deletion brought %v", keys(mentionsByID(second.Mentions)))
	}
	if !slices.Contains(g.paths(http.MethodGet), "/"+igM1+"/comments") {
		t.Error("the lower count did not make the poll look at the media's comments")
	}
	var cur instagramCursor
	if err := json.Unmarshal([]byte(second.Cursor.Since), &cur); err != nil || cur.Counts[igM1] != 2 {
		t.Fatalf("cursor %s", second.Cursor.Since)
	}

	files["/"+igUser+"/media"] = "media_after_new.json"
	files["/"+igM1+"/comments"] = "comments_M1_after_new.json"
	g.setFiles(files)
	third, err := ig.Fetch(context.Background(), igSource(g), second.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(mentionsByID(third.Mentions)); !slices.Equal(got, []string{"17850000000000005"}) {
		t.Fatalf("after the deletion: %v", got)
	}
}

// TestInstagramReplyToADeletedComment: Graph answers code 100 subcode 33
// for a comment that no longer exists; the reply is refused as deleted,
// and nothing is posted.
func TestInstagramReplyToADeletedComment(t *testing.T) {
	files := igFirstFiles() // has no /{comment}/replies: the fake answers 100/33
	g := newFakeGraph(t, "instagram", files)
	to := Mention{ExternalID: "17850000000000003", Meta: map[string]string{"kind": "comment", "media_id": igM1}}
	_, err := NewInstagram(metaTestConfig(g)).Reply(context.Background(), igSource(g), to, "Désolés, on vous le réchauffe !", "k")
	if !errors.Is(err, ErrRejected) || errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "no longer exists") {
		t.Fatalf("got %v", err)
	}
	if len(g.paths(http.MethodPost)) != 0 {
		t.Error("posted under a deleted comment")
	}
}

// TestInstagramCommentHiddenByADeletion: between two polls one comment on
// a post is deleted and another written, so comments_count does not move,
// and a new tag moves the watermark past the new comment. The polls that
// follow read every media's comments again after instagramRescanEvery,
// and the comment is still new for its post: it arrives, once.
func TestInstagramCommentHiddenByADeletion(t *testing.T) {
	g := newFakeGraph(t, "instagram", igFirstFiles())
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cfg := metaTestConfig(g)
	cfg.Now = func() time.Time { return now }
	ig := NewInstagram(cfg)
	first, err := ig.Fetch(context.Background(), igSource(g), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	files := igFirstFiles()
	files["/"+igM1+"/comments"] = "comments_M1_swapped.json" // 17850000000000003 out, 17850000000000005 in: still 3
	files["/"+igUser+"/tags"] = "tags_new.json"              // tagged at 11:00, after the new comment
	g.setFiles(files)
	now = now.Add(10 * time.Minute)
	second, err := ig.Fetch(context.Background(), igSource(g), first.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(mentionsByID(second.Mentions)); !slices.Equal(got, []string{"17900000000000051"}) {
		t.Fatalf("second poll: %v", got)
	}

	now = now.Add(instagramRescanEvery)
	g.reset()
	third, err := ig.Fetch(context.Background(), igSource(g), second.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(mentionsByID(third.Mentions)); !slices.Equal(got, []string{"17850000000000005"}) {
		t.Fatalf("after the rescan: %v", got)
	}
	if !slices.Contains(g.paths(http.MethodGet), "/"+igM3+"/comments") {
		t.Error("the rescan skipped a media with comments")
	}
	g.reset()
	fourth, err := ig.Fetch(context.Background(), igSource(g), third.Cursor)
	if err != nil || len(fourth.Mentions) != 0 || slices.Contains(g.paths(http.MethodGet), "/"+igM1+"/comments") {
		t.Fatalf("the poll after: %v, %v, asked %v", keys(mentionsByID(fourth.Mentions)), err, g.paths(http.MethodGet))
	}
}
