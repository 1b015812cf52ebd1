package ingest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Preparation uses every core while nothing is written, and one fewer
// while a write transaction holds the lock.
func TestPreparationLeavesTheWriterACore(t *testing.T) {
	t.Parallel()
	most := func(c *cores) int32 {
		var running, most atomic.Int32
		var wg sync.WaitGroup
		for range 24 {
			wg.Go(func() {
				c.prepare(func() {
					n := running.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(2 * time.Millisecond)
					running.Add(-1)
				})
			})
		}
		wg.Wait()
		return most.Load()
	}
	c := newCores(func() int { return 3 })
	if got := most(c); got < 1 || got > 3 {
		t.Fatalf("nothing written: %d prepared at once, want at most 3", got)
	}
	done := c.write()
	if got := most(c); got < 1 || got > 2 {
		t.Fatalf("while writing: %d prepared at once, want at most 2", got)
	}
	done()
	done() // a retried transaction's second call changes nothing
	if c.writing != 0 {
		t.Fatalf("%d writers left after done", c.writing)
	}

	// Preparation waiting for a core goes on once the write is done.
	one := newCores(func() int { return 1 })
	started, release := make(chan struct{}), make(chan struct{})
	go one.prepare(func() { close(started); <-release })
	<-started
	waiting := make(chan struct{})
	go func() { one.prepare(func() {}); close(waiting) }()
	select {
	case <-waiting:
		t.Fatal("two mentions prepared at once on one core")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	select {
	case <-waiting:
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting preparation never went on")
	}
}
