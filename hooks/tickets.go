package hooks

import (
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// joinWindow is how long after a customer's last message a new message of
// theirs on the same channel joins the open ticket instead of opening one.
const joinWindow = 24 * time.Hour

// threadOf finds the ticket of the conversation a mention belongs to and
// sets the mention's thread key. A reply names its parent by the platform's
// id: the parent may be a stored mention (from any source of the channel)
// or one of our replies.
func (h *hub) threadOf(tx core.App, channel string, n normalized, rec *core.Record) (*core.Record, error) {
	key := channel + ":" + n.ExternalID
	var ticketID string
	lookup := func(extID string) error {
		if extID == "" || ticketID != "" {
			return nil
		}
		var row struct {
			ThreadKey string `db:"thread_key"`
			Ticket    string `db:"ticket"`
		}
		err := tx.DB().Select("thread_key", "ticket").From("mentions").
			Where(dbx.HashExp{"external_id": extID, "channel": channel}).Limit(1).One(&row)
		if err == nil {
			key, ticketID = row.ThreadKey, row.Ticket
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.DB().Select("ticket").From("replies").
			Where(dbx.HashExp{"external_id": extID}).Limit(1).Row(&ticketID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return nil
	}
	if n.ThreadID != "" {
		key = channel + ":" + n.ThreadID
	}
	if err := lookup(n.InReplyTo); err != nil {
		return nil, err
	}
	if err := lookup(n.ThreadID); err != nil {
		return nil, err
	}
	if ticketID == "" && (n.ThreadID != "" || n.InReplyTo != "") {
		// The parent is unknown but earlier replies of the thread may be.
		err := tx.DB().Select("ticket").From("mentions").
			Where(dbx.HashExp{"thread_key": key}).AndWhere(dbx.NewExp("ticket != ''")).
			OrderBy("published_at DESC").Limit(1).Row(&ticketID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if key == "" {
		key = channel + ":" + n.ExternalID
	}
	rec.Set("thread_key", clip(key, 1000))
	if ticketID == "" {
		return nil, nil
	}
	t, err := tx.FindRecordById("tickets", ticketID)
	if err != nil {
		return nil, nil // deleted since: start afresh
	}
	return t, nil
}

// ticketFor attaches the mention to a ticket — the thread's, the same
// author's open one on this channel, or the one a cross-posted copy joined
// — or opens a new ticket.
func (h *hub) ticketFor(tx core.App, bc *batchContext, rec *core.Record, n normalized, a textAnalysis, d triage.Decision, contact *contactRef, thread *core.Record, stats *IngestStats) ([]ingestEvent, error) {
	t := thread
	if t == nil && contact != nil && d.Action == triage.Ticket {
		var id string
		err := bc.query(tx, `SELECT id FROM tickets WHERE contact = {:c} AND channel = {:ch}
			AND status IN ('new', 'open', 'pending') AND last_customer_at >= {:since}
			ORDER BY last_customer_at DESC LIMIT 1`).
			Bind(dbx.Params{"c": contact.ID, "ch": bc.kind, "since": dt(n.Published.Add(-joinWindow)).String()}).Row(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if id != "" {
			if t, err = tx.FindRecordById("tickets", id); err != nil {
				return nil, err
			}
		}
	}
	if t == nil && n.ContentHash != "" {
		var id string
		err := bc.query(tx, `SELECT ticket FROM mentions WHERE content_hash = {:h} AND ticket != ''
			AND published_at >= {:since} ORDER BY published_at DESC LIMIT 1`).
			Bind(dbx.Params{"h": n.ContentHash, "since": dt(n.Published.Add(-joinWindow)).String()}).Row(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if id != "" {
			if t, err = tx.FindRecordById("tickets", id); err != nil {
				return nil, err
			}
		}
	}

	if t != nil {
		return h.joinTicket(tx, bc, t, rec, n, a, d, stats)
	}
	if d.Action == triage.Ignored {
		stats.Ignored++
		return nil, bc.saveMention(tx, rec)
	}
	return h.openTicket(tx, bc, rec, n, a, d, contact, stats)
}

func (h *hub) openTicket(tx core.App, bc *batchContext, rec *core.Record, n normalized, a textAnalysis, d triage.Decision, contact *contactRef, stats *IngestStats) ([]ingestEvent, error) {
	col, err := tx.FindCachedCollectionByNameOrId("tickets")
	if err != nil {
		return nil, err
	}
	// Saved without re-validation: every value is built here (relations
	// to this batch's source and contact, a rule's assignee), and the
	// relation checks cost a query each. Hooks and realtime still run.
	t := core.NewRecord(col)
	subject := n.Title
	if subject == "" {
		subject = firstWords(n.Text, 80)
	}
	t.Set("subject", clip(subject, 300))
	t.Set("priority", d.Priority)
	t.Set("channel", bc.kind)
	t.Set("source", bc.src.Id)
	t.Set("labels", nonNil(d.Labels))
	t.Set("assignee", d.AssignTo)
	t.Set("first_mention_at", n.Published)
	t.Set("last_customer_at", n.Published)
	t.Set("sentiment_start", a.score)
	t.Set("sentiment_end", a.score)
	t.Set("mention_count", 1)
	if contact != nil {
		t.Set("contact", contact.ID)
	}
	if d.Action == triage.Logged {
		// Praise: kept and counted, answered only if the owner wants to.
		t.Set("status", "resolved")
		t.Set("needs_answer", false)
		t.Set("resolved_at", n.Published)
		stats.Logged++
	} else {
		t.Set("status", "new")
		t.Set("needs_answer", true)
		due, limit := h.deadlines(bc.settings, d.Priority, n.Published)
		t.Set("sla_due_at", due)
		t.Set("sla_limit_at", limit)
		stats.Opened++
	}
	if err := tx.SaveNoValidate(t); err != nil {
		return nil, err
	}
	rec.Set("ticket", t.Id)
	if err := bc.saveMention(tx, rec); err != nil {
		return nil, err
	}
	if contact != nil {
		if _, err := bc.query(tx, "UPDATE contacts SET tickets_count = tickets_count + 1 WHERE id = {:id}").
			Bind(dbx.Params{"id": contact.ID}).Execute(); err != nil {
			return nil, err
		}
	}
	if err := bc.addEvent(tx, ticketEvent{Ticket: t.Id, Kind: "customer_message", Mention: rec.Id, At: n.Published}); err != nil {
		return nil, err
	}
	if d.Action == triage.Logged {
		return nil, nil
	}
	events := []ingestEvent{{Kind: "new_ticket", TicketID: t.Id, Notify: d.Notify}}
	if a.label == "negative" {
		events = append(events, ingestEvent{Kind: "negative", TicketID: t.Id, Notify: d.Notify})
	}
	return events, nil
}

// joinTicket adds a customer message to a ticket. One that needs an answer
// reopens a resolved ticket and restarts the clock of an answered one (the
// next-response time); a thank-you in the thread is only recorded.
func (h *hub) joinTicket(tx core.App, bc *batchContext, t, rec *core.Record, n normalized, a textAnalysis, d triage.Decision, stats *IngestStats) ([]ingestEvent, error) {
	rec.Set("ticket", t.Id)
	if err := bc.saveMention(tx, rec); err != nil {
		return nil, err
	}
	stats.Joined++
	t.Set("mention_count", t.GetInt("mention_count")+1)
	t.Set("sentiment_end", a.score)
	if last := t.GetDateTime("last_customer_at").Time(); n.Published.After(last) {
		t.Set("last_customer_at", n.Published)
	}
	status := t.GetString("status")
	var events []ingestEvent
	if d.Action == triage.Ticket {
		// The status hook (lifecycle.go) records the change, counts the
		// reopening and clears resolved_at.
		switch status {
		case "resolved", "ignored":
			t.Set("status", "open")
			t.Set("status_since", n.Published)
			stats.Reopened++
			events = append(events, ingestEvent{Kind: "reopened", TicketID: t.Id, Notify: d.Notify})
		case "pending":
			t.Set("status", "open")
			t.Set("status_since", n.Published)
		}
		t.Set("needs_answer", true)
		// Unanswered: the first-response clock keeps running from the
		// first message. Answered: this message starts the next-response
		// clock, so a conversation gone quiet on our side shows.
		answered := t.GetString("first_response_at") != ""
		lastReply := t.GetDateTime("last_response_at").Time()
		if t.GetString("sla_due_at") == "" || (answered && n.Published.After(lastReply)) {
			s, err := loadSettings(tx)
			if err != nil {
				return nil, err
			}
			due, limit := h.deadlines(s, t.GetString("priority"), n.Published)
			t.Set("sla_due_at", due)
			t.Set("sla_limit_at", limit)
			t.Set("sla_at_risk", false)
		}
	}
	if err := tx.SaveNoValidate(t); err != nil {
		return nil, err
	}
	return events, bc.addEvent(tx, ticketEvent{Ticket: t.Id, Kind: "customer_message", Mention: rec.Id, At: n.Published})
}

// contactRef is what ingest needs of a contact: its id, and what it last
// knew of them, to write only what changed.
type contactRef struct {
	ID        string
	name, url string
	sentiment float64
}

// upsertContact keeps one contact per platform handle, with the latest
// display name, profile URL and mood. Contacts are written with prepared
// statements: ingest meets them on most mentions.
func (bc *batchContext) upsertContact(tx core.App, platform string, n normalized, sentiment float64) (*contactRef, error) {
	if n.Author == "" {
		return nil, nil
	}
	c, err := bc.findContact(tx, platform, n.Author)
	if err != nil {
		return nil, err
	}
	name, url := n.AuthorName, n.AuthorURL
	if c == nil {
		col, err := tx.FindCachedCollectionByNameOrId("contacts")
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(col)
		r.Set("platform", platform)
		r.Set("handle", n.Author)
		r.Set("display_name", name)
		r.Set("url", url)
		r.Set("last_sentiment", sentiment)
		if err := bc.insertRecord(tx, r); err != nil {
			return nil, err
		}
		return &contactRef{ID: r.Id, name: name, url: url, sentiment: sentiment}, nil
	}
	if name == "" {
		name = c.name
	}
	if url == "" {
		url = c.url
	}
	if name == c.name && url == c.url && sentiment == c.sentiment {
		return c, nil // nothing new about them
	}
	_, err = bc.query(tx, "UPDATE contacts SET display_name = {:n}, url = {:u}, last_sentiment = {:s}, updated = {:now} WHERE id = {:id}").
		Bind(dbx.Params{"n": name, "u": url, "s": sentiment, "now": types.NowDateTime().String(), "id": c.ID}).Execute()
	c.name, c.url, c.sentiment = name, url, sentiment
	return c, err
}

// findContact returns the contact of a handle, or nil.
func (bc *batchContext) findContact(tx core.App, platform, handle string) (*contactRef, error) {
	if handle == "" {
		return nil, nil
	}
	var row struct {
		ID        string  `db:"id"`
		Name      string  `db:"display_name"`
		URL       string  `db:"url"`
		Sentiment float64 `db:"last_sentiment"`
	}
	err := bc.query(tx, "SELECT id, display_name, url, last_sentiment FROM contacts WHERE platform = {:p} AND handle = {:h} LIMIT 1").
		Bind(dbx.Params{"p": platform, "h": handle}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &contactRef{ID: row.ID, name: row.Name, url: row.URL, sentiment: row.Sentiment}, nil
}

// markWinBack flags the contact's earlier negative tickets once they post
// something neutral or positive: the complaint was turned around. Records
// are saved one by one (a contact has few tickets) so realtime and the
// stats index see the change.
func (bc *batchContext) markWinBack(tx core.App, contactID string, at time.Time) error {
	// A plain indexed query first: almost always it finds nothing, and
	// parsing a record filter for every mention would cost more than the
	// rest of the row's work.
	var ids []string
	err := bc.query(tx, `SELECT id FROM tickets WHERE contact = {:c} AND win_back = 0
		AND sentiment_start < -0.05 AND first_mention_at < {:at}`).
		Bind(dbx.Params{"c": contactID, "at": dt(at).String()}).Column(&ids)
	if err != nil || len(ids) == 0 {
		return err
	}
	recs, err := tx.FindRecordsByIds("tickets", ids)
	if err != nil {
		return err
	}
	for _, t := range recs {
		t.Set("win_back", true)
		if err := tx.Save(t); err != nil {
			return err
		}
	}
	return nil
}

// ticketEvent is one line of a ticket's history (ticket_events), which the
// stats read for next-response times and time in status.
type ticketEvent struct {
	Ticket, Kind, From, To, Actor, Mention string
	At                                     time.Time
}

func (ev ticketEvent) save(app core.App) error {
	r, err := ev.record(app)
	if err != nil {
		return err
	}
	return app.SaveNoValidate(r) // built here from known values
}

// addEvent writes a customer message into a ticket's history with the
// batch's prepared INSERT (see batchContext.insertRecord).
func (bc *batchContext) addEvent(tx core.App, ev ticketEvent) error {
	r, err := ev.record(tx)
	if err != nil {
		return err
	}
	return bc.insertRecord(tx, r)
}

func (ev ticketEvent) record(app core.App) (*core.Record, error) {
	col, err := app.FindCachedCollectionByNameOrId("ticket_events")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(col)
	r.Set("ticket", ev.Ticket)
	r.Set("kind", ev.Kind)
	r.Set("from", ev.From)
	r.Set("to", ev.To)
	r.Set("actor", ev.Actor)
	r.Set("mention", ev.Mention)
	r.Set("at", ev.At)
	return r, nil
}

// deadlines returns when the first answer is due — in business hours if
// the owner chose so — and the hard limit, always on the wall clock: the
// customer's "never beyond 24 hours" knows nothing of our opening hours.
func (h *hub) deadlines(s settings, priority string, start time.Time) (due, limit time.Time) {
	target, max := s.targets(priority)
	return h.addBusinessTime(s, start, target), start.Add(max)
}

// firstWords shortens s to at most n runes, on a word boundary when one
// is near, with an ellipsis when something was cut: a ticket's subject.
func firstWords(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := clip(s, n-1)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-") + "…"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
