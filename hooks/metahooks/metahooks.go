// Package metahooks receives Meta's webhooks ("Webhooks / Getting Started")
// for the Facebook Pages and Instagram accounts that sources watch:
//
//	GET  /api/md/meta/webhook  the verification Meta sends when the
//	     operator saves the callback URL: hub.challenge is echoed only when
//	     hub.verify_token is the operator's MD_META_VERIFY_TOKEN.
//	POST /api/md/meta/webhook  a delivery: X-Hub-Signature-256 is checked
//	     against the app secret over the raw body (capped) before anything
//	     is read, then each entry goes to the sources watching its Page or
//	     Instagram account.
//
// Meta retries a delivery that is not answered 200, for hours. So a
// delivery for a Page no source watches, or one that cannot be read once
// its signature is good, is answered 200 and logged: retrying cannot
// help. Only a failure to store what arrived answers 503, to be retried.
package metahooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/model"
)

// Path is the callback URL's path, after the public URL.
const Path = "/api/md/meta/webhook"

// DefaultMaxBody caps a delivery. Meta batches up to 1,000 changes in one
// delivery; a comment's JSON is well under a kilobyte.
const DefaultMaxBody = 1 << 20

// Deps is what the package needs from the rest of the server.
type Deps struct {
	// AppSecret is the Meta app's secret (MD_META_APP_SECRET): Meta signs
	// every delivery with it.
	AppSecret string
	// VerifyToken is the operator's MD_META_VERIFY_TOKEN. Empty, the
	// verification GET is refused.
	VerifyToken string
	// MaxBody caps a delivery's body; 0 means DefaultMaxBody.
	MaxBody int64
	// Ingest stores pushed mentions of source (hooks/sources' IngestPushed): the
	// batch has no cursor, so the source's polling position stays as it
	// is.
	Ingest func(ctx context.Context, source *core.Record, b connectors.Batch) error
	// InstagramMention fetches what an Instagram "mentions" delivery points
	// at (connectors.Instagram.Mentioned with the source's fresh secrets).
	// Nil, mentions are logged and dropped: Meta's delivery holds only ids.
	InstagramMention func(ctx context.Context, source *core.Record, ref connectors.InstagramMentionRef) (connectors.Mention, error)
	// WriteError answers an API error: msg is a message of model.Messages
	// in English (hooks/web.WriteError).
	WriteError func(e *core.RequestEvent, status int, msg string, data map[string]any) error
}

// Register adds the webhook routes to app.
func Register(app core.App, d Deps) error {
	if d.Ingest == nil || d.WriteError == nil {
		return errors.New("metahooks: Deps.Ingest and Deps.WriteError are required")
	}
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	h := &handler{d: d}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET(Path, h.verify)
		se.Router.POST(Path, h.deliver)
		return se.Next()
	})
	return nil
}

type handler struct{ d Deps }

func message(code string) string {
	m, ok := model.Lookup(code)
	if !ok {
		return code
	}
	return m.Render(model.LangEN, nil)
}

// verify answers Meta's subscription check with hub.challenge, as the
// whole plain-text body.
func (h *handler) verify(e *core.RequestEvent) error {
	challenge, err := connectors.MetaVerifyChallenge(e.Request.URL.Query(), h.d.VerifyToken)
	if err != nil {
		e.App.Logger().Warn("meta webhook: verification refused", "error", err)
		return h.d.WriteError(e, http.StatusForbidden, message("invalid_credentials"), nil)
	}
	return e.String(http.StatusOK, challenge)
}

// deliver checks and hands on one delivery.
func (h *handler) deliver(e *core.RequestEvent) error {
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, h.d.MaxBody+1))
	if err != nil {
		return h.d.WriteError(e, http.StatusBadRequest, message("invalid_request_body"), nil)
	}
	if int64(len(body)) > h.d.MaxBody {
		return h.d.WriteError(e, http.StatusRequestEntityTooLarge, message("body_too_large"), nil)
	}
	if err := connectors.MetaVerifySignature(h.d.AppSecret, e.Request.Header.Get(connectors.MetaSignatureHeader), body); err != nil {
		e.App.Logger().Warn("meta webhook: signature refused", "error", err)
		return h.d.WriteError(e, http.StatusUnauthorized, message("bad_webhook_signature"), nil)
	}
	var envelope struct {
		Object string `json:"object"`
	}
	_ = json.Unmarshal(body, &envelope)
	ctx := e.Request.Context()
	switch envelope.Object {
	case "page":
		err = h.pages(ctx, e.App, body)
	case "instagram":
		err = h.instagram(ctx, e.App, body)
	default:
		e.App.Logger().Info("meta webhook: delivery for an object no source watches", "object", envelope.Object)
		return e.NoContent(http.StatusOK)
	}
	var storing *storeError
	if errors.As(err, &storing) {
		e.App.Logger().Error("meta webhook: storing a delivery", "error", err)
		return h.d.WriteError(e, http.StatusServiceUnavailable, message("source_storage"), nil)
	}
	if err != nil {
		e.App.Logger().Warn("meta webhook: unreadable delivery", "object", envelope.Object, "error", err)
	}
	return e.NoContent(http.StatusOK)
}

// storeError is a delivery read but not stored: Meta should send it again.
type storeError struct{ err error }

func (e *storeError) Error() string { return "storing: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func (h *handler) pages(ctx context.Context, app core.App, body []byte) error {
	byPage, err := connectors.ParseFacebookWebhook(body)
	if err != nil {
		return err
	}
	for pageID, del := range byPage {
		sources, err := watching(app, model.KindFacebook, "page_id", pageID)
		if err != nil {
			return &storeError{err}
		}
		if len(sources) == 0 {
			app.Logger().Info("meta webhook: delivery for an account no source watches", "kind", model.KindFacebook, "id", pageID)
		}
		if err := h.handTo(ctx, app, sources, del.Mentions); err != nil {
			return err
		}
		if err := markDeleted(app, sources, del.Removed); err != nil {
			return &storeError{err}
		}
	}
	return nil
}

// markDeleted flags the stored mentions of ids, and the edits made of them
// ("<id>#edited-…"), as deleted by their authors: the ticket keeps its
// thread and the app shows what is gone. A record Save, so realtime and the
// stats index see the change; only the flag is written. An id never stored
// (a comment older than the source) changes nothing.
func markDeleted(app core.App, sources []*core.Record, ids []string) error {
	for _, src := range sources {
		for _, id := range ids {
			var found []*core.Record
			err := app.RecordQuery("mentions").
				AndWhere(dbx.HashExp{"source": src.Id, "deleted": false}).
				AndWhere(dbx.Or(dbx.HashExp{"external_id": id},
					dbx.NewExp("substr(external_id, 1, {:n}) = {:prefix}", dbx.Params{"n": len(id) + len("#edited-"), "prefix": id + "#edited-"}))).
				All(&found)
			if err != nil {
				return fmt.Errorf("source %s: finding %s: %w", src.Id, id, err)
			}
			for _, m := range found {
				m.Set("deleted", true)
				if err := app.SaveNoValidate(m.IgnoreUnchangedFields(true)); err != nil {
					return fmt.Errorf("source %s: marking %s deleted: %w", src.Id, id, err)
				}
			}
		}
	}
	return nil
}

func (h *handler) instagram(ctx context.Context, app core.App, body []byte) error {
	byAccount, err := connectors.ParseInstagramWebhook(body, nil)
	if err != nil {
		return err
	}
	for account, del := range byAccount {
		mentions := del.Mentions
		sources, err := watching(app, model.KindInstagram, "ig_user_id", account)
		if err != nil {
			return &storeError{err}
		}
		if len(del.Refs) > 0 && len(sources) > 0 {
			if h.d.InstagramMention == nil {
				app.Logger().Warn("meta webhook: Instagram mentions dropped: nothing fetches them", "account", account, "count", len(del.Refs))
			}
			for _, ref := range del.Refs {
				if h.d.InstagramMention == nil {
					break
				}
				m, err := h.d.InstagramMention(ctx, sources[0], ref)
				if err != nil {
					app.Logger().Warn("meta webhook: fetching an Instagram mention", "source_id", sources[0].Id, "media_id", ref.MediaID, "error", err)
					continue
				}
				mentions = append(mentions, m)
			}
		}
		if err := h.handTo(ctx, app, sources, mentions); err != nil {
			return err
		}
	}
	return nil
}

func (h *handler) handTo(ctx context.Context, app core.App, sources []*core.Record, mentions []connectors.Mention) error {
	if len(mentions) == 0 {
		return nil
	}
	for _, src := range sources {
		if err := h.d.Ingest(ctx, src, connectors.Batch{Mentions: mentions}); err != nil {
			return &storeError{fmt.Errorf("source %s: %w", src.Id, err)}
		}
	}
	return nil
}

// watching lists the enabled sources of kind whose options[key] is id.
func watching(app core.App, kind, key, id string) ([]*core.Record, error) {
	var out []*core.Record
	err := app.RecordQuery("sources").
		AndWhere(dbx.HashExp{"kind": kind, "enabled": true}).
		AndWhere(dbx.NewExp("json_extract(options, {:path}) = {:id}", dbx.Params{"path": "$." + key, "id": id})).
		All(&out)
	return out, err
}
