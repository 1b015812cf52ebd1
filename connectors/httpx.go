package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Config is what every connector shares. The hooks build one guarded client
// for production; tests point Client at httptest servers.
type Config struct {
	Client    *http.Client
	UserAgent string
	MaxBody   int64 // bytes; 0 means DefaultMaxBody
	// Now is the clock; nil means time.Now. Tests pin it.
	Now func() time.Time
	// AllowPrivate lets connectors that dial without HTTP (IMAP, SMTP)
	// reach loopback and private addresses, as GuardedClient(true) does
	// for HTTP. Off: the same guard applies to every protocol.
	AllowPrivate bool
}

// DefaultMaxBody caps every response body we read (after gzip decoding).
const DefaultMaxBody = 5 << 20

// DefaultUserAgent names the product, as polite crawlers do.
const DefaultUserAgent = "Mentiondesk/1.0 (+https://github.com/mentiondesk/mentiondesk; self-hosted mention monitor)"

func (c Config) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return http.DefaultClient
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Config) maxBody() int64 {
	if c.MaxBody > 0 {
		return c.MaxBody
	}
	return DefaultMaxBody
}

func (c Config) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}

// do sends req with our User-Agent. Go's transport asks for gzip and decodes
// it transparently as long as we do not set Accept-Encoding ourselves.
func (c Config) do(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent())
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// readBody reads at most the configured cap; a larger body is an error, not
// a silently truncated document.
func (c Config) readBody(resp *http.Response) ([]byte, error) {
	max := c.maxBody()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("connectors: reading response: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return body, nil
}

// statusError maps a non-2xx response to one of our error values. It reads
// a little of the body so the owner sees the platform's own words.
func (c Config) statusError(resp *http.Response) error {
	snippet := bodySnippet(resp.Body)
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		if snippet != "" {
			return fmt.Errorf("%w (HTTP %d): %s", ErrAuth, resp.StatusCode, snippet)
		}
		return fmt.Errorf("%w (HTTP %d)", ErrAuth, resp.StatusCode)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		wait := RetryAfter(resp.Header, c.now())
		if wait <= 0 {
			wait = time.Minute
			if resp.StatusCode == http.StatusServiceUnavailable {
				wait = 5 * time.Minute
			}
		}
		return &RateLimitedError{RetryAfter: wait, Status: resp.StatusCode, Reason: snippet}
	}
	return &HTTPError{Status: resp.StatusCode, Body: snippet}
}

// bodySnippet returns the first line-ish of a body, valid UTF-8, or "" for
// HTML error pages that would only be noise.
func bodySnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 512))
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "�"))
	if strings.HasPrefix(s, "<") && !strings.HasPrefix(s, "<?xml") {
		return ""
	}
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// RetryAfter reads Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3),
// capped at MaxWait. Numbers too big for any integer type and dates
// centuries away are MaxWait, not an overflow; negative or past ones are 0.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// ParseInt returns the type's limit with ErrRange: a huge number
		// is a long wait, capped like the rest.
		if secs <= 0 {
			return 0
		}
		if secs >= int64(MaxWait/time.Second) {
			return MaxWait
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return untilCapped(now, t)
	}
	return 0
}

// IsRetryable tells the poller and the outbox whether trying again later
// can help: rate limits, server errors and network failures can, refused
// credentials, bad configuration and unparseable bodies cannot until the
// owner acts.
func IsRetryable(err error) bool {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return true
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusRequestTimeout
	}
	switch {
	case errors.Is(err, ErrAuth), errors.Is(err, ErrConfig), errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrNoReply),
		errors.Is(err, ErrRejected), errors.Is(err, ErrReconnect):
		return false
	}
	return true
}

// newJSONRequest builds a request that accepts JSON and, when in is not
// nil, sends it as a JSON body; token, when set, goes as a bearer. Errors
// say only what went wrong, never the URL (it may carry a token).
func newJSONRequest(ctx context.Context, method, rawURL string, in any, token string) (*http.Request, error) {
	var body io.Reader // a nil *bytes.Reader in an io.Reader is not nil: keep the interface nil
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("connectors: encoding the request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return nil, fmt.Errorf("connectors: building the request: %w", redactURLError(err))
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json") // RFC 8259 defines no charset: JSON is UTF-8
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// apiBase is a platform API's base URL: raw (the source's URL, when the
// owner points it at a mirror, a proxy or another version) or def; http(s)
// with a host, no query, fragment or credentials, no trailing slash.
// example says what the address should look like; the error shows raw
// redacted, since a pasted URL can carry a token.
func apiBase(raw, def, platform, example string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: %s: the address must look like %s, got %q", ErrConfig, platform, example, redactURL(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u, nil
}
