package hooks

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
)

// A batch bigger than tickets.IngestChunk (a feed's whole history at its first
// poll) is written a chunk per transaction: every mention stored once,
// the source saved once, with the whole batch's stats, and a second
// delivery of the same batch, across the chunks' boundaries, all known.
func TestIngestBigBatchInChunks(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := feedSource(t, app, "https://alerts.example/feed")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	n := 2*tickets.IngestChunk + 500
	feed := connectors.NewFeed(connectors.Config{Now: func() time.Time { return now }})
	batch, err := feed.ParseBody([]byte(rss(genItems(n, "big", 9, 7*24*time.Hour), now)), "application/rss+xml; charset=utf-8", "https://alerts.example/")
	if err != nil || len(batch) != n {
		t.Fatalf("parsed %d of %d: %v", len(batch), n, err)
	}
	var saves []tickets.IngestStats
	save := func(_ core.App, s tickets.IngestStats) error { saves = append(saves, s); return nil }
	stats, _, err := h.desk.Ingest(src, batch, now, save)
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := app.DB().Select("count(*)").From("mentions").Where(dbx.HashExp{"source": src.Id}).Row(&stored); err != nil {
		t.Fatal(err)
	}
	if stats.Seen != n || stats.New != n || stored != n || len(saves) != 1 || saves[0] != stats {
		t.Fatalf("stats %+v, stored %d, source saved %d times with %+v", stats, stored, len(saves), saves)
	}
	again, _, err := h.desk.Ingest(src, batch, now, nil)
	if err != nil || again.Duplicates != n || again.New != 0 {
		t.Fatalf("second delivery: %+v, %v", again, err)
	}
}
