package tickets

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/records"
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
// source's context, loaded once before the transaction (ingest.Context),
// and the batch's working state, loaded in it with one query per lookup.
type batchContext struct {
	*ingest.Context
	batchState
}

// batchState is rebuilt by each attempt of the batch's transaction.
type batchState struct {
	known    map[string]bool           // external ids of the source already stored
	contacts map[string]*contactRef    // by handle, for the batch's authors (nil: none yet)
	tickets  map[string]*core.Record   // tickets the batch read or opened, by id
	dirty    []*core.Record            // of those, the ones to save at the end, in order
	open     map[string]ticketHit      // contact id → their latest open ticket on this channel
	hashes   map[string][]ticketHit    // copyKeys of a text and its author → the tickets its copies joined
	negative map[string][]ticketHit    // contact id → negative tickets not yet won back
	stored   []string                  // ids of the mentions inserted, for the search index
	created  []*core.Record            // records inserted without a Save, announced after commit
	updated  []*core.Record            // records updated without a Save, announced after commit
	writes   map[string]*preparedWrite // by "INSERT name" and "UPDATE name"
	prepared map[string]*dbx.Query
}

// saveMention inserts a mention the batch built with one statement
// prepared per batch, not a PocketBase Save: mentions are most of what
// ingest writes, their values were all built and checked here, and a Save
// per row (validators, hook chains, the statement prepared anew) was the
// largest cost of the pipeline. What a Save would trigger is done for the
// batch instead: the search index at the end of the transaction
// (indexBatch) and, once committed, PocketBase's after-success hooks
// (announce): realtime and the stats index.
func (bc *batchContext) saveMention(tx core.App, rec *core.Record, n ingest.Normalized) error {
	if err := bc.insertRecord(tx, rec); err != nil {
		return err
	}
	bc.stored = append(bc.stored, rec.Id)
	bc.created = append(bc.created, rec)
	if t := rec.GetString("ticket"); t != "" {
		for _, k := range copyKeys(n.ContentHash, bc.Kind, n.Author, n.AuthorName) {
			bc.hashes[k] = append(bc.hashes[k], ticketHit{t, n.Published})
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
// The batch is read and classified before the transaction, on the cores
// a batch being written leaves (ingest's cores): the write lock is held
// for writing only. In the transaction each
// lookup (known ids, contacts, their open and negative tickets, copies)
// is one query for the whole batch, kept current in memory as the batch
// adds to it, and each ticket and contact is written once.
func (h *Desk) Ingest(src *core.Record, batch []connectors.Mention, fetchedAt time.Time, saveSource func(tx core.App, stats IngestStats) error) (IngestStats, []bus.Event, error) {
	if len(batch) == 0 { // a 304: only the source's health changes
		if saveSource == nil {
			return IngestStats{}, nil, nil
		}
		return IngestStats{}, nil, saveSource(h.app, IngestStats{})
	}
	if len(batch) > IngestChunk {
		return h.ingestInChunks(src, batch, fetchedAt, saveSource)
	}
	ic, err := h.Pipeline.Context(h.app, src, fetchedAt)
	if err != nil {
		return IngestStats{}, nil, err
	}
	bc := &batchContext{Context: ic}
	items, err := ic.Prepare(h.app, batch)
	if err != nil {
		return IngestStats{}, nil, err
	}
	var stats IngestStats
	var events []bus.Event
	// From the moment it holds the write lock to its commit, the batch
	// has a core of its own: other batches are prepared on the rest.
	writing := func() {}
	defer func() { writing() }()
	err = h.app.RunInTransaction(func(tx core.App) error {
		writing() // an earlier attempt's, if retried
		writing = ingest.Writing()
		stats, events = IngestStats{}, nil // a retried transaction starts over
		defer bc.close()
		if err := bc.load(tx, items); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, it := range items {
			stats.Seen++
			if it.M.Repost {
				stats.Reposts++
				continue
			}
			if it.Rec == nil || seen[it.N.ExternalID] || bc.known[it.N.ExternalID] {
				stats.Duplicates++
				continue
			}
			seen[it.N.ExternalID] = true
			ev, err := h.ingestOne(tx, bc, it, &stats)
			if err != nil {
				return fmt.Errorf("mention %q: %w", records.Clip(it.M.ExternalID, 80), err)
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
		if h.BeforeCommit != nil {
			h.BeforeCommit(tx)
		}
		return nil
	})
	writing()
	if err != nil {
		return IngestStats{}, nil, err
	}
	h.Announce(bc.created, bc.updated)
	return stats, events, nil
}

func (h *Desk) ingestOne(tx core.App, bc *batchContext, it ingest.Item, stats *IngestStats) ([]bus.Event, error) {
	n, v, rec := it.N, it.V, it.Rec
	a, d := v.A, v.D
	stats.New++
	// What an earlier attempt of this transaction linked is not linked.
	rec.Id = ""
	rec.Set("ticket", "")
	rec.Set("contact", "")

	threadTicket, err := bc.threadOf(tx, n, rec)
	if err != nil {
		return nil, err
	}
	switch v.Early {
	case ingest.EarlyOwn:
		stats.Own++
		if threadTicket != nil {
			rec.Set("ticket", threadTicket.Id)
		}
		return nil, bc.saveMention(tx, rec, n)
	case ingest.EarlyAutomated:
		stats.Ignored++
		return nil, bc.saveMention(tx, rec, n)
	case ingest.EarlyDropped:
		stats.Dropped++
		return nil, bc.saveMention(tx, rec, n)
	}

	// Contacts are the people we talk with: noise makes none, but a known
	// contact's noise still counts for win-backs.
	var contact *contactRef
	if d.Action != triage.Ignored || threadTicket != nil {
		contact = bc.upsertContact(n, a.Score)
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
	if contact != nil && a.Label != "negative" {
		err = bc.markWinBack(tx, contact.ID, n.Published)
	}
	return events, err
}
