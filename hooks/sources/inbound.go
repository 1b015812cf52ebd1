package sources

import (
	"context"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/hooks/web"
)

// Inbound routes: mentions pushed to us instead of polled. Both are public
// by necessity (Zapier and WebSub hubs have no Mentiondesk account), so
// each request must prove itself with the source's own secret; a bad
// signature stores nothing.
func (h *Manager) registerInbound() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/md/hooks/{source}", h.handleWebhook)
		se.Router.GET("/api/md/websub/{source}", h.handleWebSubVerify)
		se.Router.POST("/api/md/websub/{source}", h.handleWebSubDelivery)
		owner := se.Router.Group("/api/md/sources")
		owner.Bind(apis.RequireAuth("users")).BindFunc(web.RequireOwner())
		owner.GET("/{id}/webhook", h.handleWebhookInfo)
		return se.Next()
	})
	return nil
}

func (h *Manager) handleWebhook(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("source"))
	if err != nil || src.GetString("kind") != "webhook" || !src.GetBool("enabled") {
		return apis.NewNotFoundError("No enabled webhook source here.", nil)
	}
	if h.disk.Short() {
		return diskguard.Refuse(e)
	}
	body, err := web.ReadCapped(e, h.cfg.MaxBody)
	if err != nil {
		return e.JSON(http.StatusRequestEntityTooLarge, web.APIError(413, "The body is too large."))
	}
	secret, err := h.vault.Open(src.GetString("webhook_secret"))
	if err != nil {
		return err
	}
	if err := connectors.VerifyWebhook(secret, e.Request.Header, body); err != nil {
		return e.JSON(http.StatusUnauthorized, web.APIError(401, "Bad signature or token: sign the body with the source's secret ("+connectors.WebhookSignatureHeader+": sha256=<hex>) or send Authorization: Bearer <secret>."))
	}
	mentions, err := connectors.ParseWebhook(body)
	if err != nil {
		return apis.NewBadRequestError(web.UserMessage(err), nil)
	}
	stats, err := h.ingestPushed(src, mentions)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, stats)
}

// ingestPushed stores pushed mentions and marks the source healthy.
func (h *Manager) ingestPushed(src *core.Record, mentions []connectors.Mention) (tickets.IngestStats, error) {
	now := time.Now().UTC()
	stats, events, err := h.desk.Ingest(src, mentions, now, func(tx core.App, stats tickets.IngestStats) error {
		_, err := tx.DB().Update("sources", dbx.Params{
			"last_ok_at": records.DT(now).String(), "last_check_at": records.DT(now).String(),
			"last_new": stats.New, "error_count": 0, "last_error": "",
		}, dbx.HashExp{"id": src.Id}).Execute()
		return err
	})
	if err != nil {
		h.disk.NoteWriteError(err)
		return stats, err
	}
	h.bus.Emit(events)
	return stats, nil
}

func (h *Manager) handleWebhookInfo(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("id"))
	if err != nil || src.GetString("kind") != "webhook" {
		return apis.NewNotFoundError("Webhook source not found.", nil)
	}
	secret, err := h.vault.Open(src.GetString("webhook_secret"))
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]string{
		"url":    web.PublicURL(h.app, e) + "/api/md/hooks/" + src.Id,
		"secret": secret,
		"header": connectors.WebhookSignatureHeader,
	})
}

func (h *Manager) handleWebSubDelivery(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("source"))
	if err != nil || src.GetString("websub_topic") == "" || !src.GetBool("enabled") {
		// 410 tells the hub to stop pushing a topic we no longer follow.
		return e.NoContent(http.StatusGone)
	}
	if h.disk.Short() {
		return diskguard.Refuse(e)
	}
	body, err := web.ReadCapped(e, h.cfg.MaxBody)
	if err != nil {
		return e.NoContent(http.StatusRequestEntityTooLarge)
	}
	secret, err := h.vault.Open(src.GetString("websub_secret"))
	if err != nil {
		return err
	}
	if !connectors.VerifySignature(secret, e.Request.Header.Get("X-Hub-Signature"), body) {
		return e.JSON(http.StatusForbidden, web.APIError(403, "Bad WebSub signature."))
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
func (h *Manager) webSubUpkeep(ctx context.Context) {
	t := time.NewTicker(webSubUpkeepEvery)
	defer t.Stop()
	for {
		if !h.disk.Short() {
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
func (h *Manager) maintainWebSub() {
	s, err := settings.Load(h.app)
	if err != nil || s.PublicURL == "" {
		return
	}
	due := records.DT(time.Now().Add(24 * time.Hour)).String()
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
