package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/model"
)

// metaConnection follows Facebook Login to the token the Facebook and
// Instagram connectors use: the short-lived user token becomes a
// long-lived one (grant_type=fb_exchange_token), /me/accounts lists the
// Pages it manages with their Page tokens, and the source's Page (or the
// Page linked to its Instagram account) is chosen. A Page token obtained
// from a long-lived user token has no expiry: Fresh leaves it as it is,
// and a poll that finds it dead (code 190) asks for a reconnect.
func (s *Service) metaConnection(ctx context.Context, src *core.Record, userToken string) (connection, error) {
	cfg := s.d.Config
	long, err := connectors.MetaExchangeToken(ctx, s.d.HTTPClient, cfg.MetaGraphURL, cfg.Meta.ClientID, cfg.Meta.ClientSecret, userToken)
	if err != nil {
		return connection{}, s.metaFailure("exchanging the token", err)
	}
	pages, err := connectors.MetaPageAccounts(ctx, s.d.HTTPClient, cfg.MetaGraphURL, long.AccessToken)
	if err != nil {
		return connection{}, s.metaFailure("listing the Pages", err)
	}
	opts := map[string]string{}
	_ = src.UnmarshalJSONField("options", &opts)
	kind := src.GetString("kind")
	option, idOf := "page_id", func(p connectors.MetaPageAccount) string { return p.ID }
	if kind == model.KindInstagram {
		option, idOf = "ig_user_id", func(p connectors.MetaPageAccount) string { return p.InstagramUserID }
	}
	var candidates []connectors.MetaPageAccount
	for _, p := range pages {
		if idOf(p) != "" {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		return connection{}, &codedError{code: "connect_no_instagram"}
	}
	var chosen *connectors.MetaPageAccount
	want := strings.TrimSpace(opts[option])
	switch {
	case want != "":
		for i := range candidates {
			if idOf(candidates[i]) == want {
				chosen = &candidates[i]
			}
		}
		if chosen == nil {
			return connection{}, &codedError{code: "connect_page_not_granted", params: map[string]string{"id": want}}
		}
	case len(candidates) == 1:
		chosen = &candidates[0]
	default:
		names := make([]string, 0, len(candidates))
		for _, p := range candidates {
			names = append(names, fmt.Sprintf("%s: %s", p.Name, idOf(p)))
		}
		return connection{}, &codedError{code: "connect_choose_page", params: map[string]string{"pages": strings.Join(names, ", ")}}
	}
	if chosen.AccessToken == "" {
		return connection{}, &codedError{code: "connect_failed", params: map[string]string{
			"provider": providerNames[model.ProviderMeta], "detail": "Facebook gave no Page token: the account needs a task on the Page (manage or moderate)",
		}}
	}
	c := connection{
		// A Page token: no refresh token, no expiry (cleared if stored).
		secrets: map[string]string{"access_token": chosen.AccessToken, "refresh_token": "", "token_expiry": "", "token_scope": ""},
		options: map[string]string{option: idOf(*chosen)},
		as:      chosen.Name,
	}
	if kind == model.KindFacebook && cfg.MetaVerifyToken != "" {
		c.note = s.subscribePage(ctx, src, chosen.ID, chosen.AccessToken)
	}
	return c, nil
}

// subscribePage installs the app's webhook on the Page, so comments arrive
// as they are written (hooks/metahooks). A failure is for the log, not
// the owner: polling still reads everything, later.
func (s *Service) subscribePage(ctx context.Context, src *core.Record, pageID, pageToken string) error {
	fb := connectors.NewFacebook(connectors.Config{Client: s.d.HTTPClient})
	return fb.SubscribeWebhooks(ctx, connectors.Source{
		ID: src.Id, Kind: model.KindFacebook, URL: s.d.Config.MetaGraphURL,
		Options: map[string]string{"page_id": pageID},
		Secrets: map[string]string{"access_token": pageToken},
	})
}

// metaFailure says what went wrong after Facebook Login, in the owner's
// terms.
func (s *Service) metaFailure(step string, err error) error {
	var me *connectors.MetaError
	detail := "Facebook could not be reached while " + step + "; try again in a minute"
	switch {
	case errors.Is(err, connectors.ErrConfig) && !errors.As(err, &me):
		// MetaPageAccounts: no Page at all.
		detail = "the Facebook account manages no Page, or none was granted on the consent screen"
	case errors.Is(err, connectors.ErrAuth), errors.Is(err, connectors.ErrReconnect), errors.Is(err, connectors.ErrConfig):
		detail = "Facebook refused while " + step + "; press Connect again"
	}
	return &codedError{code: "connect_failed", params: map[string]string{"provider": providerNames[model.ProviderMeta], "detail": detail}}
}
