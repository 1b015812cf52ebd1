package tickets

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// load reads, with one query each for the whole batch, what the batch's
// mentions would otherwise look up one by one: which are already stored,
// their authors' contacts, those contacts' open and negative tickets, and
// the tickets copies of their texts joined in the last day.
func (bc *batchContext) load(tx core.App, items []ingest.Item) error {
	bc.batchState = batchState{
		known: map[string]bool{}, contacts: map[string]*contactRef{}, tickets: map[string]*core.Record{},
		open: map[string]ticketHit{}, hashes: map[string][]ticketHit{}, negative: map[string][]ticketHit{},
	}
	var ids, authors, copyDays []string
	// Whose open tickets a mention may join (one headed for a ticket),
	// whose complaints one may turn around (one that is not negative).
	joiners, winners := map[string]bool{}, map[string]bool{}
	var oldest time.Time
	for _, it := range items {
		if it.Rec == nil {
			continue // a repost, or known before the transaction
		}
		ids = append(ids, it.N.ExternalID)
		if it.V.Early != "" {
			continue // stored as they are: no contact, no ticket
		}
		if it.N.Author != "" {
			authors = append(authors, it.N.Author)
			joiners[it.N.Author] = joiners[it.N.Author] || it.V.D.Action == triage.Ticket
			winners[it.N.Author] = winners[it.N.Author] || it.V.A.Label != "negative"
		}
		// Only a mention headed for a ticket looks for a copy's.
		replies := it.N.InReplyTo != "" || it.N.ThreadID != ""
		if it.N.ContentHash != "" && it.N.Author != "" && (it.V.D.Action != triage.Ignored || replies) {
			copyDays = append(copyDays, copyLookups(it.N.ContentHash, it.N.Published)...)
		}
		if oldest.IsZero() || it.N.Published.Before(oldest) {
			oldest = it.N.Published
		}
	}
	since := records.DT(oldest.Add(-joinWindow)).String()

	// Again, under the write lock: another writer (a webhook into the same
	// source) may have stored some since prepare looked.
	known, err := bc.KnownIDs(tx, ids)
	if err != nil {
		return fmt.Errorf("known mentions: %w", err)
	}
	bc.known = known
	var joining, winning []string // contact ids
	err = records.EachRow(tx, "SELECT id, handle, display_name, url, last_sentiment FROM contacts WHERE platform = {:p} AND handle IN (%s)", dbx.Params{"p": bc.Kind}, authors,
		func(r dbx.NullStringMap) {
			s, _ := strconv.ParseFloat(r["last_sentiment"].String, 64)
			c := &contactRef{ID: r["id"].String, handle: r["handle"].String, name: r["display_name"].String, url: r["url"].String, sentiment: s}
			bc.contacts[c.handle] = c
			if joiners[c.handle] {
				joining = append(joining, c.ID)
			}
			if winners[c.handle] {
				winning = append(winning, c.ID)
			}
		})
	if err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	// "+channel": without table statistics SQLite would rather walk every
	// ticket of the channel than look up a hundred contacts.
	err = records.EachRow(tx, `SELECT id, contact, last_customer_at FROM tickets WHERE contact IN (%s) AND +channel = {:ch}
		AND status IN ('new', 'open', 'pending') AND last_customer_at >= {:since}`, dbx.Params{"ch": bc.Kind, "since": since}, joining,
		func(r dbx.NullStringMap) {
			noteHit(bc.open, r["contact"].String, ticketHit{r["id"].String, records.ParseDT(r["last_customer_at"].String)})
		})
	if err != nil {
		return fmt.Errorf("open tickets: %w", err)
	}
	err = records.EachRow(tx, `SELECT id, contact, first_mention_at FROM tickets WHERE contact IN (%s)
		AND win_back = 0 AND sentiment_start < {:neg}`, dbx.Params{"neg": negativeStart}, winning,
		func(r dbx.NullStringMap) {
			c := r["contact"].String
			bc.negative[c] = append(bc.negative[c], ticketHit{r["id"].String, records.ParseDT(r["first_mention_at"].String)})
		})
	if err != nil {
		return fmt.Errorf("negative tickets: %w", err)
	}
	// The expression is idx_mentions_copies' key (pb_migrations), which
	// SQLite matches as written; naming the index makes a mismatch an error.
	err = records.EachRow(tx, `SELECT content_hash, channel, author, author_name, ticket, published_at
		FROM mentions INDEXED BY idx_mentions_copies
		WHERE substr(published_at, 1, 10) || content_hash IN (%s) AND ticket != ''`, nil, copyDays,
		func(r dbx.NullStringMap) {
			hit := ticketHit{r["ticket"].String, records.ParseDT(r["published_at"].String)}
			for _, k := range copyKeys(r["content_hash"].String, r["channel"].String, r["author"].String, r["author_name"].String) {
				bc.hashes[k] = append(bc.hashes[k], hit)
			}
		})
	if err != nil {
		return fmt.Errorf("copies: %w", err)
	}
	// The tickets those lookups found, read in one query: the batch joins
	// or wins back most of them.
	var found []string
	for _, hit := range bc.open {
		found = append(found, hit.ticket)
	}
	for _, hits := range bc.hashes {
		for _, hit := range hits {
			found = append(found, hit.ticket)
		}
	}
	for _, hits := range bc.negative {
		for _, hit := range hits {
			found = append(found, hit.ticket)
		}
	}
	slices.Sort(found)
	for chunk := range slices.Chunk(slices.Compact(found), records.InChunk) {
		recs, err := tx.FindRecordsByIds("tickets", chunk)
		if err != nil {
			return fmt.Errorf("tickets: %w", err)
		}
		for _, t := range recs {
			bc.keep(t)
		}
	}
	return nil
}

// ticket returns a ticket the batch already holds, or reads it: every
// change the batch makes to a ticket is made to one record, saved once.
// A ticket deleted since a lookup found it is nil.
func (bc *batchContext) ticket(tx core.App, id string) (*core.Record, error) {
	if t, ok := bc.tickets[id]; ok {
		return t, nil
	}
	t, err := tx.FindRecordById("tickets", id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	bc.keep(t)
	return t, nil
}

// keep holds a ticket the batch opened or read, to be changed and saved
// once. Once stored, its saves write only the columns the batch changed.
func (bc *batchContext) keep(t *core.Record) {
	bc.tickets[t.Id] = t.IgnoreUnchangedFields(true)
}

// touch marks a ticket to be saved at the end of the batch.
func (bc *batchContext) touch(t *core.Record) {
	if !slices.Contains(bc.dirty, t) {
		bc.dirty = append(bc.dirty, t)
	}
}

// flush writes what the batch changed in tickets and contacts: each
// once, however many of the batch's mentions touched it, with the batch's
// prepared statements. A ticket whose status changed is saved through
// PocketBase instead, so the lifecycle hook records the change.
func (bc *batchContext) flush(tx core.App) error {
	for _, t := range bc.dirty {
		var err error
		switch {
		case t.IsNew():
			err = bc.insertRecord(tx, t)
			bc.created = append(bc.created, t)
		case t.GetString("status") != t.Original().GetString("status"):
			err = tx.SaveNoValidate(t) // announced by PocketBase itself
		default:
			err = bc.updateRecord(tx, t)
			bc.updated = append(bc.updated, t)
		}
		if err != nil {
			return fmt.Errorf("ticket %s: %w", t.Id, err)
		}
	}
	bc.dirty = nil
	for _, handle := range slices.Sorted(maps.Keys(bc.contacts)) {
		c := bc.contacts[handle]
		if err := bc.saveContact(tx, c); err != nil {
			return fmt.Errorf("contact %q: %w", c.handle, err)
		}
	}
	return nil
}

// saveTicketNow writes a ticket's pending changes before a status change,
// so the lifecycle hook sees the change from the status it really had.
func (bc *batchContext) saveTicketNow(tx core.App, t *core.Record) error {
	if !t.IsNew() && !slices.Contains(bc.dirty, t) {
		return nil
	}
	if err := tx.SaveNoValidate(t); err != nil {
		return err
	}
	bc.dirty = slices.DeleteFunc(bc.dirty, func(d *core.Record) bool { return d == t })
	// A Save leaves the record's original state as it was loaded (blank
	// for a new one); the next save's hooks compare against it.
	return t.PostScan()
}

// threadOf finds the ticket of the conversation a mention belongs to and
// sets the mention's thread key. A reply names its parent by the platform's
// id: the parent may be a stored mention (from any source of the channel)
// or one of our replies.
func (bc *batchContext) threadOf(tx core.App, n ingest.Normalized, rec *core.Record) (*core.Record, error) {
	channel := bc.Kind
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
		err := bc.query(tx, "SELECT thread_key, ticket FROM mentions WHERE external_id = {:e} AND channel = {:ch} LIMIT 1").
			Bind(dbx.Params{"e": extID, "ch": channel}).One(&row)
		if err == nil {
			key, ticketID = row.ThreadKey, row.Ticket
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = bc.query(tx, "SELECT ticket FROM replies WHERE external_id = {:e} AND external_id != '' LIMIT 1").
			Bind(dbx.Params{"e": extID}).Row(&ticketID)
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
		err := bc.query(tx, "SELECT ticket FROM mentions WHERE thread_key = {:k} AND ticket != '' ORDER BY published_at DESC LIMIT 1").
			Bind(dbx.Params{"k": key}).Row(&ticketID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if key == "" {
		key = channel + ":" + n.ExternalID
	}
	rec.Set("thread_key", records.Clip(key, 1000))
	if ticketID == "" {
		return nil, nil
	}
	return bc.ticket(tx, ticketID) // nil if deleted since: start afresh
}

// copyLookups are the keys under which idx_mentions_copies holds the
// copies of a text posted within the join window of published: the text's
// hash after each day the window touches, as the index's expression
// writes them (published_at's first ten characters, the UTC day).
func copyLookups(hash string, published time.Time) []string {
	var keys []string
	end := published.Add(joinWindow)
	for day := published.Add(-joinWindow).UTC().Truncate(24 * time.Hour); !day.After(end); day = day.Add(24 * time.Hour) {
		keys = append(keys, records.DT(day).String()[:10]+hash)
	}
	return keys
}

// ticketFor attaches the mention to a ticket — the thread's, the same
// author's open one on this channel, or the one the same person's
// cross-posted copy joined — or opens a new ticket.
func (h *Desk) ticketFor(tx core.App, bc *batchContext, rec *core.Record, n ingest.Normalized, a ingest.Analysis, d triage.Decision, contact *contactRef, thread *core.Record, stats *IngestStats) ([]bus.Event, error) {
	var threadID string
	if thread != nil {
		threadID = thread.Id
	}
	var open *ticketHit
	if hit, ok := bc.open[contactID(contact)]; ok && contact != nil && d.Action == triage.Ticket {
		open = &hit
	}
	var copies []ticketHit
	for _, k := range copyKeys(n.ContentHash, bc.Kind, n.Author, n.AuthorName) {
		if hit, ok := nearbyCopy(bc.hashes[k], n.Published); ok {
			copies = append(copies, hit)
		}
	}
	var t *core.Record
	for _, id := range candidates(threadID, open, copies, n.Published) {
		if id == threadID {
			t = thread
			break
		}
		var err error
		if t, err = bc.ticket(tx, id); err != nil {
			return nil, err
		}
		if t != nil {
			break // else deleted since the lookup: the next candidate
		}
	}

	if t != nil {
		return h.joinTicket(tx, bc, t, rec, n, a, d, stats)
	}
	if d.Action == triage.Ignored {
		stats.Ignored++
		return nil, bc.saveMention(tx, rec, n)
	}
	return h.openTicket(tx, bc, rec, n, a, d, contact, stats)
}

// noteOpen records a ticket that a later message of its contact on this
// channel may join.
func (bc *batchContext) noteOpen(t *core.Record) {
	switch t.GetString("status") {
	case "new", "open", "pending":
	default:
		return
	}
	if c := t.GetString("contact"); c != "" && t.GetString("channel") == bc.Kind {
		noteHit(bc.open, c, ticketHit{t.Id, t.GetDateTime("last_customer_at").Time()})
	}
}

func (h *Desk) openTicket(tx core.App, bc *batchContext, rec *core.Record, n ingest.Normalized, a ingest.Analysis, d triage.Decision, contact *contactRef, stats *IngestStats) ([]bus.Event, error) {
	col, err := tx.FindCachedCollectionByNameOrId("tickets")
	if err != nil {
		return nil, err
	}
	// Written at the end of the batch (flush) without PocketBase's
	// validation: every value is built here (relations to this batch's
	// source and contact, a rule's assignee).
	t := core.NewRecord(col)
	t.Id = records.NewID()
	t.Set("status_since", time.Now().UTC()) // as the lifecycle hook would
	subject := n.Title
	if subject == "" {
		subject = FirstWords(withoutLeadingHandles(n.Text), 80)
	}
	t.Set("subject", records.Clip(subject, 300))
	t.Set("priority", d.Priority)
	t.Set("channel", bc.Kind)
	t.Set("source", bc.Src.Id)
	t.Set("labels", NonNil(d.Labels))
	t.Set("assignee", d.AssignTo)
	t.Set("first_mention_at", n.Published)
	t.Set("last_customer_at", n.Published)
	t.Set("sentiment_start", a.Score)
	t.Set("sentiment_end", a.Score)
	setLastMessage(t, n, a)
	t.Set("mention_count", 1)
	if contact != nil {
		t.Set("contact", contact.ID)
		contact.newTickets++
		if a.Score < negativeStart {
			bc.negative[contact.ID] = append(bc.negative[contact.ID], ticketHit{t.Id, n.Published})
		}
	}
	status, needsAnswer := opening(d.Action)
	t.Set("status", status)
	t.Set("needs_answer", needsAnswer)
	if !needsAnswer {
		// Praise: kept and counted, answered only if the owner wants to.
		t.Set("resolved_at", n.Published)
		stats.Logged++
	} else {
		due, limit := h.Deadlines(bc.Settings, d.Priority, n.Published)
		t.Set("sla_due_at", due)
		t.Set("sla_limit_at", limit)
		stats.Opened++
	}
	bc.keep(t)
	bc.touch(t)
	bc.noteOpen(t)
	rec.Set("ticket", t.Id)
	if err := bc.saveMention(tx, rec, n); err != nil {
		return nil, err
	}
	if d.Action == triage.Logged {
		return nil, nil
	}
	events := []bus.Event{{Kind: "new_ticket", TicketID: t.Id, Notify: d.Notify}}
	if a.Label == "negative" {
		events = append(events, bus.Event{Kind: "negative", TicketID: t.Id, Notify: d.Notify})
	}
	return events, nil
}

// joinTicket adds a customer message to a ticket. One that needs an answer
// reopens a resolved ticket and restarts the clock of an answered one (the
// next-response time); a thank-you in the thread is only recorded.
func (h *Desk) joinTicket(tx core.App, bc *batchContext, t, rec *core.Record, n ingest.Normalized, a ingest.Analysis, d triage.Decision, stats *IngestStats) ([]bus.Event, error) {
	rec.Set("ticket", t.Id)
	if err := bc.saveMention(tx, rec, n); err != nil {
		return nil, err
	}
	stats.Joined++
	status := t.GetString("status")
	var events []bus.Event
	if d.Action == triage.Ticket && status != "new" && status != "open" {
		// The status hook (lifecycle.go) records the change, counts the
		// reopening and clears resolved_at: it must see the status the
		// ticket has now, so what the batch changed before is saved first.
		if err := bc.saveTicketNow(tx, t); err != nil {
			return nil, err
		}
	}
	t.Set("mention_count", t.GetInt("mention_count")+1)
	if isLatest(n.Published, t.GetDateTime("last_customer_at").Time()) {
		// The latest message sets the mood and the row the inbox shows;
		// a late-arriving older one (a slow feed) does not.
		t.Set("sentiment_end", a.Score)
		t.Set("last_customer_at", n.Published)
		setLastMessage(t, n, a)
	}
	if to, reopened := statusOnJoin(status, d.Action == triage.Ticket); to != status {
		t.Set("status", to)
		t.Set("status_since", n.Published)
		if reopened {
			stats.Reopened++
			events = append(events, bus.Event{Kind: "reopened", TicketID: t.Id, Notify: d.Notify})
		}
	}
	if d.Action == triage.Ticket {
		t.Set("needs_answer", true)
		// Unanswered: the first-response clock keeps running from the
		// first message. Answered: this message starts the next-response
		// clock, so a conversation gone quiet on our side shows.
		answered := t.GetString("first_response_at") != ""
		if restartsClock(t.GetString("sla_due_at") != "", answered, n.Published, t.GetDateTime("last_response_at").Time()) {
			due, limit := h.Deadlines(bc.Settings, t.GetString("priority"), n.Published)
			t.Set("sla_due_at", due)
			t.Set("sla_limit_at", limit)
			t.Set("sla_at_risk", false)
		}
	}
	bc.touch(t)
	bc.noteOpen(t)
	return events, nil
}

// setLastMessage keeps the customer's latest words on the ticket, for the
// inbox row.
func setLastMessage(t *core.Record, n ingest.Normalized, a ingest.Analysis) {
	text := withoutLeadingHandles(n.Text)
	if text == "" {
		text = n.Title
	}
	t.Set("last_message", FirstWords(text, 300))
	t.Set("last_intent", a.Intent)
}

// History is one line of a ticket's history (ticket_events): what
// only the history knows (replies, status changes, assignments, SLA
// events). The customer's messages are the ticket's mentions; the
// resolution clock reads both (resolutionTime).
type History struct {
	Ticket, Kind, From, To, Actor, Mention string
	At                                     time.Time
}

func (ev History) Save(app core.App) error {
	r, err := ev.record(app)
	if err != nil {
		return err
	}
	return app.SaveNoValidate(r) // built here from known values
}

func (ev History) record(app core.App) (*core.Record, error) {
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
func (h *Desk) Deadlines(s settings.Settings, priority string, start time.Time) (due, limit time.Time) {
	target, max := s.Targets(priority)
	return h.Clock.AddBusinessTime(s, start, target), start.Add(max)
}

// firstWords shortens s to at most n runes, on a word boundary when one
// is near, with an ellipsis when something was cut: a ticket's subject.
func FirstWords(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := records.Clip(s, n-1)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-") + "…"
}

func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// withoutLeadingHandles drops the @handles a reply starts with ("@brulerie
// @paul vous êtes ouverts ?"): a subject starts with what the customer
// says, not with whom they tagged. A text of handles only stays as it is.
func withoutLeadingHandles(text string) string {
	rest := strings.TrimSpace(text)
	for strings.HasPrefix(rest, "@") {
		i := strings.IndexFunc(rest, unicode.IsSpace)
		if i < 0 {
			return text
		}
		rest = strings.TrimSpace(rest[i:])
	}
	if rest == "" {
		return text
	}
	return rest
}

func contactID(c *contactRef) string {
	if c == nil {
		return ""
	}
	return c.ID
}
