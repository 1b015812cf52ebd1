package connectors

// Mastodon source settings (what the source form asks for):
//
//   - Source.URL: the instance base URL, e.g. https://mastodon.social.
//   - Source.Query: the hashtag without '#' (mode "hashtag") or the search
//     terms (mode "search"); unused in mode "mentions".
//   - Options["mode"]: "mentions" (default), "hashtag" or "search".
//   - Secrets["token"]: a user access token of the business account with
//     read:notifications, read:statuses, read:accounts and write:statuses.
//     Required for "mentions", "search" and replies; optional for "hashtag"
//     unless the instance disabled public timelines.
//
// Options["mode"] == "mentions" (the account's mention notifications) is the
// main Mastodon source; "hashtag" follows a tag timeline.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MastodonSearchNote is the sentence the source form quotes next to the
// "search" mode.
const MastodonSearchNote = "Mastodon search only finds posts from accounts that opted in to search (plus your own posts, mentions, favourites and bookmarks), so most posts that name your business will not show up here: follow your mentions and a hashtag as well."

// Mastodon modes for Options["mode"].
const (
	MastodonModeMentions = "mentions"
	MastodonModeHashtag  = "hashtag"
	MastodonModeSearch   = "search"
)

const (
	// mastodonMaxPages caps the pages one poll reads, so a busy tag cannot
	// hold a worker; the cursor only moves over what was read, so the rest
	// comes next poll.
	mastodonMaxPages = 5
	// Page sizes are the documented maxima: 80 notifications, 40 statuses.
	mastodonNotificationLimit = 80
	mastodonStatusLimit       = 40
)

// Mastodon reads mentions from a Mastodon (or API-compatible) instance and
// replies with the business account.
type Mastodon struct {
	cfg Config

	mu       sync.Mutex
	accounts map[string]mastodonAccount // key: instance + token hash
	domains  map[string]string          // instance URL -> account domain
}

// NewMastodon returns a Mastodon connector using cfg's HTTP client.
func NewMastodon(cfg Config) *Mastodon {
	return &Mastodon{cfg: cfg, accounts: make(map[string]mastodonAccount), domains: make(map[string]string)}
}

var (
	_ Fetcher = (*Mastodon)(nil)
	_ Replier = (*Mastodon)(nil)
)

type mastodonAccount struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
}

type mastodonStatus struct {
	ID                 string          `json:"id"`
	URI                string          `json:"uri"`
	URL                *string         `json:"url"`
	CreatedAt          string          `json:"created_at"`
	Content            string          `json:"content"`
	Visibility         string          `json:"visibility"`
	SpoilerText        string          `json:"spoiler_text"`
	Language           *string         `json:"language"`
	InReplyToID        *string         `json:"in_reply_to_id"`
	InReplyToAccountID *string         `json:"in_reply_to_account_id"`
	Account            mastodonAccount `json:"account"`
	Reblog             *mastodonStatus `json:"reblog"`
}

type mastodonNotification struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Status json.RawMessage `json:"status"`
}

// mastodonIDLess compares Mastodon ids, which are decimal strings of
// varying length (snowflakes), without parsing them: the shorter string is
// the smaller number, equal lengths compare lexically.
func mastodonIDLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func mastodonBase(src Source) (*url.URL, error) {
	return apiBase(src.URL, "", "mastodon", "https://mastodon.example")
}

func (m *Mastodon) newRequest(ctx context.Context, method string, base *url.URL, path string, q url.Values, token string, body string) (*http.Request, error) {
	u := *base
	u.Path = base.Path + path
	if q != nil {
		u.RawQuery = q.Encode()
	}
	var req *http.Request
	var err error
	if body != "" {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("connectors: mastodon: building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// mastodonResetTime reads X-RateLimit-Reset, an ISO 8601 timestamp in
// practice; unix seconds are accepted too since the docs only say
// "Timestamp".
func mastodonResetTime(h http.Header) time.Time {
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	if secs, err := strconv.ParseInt(v, 10, 64); (err == nil || errors.Is(err, strconv.ErrRange)) && secs > 0 {
		return unixTime(secs)
	}
	return time.Time{}
}

// mastodonError turns a non-2xx answer into our error values, reading
// Mastodon's {"error": "..."} body. A 422 on a reply means the content was
// refused; on a read it means the request itself does not suit the
// instance (e.g. "This method requires an authenticated user").
func (m *Mastodon) mastodonError(resp *http.Response, reply bool) error {
	if resp.StatusCode == http.StatusTooManyRequests {
		wait := RetryAfter(resp.Header, m.cfg.now())
		if wait <= 0 {
			if reset := mastodonResetTime(resp.Header); !reset.IsZero() {
				wait = untilCapped(m.cfg.now(), reset)
			}
		}
		if wait <= 0 {
			wait = 5 * time.Minute // Mastodon's limits are per 5-minute window
		}
		return &RateLimitedError{RetryAfter: wait, Status: resp.StatusCode, Reason: mastodonErrorText(bodySnippet(resp.Body))}
	}
	if resp.StatusCode == http.StatusUnprocessableEntity {
		msg := mastodonErrorText(bodySnippet(resp.Body))
		if msg == "" {
			msg = "validation failed"
		}
		if !reply {
			return fmt.Errorf("%w: mastodon: %s", ErrConfig, msg)
		}
		return fmt.Errorf("%w: mastodon: %s", ErrRejected, msg)
	}
	return m.cfg.statusError(resp)
}

// mastodonErrorText extracts "error" from a JSON error body, or returns the
// snippet as it is.
func mastodonErrorText(snippet string) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(snippet), &e) == nil && e.Error != "" {
		return e.Error
	}
	return snippet
}

// get performs an authenticated GET and decodes the JSON answer into out.
// It returns the response headers for rate-limit bookkeeping.
func (m *Mastodon) get(ctx context.Context, base *url.URL, path string, q url.Values, token string, out any) (http.Header, error) {
	req, err := m.newRequest(ctx, http.MethodGet, base, path, q, token, "")
	if err != nil {
		return nil, err
	}
	resp, err := m.cfg.do(req)
	if err != nil {
		return nil, fmt.Errorf("connectors: mastodon: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, m.mastodonError(resp, false)
	}
	body, err := m.cfg.readBody(resp)
	if err != nil {
		return resp.Header, err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return resp.Header, fmt.Errorf("%w: mastodon %s: %v", ErrBadFeed, path, err)
	}
	return resp.Header, nil
}

func tokenKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// self returns the token's own account, asking the instance once per token.
func (m *Mastodon) self(ctx context.Context, base *url.URL, token string) (mastodonAccount, error) {
	key := tokenKey(base.String(), token)
	m.mu.Lock()
	acc, ok := m.accounts[key]
	m.mu.Unlock()
	if ok {
		return acc, nil
	}
	if _, err := m.get(ctx, base, "/api/v1/accounts/verify_credentials", nil, token, &acc); err != nil {
		return mastodonAccount{}, err
	}
	if acc.ID == "" {
		return mastodonAccount{}, fmt.Errorf("%w: mastodon verify_credentials: no account id", ErrBadFeed)
	}
	m.mu.Lock()
	m.accounts[key] = acc
	m.mu.Unlock()
	return acc, nil
}

// localDomain returns the domain in the instance's own account addresses.
// It can differ from the web host (LOCAL_DOMAIN example.com, WEB_DOMAIN
// social.example.com), so ask /api/v2/instance (v1 "uri" on older
// servers) once; on failure fall back to the URL's host.
func (m *Mastodon) localDomain(ctx context.Context, base *url.URL) string {
	key := base.String()
	m.mu.Lock()
	d, ok := m.domains[key]
	m.mu.Unlock()
	if ok {
		return d
	}
	d = base.Hostname()
	var v2 struct {
		Domain string `json:"domain"`
	}
	var v1 struct {
		URI string `json:"uri"`
	}
	if _, err := m.get(ctx, base, "/api/v2/instance", nil, "", &v2); err == nil && validDomain(v2.Domain) {
		d = strings.ToLower(v2.Domain)
	} else if _, err := m.get(ctx, base, "/api/v1/instance", nil, "", &v1); err == nil && validDomain(v1.URI) {
		d = strings.ToLower(v1.URI)
	} else if ctx.Err() != nil {
		return d // do not cache a guess made under a cancelled context
	}
	m.mu.Lock()
	m.domains[key] = d
	m.mu.Unlock()
	return d
}

func validDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, c := range s {
		if !(c == '.' || c == '-' || c == ':' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// Fetch reads the statuses newer than cur.Since (a notification id in mode
// "mentions", a status id otherwise). Without a cursor it reads only the
// newest page: a new source starts from now, not from the instance's
// history.
func (m *Mastodon) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	base, err := mastodonBase(src)
	if err != nil {
		return Batch{}, err
	}
	token := strings.TrimSpace(src.Secrets["token"])
	mode := src.Opt("mode", MastodonModeMentions)

	var path string
	q := url.Values{}
	limit := mastodonStatusLimit
	switch mode {
	case MastodonModeMentions:
		if token == "" {
			return Batch{}, fmt.Errorf("%w: mastodon: mode mentions needs an access token", ErrConfig)
		}
		path = "/api/v1/notifications"
		q.Set("types[]", "mention")
		limit = mastodonNotificationLimit
	case MastodonModeHashtag:
		tag := strings.TrimLeft(strings.TrimSpace(src.Query), "#")
		if tag == "" || strings.ContainsAny(tag, "/?# \t") {
			return Batch{}, fmt.Errorf("%w: mastodon: hashtag %q is not a single tag", ErrConfig, src.Query)
		}
		path = "/api/v1/timelines/tag/" + url.PathEscape(tag)
	case MastodonModeSearch:
		if token == "" {
			return Batch{}, fmt.Errorf("%w: mastodon: search needs an access token", ErrConfig)
		}
		if strings.TrimSpace(src.Query) == "" {
			return Batch{}, fmt.Errorf("%w: mastodon: search needs search terms", ErrConfig)
		}
		path = "/api/v2/search"
		q.Set("type", "statuses")
		q.Set("q", strings.TrimSpace(src.Query))
	default:
		return Batch{}, fmt.Errorf("%w: mastodon: unknown mode %q", ErrConfig, mode)
	}
	q.Set("limit", strconv.Itoa(limit))

	domain := m.localDomain(ctx, base)
	var self mastodonAccount
	if token != "" {
		if self, err = m.self(ctx, base, token); err != nil {
			return Batch{}, err
		}
	}

	batch := Batch{Cursor: cur}
	since := cur.Since
	seen := make(map[string]bool)
	for page := 0; page < mastodonMaxPages; page++ {
		if since != "" {
			q.Set("min_id", since)
		}
		var (
			items []json.RawMessage
			h     http.Header
		)
		if mode == MastodonModeSearch {
			var res struct {
				Statuses []json.RawMessage `json:"statuses"`
			}
			h, err = m.get(ctx, base, path, q, token, &res)
			items = res.Statuses
		} else {
			h, err = m.get(ctx, base, path, q, token, &items)
		}
		if err != nil {
			if len(batch.Mentions) > 0 && IsRetryable(err) {
				// Keep what we read: the cursor covers exactly that.
				slog.Warn("mastodon: stopping paging early", "source_id", src.ID, "error", err)
				var rl *RateLimitedError
				if errors.As(err, &rl) {
					batch.NextCheck = m.cfg.now().Add(rl.RetryAfter)
				}
				break
			}
			return Batch{}, err
		}
		maxID := since
		for _, raw := range items {
			id, mention, ok := m.parseItem(raw, mode, domain, self)
			if id == "" {
				continue
			}
			// Ordering-agnostic: search results are not guaranteed to be
			// sorted, and min_id is a hint some servers ignore.
			if since != "" && !mastodonIDLess(since, id) {
				continue
			}
			if maxID == "" || mastodonIDLess(maxID, id) {
				maxID = id
			}
			if ok && !seen[mention.ExternalID] {
				seen[mention.ExternalID] = true
				batch.Mentions = append(batch.Mentions, mention)
			}
		}
		batch.Cursor.Since = maxID
		if h != nil && strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0" {
			if reset := mastodonResetTime(h); reset.After(m.cfg.now()) {
				batch.NextCheck = reset
			}
			break
		}
		// A first poll reads only the newest page; a short page means we
		// caught up.
		if cur.Since == "" || len(items) < limit || maxID == since {
			break
		}
		since = maxID
	}
	return batch, nil
}

// parseItem returns the cursor id of one result and its Mention. ok is false
// for items that carry no status (or a notification of another type).
func (m *Mastodon) parseItem(raw json.RawMessage, mode, domain string, self mastodonAccount) (id string, mention Mention, ok bool) {
	statusRaw := raw
	if mode == MastodonModeMentions {
		var n mastodonNotification
		if err := json.Unmarshal(raw, &n); err != nil || n.ID == "" {
			return "", Mention{}, false
		}
		id = n.ID
		if n.Type != "mention" || len(n.Status) == 0 || string(n.Status) == "null" {
			return id, Mention{}, false
		}
		statusRaw = n.Status
	}
	var st mastodonStatus
	if err := json.Unmarshal(statusRaw, &st); err != nil || st.ID == "" {
		return id, Mention{}, false
	}
	if mode != MastodonModeMentions {
		id = st.ID
	}
	return id, m.toMention(st, statusRaw, domain, self), true
}

func (m *Mastodon) toMention(st mastodonStatus, raw json.RawMessage, domain string, self mastodonAccount) Mention {
	content := st
	if st.Reblog != nil {
		content = *st.Reblog
	}
	mn := Mention{
		ExternalID: st.ID,
		URL:        st.URI,
		Author:     mastodonFullAcct(st.Account.Acct, domain),
		AuthorName: st.Account.DisplayName,
		AuthorURL:  st.Account.URL,
		HTML:       content.Content,
		Repost:     st.Reblog != nil,
		Own:        self.ID != "" && st.Account.ID == self.ID,
		Raw:        raw,
		Meta: map[string]string{
			"visibility": st.Visibility,
			"account_id": st.Account.ID,
			"acct":       st.Account.Acct,
		},
	}
	if st.URL != nil && *st.URL != "" {
		mn.URL = *st.URL
	} else if st.Reblog != nil && st.Reblog.URL != nil {
		mn.URL = *st.Reblog.URL
	}
	if content.SpoilerText != "" {
		mn.Meta["spoiler_text"] = content.SpoilerText
	}
	if content.Language != nil {
		mn.Lang = *content.Language
	}
	if t, err := time.Parse(time.RFC3339Nano, st.CreatedAt); err == nil {
		mn.Published = t.UTC()
	}
	if st.InReplyToID != nil {
		mn.InReplyTo = *st.InReplyToID
	}
	if st.Reblog != nil {
		mn.Meta["reblog_of"] = st.Reblog.ID
		mn.Meta["reblog_acct"] = st.Reblog.Account.Acct
		mn.Meta["reblog_visibility"] = st.Reblog.Visibility
	}
	return mn
}

// mastodonFullAcct makes "@user@instance" from an acct, which is bare
// "user" for accounts of the instance we talk to.
func mastodonFullAcct(acct, host string) string {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	if acct == "" {
		return ""
	}
	if !strings.Contains(acct, "@") && host != "" {
		acct += "@" + host
	}
	return "@" + acct
}
