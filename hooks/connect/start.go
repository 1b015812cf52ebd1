package connect

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/connectors/oauth"
	"github.com/mentiondesk/mentiondesk/model"
)

// flowsCollection holds the connect attempts under way.
const flowsCollection = "oauth_flows"

// Secret keys of an oauth_flows row's sealed credentials.
const (
	flowState    = "state"
	flowVerifier = "verifier"
)

// flow is the OAuth flow of a source of kind, with the operator's client.
// publicURL may be "" where no redirect URL is built (refresh, callback).
func (s *Service) flow(kind, publicURL string) (oauth.Flow, string, error) {
	prov, ok := providerFor(kind)
	if !ok {
		return oauth.Flow{}, "", &codedError{code: "connect_not_oauth"}
	}
	provider := model.ConnectProviders[kind]
	app, vars := s.d.Config.app(provider)
	if !app.configured() {
		return oauth.Flow{}, provider, &codedError{code: "connect_not_configured", params: map[string]string{
			"provider": providerNames[provider], "vars": strings.Join(vars, " and "),
		}}
	}
	if app.AuthURL != "" {
		prov.AuthURL = app.AuthURL
	}
	if app.TokenURL != "" {
		prov.TokenURL = app.TokenURL
	}
	return oauth.Flow{
		Provider:     prov,
		App:          oauth.App{ClientID: app.ClientID, ClientSecret: app.ClientSecret},
		PublicURL:    publicURL,
		CallbackPath: CallbackPath(provider),
		HTTPClient:   s.d.HTTPClient,
		Now:          s.d.Now,
	}, provider, nil
}

func stateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// handleStart begins connecting a source: it keeps the state and the PKCE
// verifier server-side and answers the platform URL to open.
func (s *Service) handleStart(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("source"))
	if err != nil {
		return s.d.WriteError(e, http.StatusNotFound, message("source_not_found", nil), nil)
	}
	public := strings.TrimRight(s.d.PublicURL(e), "/")
	if public == "" {
		return s.d.WriteError(e, http.StatusBadRequest, message("connect_no_public_url", nil), nil)
	}
	f, provider, err := s.flow(src.GetString("kind"), public)
	if err != nil {
		return s.writeCoded(e, err)
	}
	authURL, p, err := f.Start()
	if errors.Is(err, connectors.ErrConfig) {
		// The public URL is not an http(s) address.
		return s.d.WriteError(e, http.StatusBadRequest, message("connect_no_public_url", nil), nil)
	}
	if err != nil {
		return err
	}
	expires := p.Started.Add(oauth.FlowTTL)
	err = e.App.RunInTransaction(func(tx core.App) error {
		// One attempt per source at a time; expired ones of any source go.
		if _, err := tx.DB().Delete(flowsCollection, dbx.Or(
			dbx.HashExp{"source": src.Id},
			dbx.NewExp("expires_at < {:now}", dbx.Params{"now": s.d.Now().UTC().Format(dateLayout)}),
		)).Execute(); err != nil {
			return err
		}
		col, err := tx.FindCollectionByNameOrId(flowsCollection)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Set("source", src.Id)
		r.Set("user", e.Auth.Id)
		r.Set("provider", provider)
		r.Set("state_hash", stateHash(p.State))
		r.Set("redirect_url", p.RedirectURL)
		r.Set("expires_at", expires)
		s.d.SealSecrets(r, map[string]string{flowState: p.State, flowVerifier: p.Verifier})
		return tx.Save(r)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"url":          authURL,
		"provider":     provider,
		"redirect_url": p.RedirectURL,
		"expires_at":   expires.UTC(),
	})
}

// dateLayout is how PocketBase stores dates, so a string comparison in SQL
// orders them.
const dateLayout = "2006-01-02 15:04:05.000Z"

// handleSetup tells the app what the owner needs to know before pressing
// "Connect": whether the operator set the platform's client, and the
// redirect URL the operator registers on the platform.
func (s *Service) handleSetup(e *core.RequestEvent) error {
	provider := e.Request.PathValue("provider")
	app, vars := s.d.Config.app(provider)
	if vars == nil {
		return s.d.WriteError(e, http.StatusNotFound, message("connect_not_oauth", nil), nil)
	}
	out := map[string]any{
		"provider":   provider,
		"configured": app.configured(),
		"vars":       vars,
	}
	if public := strings.TrimRight(s.d.PublicURL(e), "/"); public != "" {
		out["redirect_url"] = public + CallbackPath(provider)
	}
	return e.JSON(http.StatusOK, out)
}

// writeCoded answers a codedError as a 400 with its message; any other
// error is the server's.
func (s *Service) writeCoded(e *core.RequestEvent, err error) error {
	var ce *codedError
	if errors.As(err, &ce) {
		data := map[string]any{}
		for k, v := range ce.params {
			data[k] = v
		}
		return s.d.WriteError(e, http.StatusBadRequest, ce.Error(), data)
	}
	return err
}
