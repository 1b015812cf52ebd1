package connectors

// Replies on Mastodon: a status in reply to the customer's, mentioning
// them, with the visibility their post allows, sent with an
// Idempotency-Key so a retry after a crash posts nothing twice.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// mastodonReplyVisibility keeps a reply exactly as public as the post it
// answers: answering a followers-only or direct post in public would leak
// the conversation. Anything unknown becomes direct, the most private level
// that still reaches the author.
func mastodonReplyVisibility(v string) string {
	switch v {
	case "public", "unlisted", "private", "direct":
		return v
	}
	return "direct"
}

var mastodonMentionRE = regexp.MustCompile(`(?i)(?:^|[^\w@/])@([\w.-]+(?:@[\w.-]+)?)`)

// mastodonHasMention reports whether body already mentions the account:
// full "@user@host", or bare "@user" when the account lives on localHost
// (the instance resolves bare names to its own users only).
func mastodonHasMention(body, full, localHost string) bool {
	full = strings.ToLower(strings.TrimPrefix(full, "@"))
	user, host, _ := strings.Cut(full, "@")
	local := host == "" || strings.EqualFold(host, localHost)
	for _, m := range mastodonMentionRE.FindAllStringSubmatch(body, -1) {
		got := strings.ToLower(strings.TrimRight(m[1], ".-"))
		if got == full || (local && got == user) {
			return true
		}
	}
	return false
}

// Reply posts body as a reply to the mention. The Idempotency-Key makes the
// instance return the first status again when a retry arrives within its
// memory (an hour), instead of posting twice.
func (m *Mastodon) Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error) {
	base, err := mastodonBase(src)
	if err != nil {
		return Sent{}, err
	}
	token := strings.TrimSpace(src.Secrets["token"])
	if token == "" {
		return Sent{}, fmt.Errorf("%w: mastodon: replying needs an access token", ErrConfig)
	}
	if to.ExternalID == "" {
		return Sent{}, fmt.Errorf("%w: mastodon: the mention has no status id", ErrConfig)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Sent{}, fmt.Errorf("%w: mastodon: empty reply", ErrRejected)
	}
	domain := m.localDomain(ctx, base)
	author := to.Author
	if author == "" && to.Meta["acct"] != "" {
		author = mastodonFullAcct(to.Meta["acct"], domain)
	}
	inReplyTo, visibility := to.ExternalID, to.Meta["visibility"]
	if orig := to.Meta["reblog_of"]; orig != "" {
		// A boost is not a post one can answer: answer what was boosted,
		// addressed to its author, at its visibility.
		inReplyTo, visibility = orig, to.Meta["reblog_visibility"]
		author = mastodonFullAcct(to.Meta["reblog_acct"], domain)
	}
	if author != "" && !mastodonHasMention(body, author, domain) {
		body = author + " " + body
	}
	form := url.Values{}
	form.Set("status", body)
	form.Set("in_reply_to_id", inReplyTo)
	form.Set("visibility", mastodonReplyVisibility(visibility))
	if sp := to.Meta["spoiler_text"]; sp != "" {
		// Keep the content warning the author chose for the thread.
		if !strings.HasPrefix(strings.ToLower(sp), "re: ") {
			sp = "re: " + sp
		}
		form.Set("spoiler_text", sp)
	}
	req, err := m.newRequest(ctx, http.MethodPost, base, "/api/v1/statuses", nil, token, form.Encode())
	if err != nil {
		return Sent{}, err
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := m.cfg.do(req)
	if err != nil {
		return Sent{}, fmt.Errorf("connectors: mastodon: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Sent{}, m.mastodonError(resp, true)
	}
	raw, err := m.cfg.readBody(resp)
	if err != nil {
		return Sent{}, err
	}
	var st mastodonStatus
	if err := json.Unmarshal(raw, &st); err != nil || st.ID == "" {
		// The instance accepted the post; a retry would be replayed by the
		// idempotency key, so say what happened rather than guess.
		return Sent{}, fmt.Errorf("%w: mastodon: reply accepted but answer unreadable: %v", ErrBadFeed, err)
	}
	sent := Sent{ExternalID: st.ID, URL: st.URI}
	if st.URL != nil && *st.URL != "" {
		sent.URL = *st.URL
	}
	return sent, nil
}
