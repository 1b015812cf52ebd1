package ingest

import (
	"runtime"
	"sync"
)

// cores shares the machine between preparing batches and writing them.
// One SQLite connection writes, and every poll, webhook and API write
// waits for it while it holds the lock. When four polls' preparations
// filled every core, Go's scheduler gave the writer only its share of
// them, and everyone waited longer: while a batch is written, batches are
// prepared on one core fewer. A lone batch is still prepared on all of
// them, since nothing is being written then (BENCHMARKS.md, "First
// ingest beside Miniflux").
type cores struct {
	mu      sync.Mutex
	free    *sync.Cond
	n       func() int // the cores preparation may use when nothing is written
	busy    int        // mentions being prepared
	writing int        // write transactions holding the lock
}

// The cores are asked of the runtime each time, not counted once: Go
// follows a container's CPU limit as it changes.
var cpu = newCores(func() int { return runtime.GOMAXPROCS(0) })

func newCores(n func() int) *cores {
	c := &cores{n: n}
	c.free = sync.NewCond(&c.mu)
	return c
}

// prepare runs one mention's preparation on a core the writer leaves.
func (c *cores) prepare(work func()) {
	c.mu.Lock()
	for c.busy >= max(1, c.n()-c.writing) {
		c.free.Wait()
	}
	c.busy++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.busy--
		c.mu.Unlock()
		c.free.Signal()
	}()
	work()
}

// write marks a write transaction as holding the lock until done: the
// writer never waits here, preparation makes room for it.
func (c *cores) write() (done func()) {
	c.mu.Lock()
	c.writing++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.writing--
			c.mu.Unlock()
			c.free.Broadcast()
		})
	}
}

// Writing tells preparation that a batch's write transaction holds the
// write lock, until done is called once it has committed.
func Writing() (done func()) { return cpu.write() }
