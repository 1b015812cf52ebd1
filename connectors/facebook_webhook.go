package connectors

// Webhooks for Pages, field "feed" ("Webhooks for Pages"; the Page feed
// field of the Webhooks reference). A delivery looks like:
//
//	{"object": "page", "entry": [{"id": "<page-id>", "time": 1764320000,
//	  "changes": [{"field": "feed", "value": {
//	    "item": "comment", "verb": "add" | "edited" | "remove",
//	    "post_id": "...", "comment_id": "...", "parent_id": "...",
//	    "from": {"id": "...", "name": "..."}, "message": "...",
//	    "created_time": 1764320000}}]}]}
//
// item is "comment" for comments and replies; "status", "post", "photo",
// "video" and "share" for posts. Reactions, likes and the rest are not
// mentions and are skipped. The app must be installed on the Page
// (POST /{page-id}/subscribed_apps?subscribed_fields=feed) with
// pages_manage_metadata, and the route must check MetaVerifySignature
// before calling ParseFacebookWebhook.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// SubscribeWebhooks installs the app on the Page for the feed field
// (POST /{page-id}/subscribed_apps?subscribed_fields=feed with the Page
// token): without it Meta sends the Page's changes nowhere, whatever the
// App Dashboard says. The answer is {"success": true} (a string "true" in
// the documented sample).
func (f *Facebook) SubscribeWebhooks(ctx context.Context, src Source) error {
	c, pageID, err := f.client(src)
	if err != nil {
		return err
	}
	form := url.Values{}
	form.Set("subscribed_fields", "feed")
	var out struct {
		Success json.RawMessage `json:"success"`
	}
	if _, err := c.post(ctx, "/"+pageID+"/subscribed_apps", form, &out); err != nil {
		return err
	}
	if v := strings.Trim(string(out.Success), `"`); v != "true" {
		return fmt.Errorf("%w: facebook: subscribing the app to the Page answered success=%s", ErrBadFeed, v)
	}
	return nil
}

type facebookFeedChange struct {
	Item        string          `json:"item"`
	Verb        string          `json:"verb"`
	PostID      string          `json:"post_id"`
	CommentID   string          `json:"comment_id"`
	ParentID    string          `json:"parent_id"`
	From        metaFrom        `json:"from"`
	Message     string          `json:"message"`
	CreatedTime json.RawMessage `json:"created_time"`
}

// FacebookDelivery is what a Page delivery holds for one Page.
type FacebookDelivery struct {
	// Mentions are the comments and posts written or edited.
	Mentions []Mention
	// Removed are the ids (comment_id, or post_id for a post) of comments
	// and posts their authors removed: the stored mentions are marked
	// deleted, nothing new is written.
	Removed []string
}

// ParseFacebookWebhook reads a Page webhook delivery, keyed by Page id (one
// app can serve several Pages, so the route picks each Page's source).
// Comments thread like polled ones: InReplyTo the parent comment or the
// post, ThreadID the post. An edit becomes a message of its own in the same
// thread (see metaEditMention). A removal is not speech: as a message it
// would reopen the thread's ticket with no words, or open one of its own;
// it names what to mark deleted instead, and answering it later is refused
// as deleted (Graph answers code 100, subcode 33, for the object). The
// Page's own comments and posts have Own set.
func ParseFacebookWebhook(body []byte) (map[string]FacebookDelivery, error) {
	d, err := parseMetaDelivery(body, "page")
	if err != nil {
		return nil, err
	}
	out := map[string]FacebookDelivery{}
	for i, e := range d.Entry {
		for j, ch := range e.Changes {
			if ch.Field != "feed" {
				continue
			}
			var v facebookFeedChange
			if err := json.Unmarshal(ch.Value, &v); err != nil {
				return nil, fmt.Errorf("%w: entry[%d].changes[%d].value: %v", ErrBadWebhook, i, j, jsonErr(err))
			}
			del := out[e.ID]
			if id := facebookRemoved(v); id != "" {
				del.Removed = append(del.Removed, id)
			} else if m, ok := facebookChangeMention(e.ID, v, ch.Value); ok {
				del.Mentions = append(del.Mentions, m)
			} else {
				continue
			}
			out[e.ID] = del
		}
	}
	return out, nil
}

// facebookRemoved is the id of the comment or post a "remove" change names,
// or "" for any other change.
func facebookRemoved(v facebookFeedChange) string {
	if v.Verb != metaVerbRemove {
		return ""
	}
	switch v.Item {
	case "comment":
		return v.CommentID
	case "status", "post", "photo", "video", "share":
		return v.PostID
	}
	return ""
}

func facebookChangeMention(pageID string, v facebookFeedChange, raw json.RawMessage) (Mention, bool) {
	switch v.Verb {
	case metaVerbAdd, metaVerbEdited:
	default:
		return Mention{}, false // "remove", "hide", "unhide", "block"...: not speech
	}
	created, _ := metaUnixTime(v.CreatedTime)
	m := Mention{
		Author:     v.From.ID,
		AuthorName: v.From.Name,
		Text:       v.Message,
		Published:  created,
		ThreadID:   v.PostID,
		Own:        v.From.ID != "" && v.From.ID == pageID,
		Raw:        raw,
		Meta:       map[string]string{"post_id": v.PostID, "page_id": pageID},
	}
	switch v.Item {
	case "comment":
		if v.CommentID == "" || v.PostID == "" {
			return Mention{}, false
		}
		m.ExternalID = v.CommentID
		m.InReplyTo = v.PostID
		m.Meta["kind"] = "comment"
		if v.ParentID != "" && v.ParentID != v.PostID {
			m.InReplyTo = v.ParentID
			m.Meta["parent_id"] = v.ParentID
		}
	case "status", "post", "photo", "video", "share":
		if v.PostID == "" {
			return Mention{}, false
		}
		m.ExternalID = v.PostID
		m.Meta["kind"] = "post"
		if !m.Own {
			m.Meta["kind"] = "visitor_post"
		}
	default:
		return Mention{}, false
	}
	if v.Verb == metaVerbEdited {
		m = metaEditMention(m)
	}
	return m, true
}
