package hooks

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// The response-time figures are the product: they must be the server's.
// Members (agents and owners alike) write a ticket's workflow fields —
// status, priority, assignee, labels, subject — and never the clock: an
// agent who could PATCH first_response_sec could make a month of silence
// look like thirty seconds. A superuser may correct a figure through the
// admin UI; each correction is a line of the ticket's history.

// serverOwnedTicketFields are written by the lifecycle, the pipeline and
// the SLA watcher only.
var serverOwnedTicketFields = []string{
	"first_mention_at", "last_customer_at", "needs_answer",
	"first_response_at", "first_response_sec", "first_response_bh_sec", "last_response_at",
	"sla_due_at", "sla_limit_at", "sla_at_risk", "breached",
	"answered_elsewhere", "answered_by_hand",
	"resolved_at", "resolution_sec", "resolution_bh_sec",
	"status_seconds", "status_since", "reopened", "mention_count",
	"sentiment_start", "sentiment_end", "win_back",
	"last_message", "last_intent",
}

// serverOwnedReplyFields are written by the outbox only.
var serverOwnedReplyFields = []string{"sent_at", "external_id", "external_url", "attempts", "next_attempt_at", "error"}

// Statuses a member may give a reply; "sending", "sent" and "failed" are
// the outbox's, or the answered-by-hand action's.
var clientReplyStatuses = []string{"draft", "queued"}

const serverOwnedMessage = "Set by Mentiondesk from the ticket's history; a superuser can correct it in the admin UI."

func (h *hub) registerServerOwnedFields() error {
	guardTicket := func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return h.recordCorrections(e)
		}
		if err := refuseServerOwned(e, serverOwnedTicketFields); err != nil {
			return err
		}
		// A member's edit writes only what it changes. PocketBase would
		// write back the whole row as it was read, and a reply sent in the
		// meantime (the server marking the ticket answered) would be
		// undone: the first response lost, the status back to new.
		e.Record.IgnoreUnchangedFields(true)
		return e.Next()
	}
	h.app.OnRecordCreateRequest("tickets").BindFunc(guardTicket)
	h.app.OnRecordUpdateRequest("tickets").BindFunc(guardTicket)

	guardReply := func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		if err := refuseServerOwned(e, serverOwnedReplyFields); err != nil {
			return err
		}
		if err := checkClientReplyStatus(e); err != nil {
			return err
		}
		return e.Next()
	}
	h.app.OnRecordCreateRequest("replies").BindFunc(guardReply)
	h.app.OnRecordUpdateRequest("replies").BindFunc(guardReply)
	return nil
}

// bodyFields lists the fields a request body writes, modifiers removed
// ("reopened+" writes reopened).
func bodyFields(e *core.RecordRequestEvent) ([]string, error) {
	info, err := e.RequestInfo()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(info.Body))
	for k := range info.Body {
		out = append(out, strings.Trim(k, "+-"))
	}
	return out, nil
}

// refuseServerOwned answers 400, naming each field, when a member's body
// writes one of owned.
func refuseServerOwned(e *core.RecordRequestEvent, owned []string) error {
	fields, err := bodyFields(e)
	if err != nil {
		return err
	}
	errs := validation.Errors{}
	for _, f := range fields {
		if slices.Contains(owned, f) {
			errs[f] = validation.NewError("validation_server_owned", serverOwnedMessage)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	names := make([]string, 0, len(errs))
	for f := range errs {
		names = append(names, f)
	}
	slices.Sort(names)
	return apis.NewBadRequestError(fmt.Sprintf("Only Mentiondesk sets %s.", strings.Join(names, ", ")), errs)
}

// checkClientReplyStatus keeps members to drafts and queued replies.
// Notes are never sent anywhere: the lifecycle marks them sent whatever
// the body says. A reply posted by hand is a draft until the member says
// it is out (POST /api/md/replies/{id}/answered-by-hand): queued, the
// outbox would post it on the platform a second time.
func checkClientReplyStatus(e *core.RecordRequestEvent) error {
	r := e.Record
	if r.GetString("via") == "note" {
		return nil
	}
	fields, err := bodyFields(e)
	if err != nil {
		return err
	}
	if !slices.Contains(fields, "status") && !slices.Contains(fields, "via") && !e.Record.IsNew() {
		return nil
	}
	status := r.GetString("status")
	var msg string
	switch {
	case !slices.Contains(clientReplyStatuses, status):
		msg = fmt.Sprintf("A reply is saved as a draft or queued; Mentiondesk marks it %q itself.", status)
		if status == "sent" {
			msg = "A reply is saved as a draft or queued; it is marked sent when the platform has it, or when you mark it answered by hand."
		}
	case r.GetString("via") == "manual" && status == "queued":
		msg = "A reply you post yourself is saved as a draft, then marked answered by hand."
	default:
		return nil
	}
	return apis.NewBadRequestError(msg, validation.Errors{"status": validation.NewError("validation_reply_status", msg)})
}

// recordCorrections saves a superuser's change and, in the same
// transaction, one "correction" line of history per server-owned field it
// changed: who, which field, from what to what.
func (h *hub) recordCorrections(e *core.RecordRequestEvent) error {
	fields, err := bodyFields(e)
	if err != nil {
		return err
	}
	before := map[string]string{}
	if orig := e.Record.Original(); orig != nil && !e.Record.IsNew() {
		for _, f := range fields {
			if slices.Contains(serverOwnedTicketFields, f) {
				before[f] = orig.GetString(f)
			}
		}
	}
	if len(before) == 0 {
		return e.Next()
	}
	by := ""
	if e.Auth != nil {
		by = e.Auth.Email()
	}
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx // the response is written once the transaction commits
		if err := e.Next(); err != nil {
			return err
		}
		col, err := tx.FindCachedCollectionByNameOrId("ticket_events")
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, f := range slices.Sorted(maps.Keys(before)) {
			after := e.Record.GetString(f)
			if after == before[f] {
				continue
			}
			ev := core.NewRecord(col)
			ev.Set("ticket", e.Record.Id)
			ev.Set("kind", "correction")
			ev.Set("field", f)
			ev.Set("from", records.Clip(before[f], 40))
			ev.Set("to", records.Clip(after, 40))
			ev.Set("by", records.Clip(by, 200))
			ev.Set("at", now)
			if err := tx.Save(ev); err != nil {
				return err
			}
		}
		return nil
	})
}
