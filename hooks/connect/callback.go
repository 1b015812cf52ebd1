package connect

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/connectors/oauth"
	"github.com/mentiondesk/mentiondesk/model"
)

// exchangeTimeout bounds the calls a callback makes to the platform while
// the owner's browser waits.
const exchangeTimeout = 30 * time.Second

// handleCallback finishes a connect attempt and sends the browser back to
// the app: to the source's screen with ?connect=ok, or with ?connect= the
// code of what went wrong (and its parameters), which the app translates.
func (s *Service) handleCallback(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	state := q.Get("state")
	if state == "" {
		return s.back(e, strings.TrimRight(s.d.PublicURL(e), "/"), "", &codedError{code: "connect_state_mismatch"})
	}
	// The state is spent on first sight, whatever follows: a replayed
	// callback finds nothing.
	row, err := e.App.FindFirstRecordByData(flowsCollection, "state_hash", stateHash(state))
	if err != nil {
		return s.back(e, strings.TrimRight(s.d.PublicURL(e), "/"), "", &codedError{code: "connect_state_mismatch"})
	}
	if err := e.App.Delete(row); err != nil {
		return err
	}
	provider := e.Request.PathValue("provider")
	base := strings.TrimSuffix(row.GetString("redirect_url"), CallbackPath(row.GetString("provider")))
	sourceID := row.GetString("source")
	if provider != row.GetString("provider") {
		return s.back(e, base, sourceID, &codedError{code: "connect_state_mismatch"})
	}
	src, err := e.App.FindRecordById("sources", sourceID)
	if err != nil {
		return s.back(e, base, "", &codedError{code: "source_not_found"})
	}
	sealed, err := s.d.OpenSecrets(row)
	if err != nil {
		return err
	}
	f, _, err := s.flow(src.GetString("kind"), "")
	if err != nil {
		return s.back(e, base, sourceID, err)
	}
	pending := oauth.Pending{
		Provider:    provider,
		State:       sealed[flowState],
		Verifier:    sealed[flowVerifier],
		RedirectURL: row.GetString("redirect_url"),
		Started:     row.GetDateTime("expires_at").Time().Add(-oauth.FlowTTL),
	}
	ctx, cancel := context.WithTimeout(e.Request.Context(), exchangeTimeout)
	defer cancel()
	tok, err := f.Finish(ctx, pending, q)
	if err != nil {
		return s.back(e, base, sourceID, s.finishFailure(provider, err))
	}
	c, err := s.credentialsFor(ctx, src, tok)
	if err != nil {
		return s.back(e, base, sourceID, err)
	}
	if err := s.store(e.App, src.Id, c); err != nil {
		e.App.Logger().Error("connect: storing the tokens", "source_id", src.Id, "error", err)
		return s.back(e, base, sourceID, &codedError{code: "connect_failed", params: map[string]string{
			"provider": providerNames[provider], "detail": "the tokens could not be saved; try again",
		}})
	}
	if c.note != nil {
		e.App.Logger().Warn("connect: subscribing the Page's webhook", "source_id", src.Id, "error", c.note)
	}
	e.App.Logger().Info("connect: source connected", "source_id", src.Id, "provider", provider)
	return s.back(e, base, sourceID, nil)
}

// back redirects the browser to the app's source screen (or the sources
// list) with the outcome in the query.
func (s *Service) back(e *core.RequestEvent, base, sourceID string, failure error) error {
	path := model.Routes["sources"]
	if sourceID != "" {
		path = strings.Replace(model.Routes["source"], ":id", sourceID, 1)
	}
	q := url.Values{}
	var ce *codedError
	switch {
	case failure == nil:
		q.Set("connect", "ok")
	case errors.As(failure, &ce):
		q.Set("connect", ce.code)
		for k, v := range ce.params {
			q.Set(k, v)
		}
	default:
		return failure
	}
	return e.Redirect(http.StatusSeeOther, base+path+"?"+q.Encode())
}

// finishFailure turns what oauth.Flow.Finish returned into what the owner
// reads. The platform's own words stay in the log: they can name the
// client id.
func (s *Service) finishFailure(provider string, err error) error {
	name := providerNames[provider]
	var rl *connectors.RateLimitedError
	detail := "the platform could not be reached; try again in a minute"
	switch {
	case errors.Is(err, oauth.ErrStateMismatch):
		return &codedError{code: "connect_state_mismatch"}
	case errors.Is(err, oauth.ErrFlowExpired):
		return &codedError{code: "connect_expired"}
	case errors.Is(err, oauth.ErrDenied):
		return &codedError{code: "connect_denied", params: map[string]string{"provider": name}}
	case errors.Is(err, connectors.ErrReconnect):
		detail = "the platform refused the authorization code; press Connect again"
	case errors.Is(err, connectors.ErrConfig):
		detail = "the platform refused this server's app (client id or secret): tell the person who runs Mentiondesk"
	case errors.As(err, &rl):
		detail = "the platform asks us to slow down; try again in a few minutes"
	}
	return &codedError{code: "connect_failed", params: map[string]string{"provider": name, "detail": detail}}
}

// connection is what a finished flow stores on the source.
type connection struct {
	secrets map[string]string
	options map[string]string // options to set (the Page chosen)
	as      string            // who the account is, as the owner knows it
	// note is a side step that failed without failing the connection
	// (the Page's webhook subscription), for the log.
	note error
}

// credentialsFor turns the platform's tokens into the source's secrets.
// Google and X tokens are stored as they come (refreshed by Fresh); a
// Facebook Login user token leads to the Page token the connectors use.
func (s *Service) credentialsFor(ctx context.Context, src *core.Record, tok oauth.Token) (connection, error) {
	kind := src.GetString("kind")
	if model.ConnectProviders[kind] == model.ProviderMeta {
		return s.metaConnection(ctx, src, tok.AccessToken)
	}
	prov, _ := providerFor(kind)
	// Google lets the owner untick a scope on the consent screen; the
	// token endpoint's "scope" says what was granted.
	if tok.Scope != "" {
		granted := strings.Fields(tok.Scope)
		for _, want := range prov.Scopes {
			if want != "offline.access" && !slices.Contains(granted, want) {
				return connection{}, &codedError{code: "connect_failed", params: map[string]string{
					"provider": providerNames[prov.Name], "detail": "the permission " + want + " was not granted; press Connect again and allow it",
				}}
			}
		}
	}
	return connection{secrets: tok.Secrets()}, nil
}

// store writes a connection onto the source, on a fresh copy of its row so
// an edit the owner made meanwhile is kept, and clears the reconnect
// state: the next check uses the account at once.
func (s *Service) store(app core.App, sourceID string, c connection) error {
	return app.RunInTransaction(func(tx core.App) error {
		src, err := tx.FindRecordById("sources", sourceID)
		if err != nil {
			return err
		}
		secrets, err := s.d.OpenSecrets(src)
		if err != nil {
			// Unreadable old secrets (the key changed): the new tokens
			// replace them all.
			secrets = map[string]string{}
		}
		for k, v := range c.secrets {
			if v == "" {
				delete(secrets, k)
			} else {
				secrets[k] = v
			}
		}
		s.d.SealSecrets(src, secrets)
		if len(c.options) > 0 {
			opts := map[string]any{}
			_ = src.UnmarshalJSONField("options", &opts)
			for k, v := range c.options {
				opts[k] = v
			}
			src.Set("options", opts)
		}
		now := s.d.Now().UTC()
		src.Set("connected_at", now)
		src.Set("connected_as", c.as)
		src.Set("reconnect_needed_at", "")
		src.Set("last_error", "")
		src.Set("last_error_info", nil)
		src.Set("error_count", 0)
		src.Set("next_check_at", now)
		return tx.Save(src)
	})
}
