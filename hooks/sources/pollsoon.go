package sources

import (
	"context"
	"errors"

	"github.com/pocketbase/pocketbase/core"
)

// A source the owner has just added, or switched back on, is polled at
// once: the owner is looking at the Sources screen waiting for its first
// mentions, not for the poller's next tick (PollTick, 10 s), nor for the
// backoff a source switched off while failing still carries. The poll
// goes through the poller's own bookkeeping: its busy set (never twice at
// once), a worker slot and its wait group on shutdown.
func (h *Manager) registerPollSoon() error {
	h.app.OnRecordAfterCreateSuccess("sources").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetBool("enabled") {
			h.pollSoon(e.Record)
		}
		return e.Next()
	})
	h.app.OnRecordAfterUpdateSuccess("sources").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetBool("enabled") && !e.Record.Original().GetBool("enabled") {
			h.pollSoon(e.Record)
		}
		return e.Next()
	})
	return nil
}

// pollSoon polls src in the background as soon as a worker is free.
// Webhook sources are pushed to, never polled; with workers off (tests,
// benchmarks) nothing polls on its own.
func (h *Manager) pollSoon(src *core.Record) {
	if h.cfg.DisableWorkers || src.GetString("kind") == "webhook" {
		return
	}
	p, id := h.poller, src.Id
	if !p.claim(id) {
		return // being polled right now
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.release(id)
		select {
		case p.sem <- struct{}{}:
		case <-h.ctx.Done():
			return
		}
		defer func() { <-p.sem }()
		if _, err := h.pollSource(h.ctx, id); err != nil && !errors.Is(err, context.Canceled) {
			h.app.Logger().Debug("poller: new source failed", "source_id", id, "error", err)
		}
	}()
}
