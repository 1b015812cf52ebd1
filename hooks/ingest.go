package hooks

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
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

// batchContext is what ingest knows while it writes one batch: the
// source's settings, loaded once before the transaction, and the batch's
// working state (batchState), loaded in it with one query per lookup.
type batchContext struct {
	src       *core.Record
	kind      string
	settings  settings.Settings
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
func (h *hub) ingest(src *core.Record, batch []connectors.Mention, fetchedAt time.Time, saveSource func(tx core.App, stats IngestStats) error) (IngestStats, []bus.Event, error) {
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
	var events []bus.Event
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
				return fmt.Errorf("mention %q: %w", records.Clip(it.m.ExternalID, 80), err)
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
	opts := records.SourceOptions(src)
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
	err := records.EachRow(app, "SELECT external_id FROM mentions WHERE source = {:src} AND external_id IN (%s)", dbx.Params{"src": bc.src.Id}, ids,
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
	rec.Set("triage_reason", records.Clip(v.d.Reason, 300))
	return rec
}

func (h *hub) ingestOne(tx core.App, bc *batchContext, it batchItem, stats *IngestStats) ([]bus.Event, error) {
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
	var events []bus.Event
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
