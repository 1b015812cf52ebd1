package replies

import (
	"net/http"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// handleAnsweredByHand is the explicit "I posted it myself" of a reply the
// agent copied to the platform (via "manual"): the draft becomes sent, the
// ticket's clock stops at this moment, and the history and the stats say
// the answer went out by hand, not through Mentiondesk.
func (o *Outbox) handleAnsweredByHand(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("replies", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Reply not found.", nil)
	}
	if r.GetString("author") != e.Auth.Id && e.Auth.GetString("role") != "owner" {
		return apis.NewForbiddenError("Only its author or an owner can mark this reply answered by hand.", nil)
	}
	if r.GetString("via") != "manual" {
		return apis.NewBadRequestError("Only a reply you post yourself can be marked answered by hand.", nil)
	}
	switch r.GetString("status") {
	case "sent":
		return e.JSON(http.StatusOK, r) // a second tap changes nothing
	case "draft":
	default:
		return apis.NewBadRequestError("Only a draft can be marked answered by hand.", nil)
	}
	now := time.Now().UTC()
	err = e.App.RunInTransaction(func(tx core.App) error {
		t, err := tx.FindRecordById("tickets", r.GetString("ticket"))
		if err != nil {
			return err
		}
		first := t.GetString("first_response_at") == ""
		r.Set("status", "sent")
		r.Set("sent_at", now)
		if err := tx.Save(r); err != nil { // the lifecycle stops the clock
			return err
		}
		if first {
			if t, err = tx.FindRecordById("tickets", t.Id); err != nil {
				return err
			}
			t.Set("answered_by_hand", true)
			if err := tx.Save(t); err != nil {
				return err
			}
		}
		return tickets.History{Ticket: t.Id, Kind: "answered_by_hand", Actor: e.Auth.Id, At: now}.Save(tx)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, r)
}
