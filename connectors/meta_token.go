package connectors

// The token steps that follow Facebook Login ("Long-Lived Access Tokens",
// "Page Access Tokens"): a short-lived user token (about an hour) becomes a
// long-lived one (about 60 days), and /me/accounts then lists the Pages the
// user manages, each with a Page token that reads and answers as the Page.
// A Page token obtained from a long-lived user token has no expiry date; it
// still dies when the user changes password or removes the app (code 190).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MetaToken is a user access token with its lifetime.
type MetaToken struct {
	AccessToken string
	TokenType   string
	// ExpiresIn is zero when Meta did not say (tokens that do not expire).
	ExpiresIn time.Duration
}

// MetaExchangeToken swaps a short-lived user token for a long-lived one:
// GET {base}/oauth/access_token?grant_type=fb_exchange_token&client_id=
// &client_secret=&fb_exchange_token=. baseURL "" means graph.facebook.com at
// MetaGraphVersion. It runs on the server only: it needs the app secret.
func MetaExchangeToken(ctx context.Context, client *http.Client, baseURL, appID, appSecret, shortToken string) (MetaToken, error) {
	if appID == "" || appSecret == "" || shortToken == "" {
		return MetaToken{}, fmt.Errorf("%w: meta: the token exchange needs the app id, the app secret and a user token", ErrConfig)
	}
	base, err := metaBase(baseURL)
	if err != nil {
		return MetaToken{}, err
	}
	c := &metaClient{cfg: Config{Client: client}, base: base, who: "meta"}
	q := url.Values{}
	q.Set("grant_type", "fb_exchange_token")
	q.Set("client_id", appID)
	q.Set("client_secret", appSecret)
	q.Set("fb_exchange_token", shortToken)
	u := *base
	u.Path = base.Path + "/oauth/access_token"
	u.RawQuery = q.Encode()
	var out struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if _, err := c.send(ctx, http.MethodGet, u.String(), nil, &out); err != nil {
		return MetaToken{}, err
	}
	if out.AccessToken == "" {
		return MetaToken{}, fmt.Errorf("%w: meta: the token exchange answered no access_token", ErrBadFeed)
	}
	tok := MetaToken{AccessToken: out.AccessToken, TokenType: out.TokenType}
	// expires_in is a number of seconds; be lenient about it being quoted.
	var secs int64
	if json.Unmarshal(out.ExpiresIn, &secs) == nil || json.Unmarshal([]byte(strings.Trim(string(out.ExpiresIn), `"`)), &secs) == nil {
		tok.ExpiresIn = time.Duration(secs) * time.Second
	}
	return tok, nil
}

// MetaPageAccount is one Page the user manages, from /me/accounts.
type MetaPageAccount struct {
	ID          string
	Name        string
	Category    string
	AccessToken string   // the Page token: store it as the source's secret
	Tasks       []string // MANAGE, CREATE_CONTENT, MODERATE, ...
	// InstagramUserID is the Instagram business or creator account linked
	// to the Page ("instagram_business_account"), or "".
	InstagramUserID string
}

// MetaPageAccounts lists the Pages userToken manages, with their Page
// tokens: GET {base}/me/accounts?fields=id,name,category,access_token,
// tasks,instagram_business_account, following paging.
func MetaPageAccounts(ctx context.Context, client *http.Client, baseURL, userToken string) ([]MetaPageAccount, error) {
	c, err := newMetaClient(Config{Client: client}, baseURL, userToken, "meta")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("fields", "id,name,category,access_token,tasks,instagram_business_account")
	q.Set("limit", "100")
	var out []MetaPageAccount
	var bad error
	_, err = c.pages(ctx, "/me/accounts", q, metaMaxPages, func(raw json.RawMessage) bool {
		var p struct {
			ID          string   `json:"id"`
			Name        string   `json:"name"`
			Category    string   `json:"category"`
			AccessToken string   `json:"access_token"`
			Tasks       []string `json:"tasks"`
			IG          *struct {
				ID string `json:"id"`
			} `json:"instagram_business_account"`
		}
		if err := json.Unmarshal(raw, &p); err != nil || p.ID == "" {
			bad = fmt.Errorf("%w: meta /me/accounts: unreadable page entry", ErrBadFeed)
			return false
		}
		acc := MetaPageAccount{ID: p.ID, Name: p.Name, Category: p.Category, AccessToken: p.AccessToken, Tasks: p.Tasks}
		if p.IG != nil {
			acc.InstagramUserID = p.IG.ID
		}
		out = append(out, acc)
		return true
	})
	if err != nil {
		return nil, err
	}
	if bad != nil {
		return nil, bad
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: meta: the Facebook account manages no Page (or did not grant access to any)", ErrConfig)
	}
	return out, nil
}
