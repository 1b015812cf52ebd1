package connectors

// Facebook Page source settings (what the source form asks for):
//
//   - Secrets["access_token"]: the Page access token (MetaPageAccounts gives
//     it after Facebook Login). It needs pages_read_engagement and
//     pages_read_user_content to read, pages_manage_engagement to reply.
//   - Options["page_id"]: the Page's id.
//   - Options["ratings"]: "on" to try reading recommendations (see below).
//   - Source.URL: optional Graph API base URL; empty means
//     https://graph.facebook.com/<MetaGraphVersion>.
//
// What one poll reads (Graph references "Page Feed", "Page Visitor Posts",
// "Page Tagged", "Comments"):
//
//   - /{page-id}/feed: the posts "published by this page, or by others on
//     this page", newest first. The Page's own posts come back with Own set,
//     so comments thread under them; visitor posts are mentions. The newest
//     facebookPostPages pages of posts are scanned on every poll, because a
//     comment can arrive on an old post; comments are only read for posts
//     whose updated_time ("the time the post was last updated, which occurs
//     when a user comments on the post") is past the cursor.
//   - /{page-id}/visitor_posts: the first page, in case the feed leaves
//     visitor posts out.
//   - /{post-id}/comments?filter=stream&order=reverse_chronological: every
//     comment and reply, flat, newest first; replies carry parent{id}.
//   - /{page-id}/tagged: posts the Page is tagged in.
//   - /{page-id}/ratings, only with Options["ratings"] = "on": Page ratings
//     and recommendations are deprecated from Graph v22.0 and answer error
//     12; that answer is logged once per poll and skipped, not a failure.
//
// The cursor is a metaWatermark over created_time. Edits and removals of
// comments are not visible to polling (a comment has no updated time): they
// arrive through the Page webhook (facebook_webhook.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

const (
	// facebookPostPages is how many pages of the feed one poll scans.
	facebookPostPages = 3
	facebookPostLimit = 25
	// facebookCommentPages bounds the comments read per post per poll.
	facebookCommentPages = 5
	// facebookReplyScanPages bounds the replies read to find a reply that
	// went out before a crash.
	facebookReplyScanPages = 4
)

// Fields asked of posts and comments (the "Fields" tables of Page Post and
// Comment).
const (
	facebookPostFields    = "id,message,created_time,updated_time,from{id,name},permalink_url"
	facebookCommentFields = "id,message,created_time,from{id,name},parent{id},permalink_url"
)

// Facebook reads a Facebook Page's posts, comments and tags, and replies as
// the Page.
type Facebook struct {
	cfg Config
}

// NewFacebook returns a Facebook Page connector using cfg's HTTP client.
func NewFacebook(cfg Config) *Facebook { return &Facebook{cfg: cfg} }

var (
	_ Fetcher = (*Facebook)(nil)
	_ Replier = (*Facebook)(nil)
)

type facebookPost struct {
	ID           string   `json:"id"`
	Message      string   `json:"message"`
	CreatedTime  string   `json:"created_time"`
	UpdatedTime  string   `json:"updated_time"`
	From         metaFrom `json:"from"`
	PermalinkURL string   `json:"permalink_url"`
	Parent       *struct {
		ID string `json:"id"`
	} `json:"parent"` // comments only
}

func (f *Facebook) client(src Source) (*metaClient, string, error) {
	pageID := strings.TrimSpace(src.Opt("page_id", ""))
	if pageID == "" || strings.ContainsAny(pageID, "/?#&") {
		return nil, "", fmt.Errorf("%w: facebook: the source needs the Page id", ErrConfig)
	}
	c, err := newMetaClient(f.cfg, src.URL, src.Secrets["access_token"], "facebook")
	return c, pageID, err
}

// facebookFetch is the state of one poll.
type facebookFetch struct {
	f      *Facebook
	c      *metaClient
	pageID string
	from   metaWatermark // the cursor we started from
	next   metaWatermark // the cursor we will store
	seen   map[string]bool
	batch  Batch
	near   bool // the usage headers asked us to slow down
}

// Fetch reads what was posted on and about the Page since cur.
func (f *Facebook) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	c, pageID, err := f.client(src)
	if err != nil {
		return Batch{}, err
	}
	w := parseMetaWatermark(cur.Since)
	st := &facebookFetch{f: f, c: c, pageID: pageID, from: w, next: w, seen: map[string]bool{}}

	active, err := st.posts(ctx, "/"+pageID+"/feed", facebookPostPages)
	if err != nil {
		return Batch{}, err
	}
	visitors, err := st.posts(ctx, "/"+pageID+"/visitor_posts", 1)
	var me *MetaError
	if errors.As(err, &me) && (me.Code == metaCodeInvalidParam || me.Code == metaCodeDeprecated) {
		// The feed holds visitor posts too; an API version without this
		// edge is no reason to fail the poll.
		slog.Warn("facebook: visitor_posts is not served", "source_id", src.ID, "error", me.Message)
		visitors, err = nil, nil
	}
	if err != nil {
		return Batch{}, err
	}
	for _, postID := range append(active, visitors...) {
		if err := st.comments(ctx, postID); err != nil {
			return Batch{}, err
		}
	}
	if err := st.tagged(ctx); err != nil {
		return Batch{}, err
	}
	if src.Opt("ratings", "") == "on" {
		if err := st.ratings(ctx, src); err != nil {
			return Batch{}, err
		}
	}
	st.batch.Cursor = cur
	st.batch.Cursor.Since = st.next.String()
	if st.near {
		// Paging stopped early to stay under the limit, so posts may be
		// left unread below the new watermark: keep the old one and come
		// back later (ingest dedupes what this poll already brought).
		st.batch.Cursor.Since = cur.Since
		st.batch.NextCheck = f.cfg.now().Add(metaDefaultWait)
	}
	return st.batch, nil
}

func (st *facebookFetch) add(m Mention) {
	if st.seen[m.ExternalID] {
		return
	}
	st.seen[m.ExternalID] = true
	st.batch.Mentions = append(st.batch.Mentions, m)
	st.next.advance(m.Published, m.ExternalID)
}

// posts reads a list of posts, adds the new ones, and returns the ids of
// posts with activity since the cursor (their comments are worth reading).
func (st *facebookFetch) posts(ctx context.Context, path string, maxPages int) ([]string, error) {
	q := url.Values{}
	q.Set("fields", facebookPostFields)
	q.Set("limit", strconv.Itoa(facebookPostLimit))
	var active []string
	var bad error
	near, err := st.c.pages(ctx, path, q, maxPages, func(raw json.RawMessage) bool {
		var p facebookPost
		if err := json.Unmarshal(raw, &p); err != nil || p.ID == "" {
			bad = fmt.Errorf("%w: facebook %s: unreadable post", ErrBadFeed, path)
			return false
		}
		created, ok := metaTime(p.CreatedTime)
		if !ok {
			return true
		}
		if st.from.isNew(created, p.ID) {
			st.add(st.postMention(p, raw))
		}
		updated, ok := metaTime(p.UpdatedTime)
		if !ok {
			updated = created
		}
		if st.from.T == 0 || updated.Unix() >= st.from.T {
			if !st.seen["active:"+p.ID] {
				st.seen["active:"+p.ID] = true
				active = append(active, p.ID)
			}
		}
		return true
	})
	st.near = st.near || near
	if err == nil {
		err = bad
	}
	return active, err
}

// comments reads a post's comments newest first, down to the cursor.
func (st *facebookFetch) comments(ctx context.Context, postID string) error {
	q := url.Values{}
	q.Set("fields", facebookCommentFields)
	q.Set("filter", "stream")
	q.Set("order", "reverse_chronological")
	q.Set("limit", strconv.Itoa(metaPageLimit))
	var bad error
	near, err := st.c.pages(ctx, "/"+postID+"/comments", q, facebookCommentPages, func(raw json.RawMessage) bool {
		var cm facebookPost
		if err := json.Unmarshal(raw, &cm); err != nil || cm.ID == "" {
			bad = fmt.Errorf("%w: facebook comments: unreadable comment", ErrBadFeed)
			return false
		}
		created, ok := metaTime(cm.CreatedTime)
		if !ok {
			return true
		}
		if st.from.T != 0 && created.Unix() < st.from.T {
			return false // newest first: the rest is older still
		}
		if st.from.isNew(created, cm.ID) {
			st.add(st.commentMention(cm, postID, raw))
		}
		return true
	})
	st.near = st.near || near
	if err == nil {
		err = bad
	}
	return err
}

// tagged reads posts by others that tag the Page.
func (st *facebookFetch) tagged(ctx context.Context) error {
	q := url.Values{}
	q.Set("fields", "id,message,created_time,from{id,name},permalink_url")
	q.Set("limit", strconv.Itoa(facebookPostLimit))
	near, err := st.c.pages(ctx, "/"+st.pageID+"/tagged", q, 2, func(raw json.RawMessage) bool {
		var p facebookPost
		if json.Unmarshal(raw, &p) != nil || p.ID == "" {
			return true
		}
		created, ok := metaTime(p.CreatedTime)
		if ok && st.from.isNew(created, p.ID) {
			m := st.postMention(p, raw)
			m.Meta["kind"] = "tagged"
			st.add(m)
		}
		return true
	})
	st.near = st.near || near
	return err
}

// ratings reads recommendations where the Graph version still serves them.
func (st *facebookFetch) ratings(ctx context.Context, src Source) error {
	q := url.Values{}
	q.Set("fields", "created_time,recommendation_type,review_text,reviewer{id,name},open_graph_story{id}")
	q.Set("limit", strconv.Itoa(facebookPostLimit))
	near, err := st.c.pages(ctx, "/"+st.pageID+"/ratings", q, 1, func(raw json.RawMessage) bool {
		var r struct {
			CreatedTime        string   `json:"created_time"`
			RecommendationType string   `json:"recommendation_type"`
			ReviewText         string   `json:"review_text"`
			Reviewer           metaFrom `json:"reviewer"`
			Story              *struct {
				ID string `json:"id"`
			} `json:"open_graph_story"`
		}
		if json.Unmarshal(raw, &r) != nil || r.Story == nil || r.Story.ID == "" {
			return true
		}
		created, ok := metaTime(r.CreatedTime)
		if !ok || !st.from.isNew(created, r.Story.ID) {
			return true
		}
		st.add(Mention{
			ExternalID: r.Story.ID, Author: r.Reviewer.ID, AuthorName: r.Reviewer.Name,
			Text: r.ReviewText, Published: created, ThreadID: r.Story.ID, Raw: raw,
			Meta: map[string]string{"kind": "rating", "recommendation_type": r.RecommendationType, "page_id": st.pageID},
		})
		return true
	})
	st.near = st.near || near
	var me *MetaError
	if errors.As(err, &me) && me.Code == metaCodeDeprecated {
		// Deprecated from v22.0: not the owner's fault, not worth failing
		// the whole poll over.
		slog.Warn("facebook: Page ratings are no longer served by this Graph API version", "source_id", src.ID, "error", me.Message)
		return nil
	}
	return err
}

func (st *facebookFetch) postMention(p facebookPost, raw json.RawMessage) Mention {
	created, _ := metaTime(p.CreatedTime)
	kind := "post"
	if p.From.ID != "" && p.From.ID != st.pageID {
		kind = "visitor_post"
	}
	return Mention{
		ExternalID: p.ID,
		URL:        p.PermalinkURL,
		Author:     p.From.ID,
		AuthorName: p.From.Name,
		Text:       p.Message,
		Published:  created,
		ThreadID:   p.ID,
		Own:        p.From.ID == st.pageID,
		Raw:        raw,
		Meta:       map[string]string{"kind": kind, "post_id": p.ID, "page_id": st.pageID},
	}
}

func (st *facebookFetch) commentMention(cm facebookPost, postID string, raw json.RawMessage) Mention {
	created, _ := metaTime(cm.CreatedTime)
	m := Mention{
		ExternalID: cm.ID,
		URL:        cm.PermalinkURL,
		Author:     cm.From.ID,
		AuthorName: cm.From.Name,
		Text:       cm.Message,
		Published:  created,
		InReplyTo:  postID,
		ThreadID:   postID,
		Own:        cm.From.ID == st.pageID,
		Raw:        raw,
		Meta:       map[string]string{"kind": "comment", "post_id": postID, "page_id": st.pageID},
	}
	if cm.Parent != nil && cm.Parent.ID != "" {
		m.InReplyTo = cm.Parent.ID
		m.Meta["parent_id"] = cm.Parent.ID
	}
	return m
}

// Reply answers a post or a comment as the Page: POST /{id}/comments with
// {message}. Graph takes no idempotency key, so before posting it reads the
// replies already under that object: one by the Page with the same text
// means an earlier attempt went out and was not recorded (a crash between
// send and store), and that reply is returned instead of posting again.
func (f *Facebook) Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error) {
	c, pageID, err := f.client(src)
	if err != nil {
		return Sent{}, err
	}
	target := to.ExternalID
	if to.Meta["edit_of"] != "" {
		target = to.Meta["edit_of"] // an edit is answered on the comment itself
	}
	if target == "" || strings.Contains(target, "#") {
		return Sent{}, fmt.Errorf("%w: facebook: this message has no post or comment id to answer", ErrConfig)
	}
	if to.Meta["event"] == "removed" {
		return Sent{}, fmt.Errorf("%w: facebook: its author deleted this comment", ErrRejected)
	}
	if to.Meta["kind"] == "rating" {
		return Sent{}, fmt.Errorf("%w: facebook: answer recommendations on the Page itself", ErrNoReply)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Sent{}, fmt.Errorf("%w: facebook: empty reply", ErrRejected)
	}
	if sent, ok, err := f.findReply(ctx, c, target, pageID, body); err != nil || ok {
		return sent, err
	}
	form := url.Values{}
	form.Set("message", body)
	var out struct {
		ID string `json:"id"`
	}
	if _, err := c.post(ctx, "/"+target+"/comments", form, &out); err != nil {
		return Sent{}, err
	}
	if out.ID == "" {
		return Sent{}, fmt.Errorf("%w: facebook: reply accepted but no id answered", ErrBadFeed)
	}
	return Sent{ExternalID: out.ID}, nil
}

// findReply looks for a reply by the Page with body under target.
func (f *Facebook) findReply(ctx context.Context, c *metaClient, target, pageID, body string) (Sent, bool, error) {
	q := url.Values{}
	q.Set("fields", "id,message,from{id},permalink_url")
	q.Set("filter", "stream")
	q.Set("order", "reverse_chronological")
	q.Set("limit", "100")
	var found Sent
	_, err := c.pages(ctx, "/"+target+"/comments", q, facebookReplyScanPages, func(raw json.RawMessage) bool {
		var cm facebookPost
		if json.Unmarshal(raw, &cm) == nil && cm.From.ID == pageID && metaSameText(cm.Message, body) {
			found = Sent{ExternalID: cm.ID, URL: cm.PermalinkURL}
			return false
		}
		return true
	})
	if metaGone(err) {
		return Sent{}, false, fmt.Errorf("%w: facebook: the comment or post no longer exists (deleted by its author): %v", ErrRejected, err)
	}
	if err != nil {
		return Sent{}, false, fmt.Errorf("facebook: checking for an earlier reply: %w", err)
	}
	return found, found.ExternalID != "", nil
}
