package connectors

// X source settings (what the source form asks for):
//
//   - Secrets["access_token"]: an OAuth 2.0 user access token of the
//     business account (scopes tweet.read, users.read, tweet.write,
//     offline.access). Tokens last about two hours: the caller refreshes
//     them, and on ErrReconnect tries a refresh before asking the owner.
//   - Source.Query: the brand search (X search operators, e.g.
//     `"Café Lumière" OR @cafelumiere -is:retweet`); empty skips search.
//   - Options["mentions"]: "off" to skip the account's @mentions.
//   - Source.URL: optional API base; empty means https://api.x.com.
//
// Reads (docs.x.com "Search Posts: recent", "User mentions timeline"):
// GET /2/tweets/search/recent (the last 7 days) and GET /2/users/{id}/mentions,
// newest first, with since_id for polling and next_token / pagination_token
// for the pages. Both streams keep their own position in the cursor, and a
// poll cut short (rate limit, page cap) resumes at the same next_token:
// "next_token does not expire".
//
// Access tiers differ: an endpoint outside the owner's plan answers 403
// with reason "client-not-enrolled"; that becomes a sentence about the plan,
// not a retry. Rate limits come as x-rate-limit-limit/-remaining/-reset
// (reset in epoch seconds, and no Retry-After).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	xDefaultBase = "https://api.x.com"
	// xMaxResults is the documented maximum page size of both reads.
	xMaxResults = 100
	// xMaxPages bounds the pages one stream reads in one poll.
	xMaxPages = 5
	// xWindow is the rate-limit window ("most limits reset every 15
	// minutes"), the wait when a 429 names no reset.
	xWindow = 15 * time.Minute
)

// xTweetFields and friends are the fields every read asks for.
const (
	xTweetFields = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,edit_history_tweet_ids"
	xUserFields  = "username,name"
)

// X reads brand searches and mentions on X, and replies as the account.
type X struct {
	cfg Config

	mu    sync.Mutex
	users map[string]xSelf // key: source id; one entry per source
}

// xSelf is a source's own account, remembered with the token that showed
// it: a refreshed token keeps the account, another account needs a new look.
type xSelf struct {
	tokenHash string
	user      xUser
}

// NewX returns an X connector using cfg's HTTP client.
func NewX(cfg Config) *X { return &X{cfg: cfg, users: map[string]xSelf{}} }

var (
	_ Fetcher = (*X)(nil)
	_ Replier = (*X)(nil)
)

type xUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

type xTweet struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	AuthorID         string `json:"author_id"`
	CreatedAt        string `json:"created_at"`
	ConversationID   string `json:"conversation_id"`
	InReplyToUserID  string `json:"in_reply_to_user_id"`
	Lang             string `json:"lang"`
	ReferencedTweets []struct {
		Type string `json:"type"` // retweeted, quoted, replied_to
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
}

// xPage is one answer of a timeline or search read.
type xPage struct {
	Data     []json.RawMessage `json:"data"`
	Includes struct {
		Users []xUser `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

// xStream is one stream's position: Since is the newest id fully read;
// while a pass through newer posts is under way, Next is the page to read
// and Newest the newest id of that pass, which becomes Since at its end.
type xStream struct {
	Since  string `json:"since,omitempty"`
	Newest string `json:"newest,omitempty"`
	Next   string `json:"next,omitempty"`
}

// xCursor is stored as JSON in Cursor.Since.
type xCursor struct {
	Search   xStream `json:"search"`
	Mentions xStream `json:"mentions"`
}

func xBase(src Source) (*url.URL, error) {
	return apiBase(src.URL, xDefaultBase, "x", xDefaultBase)
}

func xToken(src Source) (string, error) {
	tok := strings.TrimSpace(src.Secrets["access_token"])
	if tok == "" {
		return "", fmt.Errorf("%w: x: no access token; connect the X account", ErrConfig)
	}
	return tok, nil
}

// call sends one request with a JSON body in (or none); out receives a
// 2xx JSON answer. A refused write means something else than a refused
// read (xErrorFrom).
func (x *X) call(ctx context.Context, method string, base *url.URL, path string, q url.Values, token string, in, out any) (http.Header, error) {
	u := *base
	u.Path = base.Path + path
	if q != nil {
		u.RawQuery = q.Encode()
	}
	req, err := newJSONRequest(ctx, method, u.String(), in, token)
	if err != nil {
		return nil, fmt.Errorf("%w: x: %v", ErrConfig, err)
	}
	resp, err := x.cfg.do(req)
	if err != nil {
		return nil, fmt.Errorf("x: %w", transportError(u.String(), err))
	}
	defer resp.Body.Close()
	raw, err := x.cfg.readBody(resp)
	if err != nil {
		return resp.Header, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, xErrorFrom(resp.StatusCode, resp.Header, raw, x.cfg.now(), method+" "+path, method != http.MethodGet)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.Header, fmt.Errorf("%w: x %s: %v", ErrBadFeed, path, err)
		}
	}
	return resp.Header, nil
}

// self returns the token's own account. It asks X again when the source's
// token changes (a refresh every two hours, or another account connected):
// one cheap call, and the map keeps one entry per source, not per token.
func (x *X) self(ctx context.Context, sourceID string, base *url.URL, token string) (xUser, error) {
	key := sourceID + "\x00" + base.String()
	hash := tokenKey(token)
	x.mu.Lock()
	me, ok := x.users[key]
	x.mu.Unlock()
	if ok && me.tokenHash == hash {
		return me.user, nil
	}
	var out struct {
		Data xUser `json:"data"`
	}
	if _, err := x.call(ctx, http.MethodGet, base, "/2/users/me", nil, token, nil, &out); err != nil {
		return xUser{}, err
	}
	if out.Data.ID == "" {
		return xUser{}, fmt.Errorf("%w: x /2/users/me: no user id", ErrBadFeed)
	}
	x.mu.Lock()
	x.users[key] = xSelf{tokenHash: hash, user: out.Data}
	x.mu.Unlock()
	return out.Data, nil
}

// Fetch reads the account's mentions and the brand search since cur.
func (x *X) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	base, err := xBase(src)
	if err != nil {
		return Batch{}, err
	}
	token, err := xToken(src)
	if err != nil {
		return Batch{}, err
	}
	query := strings.TrimSpace(src.Query)
	mentions := src.Opt("mentions", "on") != "off"
	if query == "" && !mentions {
		return Batch{}, fmt.Errorf("%w: x: set search terms or keep the account's mentions on", ErrConfig)
	}
	var xc xCursor
	if cur.Since != "" && json.Unmarshal([]byte(cur.Since), &xc) != nil {
		xc = xCursor{} // unreadable: start again; ids dedupe
	}
	me, err := x.self(ctx, src.ID, base, token)
	if err != nil {
		return Batch{}, err
	}
	batch := Batch{Cursor: cur}
	seen := map[string]bool{}
	streams := []struct {
		on    bool
		name  string
		path  string
		page  string // the paging parameter's name
		query string
		state *xStream
	}{
		{mentions, "mentions", "/2/users/" + url.PathEscape(me.ID) + "/mentions", "pagination_token", "", &xc.Mentions},
		{query != "", "search", "/2/tweets/search/recent", "next_token", query, &xc.Search},
	}
	for _, s := range streams {
		if !s.on {
			continue
		}
		found, next, wait, err := x.stream(ctx, base, token, s.path, s.page, s.query, *s.state, me, s.name)
		if err != nil {
			var rl *RateLimitedError
			if errors.As(err, &rl) && len(batch.Mentions) > 0 {
				// Keep what the other stream read; come back after the reset.
				batch.NextCheck = x.cfg.now().Add(rl.RetryAfter)
				break
			}
			return Batch{}, err
		}
		*s.state = next
		if !wait.IsZero() && (batch.NextCheck.IsZero() || wait.After(batch.NextCheck)) {
			batch.NextCheck = wait
		}
		for _, m := range found {
			if !seen[m.ExternalID] {
				seen[m.ExternalID] = true
				// The mentions timeline comes first: a post in both
				// streams keeps being addressed to us.
				m.Direct = s.name == "mentions"
				batch.Mentions = append(batch.Mentions, m)
			}
		}
	}
	b, _ := json.Marshal(xc)
	batch.Cursor.Since = string(b)
	return batch, nil
}

// stream reads one timeline from st onwards. It returns the mentions, the
// position to store, and, when the rate limit ran out on the way, when to
// come back. A rate limit on a later page is not an error: the position
// keeps the page still to read.
func (x *X) stream(ctx context.Context, base *url.URL, token, path, pageParam, query string, st xStream, me xUser, name string) ([]Mention, xStream, time.Time, error) {
	var out []Mention
	for page := 0; page < xMaxPages; page++ {
		q := url.Values{}
		if query != "" {
			q.Set("query", query)
		}
		q.Set("max_results", strconv.Itoa(xMaxResults))
		q.Set("expansions", "author_id")
		q.Set("user.fields", xUserFields)
		q.Set("tweet.fields", xTweetFields)
		if st.Since != "" {
			q.Set("since_id", st.Since)
		}
		if st.Next != "" {
			q.Set(pageParam, st.Next)
		}
		var p xPage
		h, err := x.call(ctx, http.MethodGet, base, path, q, token, nil, &p)
		if err != nil {
			var rl *RateLimitedError
			if errors.As(err, &rl) && page > 0 {
				return out, st, x.cfg.now().Add(rl.RetryAfter), nil
			}
			if xStaleSince(err) && st.Since != "" && page == 0 {
				// The source was not polled for longer than the 7-day
				// window, and X refuses a since_id that old: start again
				// from the newest posts (ids dedupe what was read).
				st = xStream{}
				continue
			}
			return nil, st, time.Time{}, err
		}
		users := make(map[string]xUser, len(p.Includes.Users))
		for _, u := range p.Includes.Users {
			users[u.ID] = u
		}
		for _, raw := range p.Data {
			if m, ok := xMention(raw, users, me, name); ok {
				out = append(out, m)
			}
		}
		if st.Newest == "" || xIDLess(st.Newest, p.Meta.NewestID) {
			st.Newest = p.Meta.NewestID
		}
		st.Next = p.Meta.NextToken
		var wait time.Time
		if strings.TrimSpace(h.Get("x-rate-limit-remaining")) == "0" {
			wait = xReset(h, x.cfg.now())
		}
		if st.Next == "" {
			// The pass is complete: everything up to Newest is read.
			if st.Newest != "" && (st.Since == "" || xIDLess(st.Since, st.Newest)) {
				st.Since = st.Newest
			}
			st.Newest = ""
			return out, st, wait, nil
		}
		if !wait.IsZero() {
			return out, st, wait, nil
		}
	}
	return out, st, time.Time{}, nil
}

// xStaleSince reports X's refusal of a since_id older than the window
// ("Invalid 'since_id' ... must be a tweet id created after ...").
func xStaleSince(err error) bool {
	var xe *XError
	return errors.As(err, &xe) && xe.Status == http.StatusBadRequest && strings.Contains(xe.Detail, "since_id")
}

// xIDLess compares X ids, decimal snowflakes of varying length.
func xIDLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// xReset reads x-rate-limit-reset, the epoch second the window reopens.
func xReset(h http.Header, now time.Time) time.Time {
	secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("x-rate-limit-reset")), 10, 64)
	if err != nil || secs <= 0 {
		return now.Add(xWindow)
	}
	t := time.Unix(secs, 0)
	if !t.After(now) {
		return now.Add(time.Minute)
	}
	return t
}

func xMention(raw json.RawMessage, users map[string]xUser, me xUser, stream string) (Mention, bool) {
	var tw xTweet
	if err := json.Unmarshal(raw, &tw); err != nil || tw.ID == "" {
		return Mention{}, false
	}
	author := users[tw.AuthorID]
	m := Mention{
		ExternalID: tw.ID,
		Text:       tw.Text,
		ThreadID:   tw.ConversationID,
		Own:        tw.AuthorID != "" && tw.AuthorID == me.ID,
		Raw:        raw,
		Meta:       map[string]string{"stream": stream, "author_id": tw.AuthorID, "conversation_id": tw.ConversationID},
	}
	if tw.Lang != "und" {
		m.Lang = tw.Lang
	}
	if t, err := time.Parse(time.RFC3339Nano, tw.CreatedAt); err == nil {
		m.Published = t.UTC()
	}
	if author.Username != "" {
		m.Author = "@" + author.Username
		m.AuthorName = author.Name
		m.AuthorURL = "https://x.com/" + author.Username
		m.URL = "https://x.com/" + author.Username + "/status/" + tw.ID
		m.Meta["username"] = author.Username
	} else {
		m.Author = tw.AuthorID
		m.URL = "https://x.com/i/status/" + tw.ID
	}
	for _, ref := range tw.ReferencedTweets {
		switch ref.Type {
		case "replied_to":
			m.InReplyTo = ref.ID
		case "retweeted":
			m.Repost = true
			m.Meta["retweet_of"] = ref.ID
		}
	}
	// An edited post is a new id whose edit history starts with the
	// original: it is a new message in the original's thread.
	if h := tw.EditHistoryTweetIDs; len(h) > 1 && h[0] != tw.ID {
		m.Meta["edit_of"] = h[0]
		m.Meta["event"] = "edited"
		m.InReplyTo = h[0]
	}
	return m, true
}
