package connectors

// Replies on X and the X error shapes (docs.x.com "Create Post",
// "Response codes and errors"). Errors come as RFC 7807 problems:
//
//	{"title": "Client Forbidden", "detail": "...", "type":
//	 "https://api.twitter.com/2/problems/client-forbidden",
//	 "reason": "client-not-enrolled", "required_enrollment": "...",
//	 "registration_url": "..."}
//
// or, for a duplicate post, {"detail": "You are not allowed to create a
// Tweet with duplicate content.", "type": "about:blank", "title":
// "Forbidden", "status": 403}; rate limits sometimes in the older
// {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// XError is a refusal from the X API with the owner-facing Reason. It
// unwraps to the sentinel that says what to do, or to nothing when a retry
// may help.
type XError struct {
	Status int
	Title  string
	Detail string
	Type   string
	Code   string // "reason" of the problem, e.g. client-not-enrolled
	Reason string
	kinds  []error
}

func (e *XError) Error() string {
	msg := fmt.Sprintf("x: HTTP %d", e.Status)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Detail != "" && e.Detail != e.Reason {
		msg += " (" + e.Detail + ")"
	}
	if len(e.kinds) > 0 {
		return e.kinds[0].Error() + ": " + msg
	}
	return "connectors: " + msg
}

func (e *XError) Unwrap() []error { return e.kinds }

type xProblem struct {
	Title              string `json:"title"`
	Detail             string `json:"detail"`
	Type               string `json:"type"`
	Reason             string `json:"reason"`
	RequiredEnrollment string `json:"required_enrollment"`
	Errors             []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// xDuplicate reports the refusal of a post identical to one already on the
// account.
func xDuplicate(p xProblem) bool {
	return strings.Contains(strings.ToLower(p.Detail), "duplicate content")
}

// xErrorFrom maps a non-2xx answer. what names the endpoint ("GET
// /2/tweets/search/recent") for the plan message.
func xErrorFrom(status int, h http.Header, body []byte, now time.Time, what string, write bool) error {
	var p xProblem
	_ = json.Unmarshal(body, &p)
	if len(p.Errors) > 0 && p.Errors[0].Message != "" {
		// An invalid request names the faulty parameter only in errors[].
		if p.Detail == "" {
			p.Detail = p.Errors[0].Message
		} else {
			p.Detail += " " + p.Errors[0].Message
		}
	}
	if p.Detail == "" && p.Title == "" {
		p.Detail = bodySnippet(strings.NewReader(string(body)))
	}
	e := &XError{Status: status, Title: p.Title, Detail: p.Detail, Type: p.Type, Code: p.Reason}
	switch {
	case status == http.StatusTooManyRequests:
		return &RateLimitedError{RetryAfter: xReset(h, now).Sub(now), Status: status, Reason: "x: " + strings.TrimSpace(p.Title+" "+p.Detail)}
	case status == http.StatusUnauthorized:
		e.Reason = "the X access token was refused (expired or revoked): refresh it, or connect the account again"
		e.kinds = []error{ErrReconnect, ErrAuth}
	case status == http.StatusPaymentRequired || p.Reason == "client-not-enrolled" || strings.Contains(p.Type, "client-forbidden"):
		// The plan, not the token: the owner's X API access level does
		// not include this endpoint (or its credits ran out).
		e.Reason = "the X API plan of this account does not include " + what
		if p.RequiredEnrollment != "" {
			e.Reason += " (it needs: " + p.RequiredEnrollment + ")"
		}
		e.Reason += "; upgrade the plan in the X developer portal"
		e.kinds = []error{ErrConfig}
		if write {
			e.Reason += ", or answer on X by hand"
			e.kinds = []error{ErrNoReply}
		}
	case status == http.StatusForbidden && write && xDuplicate(p):
		e.Reason = "X refused this text as a duplicate of a post already on the account"
		e.kinds = []error{ErrRejected}
	case status == http.StatusForbidden && write:
		// Replies restricted by the author, or by X for this access level
		// ("Reply to this conversation is not allowed because you have not
		// been mentioned or otherwise engaged by the author").
		e.Reason = "X does not let this account reply here through the API; answer on X by hand"
		e.kinds = []error{ErrNoReply}
	case status == http.StatusForbidden:
		e.Reason = "X refused access"
		e.kinds = []error{ErrAuth}
	case status == http.StatusBadRequest:
		e.Reason = "X refused the request"
		e.kinds = []error{ErrConfig}
		if write {
			e.kinds = []error{ErrRejected}
		}
	}
	if e.Reason == "" {
		e.Reason = strings.TrimSpace(p.Title)
	}
	return e
}

// Reply posts body as a reply to the post: POST /2/tweets with
// {"text", "reply": {"in_reply_to_tweet_id"}}. X refuses a text identical
// to one the account already posted (403, duplicate content); for a retry
// after a crash between send and store that refusal is the proof the reply
// went out, so the account's latest posts are searched for it and it is
// returned as sent.
func (x *X) Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error) {
	base, err := xBase(src)
	if err != nil {
		return Sent{}, err
	}
	token, err := xToken(src)
	if err != nil {
		return Sent{}, err
	}
	target := to.ExternalID
	if orig := to.Meta["retweet_of"]; orig != "" {
		target = orig // a retweet is answered on the post it shares
	}
	if target == "" || strings.Trim(target, "0123456789") != "" {
		return Sent{}, fmt.Errorf("%w: x: this message has no post id to answer", ErrConfig)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Sent{}, fmt.Errorf("%w: x: empty reply", ErrRejected)
	}
	in := map[string]any{"text": body, "reply": map[string]string{"in_reply_to_tweet_id": target}}
	var out struct {
		Data struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"data"`
	}
	_, err = x.call(ctx, http.MethodPost, base, "/2/tweets", nil, token, in, &out)
	if err != nil {
		var xe *XError
		if errors.As(err, &xe) && xe.Status == http.StatusForbidden && xDuplicate(xProblem{Detail: xe.Detail}) {
			return x.findReply(ctx, src.ID, base, token, target, body, err)
		}
		return Sent{}, err
	}
	if out.Data.ID == "" {
		return Sent{}, fmt.Errorf("%w: x: reply accepted but no id answered", ErrBadFeed)
	}
	sent := Sent{ExternalID: out.Data.ID, URL: "https://x.com/i/status/" + out.Data.ID}
	if me, err := x.self(ctx, src.ID, base, token); err == nil && me.Username != "" {
		sent.URL = "https://x.com/" + me.Username + "/status/" + out.Data.ID
	}
	return sent, nil
}

// xReplyScan is how many of the account's latest posts are searched for a
// reply that X calls a duplicate.
const xReplyScan = 100

// findReply looks among the account's latest posts (GET /2/users/{id}/
// tweets) for a reply to target with body. Not finding it is said plainly:
// X saw that text on the account, but not as a reply to this post.
func (x *X) findReply(ctx context.Context, sourceID string, base *url.URL, token, target, body string, dup error) (Sent, error) {
	me, err := x.self(ctx, sourceID, base, token)
	if err != nil {
		return Sent{}, fmt.Errorf("%w; looking it up failed: %v", dup, err)
	}
	q := url.Values{}
	q.Set("max_results", strconv.Itoa(xReplyScan))
	q.Set("tweet.fields", "referenced_tweets,created_at")
	var p xPage
	if _, err := x.call(ctx, http.MethodGet, base, "/2/users/"+url.PathEscape(me.ID)+"/tweets", q, token, nil, &p); err != nil {
		return Sent{}, fmt.Errorf("%w; looking it up failed: %v", dup, err)
	}
	for _, raw := range p.Data {
		var tw xTweet
		if json.Unmarshal(raw, &tw) != nil {
			continue
		}
		replyTo := ""
		for _, ref := range tw.ReferencedTweets {
			if ref.Type == "replied_to" {
				replyTo = ref.ID
			}
		}
		if replyTo == target && metaSameText(xStripLeadingMentions(tw.Text), xStripLeadingMentions(body)) {
			return Sent{ExternalID: tw.ID, URL: "https://x.com/" + me.Username + "/status/" + tw.ID}, nil
		}
	}
	return Sent{}, fmt.Errorf("%w; it is not among the account's latest replies to this post, so it was not recorded as sent: change the text to post it again", dup)
}

// xStripLeadingMentions drops the "@user " prefix X may put before a
// reply's text.
func xStripLeadingMentions(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "@") {
		i := strings.IndexAny(s, " \n\t")
		if i < 0 {
			return s
		}
		s = strings.TrimSpace(s[i:])
	}
	return s
}
