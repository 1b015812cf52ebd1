package hooks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/model"
)

// The outbox sends queued replies on the customer's platform. A reply is
// claimed (queued → sending) by one atomic UPDATE, so two workers never
// send it; each reply carries an idempotency key the platform sees
// (Mastodon's Idempotency-Key, Bluesky's deterministic record key, the
// e-mail Message-ID), so a retry after a crash between "sent" and "saved"
// finds the first send instead of posting twice.
const (
	outboxTick        = 5 * time.Second
	outboxMaxAttempts = 5
	sendTimeout       = 45 * time.Second
)

func (h *hub) registerOutbox() error {
	h.outboxWake = make(chan struct{}, 1)
	h.app.OnRecordAfterCreateSuccess("replies").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "queued" {
			h.wakeOutbox()
		}
		return e.Next()
	})
	h.app.OnRecordCreateRequest("replies").BindFunc(func(e *core.RecordRequestEvent) error {
		if err := validateReply(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/replies")
		g.Bind(apis.RequireAuth("users"))
		g.POST("/{id}/retry", h.handleRetryReply)
		g.POST("/{id}/cancel", h.handleCancelReply)
		if !h.cfg.DisableWorkers {
			h.workers.Go("outbox", h.outboxLoop)
		}
		return se.Next()
	})
	return nil
}

func (h *hub) wakeOutbox() {
	select {
	case h.outboxWake <- struct{}{}:
	default:
	}
}

func (h *hub) outboxLoop(ctx context.Context) {
	h.recoverInterruptedSends()
	t := time.NewTicker(outboxTick)
	defer t.Stop()
	for {
		h.sendDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.outboxWake:
		}
	}
}

// recoverInterruptedSends handles replies left "sending" by a crash: the
// platform may or may not have them. Where the platform dedupes on our key
// (Mastodon, Bluesky) sending again is safe and is queued; e-mail has no
// such check, so the agent decides, told exactly why.
func (h *hub) recoverInterruptedSends() {
	recs, err := h.app.FindRecordsByFilter("replies", "status = 'sending'", "", 0, 0)
	if err != nil {
		return
	}
	for _, r := range recs {
		kind := h.replyChannel(r)
		if kind == "mastodon" || kind == "bluesky" {
			r.Set("status", "queued")
		} else {
			r.Set("status", "failed")
			r.Set("error", "Mentiondesk stopped while this reply was being sent: check whether the customer received it before you retry.")
		}
		if err := h.app.Save(r); err != nil {
			h.app.Logger().Error("outbox: recovering reply", "reply_id", r.Id, "error", err)
		}
	}
}

func (h *hub) replyChannel(r *core.Record) string {
	var ch string
	_ = h.app.DB().Select("channel").From("tickets").Where(dbx.HashExp{"id": r.GetString("ticket")}).Row(&ch)
	return ch
}

// sendDue sends every due queued reply, one at a time: replies are few,
// and one at a time keeps the per-platform rate limits easy to respect.
func (h *hub) sendDue(ctx context.Context) {
	// Nothing new leaves while a sent reply is not recorded, or while the
	// disk has no room to record one (diskspace.go).
	if !h.flushUnsaved() || h.diskShort() {
		return
	}
	var ids []string
	err := h.app.DB().Select("id").From("replies").
		Where(dbx.HashExp{"status": "queued"}).
		AndWhere(dbx.NewExp("(next_attempt_at = '' OR next_attempt_at <= {:now})", dbx.Params{"now": records.DT(time.Now()).String()})).
		OrderBy("created ASC").Limit(50).Column(&ids)
	if err != nil {
		h.app.Logger().Error("outbox: listing", "error", err)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if err := h.sendReply(ctx, id); err != nil {
			h.app.Logger().Warn("outbox: send failed", "reply_id", id, "error", err)
		}
	}
}

// sendReply claims and sends one reply.
func (h *hub) sendReply(ctx context.Context, id string) error {
	res, err := h.app.DB().Update("replies", dbx.Params{"status": "sending"},
		dbx.HashExp{"id": id, "status": "queued"}).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil // another worker has it
	}
	r, err := h.app.FindRecordById("replies", id)
	if err != nil {
		return err
	}
	sent, sendErr := h.deliver(ctx, r)
	if sendErr == nil {
		r.Set("status", "sent")
		r.Set("external_id", records.Clip(sent.ExternalID, 1000))
		r.Set("external_url", normalize.URL(sent.URL))
		r.Set("sent_at", time.Now().UTC())
		r.Set("error", "")
		r.Set("attempts", r.GetInt("attempts")+1)
		if err := h.app.Save(r); err != nil { // the lifecycle hook stops the ticket's clock
			h.noteWriteError(err)
			h.unsaved.add(r) // still "sending" in the database: never sent twice
			return err
		}
		return nil
	}
	if ctx.Err() != nil && errors.Is(sendErr, context.Canceled) {
		// Shutting down mid-send: leave it "sending" for recovery.
		return sendErr
	}
	attempts := r.GetInt("attempts") + 1
	r.Set("attempts", attempts)
	r.Set("error", records.Clip(userMessage(sendErr), 2000))
	if connectors.IsRetryable(sendErr) && attempts < outboxMaxAttempts {
		wait := time.Duration(1<<(2*(attempts-1))) * time.Minute // 1, 4, 16, 64 min
		var rl *connectors.RateLimitedError
		if errors.As(sendErr, &rl) && rl.RetryAfter > wait {
			wait = connectors.CapWait(rl.RetryAfter) // a day at most: then ask again
		}
		r.Set("status", "queued")
		r.Set("next_attempt_at", time.Now().Add(wait).UTC())
	} else {
		r.Set("status", "failed")
	}
	if err := h.app.Save(r); err != nil {
		return err
	}
	return sendErr
}

// deliver posts the reply through the ticket's platform, answering the
// mention it names or the customer's latest message.
func (h *hub) deliver(ctx context.Context, r *core.Record) (connectors.Sent, error) {
	t, err := h.app.FindRecordById("tickets", r.GetString("ticket"))
	if err != nil {
		return connectors.Sent{}, fmt.Errorf("%w: the ticket is gone", connectors.ErrConfig)
	}
	var m *core.Record
	if id := r.GetString("in_reply_to"); id != "" {
		m, _ = h.app.FindRecordById("mentions", id)
	}
	if m == nil {
		ms, err := h.app.FindRecordsByFilter("mentions", "ticket = {:t} && own = false", "-published_at", 1, 0, dbx.Params{"t": t.Id})
		if err != nil || len(ms) == 0 {
			return connectors.Sent{}, fmt.Errorf("%w: the ticket has no customer message to answer", connectors.ErrConfig)
		}
		m = ms[0]
	}
	src, err := h.app.FindRecordById("sources", m.GetString("source"))
	if err != nil {
		return connectors.Sent{}, fmt.Errorf("%w: the source of this conversation was deleted", connectors.ErrConfig)
	}
	replier, err := h.connectorSet(h.app).Replier(src.GetString("kind"))
	if err != nil {
		return connectors.Sent{}, err
	}
	cs, err := h.connectorSource(src)
	if err != nil {
		return connectors.Sent{}, err
	}
	if cs.Kind == "email" {
		h.fillSMTP(&cs)
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return replier.Reply(sctx, cs, mentionOf(m), r.GetString("body"), r.GetString("idempotency_key"))
}

// fillSMTP gives the e-mail connector PocketBase's mailer settings unless
// the source sets its own.
func (h *hub) fillSMTP(cs *connectors.Source) {
	if cs.Options["smtp_host"] != "" {
		return
	}
	if cs.Options == nil {
		cs.Options = map[string]string{}
	}
	if cs.Secrets == nil {
		cs.Secrets = map[string]string{}
	}
	s := h.app.Settings()
	cs.Options["smtp_host"] = s.SMTP.Host
	cs.Options["smtp_port"] = strconv.Itoa(s.SMTP.Port)
	switch {
	case s.SMTP.TLS:
		cs.Options["smtp_tls"] = "tls"
	case s.SMTP.Port == 25 && (s.SMTP.Host == "127.0.0.1" || s.SMTP.Host == "localhost"):
		cs.Options["smtp_tls"] = "none"
	}
	if s.SMTP.AuthMethod != "" {
		cs.Options["smtp_auth"] = strings.ToUpper(s.SMTP.AuthMethod)
	}
	if s.SMTP.LocalName != "" {
		cs.Options["smtp_local_name"] = s.SMTP.LocalName
	}
	if cs.Options["smtp_from"] == "" {
		cs.Options["smtp_from"] = s.Meta.SenderAddress
		cs.Options["smtp_from_name"] = s.Meta.SenderName
	}
	cs.Secrets["smtp_username"] = s.SMTP.Username
	cs.Secrets["smtp_password"] = s.SMTP.Password
}

// mentionOf rebuilds what a Replier needs from a stored mention.
func mentionOf(m *core.Record) connectors.Mention {
	meta := map[string]string{}
	_ = m.UnmarshalJSONField("meta", &meta)
	thread := m.GetString("thread_key")
	if _, id, ok := strings.Cut(thread, ":"); ok {
		thread = id
	}
	return connectors.Mention{
		ExternalID: m.GetString("external_id"), URL: m.GetString("url"),
		Author: m.GetString("author"), AuthorName: m.GetString("author_name"),
		Title: m.GetString("title"), Text: m.GetString("text"), Lang: m.GetString("language"),
		Published: m.GetDateTime("published_at").Time(), InReplyTo: m.GetString("in_reply_to"),
		ThreadID: thread, Meta: meta,
	}
}

// Platform limits a reply must fit.

// validateReply refuses at creation what the platform would refuse later,
// with the reason in words.
func validateReply(app core.App, r *core.Record) error {
	body := strings.TrimSpace(r.GetString("body"))
	if body == "" {
		return apis.NewBadRequestError("The reply is empty.", validation.Errors{"body": validation.NewError("validation_required", "Cannot be blank.")})
	}
	if r.GetString("via") != "platform" {
		return nil
	}
	t, err := app.FindRecordById("tickets", r.GetString("ticket"))
	if err != nil {
		return nil // the relation validator reports it
	}
	lim, ok := model.ReplyLimits[t.GetString("channel")]
	if !ok {
		return nil
	}
	n := replyLength(body, lim.Unit)
	if n > lim.Max {
		msg := fmt.Sprintf("Too long for %s: %d %s, the limit is %d.", t.GetString("channel"), n, lim.Unit, lim.Max)
		return apis.NewBadRequestError(msg, validation.Errors{
			"body": validation.NewError("validation_too_long", msg).SetParams(map[string]any{"max": lim.Max, "length": n}),
		})
	}
	return nil
}

// replyLength counts as the platform does: Bluesky counts graphemes (an
// emoji with skin tone is one), Mastodon counts characters.
func replyLength(s, unit string) int {
	if unit == "graphemes" {
		return uniseg.GraphemeClusterCount(s)
	}
	return utf8.RuneCountInString(s)
}
