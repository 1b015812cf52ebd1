package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// IngestStats counts what one batch did; the poller stores New on the
// source and logs the rest, and tests assert it exactly.
type IngestStats struct {
	Seen       int // mentions in the batch
	New        int // stored for the first time
	Duplicates int // already stored (same source and external id)
	Reposts    int // plain boosts and reposts: not stored
	Own        int // our own posts coming back: stored, never a ticket
	Dropped    int // no brand keyword (broad searches) or excluded: stored
	Ignored    int // noise or an ignore rule: stored, no ticket
	Logged     int // praise: stored with a resolved ticket needing no answer
	Opened     int // new tickets
	Joined     int // added to an existing ticket
	Reopened   int // resolved tickets a customer came back to
}

// ingestEvent is something notifications care about, emitted after commit.
type ingestEvent struct {
	Kind     string // new_ticket, negative
	TicketID string
	Notify   bool // a rule asked for a notification
}

// batchContext is what ingest knows while it writes one batch: the
// source's settings, loaded once before the transaction, and the batch's
// working state (batchState), loaded in it with one query per lookup.
type batchContext struct {
	src       *core.Record
	kind      string
	settings  settings
	matcher   *keywordMatcher
	rules     []triage.Rule
	broad     bool // a search: mentions must name the brand themselves
	direct    bool // addressed to the business: neutral messages still count
	fetchedAt time.Time
	batchState
}

// batchState is rebuilt by each attempt of the batch's transaction.
type batchState struct {
	known    map[string]bool           // external ids of the source already stored
	contacts map[string]*contactRef    // by handle, for the batch's authors (nil: none yet)
	tickets  map[string]*core.Record   // tickets the batch read or opened, by id
	dirty    []*core.Record            // of those, the ones to save at the end, in order
	open     map[string]ticketHit      // contact id → their latest open ticket on this channel
	hashes   map[string]ticketHit      // copyKeys of a text and its author → the latest ticket a copy joined
	negative map[string][]ticketHit    // contact id → negative tickets not yet won back
	stored   []string                  // ids of the mentions inserted, for the search index
	created  []*core.Record            // records inserted without a Save, announced after commit
	updated  []*core.Record            // records updated without a Save, announced after commit
	writes   map[string]*preparedWrite // by "INSERT name" and "UPDATE name"
	prepared map[string]*dbx.Query
}

// ticketHit is a ticket found by a lookup, with the time the lookup
// compares (the last customer message, a copy's or the first message's).
type ticketHit struct {
	ticket string
	at     time.Time
}

// batchItem is one mention of the batch, normalised and classified.
type batchItem struct {
	m   connectors.Mention
	n   normalized
	v   verdict
	rec *core.Record // its row to store; nil for a repost or a mention known already
}

// query returns sql prepared once for the batch: the lookups ingest runs
// per mention (threads, replies) were each built and prepared anew per
// row, a seventh of the pipeline's time.
func (bc *batchContext) query(tx core.App, sql string) *dbx.Query {
	if q, ok := bc.prepared[sql]; ok {
		return q
	}
	if bc.prepared == nil {
		bc.prepared = map[string]*dbx.Query{}
	}
	q := tx.DB().NewQuery(sql).Prepare()
	bc.prepared[sql] = q
	return q
}

func (bc *batchContext) close() {
	for _, w := range bc.writes {
		_ = w.q.Close()
	}
	for _, q := range bc.prepared {
		_ = q.Close()
	}
	bc.writes, bc.prepared = nil, nil
}

// saveMention inserts a mention the batch built with one statement
// prepared per batch, not a PocketBase Save: mentions are most of what
// ingest writes, their values were all built and checked here, and a Save
// per row (validators, hook chains, the statement prepared anew) was the
// largest cost of the pipeline. What a Save would trigger is done for the
// batch instead: the search index at the end of the transaction
// (indexBatch) and, once committed, PocketBase's after-success hooks
// (announce): realtime and the stats index.
func (bc *batchContext) saveMention(tx core.App, rec *core.Record, n normalized) error {
	if err := bc.insertRecord(tx, rec); err != nil {
		return err
	}
	bc.stored = append(bc.stored, rec.Id)
	bc.created = append(bc.created, rec)
	if t := rec.GetString("ticket"); t != "" {
		for _, k := range copyKeys(n.ContentHash, bc.kind, n.Author, n.AuthorName) {
			noteHit(bc.hashes, k, ticketHit{t, n.Published})
		}
	}
	return nil
}

// noteHit keeps, per key, the hit with the latest time: what the
// "ORDER BY … DESC LIMIT 1" of a per-mention lookup would have found.
func noteHit(m map[string]ticketHit, key string, hit ticketHit) {
	if old, ok := m[key]; !ok || !hit.at.Before(old.at) {
		m[key] = hit
	}
}

// insertRecord writes a new record of a collection ingest fills in bulk
// (mentions, tickets, contacts) with the batch's prepared INSERT.
func (bc *batchContext) insertRecord(tx core.App, rec *core.Record) error {
	if rec.Id == "" {
		rec.Id = newID()
	}
	now := types.NowDateTime()
	if rec.Collection().Fields.GetByName("created") != nil {
		rec.SetRaw("created", now)
		rec.SetRaw("updated", now)
	}
	if err := bc.writeRow(tx, rec, "INSERT"); err != nil {
		return err
	}
	rec.MarkAsNotNew()
	return nil
}

// updateRecord writes every column of a record the batch changed with
// the batch's prepared UPDATE.
func (bc *batchContext) updateRecord(tx core.App, rec *core.Record) error {
	if rec.Collection().Fields.GetByName("updated") != nil {
		rec.SetRaw("updated", types.NowDateTime())
	}
	return bc.writeRow(tx, rec, "UPDATE")
}

// writeRow runs the batch's INSERT or UPDATE of rec's collection, prepared
// at its first use, with every column of rec as PocketBase exports it.
func (bc *batchContext) writeRow(tx core.App, rec *core.Record, op string) error {
	data, err := rec.DBExport(tx)
	if err != nil {
		return err
	}
	if op == "UPDATE" {
		delete(data, "id")
	}
	name := rec.Collection().Name
	w := bc.writes[op+" "+name]
	if w == nil {
		w = &preparedWrite{cols: slices.Sorted(maps.Keys(data))}
		terms := make([]string, len(w.cols))
		for i, c := range w.cols {
			w.params = append(w.params, "c"+strconv.Itoa(i))
			terms[i] = "{:" + w.params[i] + "}"
			if op == "UPDATE" {
				terms[i] = "`" + c + "` = " + terms[i]
			}
		}
		sql := "INSERT INTO `" + name + "` (`" + strings.Join(w.cols, "`, `") + "`) VALUES (" + strings.Join(terms, ", ") + ")"
		if op == "UPDATE" {
			sql = "UPDATE `" + name + "` SET " + strings.Join(terms, ", ") + " WHERE id = {:id}"
		}
		w.q = tx.DB().NewQuery(sql).Prepare()
		if bc.writes == nil {
			bc.writes = map[string]*preparedWrite{}
		}
		bc.writes[op+" "+name] = w
	}
	params := make(dbx.Params, len(w.cols)+1)
	params["id"] = rec.Id // the UPDATE's key; the INSERT has it among its columns
	for i, c := range w.cols {
		v, ok := data[c]
		if !ok {
			return fmt.Errorf("%s column %q missing from the export", name, c)
		}
		params[w.params[i]] = v
	}
	_, err = w.q.Bind(params).Execute()
	return err
}

// preparedWrite is a statement prepared for one collection (an INSERT or
// an UPDATE of every column), with its columns and their parameter names.
type preparedWrite struct {
	q            *dbx.Query
	cols, params []string
}

// announce runs PocketBase's after-success hooks for the records the
// batch wrote without a Save, once the batch committed, as PocketBase
// does for records saved in a transaction: realtime subscribers and the
// stats index see every mention and ticket ingest writes.
func (h *hub) announce(created, updated []*core.Record) {
	ctx := context.Background()
	for _, list := range []struct {
		recs []*core.Record
		kind string
		hook func(...string) *hook.TaggedHook[*core.ModelEvent]
	}{
		{created, core.ModelEventTypeCreate, h.app.OnModelAfterCreateSuccess},
		{updated, core.ModelEventTypeUpdate, h.app.OnModelAfterUpdateSuccess},
	} {
		for _, rec := range list.recs {
			e := &core.ModelEvent{App: h.app, Context: ctx, Type: list.kind}
			e.Model = rec
			if err := list.hook().Trigger(e); err != nil {
				h.app.Logger().Warn("ingest: after-save hook", "collection", rec.Collection().Name, "id", rec.Id, "error", err)
			}
		}
	}
}

// indexBatch adds the batch's mentions to the full-text index in one
// statement: one FTS5 segment per batch instead of one per row.
func (bc *batchContext) indexBatch(tx core.App) error {
	for ids := range slices.Chunk(bc.stored, inChunk) {
		names, params := inList("id", ids)
		_, err := tx.DB().NewQuery(`INSERT INTO mentions_fts(mention_id, author, title, text)
			SELECT id, author || ' ' || author_name, title, text FROM mentions WHERE id IN (` + names + `)`).Bind(params).Execute()
		if err != nil {
			return err
		}
	}
	bc.stored = nil
	return nil
}

// inChunk bounds the values of one IN list, well under SQLite's limit on
// bound parameters whatever the batch size.
const inChunk = 500

// inList is an IN list of named parameters for values, with its params.
func inList(prefix string, values []string) (string, dbx.Params) {
	names := make([]string, len(values))
	params := make(dbx.Params, len(values))
	for i, v := range values {
		k := prefix + strconv.Itoa(i)
		names[i] = "{:" + k + "}"
		params[k] = v
	}
	return strings.Join(names, ","), params
}

// ingest writes one fetched batch of one source in one transaction: the
// mentions, the tickets and contacts they open or join, and — through
// saveSource — the source's new cursor and health. A crash loses nothing
// (the cursor moves only with the rows) and a re-poll duplicates nothing
// (the unique external id + source index).
//
// The batch is read and classified before the transaction, on every
// core: the write lock is held for writing only. In the transaction each
// lookup (known ids, contacts, their open and negative tickets, copies)
// is one query for the whole batch, kept current in memory as the batch
// adds to it, and each ticket and contact is written once.
func (h *hub) ingest(src *core.Record, batch []connectors.Mention, fetchedAt time.Time, saveSource func(tx core.App, stats IngestStats) error) (IngestStats, []ingestEvent, error) {
	if len(batch) == 0 { // a 304: only the source's health changes
		if saveSource == nil {
			return IngestStats{}, nil, nil
		}
		return IngestStats{}, nil, saveSource(h.app, IngestStats{})
	}
	if len(batch) > ingestChunk {
		return h.ingestInChunks(src, batch, fetchedAt, saveSource)
	}
	bc, err := h.loadBatchContext(h.app, src, fetchedAt)
	if err != nil {
		return IngestStats{}, nil, err
	}
	items, err := bc.prepare(h.app, batch)
	if err != nil {
		return IngestStats{}, nil, err
	}
	var stats IngestStats
	var events []ingestEvent
	err = h.app.RunInTransaction(func(tx core.App) error {
		stats, events = IngestStats{}, nil // a retried transaction starts over
		defer bc.close()
		if err := bc.load(tx, items); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, it := range items {
			stats.Seen++
			if it.m.Repost {
				stats.Reposts++
				continue
			}
			if it.rec == nil || seen[it.n.ExternalID] || bc.known[it.n.ExternalID] {
				stats.Duplicates++
				continue
			}
			seen[it.n.ExternalID] = true
			ev, err := h.ingestOne(tx, bc, it, &stats)
			if err != nil {
				return fmt.Errorf("mention %q: %w", clip(it.m.ExternalID, 80), err)
			}
			events = append(events, ev...)
		}
		if err := bc.flush(tx); err != nil {
			return err
		}
		if err := bc.indexBatch(tx); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		if saveSource != nil {
			if err := saveSource(tx, stats); err != nil {
				return err
			}
		}
		if h.beforeCommit != nil {
			h.beforeCommit(tx)
		}
		return nil
	})
	if err != nil {
		return IngestStats{}, nil, err
	}
	h.announce(bc.created, bc.updated)
	return stats, events, nil
}

func (h *hub) loadBatchContext(app core.App, src *core.Record, fetchedAt time.Time) (*batchContext, error) {
	p, matcher, err := h.policy(app, src.GetString("query"))
	if err != nil {
		return nil, err
	}
	bc := &batchContext{src: src, kind: src.GetString("kind"), settings: p.settings, matcher: matcher, rules: p.rules, fetchedAt: fetchedAt.UTC()}
	opts := sourceOptions(src)
	switch bc.kind {
	case "email", "webhook":
		bc.direct = true
	case "mastodon":
		bc.direct = opts["mode"] == "" || opts["mode"] == connectors.MastodonModeMentions
	}
	// Searches and feeds about the world at large are not trusted alone:
	// a search for "lune" also finds the moon. The owner can say a feed is
	// entirely about the business (a review page of theirs).
	bc.broad = !bc.direct && opts["match"] != "any"
	return bc, nil
}

// prepare builds the rows of the batch's new mentions before the write
// transaction: normalised, classified and filled in, spread over the
// cores. Sanitising HTML and analysing text are pure, and are most of the
// CPU a mention costs outside SQLite; the write lock is held for writing.
// Mentions the source already stored (a feed resends its last items at
// every poll) are left out first, read outside the lock: their rec stays
// nil. The transaction checks the rest again (batchContext.load).
func (bc *batchContext) prepare(app core.App, batch []connectors.Mention) ([]batchItem, error) {
	items := make([]batchItem, len(batch))
	ids := make([]string, 0, len(batch))
	for i, m := range batch {
		items[i].m = m
		if m.Repost {
			continue
		}
		if items[i].n.ExternalID = externalID(m); items[i].n.ExternalID == "" {
			items[i].n = normalizeMention(m, bc.fetchedAt) // the id is a hash of the text
		}
		ids = append(ids, items[i].n.ExternalID)
	}
	known, err := bc.knownIDs(app, ids)
	if err != nil {
		return nil, fmt.Errorf("known mentions: %w", err)
	}
	col, err := app.FindCachedCollectionByNameOrId("mentions")
	if err != nil {
		return nil, err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(batch)+15)/16) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(batch); i = int(next.Add(1) - 1) {
				it := &items[i]
				if it.m.Repost || known[it.n.ExternalID] {
					continue
				}
				it.n = normalizeMention(it.m, bc.fetchedAt)
				it.v = bc.classify(it.m, it.n)
				it.rec = bc.mentionRow(col, it.n, it.v)
			}
		})
	}
	wg.Wait()
	return items, nil
}

// knownIDs returns which of ids the source has stored.
func (bc *batchContext) knownIDs(app core.App, ids []string) (map[string]bool, error) {
	known := map[string]bool{}
	err := eachRow(app, "SELECT external_id FROM mentions WHERE source = {:src} AND external_id IN (%s)", dbx.Params{"src": bc.src.Id}, ids,
		func(r dbx.NullStringMap) { known[r["external_id"].String] = true })
	return known, err
}

// mentionRow is the mention's record as far as its content decides it;
// the transaction adds its thread, contact and ticket.
func (bc *batchContext) mentionRow(col *core.Collection, n normalized, v verdict) *core.Record {
	rec := core.NewRecord(col)
	n.fill(rec, bc)
	rec.Set("keywords", v.found.terms)
	rec.Set("language", v.a.lang)
	rec.Set("sentiment", v.a.score)
	rec.Set("sentiment_label", v.a.label)
	rec.Set("intent", v.a.intent)
	rec.Set("triage", v.d.Action)
	rec.Set("triage_reason", clip(v.d.Reason, 300))
	return rec
}

func (h *hub) ingestOne(tx core.App, bc *batchContext, it batchItem, stats *IngestStats) ([]ingestEvent, error) {
	n, v, rec := it.n, it.v, it.rec
	a, d := v.a, v.d
	stats.New++
	// What an earlier attempt of this transaction linked is not linked.
	rec.Id = ""
	rec.Set("ticket", "")
	rec.Set("contact", "")

	threadTicket, err := bc.threadOf(tx, n, rec)
	if err != nil {
		return nil, err
	}
	switch v.early {
	case earlyOwn:
		stats.Own++
		if threadTicket != nil {
			rec.Set("ticket", threadTicket.Id)
		}
		return nil, bc.saveMention(tx, rec, n)
	case earlyAutomated:
		stats.Ignored++
		return nil, bc.saveMention(tx, rec, n)
	case earlyDropped:
		stats.Dropped++
		return nil, bc.saveMention(tx, rec, n)
	}

	// Contacts are the people we talk with: noise makes none, but a known
	// contact's noise still counts for win-backs.
	var contact *contactRef
	if d.Action != triage.Ignored || threadTicket != nil {
		contact = bc.upsertContact(n, a.score)
	} else {
		contact = bc.contacts[n.Author]
	}
	if contact != nil {
		rec.Set("contact", contact.ID)
	}
	var events []ingestEvent
	if d.Action == triage.Ignored && threadTicket == nil {
		stats.Ignored++
		err = bc.saveMention(tx, rec, n)
	} else {
		events, err = h.ticketFor(tx, bc, rec, n, a, d, contact, threadTicket, stats)
	}
	if err != nil {
		return nil, err
	}
	if contact != nil && a.label != "negative" {
		err = bc.markWinBack(tx, contact.ID, n.Published)
	}
	return events, err
}

// verdict is what the pipeline makes of a mention's content, before it
// looks at tickets: shared by ingest and the "test this source" preview.
type verdict struct {
	a     textAnalysis
	found keywordMatch
	d     triage.Decision // Action is ticket, logged, ignored or dropped
	early string          // set when decided before triage: own, automated, dropped
}

const (
	earlyOwn       = "own"
	earlyAutomated = "automated"
	earlyDropped   = "dropped"
)

func (bc *batchContext) classify(m connectors.Mention, n normalized) verdict {
	matchText := n.Title + "\n" + n.Text
	v := verdict{a: analyze(matchText, m.Lang, m.Meta)}
	v.found = bc.matcher.match(matchText, v.a.lang)
	switch {
	case m.Own:
		v.early, v.d = earlyOwn, triage.Decision{Action: triage.Ignored, Reason: "our own post"}
	case automatedMail(m.Meta):
		v.early, v.d = earlyAutomated, triage.Decision{Action: triage.Ignored, Reason: "automated mail"}
	case bc.broad && !v.found.brand:
		reason := "no brand keyword"
		if v.found.excluded != "" {
			reason = "excluded: " + v.found.excluded
		}
		v.early, v.d = earlyDropped, triage.Decision{Action: "dropped", Reason: reason}
	default:
		v.d = triage.Decide(triage.Input{
			SourceKind: bc.kind, Author: n.Author + " " + n.AuthorName, Text: matchText,
			Sentiment: v.a.label, Intent: v.a.intent, Keywords: v.found.terms,
			Direct: bc.direct, ThankPraise: bc.settings.ThankPraise,
		}, bc.rules)
	}
	return v
}

// automatedMail tells newsletters, bounces and auto-replies (RFC 3834
// Auto-Submitted, Precedence, List-Id) from people: answering a robot
// opens a loop, and they would flood the inbox.
func automatedMail(meta map[string]string) bool {
	if as := strings.ToLower(meta["auto_submitted"]); as != "" && as != "no" {
		return true
	}
	switch strings.ToLower(meta["precedence"]) {
	case "bulk", "list", "junk", "auto_reply":
		return true
	}
	return meta["list_id"] != ""
}

// normalized is a Mention made safe to store and display.
type normalized struct {
	ExternalID, URL, Author, AuthorName, AuthorURL string
	Title, Text, HTML, InReplyTo, ThreadID         string
	ContentHash                                    string
	Published                                      time.Time
	Meta                                           map[string]string
}

// normalizeMention sanitises what a platform sent: display HTML through
// the UGC policy, plain text, valid UTF-8, capped sizes, UTC times, and
// URLs that are really http(s) URLs.
func normalizeMention(m connectors.Mention, fetchedAt time.Time) normalized {
	n := normalized{
		URL:       safeURL(m.URL),
		Author:    clip(normalize.Text(m.Author), 300),
		AuthorURL: safeURL(m.AuthorURL),
		Title:     clip(normalize.Text(m.Title), 1000),
		InReplyTo: clip(strings.TrimSpace(m.InReplyTo), 1000),
		ThreadID:  clip(strings.TrimSpace(m.ThreadID), 1000),
		Meta:      m.Meta,
	}
	n.AuthorName = clip(normalize.Text(m.AuthorName), 300)
	if m.HTML != "" {
		n.HTML, n.Text = normalize.HTML(m.HTML)
	}
	if strings.TrimSpace(m.Text) != "" {
		n.Text = normalize.Text(m.Text)
	}
	n.Text = clip(n.Text, 40000)
	n.HTML = clip(n.HTML, 200000) // already under normalize's cap; belt and braces
	n.ExternalID = externalID(m)
	if n.ExternalID == "" {
		sum := sha256.Sum256([]byte(m.URL + "\x00" + m.Title + "\x00" + n.Text))
		n.ExternalID = "sha256:" + hex.EncodeToString(sum[:])
	}
	n.Published = m.Published.UTC()
	// A post cannot come from the future, and a missing date is the
	// moment we first saw it.
	if n.Published.IsZero() || n.Published.After(fetchedAt.Add(5*time.Minute)) {
		n.Published = fetchedAt
	}
	if len([]rune(n.Text)) >= 20 {
		n.ContentHash = normalize.ContentHash(n.Text)
	}
	return n
}

// externalID is the platform's id of a mention, cleaned; "" when it has
// none (normalizeMention then derives one from its content).
func externalID(m connectors.Mention) string {
	return clip(strings.TrimSpace(strings.ToValidUTF8(m.ExternalID, "")), 1000)
}

func (n normalized) fill(rec *core.Record, bc *batchContext) {
	rec.Set("source", bc.src.Id)
	rec.Set("channel", bc.kind)
	rec.Set("external_id", n.ExternalID)
	rec.Set("url", n.URL)
	rec.Set("author", n.Author)
	rec.Set("author_name", n.AuthorName)
	rec.Set("author_url", n.AuthorURL)
	rec.Set("title", n.Title)
	rec.Set("text", n.Text)
	rec.Set("html", n.HTML)
	rec.Set("in_reply_to", n.InReplyTo)
	rec.Set("content_hash", n.ContentHash)
	rec.Set("published_at", n.Published)
	rec.Set("fetched_at", bc.fetchedAt)
	if len(n.Meta) > 0 {
		rec.Set("meta", n.Meta)
	}
}

func safeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 2000 || !utf8.ValidString(raw) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// sourceOptions reads the options object; non-string values (a checkbox
// sent as true) become their text form rather than failing the lot.
func sourceOptions(src *core.Record) map[string]string {
	raw := map[string]any{}
	_ = src.UnmarshalJSONField("options", &raw)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if v != nil {
			out[k] = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	return out
}

func dt(t time.Time) types.DateTime {
	d, _ := types.ParseDateTime(t)
	return d
}
