package replies

import (
	"context"
	"errors"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/web"
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

// Wake sends the due replies now rather than at the next tick: a reply
// was queued, or the disk has room again.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *Outbox) loop(ctx context.Context) {
	o.recoverInterruptedSends()
	t := time.NewTicker(outboxTick)
	defer t.Stop()
	for {
		o.SendDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.wake:
		}
	}
}

// resendSafe are the channels whose connector makes sending a reply again
// harmless when the first attempt may have gone out: the platform dedupes
// on our key (Mastodon's Idempotency-Key, Bluesky's record key), the call
// replaces rather than adds (Google's updateReply: one answer per review),
// or the connector finds the earlier reply before posting (YouTube,
// Facebook, Instagram read the thread for the same text; X's duplicate
// refusal is looked up). Each connector's Reply says how.
var resendSafe = map[string]bool{
	model.KindMastodon: true, model.KindBluesky: true,
	model.KindGoogleReviews: true, model.KindYouTube: true, model.KindFacebook: true, model.KindInstagram: true, model.KindX: true,
}

// recoverInterruptedSends handles replies left "sending" by a crash: the
// platform may or may not have them. Where sending again is safe
// (resendSafe) the reply is queued; e-mail has no such check, so the agent
// decides, told exactly why.
func (o *Outbox) recoverInterruptedSends() {
	recs, err := o.app.FindRecordsByFilter("replies", "status = 'sending'", "", 0, 0)
	if err != nil {
		return
	}
	for _, r := range recs {
		if resendSafe[o.replyChannel(r)] {
			r.Set("status", "queued")
		} else {
			r.Set("status", "failed")
			r.Set("error", "Mentiondesk stopped while this reply was being sent: check whether the customer received it before you retry.")
		}
		if err := o.app.Save(r); err != nil {
			o.app.Logger().Error("outbox: recovering reply", "reply_id", r.Id, "error", err)
		}
	}
}

func (o *Outbox) replyChannel(r *core.Record) string {
	var ch string
	_ = o.app.DB().Select("channel").From("tickets").Where(dbx.HashExp{"id": r.GetString("ticket")}).Row(&ch)
	return ch
}

// SendDue sends every due queued reply, one at a time: replies are few,
// and one at a time keeps the per-platform rate limits easy to respect.
func (o *Outbox) SendDue(ctx context.Context) {
	// Nothing new leaves while a sent reply is not recorded, or while the
	// disk has no room to record one (the disk guard).
	if !o.flushUnsaved() || o.deps.DiskShort() {
		return
	}
	var ids []string
	err := o.app.DB().Select("id").From("replies").
		Where(dbx.HashExp{"status": "queued"}).
		AndWhere(dbx.NewExp("(next_attempt_at = '' OR next_attempt_at <= {:now})", dbx.Params{"now": records.DT(time.Now()).String()})).
		OrderBy("created ASC").Limit(50).Column(&ids)
	if err != nil {
		o.app.Logger().Error("outbox: listing", "error", err)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if err := o.SendReply(ctx, id); err != nil {
			o.app.Logger().Warn("outbox: send failed", "reply_id", id, "error", err)
		}
	}
}

// SendReply claims and sends one reply; it returns the platform's error
// (after recording it on the reply) or the database's.
func (o *Outbox) SendReply(ctx context.Context, id string) error {
	res, err := o.app.DB().Update("replies", dbx.Params{"status": "sending"},
		dbx.HashExp{"id": id, "status": "queued"}).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil // another worker has it
	}
	r, err := o.app.FindRecordById("replies", id)
	if err != nil {
		return err
	}
	sent, sendErr := o.deliver(ctx, r)
	if sendErr == nil {
		r.Set("status", "sent")
		r.Set("external_id", records.Clip(sent.ExternalID, 1000))
		r.Set("external_url", normalize.URL(sent.URL))
		r.Set("sent_at", time.Now().UTC())
		r.Set("error", "")
		r.Set("attempts", r.GetInt("attempts")+1)
		if err := o.app.Save(r); err != nil { // the lifecycle hook stops the ticket's clock
			o.deps.NoteWriteError(err)
			o.unsaved.add(r) // still "sending" in the database: never sent twice
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
	r.Set("error", records.Clip(web.UserMessage(sendErr), 2000))
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
	if err := o.app.Save(r); err != nil {
		return err
	}
	return sendErr
}
