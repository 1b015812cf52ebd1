// Package workers owns the background goroutines: each is started under a
// name and joined when the app terminates.
package workers

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Pool owns background goroutines: each is started with Go and joined
// (Join) when the app terminates, before PocketBase closes the database
// under them. A goroutine that outlived the app used to find the database
// gone (a disk alert sent during a test's cleanup panicked).
type Pool struct {
	ctx     context.Context
	log     *slog.Logger
	wg      sync.WaitGroup
	mu      sync.Mutex
	running map[string]int
}

// gracePeriod bounds how long termination waits for workers: a send stuck
// on a slow platform must not keep the process from stopping.
const gracePeriod = 10 * time.Second

// New returns a pool whose workers run with ctx (cancelled on terminate).
func New(ctx context.Context, log *slog.Logger) *Pool { return &Pool{ctx: ctx, log: log} }

// Go runs fn in the background under name, with the pool's context.
func (w *Pool) Go(name string, fn func(ctx context.Context)) {
	w.mu.Lock()
	if w.running == nil {
		w.running = map[string]int{}
	}
	w.running[name]++
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer func() {
			w.mu.Lock()
			if w.running[name]--; w.running[name] == 0 {
				delete(w.running, name)
			}
			w.mu.Unlock()
			w.wg.Done()
		}()
		fn(w.ctx)
	}()
}

// Join waits for every worker to return, at most gracePeriod, and logs
// the ones that did not.
func (w *Pool) Join() {
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(gracePeriod):
		w.mu.Lock()
		left := make(map[string]int, len(w.running))
		for k, v := range w.running {
			left[k] = v
		}
		w.mu.Unlock()
		w.log.Warn("shutdown: workers still running after the grace period", "workers", left)
	}
}
