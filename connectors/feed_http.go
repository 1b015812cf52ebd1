package connectors

// The feed connector's HTTP side: the conditional GET, permanent moves,
// validators, cache lifetimes and the WebSub hub a server advertises.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// fetchFeed is the HTTP half shared by the feed-based connectors: a
// conditional GET, status mapping through statusErr, the body cap, cache
// headers and parsing. It returns the parsed document too, so connectors can
// post-process the mentions.
func fetchFeed(ctx context.Context, cfg Config, rawURL string, cur Cursor, setup func(*http.Request), statusErr func(*http.Response) error) (Batch, *parsedFeed, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Batch{}, nil, fmt.Errorf("%w: the feed URL cannot be used: %v", ErrConfig, redactURLError(err))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return Batch{}, nil, fmt.Errorf("%w: only http and https feed URLs are allowed", ErrConfig)
	}
	req.Header.Set("Accept", feedAccept)
	if cur.ETag != "" {
		req.Header.Set("If-None-Match", cur.ETag)
	}
	if cur.LastModified != "" {
		req.Header.Set("If-Modified-Since", cur.LastModified)
	}
	if setup != nil {
		setup(req)
	}
	resp, err := cfg.do(req)
	if err != nil {
		return Batch{}, nil, transportError(rawURL, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, never a lot.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()

	now := cfg.now()
	base := rawURL
	if resp.Request != nil && resp.Request.URL != nil {
		base = resp.Request.URL.String() // after redirects
	}
	baseURL, _ := url.Parse(base)
	batch := Batch{Cursor: nextValidators(cur, resp.Header), MovedTo: movedTo(rawURL, resp)}
	if floor := cacheFloor(resp.Header, now); floor > 0 {
		batch.NextCheck = now.Add(floor)
	}
	if hub, self := linkHeaderHub(resp.Header); hub != "" {
		batch.Hub, batch.Topic = resolveLink(baseURL, hub), resolveLink(baseURL, self)
	}

	switch {
	case resp.StatusCode == http.StatusNotModified:
		return batch, nil, ErrNotModified
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err := statusErr(resp)
		var rl *RateLimitedError
		if errors.As(err, &rl) {
			return Batch{NextCheck: now.Add(rl.RetryAfter)}, nil, err
		}
		return Batch{}, nil, err
	}
	if unchanged(cur, resp.Header) {
		return batch, nil, ErrNotModified
	}

	body, err := cfg.readBody(resp)
	if err != nil {
		return Batch{}, nil, err
	}
	p, err := parseFeed(body, resp.Header.Get("Content-Type"), base, now)
	if err != nil {
		return Batch{}, nil, err
	}
	batch.Mentions = p.mentions
	if batch.Hub == "" && p.hub != "" {
		batch.Hub = p.hub
	}
	if batch.Hub != "" && batch.Topic == "" {
		batch.Topic = p.self
		if batch.Topic == "" {
			batch.Topic = base
		}
	}
	if p.ttl > 0 {
		ttl := min(p.ttl, maxCacheFloor)
		if t := now.Add(ttl); t.After(batch.NextCheck) {
			batch.NextCheck = t
		}
	}
	return batch, p, nil
}

// movedTo is where a chain of redirects led when every hop was permanent
// (301, 308), "" otherwise. A feed that moved for good is then polled at
// its new address, as Miniflux does, instead of paying the redirect at
// every poll until the old one stops answering; a temporary redirect (302,
// 307) leaves the address the owner typed.
func movedTo(original string, resp *http.Response) string {
	req := resp.Request
	if req == nil || req.Response == nil || req.URL == nil {
		return "" // not redirected
	}
	for r := req; r.Response != nil; r = r.Response.Request {
		switch r.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
		default:
			return ""
		}
		if r.Response.Request == nil {
			return ""
		}
	}
	if final := req.URL.String(); final != original {
		return final
	}
	return ""
}

// transportError turns a client error into ours without the URL's query:
// private feed URLs (Reddit, Google Alerts) carry tokens there, and this
// message is stored on the source and logged.
func transportError(rawURL string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("connectors: fetching %s: timed out: %w", redactURL(rawURL), ue.Err)
		}
		return fmt.Errorf("connectors: fetching %s: %w", redactURL(rawURL), ue.Err)
	}
	return fmt.Errorf("connectors: fetching %s: %w", redactURL(rawURL), err)
}

func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactURL keeps scheme, host and path: enough for the owner to recognise
// the source, nothing that could be a credential.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable URL)"
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	s := out.String()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// nextValidators returns the cursor to store after a response. As in
// miniflux, "Expires: 0" means the server's validators are not to be
// trusted, so they are dropped.
func nextValidators(cur Cursor, h http.Header) Cursor {
	next := cur
	if strings.TrimSpace(h.Get("Expires")) == "0" {
		next.ETag, next.LastModified = "", ""
		return next
	}
	if v := h.Get("ETag"); v != "" {
		next.ETag = v
	}
	if v := h.Get("Last-Modified"); v != "" {
		next.LastModified = v
	}
	return next
}

// unchanged applies miniflux's rule to a 200: a server that ignores
// conditional requests but sends the same ETag (or, without an ETag, the
// same Last-Modified) has nothing new.
func unchanged(cur Cursor, h http.Header) bool {
	if strings.TrimSpace(h.Get("Expires")) == "0" {
		return false
	}
	if etag := h.Get("ETag"); etag != "" {
		return cur.ETag != "" && etag == cur.ETag
	}
	if lm := h.Get("Last-Modified"); lm != "" {
		return cur.LastModified != "" && lm == cur.LastModified
	}
	return false
}

// cacheFloor reads Cache-Control max-age and Expires; the larger wins,
// capped at maxCacheFloor.
func cacheFloor(h http.Header, now time.Time) time.Duration {
	var floor time.Duration
	noCache := false
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			switch {
			case d == "no-cache" || d == "no-store":
				noCache = true
			case strings.HasPrefix(d, "max-age="):
				if n, err := strconv.Atoi(strings.Trim(d[len("max-age="):], `"`)); err == nil && n > 0 {
					floor = max(floor, time.Duration(n)*time.Second)
				}
			}
		}
	}
	if noCache {
		return 0
	}
	if exp := h.Get("Expires"); exp != "" && exp != "0" {
		if t, err := http.ParseTime(exp); err == nil {
			if d := t.Sub(now); d > 0 {
				// miniflux rounds up to the minute; so do we, it keeps
				// schedules tidy.
				floor = max(floor, d.Truncate(time.Minute)+time.Minute)
			}
		}
	}
	return min(floor, maxCacheFloor)
}

// linkHeaderHub reads WebSub discovery from RFC 8288 Link headers.
func linkHeaderHub(h http.Header) (hub, self string) {
	for _, l := range parseLinkHeader(h.Values("Link")) {
		for _, rel := range strings.Fields(strings.ToLower(l.rel)) {
			switch rel {
			case "hub":
				if hub == "" {
					hub = l.href
				}
			case "self":
				if self == "" {
					self = l.href
				}
			}
		}
	}
	if hub == "" {
		return "", ""
	}
	return hub, self
}

type linkValue struct{ href, rel string }

// parseLinkHeader reads `<url>; rel="a b", <url2>; rel=c`. It tolerates
// commas inside the URL and quoted parameters.
func parseLinkHeader(values []string) []linkValue {
	var out []linkValue
	for _, v := range values {
		for len(v) > 0 {
			start := strings.IndexByte(v, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(v[start:], '>')
			if end < 0 {
				break
			}
			lv := linkValue{href: strings.TrimSpace(v[start+1 : start+end])}
			v = v[start+end+1:]
			// Parameters run to the next comma outside quotes.
			i, inQuote := 0, false
			for ; i < len(v); i++ {
				c := v[i]
				if c == '"' {
					inQuote = !inQuote
				} else if c == ',' && !inQuote {
					break
				}
			}
			params := v[:i]
			if i < len(v) {
				v = v[i+1:]
			} else {
				v = ""
			}
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
					lv.rel = strings.Trim(strings.TrimSpace(val), `"`)
				}
			}
			out = append(out, lv)
		}
	}
	return out
}

// errWebPage marks an HTML page where a feed was expected: a wrong URL, a
// login wall, or a block page served with status 200.
var errWebPage = errors.New("the address serves a web page, not an RSS, Atom or JSON feed")
