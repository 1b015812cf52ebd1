package connectors

// Bluesky source settings (what the source form asks for):
//
//   - Source.URL: the PDS or AppView base URL; empty means
//     https://bsky.social (the PDS of most accounts, which proxies search).
//   - Source.Query: the search terms (Lucene syntax, e.g. "cafelumiere OR
//     \"café lumière\"").
//   - Options["lang"]: optional language tag (e.g. "fr") put on replies.
//   - Secrets["identifier"]: the business account's handle (or e-mail).
//   - Secrets["app_password"]: an app password (Settings → App passwords),
//     never the account password. Search needs a logged-in session.

import (
	"context"
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

// BlueskyDefaultURL is used when a source leaves Source.URL empty.
const BlueskyDefaultURL = "https://bsky.social"

const (
	// BlueskyMaxGraphemes and BlueskyMaxBytes are the app.bsky.feed.post
	// text limits from the lexicon.
	BlueskyMaxGraphemes = 300
	BlueskyMaxBytes     = 3000

	blueskyPageLimit = 100
	blueskyMaxPages  = 5
	bskyPostNSID     = "app.bsky.feed.post"
)

// Bluesky searches posts and replies in their thread with the business
// account. Sessions are kept in memory per source: createSession is limited
// to a few hundred calls a day per account, so a poll reuses the access
// token, refreshes it when it expires and logs in again only when the
// refresh token is refused too.
type Bluesky struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*bskySession
}

// NewBluesky returns a Bluesky connector using cfg's HTTP client.
func NewBluesky(cfg Config) *Bluesky {
	return &Bluesky{cfg: cfg, sessions: make(map[string]*bskySession)}
}

var (
	_ Fetcher = (*Bluesky)(nil)
	_ Replier = (*Bluesky)(nil)
)

type bskySession struct {
	mu      sync.Mutex // held while logging in or refreshing
	access  string
	refresh string
	did     string
	handle  string
}

type bskyStrongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type bskyPostView struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record struct {
		Text      string   `json:"text"`
		CreatedAt string   `json:"createdAt"`
		Langs     []string `json:"langs"`
		Reply     *struct {
			Root   bskyStrongRef `json:"root"`
			Parent bskyStrongRef `json:"parent"`
		} `json:"reply"`
	} `json:"record"`
	IndexedAt string `json:"indexedAt"`
}

// xrpcError is the body of an XRPC error answer.
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (e xrpcError) String() string {
	switch {
	case e.Error != "" && e.Message != "":
		return e.Error + ": " + e.Message
	case e.Error != "":
		return e.Error
	}
	return e.Message
}

// errTokenExpired is internal: the call layer refreshes and retries.
var errTokenExpired = errors.New("bluesky: access token expired")

func blueskyBase(src Source) (*url.URL, error) {
	return apiBase(src.URL, BlueskyDefaultURL, "bluesky", BlueskyDefaultURL)
}

func (b *Bluesky) session(src Source, base *url.URL) (*bskySession, string, string, error) {
	ident := strings.TrimPrefix(strings.TrimSpace(src.Secrets["identifier"]), "@")
	pass := strings.TrimSpace(src.Secrets["app_password"])
	if ident == "" || pass == "" {
		return nil, "", "", fmt.Errorf("%w: bluesky: handle and app password are required", ErrConfig)
	}
	// Changing the credentials or the server changes the key, so a stale
	// session is never reused with new secrets.
	key := tokenKey(src.ID, base.String(), ident, pass)
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sessions[key]
	if s == nil {
		s = &bskySession{}
		b.sessions[key] = s
	}
	return s, ident, pass, nil
}

// xrpc sends one XRPC request. auth is the bearer token ("" for none).
// On a non-2xx answer it returns the decoded error body and our error value.
func (b *Bluesky) xrpc(ctx context.Context, base *url.URL, method, nsid string, q url.Values, in any, auth string, out any) (http.Header, xrpcError, error) {
	u := *base
	u.Path = base.Path + "/xrpc/" + nsid
	if q != nil {
		u.RawQuery = q.Encode()
	}
	req, err := newJSONRequest(ctx, method, u.String(), in, auth)
	if err != nil {
		return nil, xrpcError{}, fmt.Errorf("connectors: bluesky %s: %w", nsid, err)
	}
	resp, err := b.cfg.do(req)
	if err != nil {
		return nil, xrpcError{}, fmt.Errorf("connectors: bluesky %s: %w", nsid, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		raw, err := b.cfg.readBody(resp)
		if err != nil {
			return resp.Header, xrpcError{}, err
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.Header, xrpcError{}, fmt.Errorf("%w: bluesky %s: %v", ErrBadFeed, nsid, err)
			}
		}
		return resp.Header, xrpcError{}, nil
	}
	snippet := bodySnippet(resp.Body)
	var xe xrpcError
	_ = json.Unmarshal([]byte(snippet), &xe)
	reason := xe.String()
	if reason == "" {
		reason = snippet
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait := RetryAfter(resp.Header, b.cfg.now())
		if wait <= 0 {
			if reset := blueskyReset(resp.Header); !reset.IsZero() {
				wait = untilCapped(b.cfg.now(), reset)
			}
		}
		if wait <= 0 {
			wait = 5 * time.Minute
		}
		return resp.Header, xe, &RateLimitedError{RetryAfter: wait, Status: resp.StatusCode, Reason: reason}
	case xe.Error == "ExpiredToken" || xe.Error == "InvalidToken" || resp.StatusCode == http.StatusUnauthorized:
		return resp.Header, xe, fmt.Errorf("%w (HTTP %d): %s", errTokenExpired, resp.StatusCode, reason)
	case resp.StatusCode == http.StatusForbidden:
		return resp.Header, xe, fmt.Errorf("%w (HTTP %d): %s", ErrAuth, resp.StatusCode, reason)
	case resp.StatusCode == http.StatusServiceUnavailable:
		wait := RetryAfter(resp.Header, b.cfg.now())
		if wait <= 0 {
			wait = 5 * time.Minute
		}
		return resp.Header, xe, &RateLimitedError{RetryAfter: wait, Status: resp.StatusCode, Reason: reason}
	}
	return resp.Header, xe, &HTTPError{Status: resp.StatusCode, Body: reason}
}

// blueskyReset reads RateLimit-Reset (unix seconds).
func blueskyReset(h http.Header) time.Time {
	v := strings.TrimSpace(h.Get("RateLimit-Reset"))
	if secs, err := strconv.ParseInt(v, 10, 64); (err == nil || errors.Is(err, strconv.ErrRange)) && secs > 0 {
		return unixTime(secs)
	}
	return time.Time{}
}

type bskySessionOut struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
}

func (s *bskySession) set(out bskySessionOut) error {
	if out.AccessJwt == "" || out.DID == "" {
		return fmt.Errorf("%w: bluesky: session answer without accessJwt or did", ErrBadFeed)
	}
	s.access, s.refresh, s.did, s.handle = out.AccessJwt, out.RefreshJwt, out.DID, out.Handle
	return nil
}

// login creates a session with the app password. Caller holds s.mu.
func (b *Bluesky) login(ctx context.Context, base *url.URL, s *bskySession, ident, pass string) error {
	var out bskySessionOut
	_, xe, err := b.xrpc(ctx, base, http.MethodPost, "com.atproto.server.createSession", nil,
		map[string]string{"identifier": ident, "password": pass}, "", &out)
	if err != nil {
		var he *HTTPError
		switch {
		case errors.Is(err, errTokenExpired), errors.Is(err, ErrAuth):
			return fmt.Errorf("%w: bluesky refused the handle or app password: %s", ErrAuth, xe)
		case errors.As(err, &he) && (xe.Error == "AuthFactorTokenRequired" || xe.Error == "AccountTakedown" || xe.Error == "AuthenticationRequired"):
			return fmt.Errorf("%w: bluesky: %s (use an app password)", ErrAuth, xe)
		case errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusNotImplemented):
			// e.g. public.api.bsky.app: an AppView, not a PDS.
			return fmt.Errorf("%w: bluesky: %s does not accept logins; use your PDS, e.g. %s", ErrConfig, base.Host, BlueskyDefaultURL)
		}
		return err
	}
	return s.set(out)
}

// renew refreshes the session after its access token was refused, logging
// in again only if the refresh token is refused as well. stale is the
// token that failed, so concurrent callers renew only once.
func (b *Bluesky) renew(ctx context.Context, base *url.URL, s *bskySession, ident, pass, stale string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != stale && s.access != "" {
		return nil // someone else renewed it meanwhile
	}
	if s.refresh != "" {
		var out bskySessionOut
		_, _, err := b.xrpc(ctx, base, http.MethodPost, "com.atproto.server.refreshSession", nil, nil, s.refresh, &out)
		if err == nil {
			return s.set(out)
		}
		if !errors.Is(err, errTokenExpired) && !errors.Is(err, ErrAuth) {
			return err
		}
		slog.Info("bluesky: refresh token refused, logging in again", "identifier", ident)
	}
	s.access, s.refresh = "", ""
	return b.login(ctx, base, s, ident, pass)
}

// call runs an authenticated XRPC call, renewing the session once if the
// access token is refused.
func (b *Bluesky) call(ctx context.Context, src Source, base *url.URL, method, nsid string, q url.Values, in any, out any) (http.Header, xrpcError, error) {
	s, ident, pass, err := b.session(src, base)
	if err != nil {
		return nil, xrpcError{}, err
	}
	token, err := b.ensure(ctx, base, s, ident, pass)
	if err != nil {
		return nil, xrpcError{}, err
	}
	h, xe, err := b.xrpc(ctx, base, method, nsid, q, in, token, out)
	if !errors.Is(err, errTokenExpired) {
		return h, xe, err
	}
	if err := b.renew(ctx, base, s, ident, pass, token); err != nil {
		return nil, xrpcError{}, err
	}
	s.mu.Lock()
	token = s.access
	s.mu.Unlock()
	h, xe, err = b.xrpc(ctx, base, method, nsid, q, in, token, out)
	if errors.Is(err, errTokenExpired) {
		return h, xe, fmt.Errorf("%w: bluesky refused a fresh session: %s", ErrAuth, xe)
	}
	return h, xe, err
}

// ensure returns a usable access token, logging in if there is none yet.
func (b *Bluesky) ensure(ctx context.Context, base *url.URL, s *bskySession, ident, pass string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access == "" {
		if err := b.login(ctx, base, s, ident, pass); err != nil {
			return "", err
		}
	}
	return s.access, nil
}

func (b *Bluesky) sessionInfo(src Source, base *url.URL) (did, handle string) {
	s, _, _, err := b.session(src, base)
	if err != nil {
		return "", ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.did, s.handle
}

func parseBskyTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

const bskySinceLayout = "2006-01-02T15:04:05.000Z"

// Fetch searches posts (sort=latest) since the newest sortAt seen before.
// `since` is inclusive, so the newest post of the previous poll comes back
// once more; ingest dedupes it by ExternalID. Without a cursor it reads only
// the newest page.
func (b *Bluesky) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	base, err := blueskyBase(src)
	if err != nil {
		return Batch{}, err
	}
	query := strings.TrimSpace(src.Query)
	if query == "" {
		return Batch{}, fmt.Errorf("%w: bluesky: search terms are required", ErrConfig)
	}
	q := url.Values{}
	q.Set("q", query)
	q.Set("sort", "latest")
	q.Set("limit", strconv.Itoa(blueskyPageLimit))
	newest := time.Time{}
	if t, ok := parseBskyTime(cur.Since); ok {
		q.Set("since", t.Format(bskySinceLayout))
		newest = t
	} else if cur.Since != "" {
		slog.Warn("bluesky: ignoring unreadable cursor", "source_id", src.ID, "cursor", cur.Since)
	}

	batch := Batch{Cursor: cur}
	seen := make(map[string]bool)
	for page := 0; page < blueskyMaxPages; page++ {
		var out struct {
			Cursor string            `json:"cursor"`
			Posts  []json.RawMessage `json:"posts"`
		}
		h, _, err := b.call(ctx, src, base, http.MethodGet, "app.bsky.feed.searchPosts", q, nil, &out)
		if err != nil {
			if len(batch.Mentions) > 0 && IsRetryable(err) {
				// Newest pages come first, so what we have is a prefix;
				// moving the cursor would skip the older rest. Keep it.
				slog.Warn("bluesky: paging interrupted, will retry from the old cursor", "source_id", src.ID, "error", err)
				out := Batch{Mentions: batch.Mentions, Cursor: cur}
				var rl *RateLimitedError
				if errors.As(err, &rl) {
					out.NextCheck = b.cfg.now().Add(rl.RetryAfter)
				}
				return out, nil
			}
			return Batch{}, err
		}
		did, _ := b.sessionInfo(src, base)
		for _, raw := range out.Posts {
			var pv bskyPostView
			if err := json.Unmarshal(raw, &pv); err != nil || pv.URI == "" {
				continue
			}
			m := blueskyMention(pv, raw, did)
			if sortAt := bskySortAt(pv); sortAt.After(newest) {
				newest = sortAt
			}
			if !seen[m.ExternalID] {
				seen[m.ExternalID] = true
				batch.Mentions = append(batch.Mentions, m)
			}
		}
		if reset := blueskyReset(h); h != nil && strings.TrimSpace(h.Get("RateLimit-Remaining")) == "0" && reset.After(b.cfg.now()) {
			batch.NextCheck = reset
			break
		}
		if cur.Since == "" || out.Cursor == "" || len(out.Posts) < blueskyPageLimit {
			break
		}
		if page == blueskyMaxPages-1 {
			slog.Warn("bluesky: page cap reached; older posts of this burst are skipped", "source_id", src.ID, "pages", blueskyMaxPages)
		}
		q.Set("cursor", out.Cursor)
	}
	if !newest.IsZero() {
		batch.Cursor.Since = newest.Format(bskySinceLayout)
	}
	return batch, nil
}

// bskySortAt approximates the AppView's sortAt, the field `since` compares:
// the earlier of createdAt and indexedAt, so a post dated in the future
// cannot push the cursor past everything else.
func bskySortAt(pv bskyPostView) time.Time {
	idx, okIdx := parseBskyTime(pv.IndexedAt)
	cr, okCr := parseBskyTime(pv.Record.CreatedAt)
	switch {
	case okIdx && okCr && cr.Before(idx):
		return cr
	case okIdx:
		return idx
	}
	return time.Time{}
}

// bskyRkey returns the record key of an at:// URI.
func bskyRkey(uri string) string {
	i := strings.LastIndexByte(uri, '/')
	if i < 0 {
		return ""
	}
	return uri[i+1:]
}

func bskyWebURL(handleOrDID, uri string) string {
	rkey := bskyRkey(uri)
	if handleOrDID == "" || rkey == "" {
		return ""
	}
	return "https://bsky.app/profile/" + url.PathEscape(handleOrDID) + "/post/" + url.PathEscape(rkey)
}

func blueskyMention(pv bskyPostView, raw json.RawMessage, selfDID string) Mention {
	who := pv.Author.Handle
	if who == "" || who == "handle.invalid" {
		who = pv.Author.DID
	}
	m := Mention{
		ExternalID: pv.URI,
		URL:        bskyWebURL(who, pv.URI),
		Author:     pv.Author.Handle,
		AuthorName: pv.Author.DisplayName,
		AuthorURL:  "https://bsky.app/profile/" + url.PathEscape(who),
		Text:       pv.Record.Text,
		Own:        selfDID != "" && pv.Author.DID == selfDID,
		Raw:        raw,
		Meta: map[string]string{
			"cid":        pv.CID,
			"author_did": pv.Author.DID,
			"indexed_at": pv.IndexedAt,
			"root_uri":   pv.URI,
			"root_cid":   pv.CID,
		},
	}
	if len(pv.Record.Langs) > 0 {
		m.Lang = pv.Record.Langs[0]
	}
	if t, ok := parseBskyTime(pv.Record.CreatedAt); ok {
		m.Published = t
	} else if t, ok := parseBskyTime(pv.IndexedAt); ok {
		m.Published = t
	}
	if r := pv.Record.Reply; r != nil && r.Parent.URI != "" {
		m.InReplyTo = r.Parent.URI
		if r.Root.URI != "" && r.Root.CID != "" {
			m.ThreadID = r.Root.URI
			m.Meta["root_uri"], m.Meta["root_cid"] = r.Root.URI, r.Root.CID
		}
	}
	return m
}
