package hooks

import (
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// The ingest benchmark's fixture spans the 30 days BENCHMARKS.md says:
// its 100,000 posts, oldest first, evenly from 30 days before the
// benchmark's now to just before it, and the feed connector reads those
// dates back from the RSS documents the benchmark parses.
func TestIngestFixtureSpansItsDates(t *testing.T) {
	t.Parallel()
	const n, span = 100_000, fixtureSpan
	items := genItems(n, "m", 42, span)
	step := span / n
	for i, it := range items {
		if want := span - step*time.Duration(i); it.ago != want {
			t.Fatalf("item %d published %s ago, want %s", i, it.ago, want)
		}
	}
	now := benchNow
	feed := connectors.NewFeed(connectors.Config{Now: func() time.Time { return now }})
	published := func(batch []feedItem) (oldest, newest time.Time) {
		t.Helper()
		ms, err := feed.ParseBody([]byte(rss(batch, now)), "application/rss+xml; charset=utf-8", "https://alerts.example/")
		if err != nil || len(ms) != len(batch) {
			t.Fatalf("parsed %d of %d: %v", len(ms), len(batch), err)
		}
		oldest, newest = ms[0].Published, ms[0].Published
		for _, m := range ms {
			if m.Published.Before(oldest) {
				oldest = m.Published
			}
			if m.Published.After(newest) {
				newest = m.Published
			}
		}
		return oldest, newest
	}
	first, _ := published(items[:ingestBatch])
	_, last := published(items[n-ingestBatch:])
	if want := now.Add(-span); !first.Equal(want) {
		t.Errorf("oldest post at %s, want %s", first, want)
	}
	// RSS dates have whole seconds: the newest post is 25.92 s before now.
	if want := now.Add(-step).Truncate(time.Second); !last.Equal(want) {
		t.Errorf("newest post at %s, want %s", last, want)
	}
	if got := last.Sub(first); got < span-time.Minute {
		t.Errorf("the fixture spans %s, want about %s", got, span)
	}
}

func TestSpreadDoesNotOverflow(t *testing.T) {
	t.Parallel()
	span := 365 * 24 * time.Hour
	for _, c := range []struct{ i, n int }{{0, 7}, {3, 7}, {6, 7}, {999_999, 1_000_000}, {500_000, 1_000_000}} {
		got := spread(c.i, c.n, span)
		want := time.Duration(float64(span) * float64(c.i) / float64(c.n))
		if d := got - want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("spread(%d, %d) = %s, want %s", c.i, c.n, got, want)
		}
	}
}
