package tickets

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// The ticket lifecycle: whatever changes a ticket (the pipeline, an agent
// through the REST API, the outbox), these hooks keep its clock fields and
// history consistent, so stats are plain SQL over the tickets table.
func (h *Desk) registerLifecycle() {
	h.app.OnRecordCreate("tickets").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "" {
			e.Record.Set("status", "new")
		}
		if e.Record.GetString("priority") == "" {
			e.Record.Set("priority", "normal")
		}
		now := time.Now().UTC()
		if e.Record.GetString("status_since") == "" {
			e.Record.Set("status_since", now)
		}
		// A ticket opened by hand (a phone call, a walk-in) starts now and
		// waits for an answer like any other.
		if e.Record.GetString("first_mention_at") == "" {
			e.Record.Set("first_mention_at", now)
			e.Record.Set("last_customer_at", now)
			e.Record.Set("needs_answer", true)
		}
		if e.Record.GetString("sla_due_at") == "" && e.Record.GetBool("needs_answer") {
			if s, err := settings.Load(e.App); err == nil {
				due, limit := h.Deadlines(s, e.Record.GetString("priority"), e.Record.GetDateTime("first_mention_at").Time())
				e.Record.Set("sla_due_at", due)
				e.Record.Set("sla_limit_at", limit)
			}
		}
		return e.Next()
	})
	h.app.OnRecordUpdate("tickets").BindFunc(func(e *core.RecordEvent) error {
		if err := h.onStatusChange(e.App, e.Record, time.Now().UTC()); err != nil {
			return err
		}
		return e.Next()
	})

	h.app.OnRecordCreate("replies").BindFunc(func(e *core.RecordEvent) error {
		r := e.Record
		if r.GetString("idempotency_key") == "" {
			r.Set("idempotency_key", records.RandomToken(16))
		}
		if r.GetString("via") == "note" {
			r.Set("status", "sent") // notes are never sent anywhere
		}
		if r.GetString("status") == "sent" && r.GetString("sent_at") == "" {
			r.Set("sent_at", time.Now().UTC())
		}
		if err := e.Next(); err != nil {
			return err
		}
		return h.onReplySent(e.App, r, nil)
	})
	h.app.OnRecordUpdate("replies").BindFunc(func(e *core.RecordEvent) error {
		old := e.Record.Original()
		if e.Record.GetString("status") == "sent" && e.Record.GetString("sent_at") == "" {
			e.Record.Set("sent_at", time.Now().UTC())
		}
		if err := e.Next(); err != nil {
			return err
		}
		return h.onReplySent(e.App, e.Record, old)
	})
	// Templates count their uses, so the owner sees which ones matter.
	h.app.OnRecordAfterCreateSuccess("replies").BindFunc(func(e *core.RecordEvent) error {
		if id := e.Record.GetString("template"); id != "" {
			if t, err := e.App.FindRecordById("templates", id); err == nil {
				t.Set("usage_count", t.GetInt("usage_count")+1)
				if err := e.App.Save(t); err != nil {
					e.App.Logger().Warn("templates: usage count", "error", err)
				}
			}
		}
		return e.Next()
	})

	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/tickets")
		g.Bind(apis.RequireAuth("users"))
		g.POST("/{id}/answered-elsewhere", h.handleAnsweredElsewhere)
		g.POST("/{id}/typing", h.handleTyping)
		return se.Next()
	})
}

// onStatusChange keeps time-in-status, resolved_at and the reopen count.
func (h *Desk) onStatusChange(app core.App, t *core.Record, now time.Time) error {
	old := t.Original()
	from, to := old.GetString("status"), t.GetString("status")
	if from == to {
		return nil
	}
	// A writer that knows when the change really happened (a reply sent
	// earlier, a replayed history) says so in status_since.
	if at := t.GetDateTime("status_since").Time(); !at.Equal(old.GetDateTime("status_since").Time()) && !at.IsZero() && at.Before(now) {
		now = at
	}
	since := old.GetDateTime("status_since").Time()
	if since.IsZero() {
		since = old.GetDateTime("created").Time()
	}
	secs := map[string]float64{}
	_ = t.UnmarshalJSONField("status_seconds", &secs)
	if !since.IsZero() && now.After(since) {
		secs[from] += now.Sub(since).Seconds()
	}
	t.Set("status_seconds", secs)
	t.Set("status_since", now)

	closed := func(s string) bool { return s == "resolved" || s == "ignored" }
	switch {
	case to == "resolved":
		if t.GetString("resolved_at") == "" {
			t.Set("resolved_at", now)
		}
		res, resBH, err := h.resolutionTime(app, t, t.GetDateTime("resolved_at").Time())
		if err != nil {
			return err
		}
		t.Set("resolution_sec", int64(res.Seconds()))
		t.Set("resolution_bh_sec", int64(resBH.Seconds()))
	case closed(from) && !closed(to):
		t.Set("reopened", t.GetInt("reopened")+1)
		t.Set("resolved_at", "")
		t.Set("resolution_sec", 0)
		t.Set("resolution_bh_sec", 0)
	}
	return History{Ticket: t.Id, Kind: "status", From: from, To: to, At: now}.Save(app)
}

// resolutionTime measures a ticket being resolved at `at` from its history,
// with the SLA package's rule: only the time the ball was in our court
// (new or open) counts; waiting on the customer and closed stretches
// before a reopening do not.
func (h *Desk) resolutionTime(app core.App, t *core.Record, at time.Time) (wall, business time.Duration, err error) {
	var rows []struct {
		Kind string         `db:"kind"`
		To   string         `db:"to"`
		At   types.DateTime `db:"at"`
	}
	// The customer's messages are the ticket's mentions (not our own posts
	// coming back); on a tie the history goes first, as it was written
	// first (a reopening before the message that caused it).
	err = app.DB().NewQuery(`
		SELECT kind, "to", at, 0 AS src, rowid AS seq FROM ticket_events WHERE ticket = {:t}
		UNION ALL
		SELECT '` + string(sla.CustomerMessage) + `', '', published_at, 1, rowid FROM mentions WHERE ticket = {:t} AND own = 0
		ORDER BY at, src, seq`).Bind(dbx.Params{"t": t.Id}).All(&rows)
	if err != nil {
		return 0, 0, err
	}
	events := make([]sla.Event, 0, len(rows)+1)
	for _, r := range rows {
		if r.At.Time().After(at) {
			continue // a resolution backdated before later history (a replayed import)
		}
		events = append(events, sla.Event{At: r.At.Time(), Kind: sla.EventKind(r.Kind), Status: r.To})
	}
	events = append(events, sla.Event{At: at, Kind: sla.StatusChange, Status: sla.StatusResolved})
	s, err := settings.Load(app)
	if err != nil {
		return 0, 0, err
	}
	target, limit := s.Targets(t.GetString("priority"))
	policy := sla.Policy{FirstResponseTarget: target, FirstResponseLimit: limit, ResolutionTarget: s.Resolution, BusinessHours: s.SLABusinessHours}
	c := sla.Compute(events, policy, h.Clock.Calendar(s), at)
	return c.Resolution, c.ResolutionBusiness, nil
}

// onReplySent stops the first-response clock when a reply is out (sent by
// the outbox, or marked sent by an agent who answered on the platform), and
// moves the ticket to pending: the ball is in the customer's court.
func (h *Desk) onReplySent(app core.App, r *core.Record, old *core.Record) error {
	if r.GetString("status") != "sent" || r.GetString("via") == "note" {
		return nil
	}
	if old != nil && old.GetString("status") == "sent" {
		return nil
	}
	t, err := app.FindRecordById("tickets", r.GetString("ticket"))
	if err != nil {
		return err
	}
	at := r.GetDateTime("sent_at").Time()
	if at.IsZero() {
		at = time.Now().UTC()
	}
	if err := h.MarkAnswered(app, t, at); err != nil {
		return err
	}
	return History{Ticket: t.Id, Kind: "reply", Actor: r.GetString("author"), At: at}.Save(app)
}

// markAnswered records a response at `at` on the ticket.
func (h *Desk) MarkAnswered(app core.App, t *core.Record, at time.Time) error {
	if t.GetString("first_response_at") == "" {
		t.Set("first_response_at", at)
		first := t.GetDateTime("first_mention_at").Time()
		if !first.IsZero() {
			t.Set("first_response_sec", max(0, int64(at.Sub(first).Seconds())))
			s, err := settings.Load(app)
			if err != nil {
				return err
			}
			t.Set("first_response_bh_sec", int64(h.Clock.BusinessElapsed(s, first, at).Seconds()))
			due := t.GetDateTime("sla_due_at").Time()
			if due.IsZero() {
				due, _ = h.Deadlines(s, t.GetString("priority"), first)
			}
			if at.After(due) {
				t.Set("breached", true)
			}
		}
	}
	if last := t.GetDateTime("last_response_at").Time(); at.After(last) {
		t.Set("last_response_at", at)
	}
	t.Set("sla_at_risk", false)
	if s := t.GetString("status"); s == "new" || s == "open" {
		t.Set("status", "pending")
		t.Set("status_since", at)
	}
	// Only the clock's columns: an assignment a member saved meanwhile
	// stays.
	return app.Save(t.IgnoreUnchangedFields(true))
}

func (h *Desk) handleAnsweredElsewhere(e *core.RequestEvent) error {
	t, err := e.App.FindRecordById("tickets", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Ticket not found.", nil)
	}
	now := time.Now().UTC()
	err = e.App.RunInTransaction(func(tx core.App) error {
		t.Set("answered_elsewhere", true)
		if err := h.MarkAnswered(tx, t, now); err != nil {
			return err
		}
		return History{Ticket: t.Id, Kind: "answered_elsewhere", Actor: e.Auth.Id, At: now}.Save(tx)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, t)
}

// handleTyping tells the other agents on a ticket that someone is writing
// a reply, so two people don't answer the same customer at once. It is a
// realtime message on topic md/typing/<ticket>; nothing is stored.
func (h *Desk) handleTyping(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	if _, err := e.App.FindRecordById("tickets", id); err != nil {
		return apis.NewNotFoundError("Ticket not found.", nil)
	}
	payload, _ := json.Marshal(map[string]any{
		"ticket": id, "user": e.Auth.Id, "name": e.Auth.GetString("name"), "at": time.Now().UTC(),
	})
	topic := "md/typing/" + id
	for _, c := range e.App.SubscriptionsBroker().Clients() {
		if !c.HasSubscription(topic) {
			continue
		}
		// Only signed-in members receive it, and never the typist.
		auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
		if auth == nil || auth.Collection().Name != "users" || auth.Id == e.Auth.Id {
			continue
		}
		// Send blocks until the client's stream takes the message: never
		// hold the typist's request on a slow phone.
		go c.Send(subscriptions.Message{Name: topic, Data: payload})
	}
	return e.NoContent(http.StatusNoContent)
}
