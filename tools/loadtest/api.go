package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// api is one signed-in member's view of the server's HTTP API.
type api struct {
	base  string
	token string
	http  *http.Client
	// addr, when set, is the client's own address (X-Forwarded-For, which
	// the server is told to trust): fifty phones have fifty addresses.
	addr string
}

// httpError is an answer other than 200, with the start of its body: the
// server's own message says what went wrong (a rule, a limit, a 503).
type httpError struct {
	method, path string
	status       int
	body         string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.method, e.path, e.status, e.body)
}

// do sends one request and decodes a 200's JSON body into out (when not
// nil); the whole body is read either way, as a phone reads it.
func (a *api) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", a.token)
	}
	if a.addr != "" {
		req.Header.Set("X-Forwarded-For", a.addr)
	}
	res, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return &httpError{method, path, res.StatusCode, string(b[:min(len(b), 200)])}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

func (a *api) get(ctx context.Context, path string, q url.Values, out any) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return a.do(ctx, http.MethodGet, path, nil, out)
}

// signIn signs in with a password, as the app's sign-in screen does
// (POST /api/collections/{collection}/auth-with-password, fields identity
// and password; the answer's token goes in the Authorization header).
func signIn(ctx context.Context, c *http.Client, base, collection, email, password string) (*api, error) {
	a := &api{base: base, http: c}
	var auth struct {
		Token string `json:"token"`
	}
	err := a.do(ctx, http.MethodPost, "/api/collections/"+collection+"/auth-with-password",
		map[string]string{"identity": email, "password": password}, &auth)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", email, err)
	}
	a.token = auth.Token
	return a, nil
}

// configure sets the copy up as an operator can in the admin UI
// (PATCH /api/settings merges the fields it is given):
//   - PocketBase's per-address rate limiter off: a closed-loop client
//     sends more than the 300 requests per 10 s a phone is allowed;
//   - the client's address read from X-Forwarded-For, as behind a reverse
//     proxy, so that each client has its own. PocketBase slows a list
//     answered empty by up to 500 ms once an address has had more than 3
//     in 3 s (apis/record_crud.go, randomizedThrottle): a ticket without
//     replies, or an inbox section with nothing in it, is such a list, and
//     fifty clients sharing 127.0.0.1 would all pay for it.
func configure(ctx context.Context, su *api, limiter, sharedAddress bool) error {
	settings := map[string]any{}
	if !limiter {
		settings["rateLimits"] = map[string]any{"enabled": false}
	}
	if !sharedAddress {
		settings["trustedProxy"] = map[string]any{"headers": []string{"X-Forwarded-For"}, "useLeftmostIP": false}
	}
	if len(settings) == 0 {
		return nil
	}
	return su.do(ctx, http.MethodPatch, "/api/settings", settings, nil)
}

// pickTickets is a random sample of the tickets' ids, the ones the ticket
// phases open.
func pickTickets(ctx context.Context, a *api, n int) ([]string, error) {
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	q := url.Values{"perPage": {fmt.Sprint(n)}, "skipTotal": {"1"}, "sort": {"@random"}, "fields": {"id"}}
	if err := a.get(ctx, "/api/collections/tickets/records", q, &page); err != nil {
		return nil, err
	}
	if len(page.Items) == 0 {
		return nil, fmt.Errorf("the database has no tickets")
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return ids, nil
}
