package connectors

// Instagram replies and mentions. References: "IG Comment Replies"
// (POST /{ig-comment-id}/replies), "IG User Mentions" (POST
// /{ig-user-id}/mentions with media_id, comment_id, message), "Mentioned
// Comment" and "Mentioned Media" (GET /{ig-user-id}?fields=
// mentioned_comment.comment_id(...){...}).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// InstagramMentionRef is what a "mentions" webhook says: the account was
// @mentioned in the caption of MediaID, or in comment CommentID on MediaID.
type InstagramMentionRef struct {
	AccountID string // the mentioned Instagram account (entry id)
	MediaID   string
	CommentID string // empty for a caption mention
	Time      time.Time
}

// Mentioned fetches the comment or caption a mention webhook points at and
// returns it as a Mention ready to ingest. Meta keeps no copy: a mention
// not fetched soon after its webhook may be gone.
func (ig *Instagram) Mentioned(ctx context.Context, src Source, ref InstagramMentionRef) (Mention, error) {
	c, id, err := ig.client(src)
	if err != nil {
		return Mention{}, err
	}
	if ref.MediaID == "" || !instagramNumeric(ref.MediaID) || (ref.CommentID != "" && !instagramNumeric(ref.CommentID)) {
		return Mention{}, fmt.Errorf("%w: instagram: a mention needs numeric media and comment ids", ErrBadWebhook)
	}
	q := url.Values{}
	if ref.CommentID != "" {
		q.Set("fields", "mentioned_comment.comment_id("+ref.CommentID+"){id,text,timestamp,like_count,media{id,permalink}}")
		var out struct {
			Comment *struct {
				ID        string `json:"id"`
				Text      string `json:"text"`
				Timestamp string `json:"timestamp"`
				Media     struct {
					ID        string `json:"id"`
					Permalink string `json:"permalink"`
				} `json:"media"`
			} `json:"mentioned_comment"`
		}
		if _, err := c.get(ctx, "/"+id, q, &out); err != nil {
			return Mention{}, err
		}
		if out.Comment == nil || out.Comment.ID == "" {
			return Mention{}, fmt.Errorf("%w: instagram: the mentioned comment %s is not readable (deleted, or comments disabled)", ErrBadFeed, ref.CommentID)
		}
		t, ok := metaTime(out.Comment.Timestamp)
		if !ok {
			t = ref.Time
		}
		return Mention{
			ExternalID: out.Comment.ID, URL: out.Comment.Media.Permalink, Text: out.Comment.Text, Published: t,
			InReplyTo: ref.MediaID, ThreadID: ref.MediaID,
			Meta: map[string]string{"kind": instagramKindMentionComment, "media_id": ref.MediaID, "comment_id": out.Comment.ID},
		}, nil
	}
	q.Set("fields", "mentioned_media.media_id("+ref.MediaID+"){id,caption,timestamp,permalink,username,media_type}")
	var out struct {
		Media *instagramMedia `json:"mentioned_media"`
	}
	if _, err := c.get(ctx, "/"+id, q, &out); err != nil {
		return Mention{}, err
	}
	if out.Media == nil || out.Media.ID == "" {
		return Mention{}, fmt.Errorf("%w: instagram: the mentioned media %s is not readable", ErrBadFeed, ref.MediaID)
	}
	raw, _ := json.Marshal(out.Media)
	m := instagramMediaMention(*out.Media, raw, instagramKindMentionMedia, false)
	if m.Published.IsZero() {
		m.Published = ref.Time
	}
	return m, nil
}

func instagramNumeric(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// Reply answers as the account. Comments on its media are answered with
// POST /{comment-id}/replies; a reply to a reply goes to the top-level
// comment, since "replies to a reply will be added to the top-level
// comment" anyway. Mentions elsewhere go through POST /{ig-user-id}/mentions.
// Tagged posts cannot be answered: "Commenting on photos in which you were
// tagged is not supported". Like Facebook, Instagram takes no idempotency
// key: the replies already there are read first, and one by the account
// with the same text is returned instead of posting twice.
func (ig *Instagram) Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error) {
	c, id, err := ig.client(src)
	if err != nil {
		return Sent{}, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Sent{}, fmt.Errorf("%w: instagram: empty reply", ErrRejected)
	}
	self, err := ig.username(ctx, src.ID, c, id)
	if err != nil {
		return Sent{}, err
	}
	kind := to.Meta["kind"]
	if kind == "" {
		kind = instagramKindComment
	}
	var (
		lookupPath string
		lookupQ    = url.Values{}
		list       func([]byte) []json.RawMessage
		postPath   string
		form       = url.Values{}
	)
	form.Set("message", body)
	switch kind {
	case instagramKindComment:
		target := to.ExternalID
		if p := to.Meta["parent_id"]; p != "" {
			target = p
		}
		if !instagramNumeric(target) {
			return Sent{}, fmt.Errorf("%w: instagram: this message has no comment id to answer", ErrConfig)
		}
		lookupPath, postPath = "/"+target+"/replies", "/"+target+"/replies"
		lookupQ.Set("fields", "id,text,username")
	case instagramKindMentionComment, instagramKindMentionMedia:
		mediaID, commentID := to.Meta["media_id"], to.Meta["comment_id"]
		if kind == instagramKindMentionComment && commentID == "" {
			commentID = to.ExternalID
		}
		if !instagramNumeric(mediaID) || (kind == instagramKindMentionComment && !instagramNumeric(commentID)) {
			return Sent{}, fmt.Errorf("%w: instagram: this mention lacks its media or comment id", ErrConfig)
		}
		lookupPath, postPath = "/"+id, "/"+id+"/mentions"
		form.Set("media_id", mediaID)
		field := "mentioned_media.media_id(" + mediaID + "){comments{id,text,username}}"
		if kind == instagramKindMentionComment {
			form.Set("comment_id", commentID)
			field = "mentioned_comment.comment_id(" + commentID + "){replies{id,text,username}}"
		}
		lookupQ.Set("fields", field)
		list = func(b []byte) []json.RawMessage {
			var out struct {
				Comment *struct {
					Replies metaPage `json:"replies"`
				} `json:"mentioned_comment"`
				Media *struct {
					Comments metaPage `json:"comments"`
				} `json:"mentioned_media"`
			}
			if json.Unmarshal(b, &out) != nil {
				return nil
			}
			if out.Comment != nil {
				return out.Comment.Replies.Data
			}
			if out.Media != nil {
				return out.Media.Comments.Data
			}
			return nil
		}
	case instagramKindTag:
		return Sent{}, fmt.Errorf("%w: instagram: the API cannot comment on posts the account is tagged in; answer in the Instagram app", ErrNoReply)
	default:
		return Sent{}, fmt.Errorf("%w: instagram: nothing to answer on the account's own post", ErrNoReply)
	}

	if sent, ok, err := ig.findReply(ctx, c, lookupPath, lookupQ, list, self, body); err != nil || ok {
		return sent, err
	}
	var out struct {
		ID string `json:"id"`
	}
	if _, err := c.post(ctx, postPath, form, &out); err != nil {
		return Sent{}, err
	}
	if out.ID == "" {
		return Sent{}, fmt.Errorf("%w: instagram: reply accepted but no id answered", ErrBadFeed)
	}
	return Sent{ExternalID: out.ID, URL: to.URL}, nil
}

// findReply looks for a comment by the account with body. list, when set,
// digs the comments out of a node answer; otherwise path is an edge.
func (ig *Instagram) findReply(ctx context.Context, c *metaClient, path string, q url.Values, list func([]byte) []json.RawMessage, self, body string) (Sent, bool, error) {
	match := func(raw json.RawMessage) (Sent, bool) {
		var cm instagramComment
		if json.Unmarshal(raw, &cm) == nil && strings.EqualFold(cm.Username, self) && metaSameText(cm.Text, body) {
			return Sent{ExternalID: cm.ID}, true
		}
		return Sent{}, false
	}
	if list != nil {
		var node json.RawMessage
		if _, err := c.get(ctx, path, q, &node); err != nil {
			return Sent{}, false, instagramLookupError(err)
		}
		for _, raw := range list(node) {
			if s, ok := match(raw); ok {
				return s, true, nil
			}
		}
		return Sent{}, false, nil
	}
	var found Sent
	q.Set("limit", "50")
	_, err := c.pages(ctx, path, q, instagramReplyScan, func(raw json.RawMessage) bool {
		s, ok := match(raw)
		if ok {
			found = s
		}
		return !ok
	})
	if err != nil {
		return Sent{}, false, instagramLookupError(err)
	}
	return found, found.ExternalID != "", nil
}

// instagramLookupError explains a failed look for an earlier reply: an
// object Graph cannot load is a comment or media deleted by its author,
// and the reply cannot go anywhere.
func instagramLookupError(err error) error {
	if metaGone(err) {
		return fmt.Errorf("%w: instagram: the comment or post no longer exists (deleted by its author): %v", ErrRejected, err)
	}
	return fmt.Errorf("instagram: checking for an earlier reply: %w", err)
}
