package sources

import (
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/model"
)

// WebSub verification (W3C WebSub §5.3): after we ask a hub to
// (un)subscribe, it calls our callback with a GET carrying hub.mode,
// hub.topic, hub.challenge and, for a subscription, hub.lease_seconds. The
// callback URL names only the source, so anyone who learns it could send
// that GET: mark the source denied with their own words, or set a lease of
// a year. A verification is therefore answered only while the source waits
// for that very request (websub_pending, set just before we ask the hub),
// for its topic, within websubVerifyWindow; everything else is a 404, as
// the spec asks for a request the subscriber did not make.

// websubVerifyWindow is how long after our request a hub may verify it.
// Hubs verify within seconds; the window allows for retries and queues.
const websubVerifyWindow = time.Hour

func (h *Manager) handleWebSubVerify(e *core.RequestEvent) error {
	src, err := e.App.FindRecordById("sources", e.Request.PathValue("source"))
	if err != nil || src.GetString("websub_topic") == "" {
		return e.NoContent(http.StatusNotFound)
	}
	in, err := connectors.ReadWebSubIntent(e.Request.URL.Query(), src.GetString("websub_topic"))
	if err != nil {
		return e.NoContent(http.StatusNotFound)
	}
	pending := src.GetString("websub_pending")
	since := src.GetDateTime("websub_pending_at").Time()
	waiting := pending != "" && time.Since(since) < websubVerifyWindow
	// A denial answers a subscription request (§5.2).
	if want := map[string]string{"denied": connectors.WebSubSubscribe}[in.Mode]; want != "" {
		waiting = waiting && pending == want
	} else {
		waiting = waiting && pending == in.Mode
	}
	if !waiting {
		return e.NoContent(http.StatusNotFound)
	}
	switch in.Mode {
	case "denied":
		src.Set("websub_expires_at", "")
		f := Failure{Code: "source_websub_refused", Params: map[string]string{"reason": records.Clip(in.Reason, 500)}}
		src.Set("last_error", records.Clip(f.text(model.LangEN), 2000))
		src.Set("last_error_info", f)
	case connectors.WebSubSubscribe:
		src.Set("websub_expires_at", time.Now().Add(in.Lease).UTC()) // capped by ReadWebSubIntent
	case connectors.WebSubUnsubscribe:
		src.Set("websub_expires_at", "")
	}
	src.Set("websub_pending", "")
	src.Set("websub_pending_at", "")
	if err := e.App.Save(src.IgnoreUnchangedFields(true)); err != nil { // the hub's answer: WebSub columns only
		return err
	}
	if in.Mode == "denied" {
		return e.NoContent(http.StatusOK)
	}
	return e.String(http.StatusOK, in.Challenge)
}

// subscribeWebSub asks src's hub to push its feed to us. The pending
// request is saved before the hub is called: some hubs verify before they
// even answer the subscription request.
func (h *Manager) subscribeWebSub(s settings.Settings, src *core.Record) {
	secret, err := h.vault.Open(src.GetString("websub_secret"))
	if err != nil || secret == "" {
		secret = records.RandomToken(32)
		src.Set("websub_secret", h.vault.Seal(secret))
	}
	src.Set("websub_pending", connectors.WebSubSubscribe)
	src.Set("websub_pending_at", time.Now().UTC())
	// src was read before the upkeep's network calls for other sources:
	// write the WebSub columns only, never the cursor and health a poll
	// stored since.
	if err := h.app.Save(src.IgnoreUnchangedFields(true)); err != nil {
		h.app.Logger().Error("websub: saving source", "source_id", src.Id, "error", err)
		return
	}
	callback := strings.TrimRight(s.PublicURL, "/") + "/api/md/websub/" + src.Id
	cfg := connectors.Config{Client: connectors.GuardedClient(h.cfg.AllowPrivateURLs, 30*time.Second)}
	err = connectors.Subscribe(h.ctx, cfg, src.GetString("websub_hub"), src.GetString("websub_topic"), callback, secret, connectors.DefaultWebSubLease, connectors.WebSubSubscribe)

	fresh, ferr := h.app.FindRecordById("sources", src.Id)
	if ferr != nil {
		return
	}
	switch {
	case err != nil:
		// Don't retry every tick: polling carries on, try again in two days.
		fresh.Set("websub_pending", "")
		fresh.Set("websub_pending_at", "")
		fresh.Set("websub_expires_at", time.Now().Add(48*time.Hour).UTC())
		h.app.Logger().Warn("websub: subscribe failed", "source_id", src.Id, "error", err)
	case fresh.GetString("websub_pending") != "":
		// Until the hub verifies, assume a short lease so we retry soon.
		fresh.Set("websub_expires_at", time.Now().Add(25*time.Hour).UTC())
	default:
		return // already verified while we waited for the hub's answer
	}
	if err := h.app.Save(fresh.IgnoreUnchangedFields(true)); err != nil {
		h.app.Logger().Error("websub: saving source", "source_id", src.Id, "error", err)
	}
}
