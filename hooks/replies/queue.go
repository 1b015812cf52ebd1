package replies

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
)

// A reply waiting in the outbox is the agent's to hurry or to take back:
// a platform that said "retry in a day" (or a failure the agent fixed)
// must not leave it stuck. Both moves are one conditional UPDATE, so they
// never race the outbox's own claim (queued → sending): a reply being
// sent right now is neither re-queued under the sender nor cancelled
// after it left.

// handleRetryReply sends a failed or waiting reply at the next outbox tick.
func (o *Outbox) handleRetryReply(e *core.RequestEvent) error {
	return o.moveQueuedReply(e, []string{"failed", "queued"}, dbx.Params{
		"status": "queued", "next_attempt_at": "", "attempts": 0,
	}, "Only a failed or waiting reply can be sent again.")
}

// handleCancelReply takes a failed or waiting reply out of the outbox: it
// becomes a draft again, to edit, send later or delete.
func (o *Outbox) handleCancelReply(e *core.RequestEvent) error {
	return o.moveQueuedReply(e, []string{"failed", "queued"}, dbx.Params{
		"status": "draft", "next_attempt_at": "", "error": "",
	}, "Only a failed or waiting reply can be cancelled.")
}

func (o *Outbox) moveQueuedReply(e *core.RequestEvent, from []string, set dbx.Params, refusal string) error {
	id := e.Request.PathValue("id")
	r, err := e.App.FindRecordById("replies", id)
	if err != nil {
		return apis.NewNotFoundError("Reply not found.", nil)
	}
	set["updated"] = records.DT(time.Now()).String()
	res, err := e.App.DB().Update("replies", set,
		dbx.And(dbx.HashExp{"id": id}, dbx.In("status", anySlice(from)...))).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if r, err = e.App.FindRecordById("replies", id); err == nil && r.GetString("status") == "sending" {
			return apis.NewApiError(http.StatusConflict, "This reply is being sent right now.", nil)
		}
		return apis.NewBadRequestError(refusal, nil)
	}
	if r, err = e.App.FindRecordById("replies", id); err != nil {
		return err
	}
	o.deps.Announce(nil, []*core.Record{r}) // the ticket screens see it move
	if r.GetString("status") == "queued" {
		o.Wake()
	}
	return e.JSON(http.StatusOK, r)
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
