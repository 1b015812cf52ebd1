package connectors

// HTTP plumbing shared by the Google connectors (Business Profile reviews,
// YouTube): bearer requests, JSON bodies, and the google.rpc error shape
// {"error": {"code", "message", "status", "details"}} that every Google REST
// API answers with. YouTube adds the older "errors": [{"reason", "domain"}]
// list beside it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// googleErrorBodyMax caps how much of an error body we read: a google.rpc
// error with its details fits in a few kilobytes.
const googleErrorBodyMax = 64 << 10

// googleQuotaBackoff is the wait after a 429 RESOURCE_EXHAUSTED without a
// RetryInfo detail or Retry-After header (the usual case). Business Profile
// quotas are per minute (300 QPM per project, "Quota limits"), so the
// bucket has refilled a minute later; waiting longer would only delay new
// reviews.
const googleQuotaBackoff = time.Minute

// googleAPIError is a decoded google.rpc error.
type googleAPIError struct {
	HTTPStatus int
	Code       int    `json:"code"`
	Message    string `json:"message"`
	Status     string `json:"status"` // RESOURCE_EXHAUSTED, PERMISSION_DENIED...
	// Reasons gathers errors[].reason (YouTube: "quotaExceeded",
	// "commentsDisabled") and the ErrorInfo detail's reason.
	Reasons []string
	// RetryDelay is the google.rpc.RetryInfo detail's retryDelay, if any.
	RetryDelay time.Duration
}

func (e googleAPIError) has(reason string) bool {
	for _, r := range e.Reasons {
		if r == reason {
			return true
		}
	}
	return false
}

// text is what the owner reads: the platform's message, or the status.
func (e googleAPIError) text() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.Status != "":
		return e.Status
	}
	return fmt.Sprintf("HTTP %d", e.HTTPStatus)
}

// googleReadError reads and decodes an error answer. A body that is not a
// google.rpc error (a proxy's HTML page) leaves only the HTTP status.
func googleReadError(resp *http.Response) googleAPIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, googleErrorBodyMax))
	out := googleAPIError{HTTPStatus: resp.StatusCode}
	var env struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Type       string `json:"@type"`
				Reason     string `json:"reason"`
				RetryDelay string `json:"retryDelay"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		if s := bodySnippet(bytes.NewReader(body)); s != "" {
			out.Message = s
		}
		return out
	}
	e := env.Error
	out.Code, out.Message, out.Status = e.Code, strings.TrimSpace(e.Message), e.Status
	for _, x := range e.Errors {
		if x.Reason != "" {
			out.Reasons = append(out.Reasons, x.Reason)
		}
	}
	for _, d := range e.Details {
		switch {
		case strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") && d.Reason != "":
			out.Reasons = append(out.Reasons, d.Reason)
		case strings.HasSuffix(d.Type, "google.rpc.RetryInfo"):
			// A protobuf Duration in JSON: decimal seconds with an "s".
			if dur, err := time.ParseDuration(d.RetryDelay); err == nil && dur > 0 {
				out.RetryDelay = dur
			}
		}
	}
	return out
}

// googleCommonError maps what every Google API means the same way: an
// expired or revoked token, a refused permission, a quota, a server fault.
// ok is false for the statuses each connector interprets itself (400, 404,
// 409...).
func googleCommonError(platform string, e googleAPIError, h http.Header, now time.Time) (err error, ok bool) {
	switch {
	case e.HTTPStatus >= 500:
		return &HTTPError{Status: e.HTTPStatus, Body: platform + ": " + e.text()}, true
	case e.HTTPStatus == http.StatusUnauthorized || e.Status == "UNAUTHENTICATED":
		// The caller refreshes the token before each poll, so a refused
		// token means the grant itself is gone.
		return fmt.Errorf("%w: %s: %s", ErrReconnect, platform, e.text()), true
	case e.HTTPStatus == http.StatusTooManyRequests || e.Status == "RESOURCE_EXHAUSTED":
		wait := e.RetryDelay
		if wait <= 0 {
			wait = RetryAfter(h, now)
		}
		if wait <= 0 {
			wait = googleQuotaBackoff
		}
		return &RateLimitedError{RetryAfter: wait, Status: e.HTTPStatus, Reason: platform + ": " + e.text()}, true
	case e.HTTPStatus == http.StatusForbidden || e.Status == "PERMISSION_DENIED":
		return fmt.Errorf("%w: %s: %s", ErrAuth, platform, e.text()), true
	}
	return nil, false
}

// googleBase parses an override base URL (Source.URL), or returns def.
func googleBase(raw, def, platform string) (*url.URL, error) {
	return apiBase(raw, def, platform, def)
}

// googleURL joins base, an escaped path and a query.
func googleURL(base *url.URL, path string, q url.Values) string {
	u := *base
	u.Path = base.Path + path
	u.RawPath = ""
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// googleCall sends one bearer request with an optional JSON body and decodes
// a 2xx JSON answer into out (nil: the body is ignored). Non-2xx answers go
// to onError with the decoded google.rpc error.
func googleCall(ctx context.Context, cfg Config, method, rawURL, token string, in, out any, onError func(googleAPIError, http.Header) error) error {
	req, err := newJSONRequest(ctx, method, rawURL, in, token)
	if err != nil {
		return err
	}
	resp, err := cfg.do(req)
	if err != nil {
		return fmt.Errorf("connectors: %s %s: %w", method, req.URL.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return onError(googleReadError(resp), resp.Header)
	}
	raw, err := cfg.readBody(resp)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadFeed, req.URL.Path, err)
	}
	return nil
}

// googleTime parses a google.protobuf.Timestamp / RFC 3339 time, or zero.
func googleTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
