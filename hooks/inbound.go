package hooks

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// Inbound routes: mentions pushed to us instead of polled. Both are public
// by necessity (Zapier and WebSub hubs have no Mentiondesk account), so
// each request must prove itself with the source's own secret; a bad
// signature stores nothing.
func (h *hub) registerInbound() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/md/hooks/{source}", h.handleWebhook)
		se.Router.GET("/api/md/websub/{source}", h.handleWebSubVerify)
		se.Router.POST("/api/md/websub/{source}", h.handleWebSubDelivery)
		owner := se.Router.Group("/api/md/sources")
		owner.Bind(apis.RequireAuth("users")).BindFunc(requireOwner())
		owner.GET("/{id}/webhook", h.handleWebhookInfo)
		return se.Next()
	})
	return nil
}

// readCapped reads a request body up to the configured cap.
func (h *hub) readCapped(e *core.RequestEvent) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, h.cfg.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > h.cfg.MaxBody {
		return nil, connectors.ErrTooLarge
	}
	return body, nil
}

func (h *hub) handleWebhook(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("source"))
	if err != nil || src.GetString("kind") != "webhook" || !src.GetBool("enabled") {
		return apis.NewNotFoundError("No enabled webhook source here.", nil)
	}
	if h.diskShort() {
		return diskFullResponse(e)
	}
	body, err := h.readCapped(e)
	if err != nil {
		return e.JSON(http.StatusRequestEntityTooLarge, apiError(413, "The body is too large."))
	}
	secret, err := h.vault.Open(src.GetString("webhook_secret"))
	if err != nil {
		return err
	}
	if err := connectors.VerifyWebhook(secret, e.Request.Header, body); err != nil {
		return e.JSON(http.StatusUnauthorized, apiError(401, "Bad signature or token: sign the body with the source's secret ("+connectors.WebhookSignatureHeader+": sha256=<hex>) or send Authorization: Bearer <secret>."))
	}
	mentions, err := connectors.ParseWebhook(body)
	if err != nil {
		return apis.NewBadRequestError(userMessage(err), nil)
	}
	stats, err := h.ingestPushed(src, mentions)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, stats)
}

// ingestPushed stores pushed mentions and marks the source healthy.
func (h *hub) ingestPushed(src *core.Record, mentions []connectors.Mention) (IngestStats, error) {
	now := time.Now().UTC()
	stats, events, err := h.ingest(src, mentions, now, func(tx core.App, stats IngestStats) error {
		_, err := tx.DB().Update("sources", dbx.Params{
			"last_ok_at": dt(now).String(), "last_check_at": dt(now).String(),
			"last_new": stats.New, "error_count": 0, "last_error": "",
		}, dbx.HashExp{"id": src.Id}).Execute()
		return err
	})
	if err != nil {
		h.noteWriteError(err)
		return stats, err
	}
	h.emit(events)
	return stats, nil
}

func (h *hub) handleWebhookInfo(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("id"))
	if err != nil || src.GetString("kind") != "webhook" {
		return apis.NewNotFoundError("Webhook source not found.", nil)
	}
	secret, err := h.vault.Open(src.GetString("webhook_secret"))
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]string{
		"url":    h.publicURL(e) + "/api/md/hooks/" + src.Id,
		"secret": secret,
		"header": connectors.WebhookSignatureHeader,
	})
}

// publicURL is the instance's address as the outside world reaches it.
func (h *hub) publicURL(e *core.RequestEvent) string {
	s, _ := loadSettings(h.app)
	return baseURL(h.app, s, e)
}

func (h *hub) handleWebSubDelivery(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("source"))
	if err != nil || src.GetString("websub_topic") == "" || !src.GetBool("enabled") {
		// 410 tells the hub to stop pushing a topic we no longer follow.
		return e.NoContent(http.StatusGone)
	}
	if h.diskShort() {
		return diskFullResponse(e)
	}
	body, err := h.readCapped(e)
	if err != nil {
		return e.NoContent(http.StatusRequestEntityTooLarge)
	}
	secret, err := h.vault.Open(src.GetString("websub_secret"))
	if err != nil {
		return err
	}
	if !connectors.VerifySignature(secret, e.Request.Header.Get("X-Hub-Signature"), body) {
		return e.JSON(http.StatusForbidden, apiError(403, "Bad WebSub signature."))
	}
	feed := connectors.NewFeed(connectors.Config{MaxBody: h.cfg.MaxBody})
	mentions, err := feed.ParseBody(body, e.Request.Header.Get("Content-Type"), src.GetString("websub_topic"))
	if err != nil {
		h.app.Logger().Warn("websub: unreadable delivery", "source_id", src.Id, "error", err)
		return e.NoContent(http.StatusAccepted) // the next poll fetches it anyway
	}
	if _, err := h.ingestPushed(src, mentions); err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// webSubUpkeep runs maintainWebSub every ten minutes until ctx ends.
func (h *hub) webSubUpkeep(ctx context.Context) {
	t := time.NewTicker(webSubUpkeepEvery)
	defer t.Stop()
	for {
		if !h.diskShort() {
			h.maintainWebSub()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const webSubUpkeepEvery = 10 * time.Minute

// maintainWebSub subscribes sources whose feed advertises a hub, and
// renews leases a day before they end. It needs the instance's public URL:
// a hub cannot call back an address only this machine knows.
func (h *hub) maintainWebSub() {
	s, err := loadSettings(h.app)
	if err != nil || s.PublicURL == "" {
		return
	}
	due := dt(time.Now().Add(24 * time.Hour)).String()
	recs, err := h.app.FindRecordsByFilter("sources",
		"enabled = true && kind = 'feed' && websub_hub != '' && (websub_expires_at = '' || websub_expires_at < {:due}) && (last_check_at != '')",
		"", 20, 0, dbx.Params{"due": due})
	if err != nil {
		return
	}
	for _, src := range recs {
		h.subscribeWebSub(s, src)
	}
}

func apiError(status int, msg string) map[string]any {
	return map[string]any{"status": status, "message": msg, "data": map[string]any{}}
}

// requireOwner lets only owners through (after RequireAuth).
func requireOwner() func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if e.Auth == nil || e.Auth.GetString("role") != "owner" {
			return apis.NewForbiddenError("Only the owner can do this.", nil)
		}
		return e.Next()
	}
}
