package hooks

import (
	"context"
	"sync"
	"time"
)

// workers owns the hub's background goroutines: each is started with go
// and joined when the app terminates, before PocketBase closes the
// database under them. A goroutine that outlived the app used to find the
// database gone (a disk alert sent during a test's cleanup panicked).
type workers struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	running map[string]int
}

// gracePeriod bounds how long termination waits for workers: a send stuck
// on a slow platform must not keep the process from stopping.
const gracePeriod = 10 * time.Second

// goWork runs fn in the background under name, with the hub's context
// (cancelled on terminate).
func (h *hub) goWork(name string, fn func(ctx context.Context)) {
	w := &h.workers
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
		fn(h.ctx)
	}()
}

// joinWorkers waits for every worker to return, at most gracePeriod, and
// logs the ones that did not.
func (h *hub) joinWorkers() {
	done := make(chan struct{})
	go func() { h.workers.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(gracePeriod):
		h.workers.mu.Lock()
		left := make(map[string]int, len(h.workers.running))
		for k, v := range h.workers.running {
			left[k] = v
		}
		h.workers.mu.Unlock()
		h.app.Logger().Warn("shutdown: workers still running after the grace period", "workers", left)
	}
}
