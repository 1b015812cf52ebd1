package connectors

// Instagram source settings (a business or creator account linked to a
// Facebook Page, "Instagram API with Facebook Login"):
//
//   - Secrets["access_token"]: the token of the linked Page (MetaPageAccounts),
//     with instagram_basic, instagram_manage_comments and
//     pages_read_engagement.
//   - Options["ig_user_id"]: the Instagram account's id
//     (MetaPageAccount.InstagramUserID).
//   - Source.URL: optional Graph API base, as for Facebook.
//
// What one poll reads (references "IG User Media", "IG Media Comments",
// "IG User Tags"):
//
//   - /{ig-user-id}/media: the account's own posts (Own mentions, roots of
//     their comment threads), with comments_count. Media have no updated
//     time, so the cursor keeps each scanned media's comments_count, and
//     comments are read again where that count moved — and, every
//     instagramRescanEvery, on every media that has comments: a comment
//     deleted while another was written leaves the count as it was, and
//     only reading shows the new one. Each media keeps the newest comment
//     it showed, so a comment found late is still new for its media,
//     whatever was read elsewhere since.
//   - /{ig-media-id}/comments with replies{...}: top-level comments and
//     their replies (Instagram threads one level deep).
//   - /{ig-user-id}/tags: media in which others tagged the account.
//
// @mentions in other people's captions and comments cannot be listed:
// Meta only tells of them through the "mentions" webhook, whose delivery
// carries ids that Mentioned turns into a Mention (instagram_webhook.go).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	instagramMediaPages   = 2
	instagramMediaLimit   = 25
	instagramCommentPages = 4
	instagramReplyScan    = 3
	instagramCommentField = "id,text,timestamp,username,from{id,username},parent_id"
	instagramMediaFields  = "id,caption,timestamp,permalink,username,comments_count"
	// instagramRescanEvery is how often every media's comments are read
	// even though no count moved. The "comments" webhook brings comments
	// as they are written; without it, this bounds how late a comment
	// hidden by a deletion arrives (about 50 calls each time).
	instagramRescanEvery = 6 * time.Hour
)

// Kinds of Instagram mentions, in Meta["kind"]; they decide how to reply.
const (
	instagramKindMedia          = "media"           // the account's own post
	instagramKindComment        = "comment"         // a comment on the account's media
	instagramKindTag            = "tag"             // a post that tags the account
	instagramKindMentionComment = "mention_comment" // a comment elsewhere that @mentions it
	instagramKindMentionMedia   = "mention_media"   // a caption elsewhere that @mentions it
)

// Instagram reads comments, tags and mentions of an Instagram professional
// account and replies as that account.
type Instagram struct {
	cfg Config

	mu        sync.Mutex
	usernames map[string][2]string // source key -> {token hash, username}
}

// NewInstagram returns an Instagram connector using cfg's HTTP client.
func NewInstagram(cfg Config) *Instagram {
	return &Instagram{cfg: cfg, usernames: map[string][2]string{}}
}

var (
	_ Fetcher = (*Instagram)(nil)
	_ Replier = (*Instagram)(nil)
)

type instagramMedia struct {
	ID            string `json:"id"`
	Caption       string `json:"caption"`
	Timestamp     string `json:"timestamp"`
	Permalink     string `json:"permalink"`
	Username      string `json:"username"`
	CommentsCount int    `json:"comments_count"`
}

type instagramComment struct {
	ID        string   `json:"id"`
	Text      string   `json:"text"`
	Timestamp string   `json:"timestamp"`
	Username  string   `json:"username"`
	From      metaFrom `json:"from"`
	ParentID  string   `json:"parent_id"`
	Replies   *struct {
		Data []json.RawMessage `json:"data"`
	} `json:"replies"`
}

// instagramCursor is the watermark of media and tags, plus, for the media
// scanned last time, their comment counts and the newest comment each
// showed, and when every media's comments were last read.
type instagramCursor struct {
	metaWatermark
	Counts   map[string]int           `json:"counts,omitempty"`
	Comments map[string]metaWatermark `json:"comments,omitempty"`
	Scanned  int64                    `json:"scanned,omitempty"` // unix seconds
}

// commentsFrom is where a media's comments become new: its own newest
// comment, or, for a cursor written before media kept one, the watermark.
func (c instagramCursor) commentsFrom(mediaID string) metaWatermark {
	if w, ok := c.Comments[mediaID]; ok {
		return w
	}
	return c.metaWatermark
}

func (ig *Instagram) client(src Source) (*metaClient, string, error) {
	id := strings.TrimSpace(src.Opt("ig_user_id", ""))
	if id == "" || strings.Trim(id, "0123456789") != "" {
		return nil, "", fmt.Errorf("%w: instagram: the source needs the Instagram account id (a number)", ErrConfig)
	}
	c, err := newMetaClient(ig.cfg, src.URL, src.Secrets["access_token"], "instagram")
	return c, id, err
}

// username returns the account's own username, asked again only when the
// source's token changes: one entry per source, however often tokens turn.
func (ig *Instagram) username(ctx context.Context, sourceID string, c *metaClient, id string) (string, error) {
	key := sourceID + "\x00" + c.base.String() + "\x00" + id
	hash := tokenKey(c.token)
	ig.mu.Lock()
	cached, ok := ig.usernames[key]
	ig.mu.Unlock()
	if ok && cached[0] == hash {
		return cached[1], nil
	}
	q := url.Values{}
	q.Set("fields", "id,username")
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if _, err := c.get(ctx, "/"+id, q, &me); err != nil {
		return "", err
	}
	if me.Username == "" {
		return "", fmt.Errorf("%w: instagram: the account %s has no username", ErrBadFeed, id)
	}
	ig.mu.Lock()
	ig.usernames[key] = [2]string{hash, me.Username}
	ig.mu.Unlock()
	return me.Username, nil
}

// Fetch reads new comments on the account's media and new tags since cur.
func (ig *Instagram) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	c, id, err := ig.client(src)
	if err != nil {
		return Batch{}, err
	}
	self, err := ig.username(ctx, src.ID, c, id)
	if err != nil {
		return Batch{}, err
	}
	var from instagramCursor
	if cur.Since != "" && json.Unmarshal([]byte(cur.Since), &from) != nil {
		from = instagramCursor{}
	}
	now := ig.cfg.now()
	next := instagramCursor{metaWatermark: from.metaWatermark, Counts: map[string]int{}, Comments: map[string]metaWatermark{}, Scanned: from.Scanned}
	rescan := now.Sub(time.Unix(from.Scanned, 0)) >= instagramRescanEvery
	if rescan {
		next.Scanned = now.Unix()
	}
	batch := Batch{Cursor: cur}
	seen := map[string]bool{}
	add := func(m Mention) {
		if !seen[m.ExternalID] {
			seen[m.ExternalID] = true
			batch.Mentions = append(batch.Mentions, m)
			next.advance(m.Published, m.ExternalID)
		}
	}
	var busy []instagramMedia
	q := url.Values{}
	q.Set("fields", instagramMediaFields)
	q.Set("limit", strconv.Itoa(instagramMediaLimit))
	near, err := c.pages(ctx, "/"+id+"/media", q, instagramMediaPages, func(raw json.RawMessage) bool {
		var md instagramMedia
		if json.Unmarshal(raw, &md) != nil || md.ID == "" {
			return true
		}
		next.Counts[md.ID] = md.CommentsCount
		if w, ok := from.Comments[md.ID]; ok {
			next.Comments[md.ID] = w
		}
		if t, ok := metaTime(md.Timestamp); ok && from.isNew(t, md.ID) {
			add(instagramMediaMention(md, raw, instagramKindMedia, true))
		}
		if prev, ok := from.Counts[md.ID]; md.CommentsCount > 0 && (rescan || !ok || prev != md.CommentsCount) {
			busy = append(busy, md)
		}
		return true
	})
	if err != nil {
		return Batch{}, err
	}
	for _, md := range busy {
		w := from.commentsFrom(md.ID)
		n, err := ig.comments(ctx, c, md, self, &w, add)
		if err != nil {
			return Batch{}, err
		}
		next.Comments[md.ID] = w
		near = near || n
	}
	q = url.Values{}
	q.Set("fields", "id,caption,timestamp,permalink,username")
	q.Set("limit", strconv.Itoa(instagramMediaLimit))
	n, err := c.pages(ctx, "/"+id+"/tags", q, 1, func(raw json.RawMessage) bool {
		var md instagramMedia
		if json.Unmarshal(raw, &md) != nil || md.ID == "" {
			return true
		}
		if t, ok := metaTime(md.Timestamp); ok && from.isNew(t, md.ID) {
			add(instagramMediaMention(md, raw, instagramKindTag, md.Username == self))
		}
		return true
	})
	if err != nil {
		return Batch{}, err
	}
	b, _ := json.Marshal(next)
	batch.Cursor.Since = string(b)
	if near || n {
		// Paging stopped early to stay under the limit: keep the old
		// cursor so nothing is skipped, and come back later.
		batch.Cursor.Since = cur.Since
		batch.NextCheck = ig.cfg.now().Add(metaDefaultWait)
	}
	return batch, nil
}

// comments reads a media's comments and their replies, keeping those newer
// than w, and moves w over every comment it reads.
func (ig *Instagram) comments(ctx context.Context, c *metaClient, md instagramMedia, self string, w *metaWatermark, add func(Mention)) (bool, error) {
	from := *w
	q := url.Values{}
	q.Set("fields", instagramCommentField+",replies{"+instagramCommentField+"}")
	q.Set("limit", strconv.Itoa(metaPageLimit))
	var bad error
	near, err := c.pages(ctx, "/"+md.ID+"/comments", q, instagramCommentPages, func(raw json.RawMessage) bool {
		var cm instagramComment
		if err := json.Unmarshal(raw, &cm); err != nil || cm.ID == "" {
			bad = fmt.Errorf("%w: instagram comments: unreadable comment", ErrBadFeed)
			return false
		}
		items := []json.RawMessage{raw}
		if cm.Replies != nil {
			items = append(items, cm.Replies.Data...)
		}
		for _, item := range items {
			var one instagramComment
			if json.Unmarshal(item, &one) != nil || one.ID == "" {
				continue
			}
			t, ok := metaTime(one.Timestamp)
			if !ok {
				continue
			}
			if from.isNew(t, one.ID) {
				add(instagramCommentMention(one, md.ID, md.Permalink, self, item))
			}
			w.advance(t, one.ID)
		}
		return true
	})
	if err == nil {
		err = bad
	}
	return near, err
}

func instagramMediaMention(md instagramMedia, raw json.RawMessage, kind string, own bool) Mention {
	t, _ := metaTime(md.Timestamp)
	m := Mention{
		ExternalID: md.ID,
		URL:        md.Permalink,
		Text:       md.Caption,
		Published:  t,
		ThreadID:   md.ID,
		Own:        own,
		Raw:        raw,
		Meta:       map[string]string{"kind": kind, "media_id": md.ID},
	}
	if md.Username != "" {
		m.Author = "@" + md.Username
		m.AuthorURL = "https://www.instagram.com/" + md.Username + "/"
	}
	return m
}

func instagramCommentMention(cm instagramComment, mediaID, permalink, self string, raw json.RawMessage) Mention {
	t, _ := metaTime(cm.Timestamp)
	username := cm.Username
	if username == "" {
		username = cm.From.Username
	}
	m := Mention{
		ExternalID: cm.ID,
		URL:        permalink,
		Text:       cm.Text,
		Published:  t,
		InReplyTo:  mediaID,
		ThreadID:   mediaID,
		Own:        username != "" && strings.EqualFold(username, self),
		Raw:        raw,
		Meta:       map[string]string{"kind": instagramKindComment, "media_id": mediaID},
	}
	if username != "" {
		m.Author = "@" + username
		m.AuthorURL = "https://www.instagram.com/" + username + "/"
	}
	if cm.ParentID != "" {
		m.InReplyTo = cm.ParentID
		m.Meta["parent_id"] = cm.ParentID
	}
	return m
}
