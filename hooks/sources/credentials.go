package sources

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/model"
)

// connectsWithOAuth says whether src's kind signs in with a "Connect"
// button: its token comes from hooks/connect, never from the form.
func connectsWithOAuth(src *core.Record) bool {
	_, ok := model.ConnectProviders[src.GetString("kind")]
	return ok
}

// openCredentials returns src's secrets for a connector: through
// Deps.Credentials (a token refreshed before it expires) for the kinds
// connected with OAuth, as stored for the others.
func (h *Manager) openCredentials(ctx context.Context, app core.App, src *core.Record) (map[string]string, error) {
	if h.credentials != nil && connectsWithOAuth(src) {
		return h.credentials(ctx, app, src)
	}
	return h.secrets.Open(src)
}

// connectorSource builds what a connector needs from a saved source.
func (h *Manager) connectorSource(ctx context.Context, src *core.Record) (connectors.Source, error) {
	secrets, err := h.openCredentials(ctx, h.app, src)
	if err != nil {
		return connectors.Source{}, err
	}
	return connectorSourceWith(src, secrets), nil
}

func connectorSourceWith(src *core.Record, secrets map[string]string) connectors.Source {
	return connectors.Source{
		ID: src.Id, Kind: src.GetString("kind"), Name: src.GetString("name"),
		URL: strings.TrimSpace(src.GetString("url")), Query: strings.TrimSpace(src.GetString("query")),
		Options: records.SourceOptions(src), Secrets: secrets,
	}
}

// reconnectCode is the health of a source whose platform refused its
// grant: hooks/connect writes it with the platform's name, and the
// poller's own record of the failure keeps it rather than the generic
// source_reconnect.
const reconnectCode = "source_reconnect_needed"

// noteReconnect marks src "reconnect needed" (the owners are alerted once,
// by Deps.MarkReconnect) when its platform refused its grant, and returns
// the health that mark wrote, for the failure to keep. ok is false for the
// kinds not connected with OAuth, or when nothing was marked.
func (h *Manager) noteReconnect(src *core.Record, cause error) (Failure, bool) {
	if !connectsWithOAuth(src) || h.markReconnect == nil {
		return Failure{}, false
	}
	if err := h.markReconnect(h.app, src, cause); err != nil {
		h.app.Logger().Warn("sources: marking the source for reconnection", "source_id", src.Id, "error", err)
	}
	var raw string
	if err := h.app.DB().Select("last_error_info").From("sources").Where(dbx.HashExp{"id": src.Id}).Row(&raw); err != nil {
		return Failure{}, false
	}
	var f Failure
	if json.Unmarshal([]byte(raw), &f) != nil || f.Code != reconnectCode {
		return Failure{}, false
	}
	return f, true
}
