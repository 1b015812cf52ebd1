package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// mentiondesk speaks Mentiondesk's API: POST /api/md/setup (README, "Our
// own routes") answers with the owner's token (PocketBase's auth
// response: {"token", "record"}), and sources are records of the
// "sources" collection created as ui/src/components/SourceForm.svelte
// sends them.
type mentiondesk struct {
	base, email, password string
	token                 string
}

func (m *mentiondesk) prepare(ctx context.Context) error {
	var auth struct {
		Token string `json:"token"`
	}
	err := m.send(ctx, "/api/md/setup", map[string]any{
		"name": "Bench Owner", "email": m.email, "password": m.password, "passwordConfirm": m.password,
		"language": "en", "business_name": "Café Lune", "timezone": "Europe/Paris", "public_url": m.base,
	}, &auth)
	if err != nil {
		return err
	}
	if auth.Token == "" {
		return fmt.Errorf("setup answered no token")
	}
	m.token = auth.Token
	return nil
}

func (m *mentiondesk) create(ctx context.Context, n int, url string) error {
	return m.send(ctx, "/api/collections/sources/records", map[string]any{
		"kind": "feed", "name": fmt.Sprintf("Neighbourhood news %d", n), "url": url, "query": "",
		"options": map[string]any{}, "enabled": true, "interval_sec": 900, "secrets": map[string]any{},
	}, nil)
}

func (m *mentiondesk) send(ctx context.Context, path string, body, into any) error {
	req, err := jsonRequest(ctx, m.base+path, body)
	if err != nil {
		return err
	}
	if m.token != "" {
		req.Header.Set("Authorization", m.token)
	}
	return do(req, into)
}

// miniflux speaks Miniflux's API (miniflux.app/docs/api.html, "Create
// Feed"): POST /v1/feeds {"feed_url"} with HTTP basic auth; the category
// is optional (the user's first one). The answer comes once the feed was
// fetched and its entries stored.
type miniflux struct {
	base, user, password string
}

func (m *miniflux) prepare(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "GET", m.base+"/v1/me", nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.user, m.password)
	return do(req, nil)
}

func (m *miniflux) create(ctx context.Context, _ int, url string) error {
	req, err := jsonRequest(ctx, m.base+"/v1/feeds", map[string]any{"feed_url": url})
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.user, m.password)
	return do(req, nil)
}

func jsonRequest(ctx context.Context, url string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
