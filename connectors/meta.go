package connectors

// The Meta Graph API client shared by the Facebook Page and Instagram
// connectors: versioned base URL, the documented error shape, rate-limit
// headers and cursor paging. Reference pages: "Handling Errors", "Rate
// Limits", "Using the Graph API / Paginated Results" (developers.facebook.com).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MetaGraphVersion is the Graph API version the connectors speak. Meta
// keeps a version for about two years; Source.URL can pin another one.
const MetaGraphVersion = "v25.0"

// metaDefaultBase is where Graph requests go when Source.URL is empty.
const metaDefaultBase = "https://graph.facebook.com/" + MetaGraphVersion

const (
	// metaPageLimit is the page size we ask for; Graph edges cap it
	// themselves (often at 100) and answer with fewer.
	metaPageLimit = 50
	// metaMaxPages bounds the pages one listing reads in one poll.
	metaMaxPages = 5
	// metaDefaultWait is the wait after a throttling error that names no
	// time: Platform limits are counted over a rolling hour.
	metaDefaultWait = 15 * time.Minute
)

// MetaError is an error answered by the Graph API, in its documented shape:
//
//	{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}
//
// It unwraps to the sentinel that says what the owner must do (ErrReconnect,
// ErrAuth, ErrConfig, ErrRejected), or to nothing when a retry may help.
type MetaError struct {
	Status  int // HTTP status
	Message string
	Type    string
	Code    int
	Subcode int
	TraceID string
	// Reason is the sentence for the source's health, e.g. "the token
	// lacks the pages_read_user_content permission".
	Reason string
	kind   error
}

func (e *MetaError) Error() string {
	msg := fmt.Sprintf("meta graph error %d", e.Code)
	if e.Subcode != 0 {
		msg += fmt.Sprintf("/%d", e.Subcode)
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Message != "" && e.Message != e.Reason {
		msg += " (" + e.Message + ")"
	}
	if e.kind != nil {
		return e.kind.Error() + ": " + msg
	}
	return "connectors: " + msg
}

// Unwrap gives the sentinel. A token to reconnect is also a refused
// credential, so code that only knows ErrAuth (IsRetryable) treats it as
// such.
func (e *MetaError) Unwrap() []error {
	switch e.kind {
	case nil:
		return nil
	case ErrReconnect:
		return []error{ErrReconnect, ErrAuth}
	}
	return []error{e.kind}
}

// Graph error codes that matter here ("Handling Errors", error code table).
const (
	metaCodeAPIUnknown    = 1
	metaCodeAPIService    = 2
	metaCodeTooManyCalls  = 4
	metaCodePermission    = 10
	metaCodeDeprecated    = 12 // e.g. Page ratings from v22.0
	metaCodeUserTooMany   = 17
	metaCodePageTooMany   = 32
	metaCodeInvalidParam  = 100
	metaCodeSession       = 102
	metaCodeTokenInvalid  = 190
	metaCodeDuplicatePost = 506
	metaCodeCustomLimit   = 613
	metaCodeUnknownObject = 803
)

// metaGraphError is the wire form of an error body.
type metaGraphError struct {
	Error *struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		FbtraceID    string `json:"fbtrace_id"`
	} `json:"error"`
}

// metaPermissionRE finds a permission name in an error message, such as
// "(#10) This endpoint requires the 'pages_read_engagement' permission".
var metaPermissionRE = regexp.MustCompile(`\b((?:pages|instagram|business|ads|read|publish|public)_[a-z_]+)\b`)

// metaTokenReason explains an OAuthException subcode (the "Authentication
// Error Subcodes" table of "Handling Errors").
func metaTokenReason(subcode int) string {
	switch subcode {
	case 458:
		return "the Meta app was removed from the account: connect it again"
	case 459:
		return "Facebook needs the account owner to log in on facebook.com to fix the account first"
	case 460:
		return "the account password changed: connect it again"
	case 463:
		return "the access token expired: connect the account again"
	case 464:
		return "the Facebook account is not confirmed"
	case 467:
		return "the access token is no longer valid: connect the account again"
	}
	return "the access token was refused (expired or revoked): connect the account again"
}

// metaRateLimitCode reports whether code is a throttling error: 4, 17, 32
// and 613 from "Handling Errors", and the 80001–80014 Business Use Case
// codes ("Rate Limits": pages 80001, instagram 80002, ...).
func metaRateLimitCode(code int) bool {
	switch code {
	case metaCodeTooManyCalls, metaCodeUserTooMany, metaCodePageTooMany, metaCodeCustomLimit:
		return true
	}
	return code >= 80000 && code <= 80014
}

// metaErrorFrom turns a non-2xx Graph answer into an error value. reply
// says the request was a write: a refused parameter then means the content
// was refused, not that the source is misconfigured.
func metaErrorFrom(status int, h http.Header, body []byte, now time.Time, reply bool) error {
	var ge metaGraphError
	if err := json.Unmarshal(body, &ge); err != nil || ge.Error == nil {
		snippet := bodySnippet(strings.NewReader(string(body)))
		switch {
		case status == http.StatusTooManyRequests:
			return &RateLimitedError{RetryAfter: metaWait(h, now), Status: status, Reason: snippet}
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return fmt.Errorf("%w (HTTP %d): %s", ErrAuth, status, snippet)
		}
		return &HTTPError{Status: status, Body: snippet}
	}
	g := ge.Error
	e := &MetaError{Status: status, Message: g.Message, Type: g.Type, Code: g.Code, Subcode: g.ErrorSubcode, TraceID: g.FbtraceID}
	switch {
	case g.Code == metaCodeTokenInvalid || g.Code == metaCodeSession:
		// An expired or revoked token is HTTP 400 with code 190, not a 401.
		e.kind, e.Reason = ErrReconnect, metaTokenReason(g.ErrorSubcode)
	case metaRateLimitCode(g.Code):
		return &RateLimitedError{RetryAfter: metaWait(h, now), Status: status, Reason: fmt.Sprintf("meta error %d: %s", g.Code, g.Message)}
	case g.Code == metaCodePermission || (g.Code >= 200 && g.Code <= 299):
		e.kind = ErrAuth
		e.Reason = "the token lacks a permission this needs"
		if m := metaPermissionRE.FindStringSubmatch(g.Message); m != nil {
			e.Reason = "the token lacks the " + m[1] + " permission"
		}
	case g.Code == metaCodeDuplicatePost:
		e.kind, e.Reason = ErrRejected, "the same text was just posted"
	case g.Code == metaCodeInvalidParam || g.Code == metaCodeUnknownObject:
		e.kind = ErrConfig
		if reply {
			e.kind = ErrRejected
		}
	case g.Code == metaCodeDeprecated:
		e.kind, e.Reason = ErrConfig, "this Graph API feature is deprecated"
	case g.Code == metaCodeAPIUnknown || g.Code == metaCodeAPIService || status >= 500:
		// Temporary: leave kind nil so the poller retries.
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.kind = ErrAuth
	}
	return e
}

// metaSubcodeNoObject is the subcode of code 100 that Graph answers for an
// object it cannot load: "Unsupported get request. Object with ID '…' does
// not exist, cannot be loaded due to missing permissions, or does not
// support this operation" (GraphMethodException) — a deleted comment or
// post among them.
const metaSubcodeNoObject = 33

// metaGone reports whether err is Graph saying the object is not there
// (code 100 subcode 33, or code 803 "some of the aliases you requested do
// not exist"): before a reply, that is the comment deleted by its author.
func metaGone(err error) bool {
	var me *MetaError
	if !errors.As(err, &me) {
		return false
	}
	return (me.Code == metaCodeInvalidParam && me.Subcode == metaSubcodeNoObject) || me.Code == metaCodeUnknownObject
}

// metaUsage is one Business Use Case entry of X-Business-Use-Case-Usage.
type metaUsage struct {
	Type                        string `json:"type"`
	CallCount                   int    `json:"call_count"`
	TotalCPUTime                int    `json:"total_cputime"`
	TotalTime                   int    `json:"total_time"`
	EstimatedTimeToRegainAccess int    `json:"estimated_time_to_regain_access"` // minutes
}

// metaWait chooses how long to stay away after throttling. The Business
// Use Case header ({"<business-id>": [{"type", "call_count", ...,
// "estimated_time_to_regain_access": minutes}]}) says it outright, and
// Page tokens are counted there; X-App-Usage only gives percentages of a
// rolling hour, so a saturated app waits the default.
func metaWait(h http.Header, now time.Time) time.Duration {
	var wait time.Duration
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var buc map[string][]metaUsage
		if json.Unmarshal([]byte(v), &buc) == nil {
			for _, list := range buc {
				for _, u := range list {
					wait = max(wait, time.Duration(u.EstimatedTimeToRegainAccess)*time.Minute)
				}
			}
		}
	}
	if wait <= 0 {
		wait = RetryAfter(h, now)
	}
	if wait <= 0 {
		wait = metaDefaultWait
	}
	return wait
}

// metaNearLimit reports whether a successful answer says the app or the
// business use case is almost out of calls, so paging should stop early
// instead of running into the wall (the penalty is then counted in hours).
func metaNearLimit(h http.Header) bool {
	const threshold = 95 // percent
	if v := h.Get("X-App-Usage"); v != "" {
		var u metaUsage
		if json.Unmarshal([]byte(v), &u) == nil && max(u.CallCount, u.TotalCPUTime, u.TotalTime) >= threshold {
			return true
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var buc map[string][]metaUsage
		if json.Unmarshal([]byte(v), &buc) == nil {
			for _, list := range buc {
				for _, u := range list {
					if max(u.CallCount, u.TotalCPUTime, u.TotalTime) >= threshold {
						return true
					}
				}
			}
		}
	}
	return false
}

// metaPage is one page of a Graph edge.
type metaPage struct {
	Data   []json.RawMessage `json:"data"`
	Paging struct {
		Cursors struct {
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// metaClient sends Graph requests for one base URL and token.
type metaClient struct {
	cfg   Config
	base  *url.URL
	token string
	who   string // "facebook", "instagram": prefixes error messages
}

// metaBase returns the Graph base URL: Source.URL when set (another
// version, or a test server), else graph.facebook.com at MetaGraphVersion.
func metaBase(raw string) (*url.URL, error) {
	return apiBase(raw, metaDefaultBase, "meta", metaDefaultBase)
}

func newMetaClient(cfg Config, baseURL, token, who string) (*metaClient, error) {
	base, err := metaBase(baseURL)
	if err != nil {
		return nil, err
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, fmt.Errorf("%w: %s: no access token; connect the account", ErrConfig, who)
	}
	return &metaClient{cfg: cfg, base: base, token: token, who: who}, nil
}

// endpoint builds base + path with q and the access token. The token rides
// in the query, as every Graph example does; errors never print the URL.
func (c *metaClient) endpoint(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + "/" + strings.TrimLeft(path, "/")
	v := url.Values{}
	for k, vals := range q {
		v[k] = vals
	}
	v.Set("access_token", c.token)
	u.RawQuery = v.Encode()
	return u.String()
}

// send performs one request and decodes a 2xx JSON answer into out.
func (c *metaClient) send(ctx context.Context, method, rawURL string, form url.Values, out any) (http.Header, error) {
	var req *http.Request
	var err error
	if form != nil {
		req, err = http.NewRequestWithContext(ctx, method, rawURL, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, method, rawURL, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, c.who, redactURLError(err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.who, transportError(rawURL, err))
	}
	defer resp.Body.Close()
	body, err := c.cfg.readBody(resp)
	if err != nil {
		return resp.Header, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, fmt.Errorf("%s: %w", c.who, metaErrorFrom(resp.StatusCode, resp.Header, body, c.cfg.now(), method != http.MethodGet))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return resp.Header, fmt.Errorf("%w: %s %s: %v", ErrBadFeed, c.who, redactURL(rawURL), err)
		}
	}
	return resp.Header, nil
}

func (c *metaClient) get(ctx context.Context, path string, q url.Values, out any) (http.Header, error) {
	return c.send(ctx, http.MethodGet, c.endpoint(path, q), nil, out)
}

func (c *metaClient) post(ctx context.Context, path string, form url.Values, out any) (http.Header, error) {
	return c.send(ctx, http.MethodPost, c.endpoint(path, nil), form, out)
}

// pages reads an edge page by page, handing each item to visit until visit
// returns false, maxPages pages were read, the edge ends, or the usage
// headers say we are close to the limit (then near is true). It follows paging.cursors.after,
// or paging.next when an edge pages by time and has no cursors; a next
// URL is only followed on the Graph host itself, since it carries the token.
func (c *metaClient) pages(ctx context.Context, path string, q url.Values, maxPages int, visit func(json.RawMessage) bool) (near bool, err error) {
	rawURL := c.endpoint(path, q)
	for page := 0; page < maxPages; page++ {
		var p metaPage
		h, err := c.send(ctx, http.MethodGet, rawURL, nil, &p)
		if err != nil {
			return false, err
		}
		for _, item := range p.Data {
			if !visit(item) {
				return false, nil
			}
		}
		if metaNearLimit(h) {
			return true, nil
		}
		if len(p.Data) == 0 {
			return false, nil
		}
		switch {
		case p.Paging.Cursors.After != "" && p.Paging.Next != "":
			next := url.Values{}
			for k, v := range q {
				next[k] = v
			}
			next.Set("after", p.Paging.Cursors.After)
			rawURL = c.endpoint(path, next)
		case p.Paging.Next != "":
			nu, err := url.Parse(p.Paging.Next)
			if err != nil || nu.Host != c.base.Host || nu.Scheme != c.base.Scheme {
				return false, nil
			}
			rawURL = nu.String()
		default:
			return false, nil // no paging.next: the last page
		}
	}
	return false, nil
}

// metaTime parses Graph timestamps: "2026-11-28T09:14:05+0000" (ISO 8601
// without a colon in the offset), RFC 3339, or unix seconds.
func metaTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil && secs > 0 {
		return time.Unix(secs, 0).UTC(), true
	}
	return time.Time{}, false
}

// metaFrom is the author object of posts and comments.
type metaFrom struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"` // Instagram
}

// metaSameText compares a reply we meant to send with one found on the
// platform: the platform may trim, and may normalise line ends.
func metaSameText(a, b string) bool {
	norm := func(s string) string {
		return strings.Join(strings.Fields(strings.ReplaceAll(s, "\r\n", "\n")), " ")
	}
	return norm(a) != "" && norm(a) == norm(b)
}

// metaWatermark is the Facebook and Instagram cursor: the newest creation
// second seen, and the ids already seen at that very second (several
// comments can share one, and Graph times have no sub-second part). Stored
// as JSON in Cursor.Since.
type metaWatermark struct {
	T   int64    `json:"t"`
	IDs []string `json:"ids,omitempty"`
}

func parseMetaWatermark(s string) metaWatermark {
	var w metaWatermark
	if s != "" && json.Unmarshal([]byte(s), &w) != nil {
		return metaWatermark{} // unreadable: start again; ids dedupe
	}
	return w
}

// isNew reports whether an item created at t with id comes after w.
func (w metaWatermark) isNew(t time.Time, id string) bool {
	s := t.Unix()
	switch {
	case w.T == 0 || s > w.T:
		return true
	case s < w.T:
		return false
	}
	for _, seen := range w.IDs {
		if seen == id {
			return false
		}
	}
	return true
}

// advance moves w over an item, keeping the ids of the newest second.
func (w *metaWatermark) advance(t time.Time, id string) {
	s := t.Unix()
	switch {
	case s > w.T:
		w.T, w.IDs = s, []string{id}
	case s == w.T:
		for _, seen := range w.IDs {
			if seen == id {
				return
			}
		}
		w.IDs = append(w.IDs, id)
	}
}

func (w metaWatermark) String() string {
	if w.T == 0 {
		return ""
	}
	b, _ := json.Marshal(w)
	return string(b)
}
