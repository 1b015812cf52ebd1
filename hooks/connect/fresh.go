package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/connectors/oauth"
	"github.com/mentiondesk/mentiondesk/model"
)

// ErrNotConnected means a source of an OAuth kind has no token yet: the
// owner has not pressed "Connect".
var ErrNotConnected = fmt.Errorf("%w: connect the account first (the Connect button on this source)", connectors.ErrConfig)

// Fresh returns source's secrets, opened, with an access token that does
// not expire within oauth.RefreshMargin: the poller and the outbox call it
// before handing the secrets to a connector. A refreshed token is saved
// before Fresh returns (X has already invalidated the refresh token it
// replaced), and source's credentials are updated in memory too.
//
// A refused grant (revoked, expired, rotated away) marks the source
// "reconnect needed" and alerts the owners, once until the next connect;
// the error returned wraps connectors.ErrReconnect. Other failures (the
// platform down, a 429) are returned as they are: the next poll retries.
// Sources of other kinds get their secrets opened, nothing more.
func (s *Service) Fresh(ctx context.Context, app core.App, source *core.Record) (map[string]string, error) {
	kind := source.GetString("kind")
	provider, ok := model.ConnectProviders[kind]
	if !ok || provider == model.ProviderMeta {
		// Meta Page tokens have no refresh: they live until revoked.
		return s.d.OpenSecrets(source)
	}
	mu := s.lock(source.Id)
	mu.Lock()
	defer mu.Unlock()
	// Read the newest secrets: a refresh that ran while this call waited
	// for the lock has rotated the refresh token held in source.
	current, err := app.FindRecordById("sources", source.Id)
	if err != nil {
		return nil, err
	}
	secrets, err := s.d.OpenSecrets(current)
	if err != nil {
		return nil, err
	}
	tok := oauth.TokenFromSecrets(secrets)
	if tok.AccessToken == "" && tok.RefreshToken == "" {
		return nil, ErrNotConnected
	}
	f, _, err := s.flow(kind, "")
	if err != nil {
		var ce *codedError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("%w: %s", connectors.ErrConfig, ce.Error())
		}
		return nil, err
	}
	fresh, changed, err := f.Fresh(ctx, tok)
	if errors.Is(err, connectors.ErrReconnect) {
		if markErr := s.MarkReconnect(app, source, err); markErr != nil {
			app.Logger().Warn("connect: marking the source for reconnection", "source_id", source.Id, "error", markErr)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if !changed {
		// The caller's copy may predate a refresh another caller made.
		source.Set("credentials", current.Get("credentials"))
		return secrets, nil
	}
	for k, v := range fresh.Secrets() {
		if v == "" {
			delete(secrets, k)
		} else {
			secrets[k] = v
		}
	}
	// Only the credentials column is written: the poller saves the rest of
	// its copy of the row later, and this must not race an owner's edit.
	s.d.SealSecrets(current, secrets)
	if _, err := app.DB().Update("sources", dbx.Params{"credentials": current.GetString("credentials")},
		dbx.HashExp{"id": source.Id}).Execute(); err != nil {
		return nil, fmt.Errorf("connect: saving the refreshed token: %w", err)
	}
	source.Set("credentials", current.Get("credentials"))
	return secrets, nil
}

func (s *Service) lock(id string) *sync.Mutex {
	mu, _ := s.locks.LoadOrStore(id, &sync.Mutex{})
	return mu.(*sync.Mutex)
}

// MarkReconnect records that source's platform refused its grant, and
// alerts the owners if it was not already so marked. The poller calls it
// too when a connector's call fails with connectors.ErrReconnect (a Meta
// Page token revoked with a password change). The mark is set by one
// conditional update, so two polls failing at once alert once.
func (s *Service) MarkReconnect(app core.App, source *core.Record, cause error) error {
	provider := providerNames[model.ConnectProviders[source.GetString("kind")]]
	if provider == "" {
		provider = source.GetString("kind")
	}
	now := s.d.Now().UTC()
	res, err := app.DB().Update("sources", dbx.Params{"reconnect_needed_at": now.Format(dateLayout)},
		dbx.And(dbx.HashExp{"id": source.Id}, dbx.Or(dbx.HashExp{"reconnect_needed_at": ""}, dbx.NewExp("reconnect_needed_at IS NULL")))).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // already marked: the owners know
	}
	app.Logger().Warn("connect: the platform refused the grant", "source_id", source.Id, "error", cause)
	// The health the app shows, in the owner's language from its code.
	if r, err := app.FindRecordById("sources", source.Id); err == nil {
		params := map[string]string{"provider": provider}
		r.Set("last_error", message("source_reconnect_needed", params))
		r.Set("last_error_info", map[string]any{"code": "source_reconnect_needed", "params": params})
		if err := app.Save(r); err != nil {
			app.Logger().Warn("connect: recording the reconnect health", "source_id", source.Id, "error", err)
		}
	}
	source.Set("reconnect_needed_at", now)
	if s.d.Alert != nil {
		s.d.Alert(reconnectAlert(source, provider))
	}
	return nil
}

// reconnectAlert is the owners' alert for a source whose grant died.
func reconnectAlert(source *core.Record, provider string) Alert {
	name := source.GetString("name")
	msg, _ := model.Lookup("source_reconnect_needed")
	params := map[string]string{"provider": provider}
	return Alert{
		Tag: "reconnect-" + source.Id,
		Title: map[string]string{
			model.LangEN: "Mentiondesk: reconnect " + name,
			model.LangFR: "Mentiondesk : reconnectez " + name,
		},
		Body: map[string]string{
			model.LangEN: msg.Render(model.LangEN, params),
			model.LangFR: msg.Render(model.LangFR, params),
		},
		Path: strings.Replace(model.Routes["source"], ":id", source.Id, 1),
	}
}
