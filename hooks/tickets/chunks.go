package tickets

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
)

// IngestChunk bounds what one ingest transaction holds. A first poll can
// bring a feed's whole history, tens of thousands of items at once, and
// a batch keeps every one of its rows, records and lookups until its
// commit and its after-commit hooks: a 50,000-item feed in one batch
// peaked at a gigabyte. Past IngestChunk items the batch is written a
// chunk per transaction, the source's cursor and health with the last
// one, so a failure or a crash in between leaves the old cursor and the
// next poll fetches the batch again, its stored mentions skipped as
// known. Polls bring far fewer items than this, in one transaction.
const IngestChunk = 2000

// ingestInChunks is ingest for a batch larger than IngestChunk: the
// stats and events of every chunk, the source saved with the totals.
func (h *Desk) ingestInChunks(src *core.Record, batch []connectors.Mention, fetchedAt time.Time, saveSource func(tx core.App, stats IngestStats) error) (IngestStats, []bus.Event, error) {
	var total IngestStats
	var events []bus.Event
	for start := 0; start < len(batch); start += IngestChunk {
		end := min(start+IngestChunk, len(batch))
		var save func(tx core.App, stats IngestStats) error
		if end == len(batch) && saveSource != nil {
			save = func(tx core.App, stats IngestStats) error { return saveSource(tx, total.Plus(stats)) }
		}
		stats, ev, err := h.Ingest(src, batch[start:end], fetchedAt, save)
		if err != nil {
			return IngestStats{}, nil, err
		}
		total = total.Plus(stats)
		events = append(events, ev...)
	}
	return total, events, nil
}

// Plus adds up the stats of two batches.
func (s IngestStats) Plus(o IngestStats) IngestStats {
	s.Seen += o.Seen
	s.New += o.New
	s.Duplicates += o.Duplicates
	s.Reposts += o.Reposts
	s.Own += o.Own
	s.Dropped += o.Dropped
	s.Ignored += o.Ignored
	s.Logged += o.Logged
	s.Opened += o.Opened
	s.Joined += o.Joined
	s.Reopened += o.Reopened
	return s
}
