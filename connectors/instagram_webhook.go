package connectors

// Instagram webhooks (Webhooks reference "Instagram"; "Webhooks for
// Instagram" examples). Deliveries have object "instagram" and one entry per
// account, whose id is the Instagram account id:
//
//	field "comments": {"id", "text", "parent_id", "from": {"id", "username",
//	                   "self_ig_scoped_id"}, "media": {"id", "media_product_type"}}
//	field "mentions": {"media_id", "comment_id"} (comment_id absent for a
//	                   caption mention)
//
// A comment arrives whole; a mention only as ids, to be fetched with
// Instagram.Mentioned. Webhooks are not sent for media of private accounts.
// The route checks MetaVerifySignature before parsing.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// InstagramDelivery is what a delivery holds for one account.
type InstagramDelivery struct {
	Mentions []Mention             // comments on the account's media
	Refs     []InstagramMentionRef // @mentions to fetch with Mentioned
}

type instagramHookComment struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	ParentID string `json:"parent_id"`
	From     struct {
		ID             string `json:"id"`
		Username       string `json:"username"`
		SelfIGScopedID string `json:"self_ig_scoped_id"`
	} `json:"from"`
	Media struct {
		ID               string `json:"id"`
		MediaProductType string `json:"media_product_type"`
	} `json:"media"`
}

// ParseInstagramWebhook reads an Instagram delivery, keyed by account id.
// usernames maps account ids to their own usernames (optional): a comment
// by the account itself is then Own, like a polled one.
func ParseInstagramWebhook(body []byte, usernames map[string]string) (map[string]InstagramDelivery, error) {
	d, err := parseMetaDelivery(body, "instagram")
	if err != nil {
		return nil, err
	}
	out := map[string]InstagramDelivery{}
	for i, e := range d.Entry {
		at := time.Unix(e.Time, 0).UTC()
		if e.Time <= 0 {
			at = time.Time{}
		}
		del := out[e.ID]
		for j, ch := range e.Changes {
			where := fmt.Sprintf("entry[%d].changes[%d].value", i, j)
			switch ch.Field {
			case "comments":
				var v instagramHookComment
				if err := json.Unmarshal(ch.Value, &v); err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrBadWebhook, where, jsonErr(err))
				}
				if v.ID == "" || v.Media.ID == "" {
					continue
				}
				self := usernames[e.ID]
				m := Mention{
					ExternalID: v.ID, Text: v.Text, Published: at,
					InReplyTo: v.Media.ID, ThreadID: v.Media.ID,
					Own: (self != "" && strings.EqualFold(v.From.Username, self)) ||
						(v.From.SelfIGScopedID != "" && v.From.ID == v.From.SelfIGScopedID),
					Raw:  ch.Value,
					Meta: map[string]string{"kind": instagramKindComment, "media_id": v.Media.ID},
				}
				if v.From.Username != "" {
					m.Author = "@" + v.From.Username
					m.AuthorURL = "https://www.instagram.com/" + v.From.Username + "/"
				}
				if v.ParentID != "" {
					m.InReplyTo = v.ParentID
					m.Meta["parent_id"] = v.ParentID
				}
				del.Mentions = append(del.Mentions, m)
			case "mentions":
				var v struct {
					MediaID   string `json:"media_id"`
					CommentID string `json:"comment_id"`
				}
				if err := json.Unmarshal(ch.Value, &v); err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrBadWebhook, where, jsonErr(err))
				}
				if v.MediaID == "" {
					continue
				}
				del.Refs = append(del.Refs, InstagramMentionRef{AccountID: e.ID, MediaID: v.MediaID, CommentID: v.CommentID, Time: at})
			}
		}
		if len(del.Mentions) > 0 || len(del.Refs) > 0 {
			out[e.ID] = del
		}
	}
	return out, nil
}
