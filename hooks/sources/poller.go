package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/model"
)

// Poll intervals: per source, default 5 minutes, never under 30 seconds;
// failures back off exponentially up to 6 hours.
const (
	defaultInterval = 5 * time.Minute
	minInterval     = 30 * time.Second
	maxBackoff      = 6 * time.Hour
)

// poller runs due sources on a bounded pool. A source is never polled twice
// at once (the inflight set), and one that hangs only holds its own worker
// until FetchTimeout, never the others.
type poller struct {
	h    *Manager
	sem  chan struct{}
	mu   sync.Mutex
	busy map[string]bool
	wg   sync.WaitGroup
}

// errBusy means the source is being polled right now.
var errBusy = errors.New("sources: source is already being checked")

func (h *Manager) registerPoller() error {
	h.poller = &poller{h: h, sem: make(chan struct{}, h.cfg.PollWorkers), busy: map[string]bool{}}
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/sources")
		g.Bind(apis.RequireAuth("users"))
		g.POST("/{id}/check", h.handleCheckNow)
		if !h.cfg.DisableWorkers {
			h.workers.Go("poller", h.poller.loop)
			// WebSub upkeep asks hubs one after another: its own worker,
			// so a slow hub never holds up a poll round.
			h.workers.Go("websub upkeep", h.webSubUpkeep)
		}
		return se.Next()
	})
	h.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		h.poller.wg.Wait() // in-flight polls see the cancelled context and commit or roll back
		return e.Next()
	})
	return nil
}

func (p *poller) loop(ctx context.Context) {
	t := time.NewTicker(p.h.cfg.PollTick)
	defer t.Stop()
	for {
		p.dispatchDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// dispatchDue starts a poll for every due source not already running,
// waiting for a free worker. Webhook sources are pushed to, not polled.
func (p *poller) dispatchDue(ctx context.Context) {
	if p.h.disk.Short() {
		return // nowhere to store what a poll brings (diskspace.go)
	}
	var ids []string
	err := p.h.app.DB().Select("id").From("sources").
		Where(dbx.HashExp{"enabled": true}).
		AndWhere(dbx.Not(dbx.HashExp{"kind": "webhook"})).
		AndWhere(dbx.NewExp("(next_check_at = '' OR next_check_at <= {:now})", dbx.Params{"now": records.DT(time.Now()).String()})).
		OrderBy("next_check_at ASC").Limit(1000).Column(&ids)
	if err != nil {
		p.h.app.Logger().Error("poller: listing due sources", "error", err)
		return
	}
	for _, id := range ids {
		if !p.claim(id) {
			continue
		}
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			p.release(id)
			return
		}
		p.wg.Add(1)
		go func() {
			defer func() { <-p.sem; p.release(id); p.wg.Done() }()
			if _, err := p.h.pollSource(ctx, id); err != nil && !errors.Is(err, context.Canceled) {
				p.h.app.Logger().Debug("poller: source failed", "source_id", id, "error", err)
			}
		}()
	}
}

func (p *poller) claim(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.busy[id] {
		return false
	}
	p.busy[id] = true
	return true
}

func (p *poller) release(id string) {
	p.mu.Lock()
	delete(p.busy, id)
	p.mu.Unlock()
}

// PollResult is what a check tells the owner.
// PollResult is what one poll did, as "check now" answers it.
type PollResult struct {
	OK    bool                `json:"ok"`
	New   int                 `json:"new"`
	Stats tickets.IngestStats `json:"stats"`
	Error string              `json:"error,omitempty"`
	// ErrorInfo is Error as a code and parameters the app translates.
	ErrorInfo *Failure  `json:"error_info,omitempty"`
	NextTime  time.Time `json:"next_check_at"`
}

// pollSource fetches one source and stores what it found together with its
// new cursor and health, in one transaction. Failures are recorded on the
// source (last_error, error_count, backoff) and returned.
func (h *Manager) pollSource(ctx context.Context, id string) (PollResult, error) {
	if h.disk.Short() {
		return PollResult{Error: diskguard.HealthMessage}, diskguard.ErrDiskFull // the sources already say so
	}
	src, err := h.app.FindRecordById("sources", id)
	if err != nil {
		return PollResult{}, err
	}
	kind := src.GetString("kind")
	fetcher, err := h.connectorSet(h.app).Fetcher(kind)
	if err != nil {
		return h.recordFailure(src, err)
	}
	cs, err := h.connectorSource(ctx, src)
	if err != nil {
		return h.recordFailure(src, err)
	}
	var cur connectors.Cursor
	cur.ETag, cur.LastModified = src.GetString("etag"), src.GetString("last_modified")
	cur.Since = src.GetString("cursor")

	fctx, cancel := context.WithTimeout(ctx, h.cfg.FetchTimeout)
	defer cancel()
	started := time.Now()
	batch, ferr := fetcher.Fetch(fctx, cs, cur)
	if ferr != nil && !errors.Is(ferr, connectors.ErrNotModified) {
		if ctx.Err() != nil {
			return PollResult{}, ctx.Err() // shutting down: not the source's fault
		}
		return h.recordFailure(src, ferr, batch.NextCheck)
	}

	now := time.Now().UTC()
	next := now.Add(interval(src))
	if nc := connectors.CapUntil(now, batch.NextCheck); nc.After(next) {
		next = nc
	}
	// The source's cursor and health move in the batch's transaction, with
	// one UPDATE of the columns the poller owns: a concurrent edit of the
	// source (its name, its interval) is neither read nor written over.
	health := dbx.Params{
		"last_check_at": records.DT(now).String(), "last_ok_at": records.DT(now).String(), "next_check_at": records.DT(next).String(),
		"error_count": 0, "last_error": "", "last_error_info": "null",
	}
	c := batch.Cursor
	// A full answer replaces the cursor; "not modified" only refreshes
	// the validators the server chose to send again.
	if ferr == nil || c.ETag != "" {
		health["etag"] = c.ETag
	}
	if ferr == nil || c.LastModified != "" {
		health["last_modified"] = c.LastModified
	}
	if ferr == nil || c.Since != "" {
		health["cursor"] = c.Since
	}
	if batch.Hub != "" && src.GetString("websub_hub") != batch.Hub {
		health["websub_hub"], health["websub_topic"] = batch.Hub, batch.Topic
	}
	if moved := batch.MovedTo; moved != "" && kind == "feed" && len(moved) <= 2000 && moved != src.GetString("url") {
		health["url"] = moved // moved for good: poll it there from now on (connectors.movedTo)
	}
	// Read before announceSource writes the new health into src.
	firstPoll := src.GetString("last_ok_at") == ""
	stats, events, err := h.desk.Ingest(src, batch.Mentions, now, func(tx core.App, stats tickets.IngestStats) error {
		health["last_new"] = stats.New
		_, err := tx.DB().Update("sources", health, dbx.HashExp{"id": src.Id}).Execute()
		return err
	})
	if err != nil {
		h.disk.NoteWriteError(err)
		return h.recordFailure(src, fmt.Errorf("%w: %w", errStoring, err))
	}
	h.announceSource(src, health)
	if moved, ok := health["url"].(string); ok {
		h.app.Logger().Info("poll: feed moved permanently", "source_id", src.Id, "to", withoutQuery(moved))
	}
	h.app.Logger().Info("poll",
		"source_id", src.Id, "kind", kind, "took_ms", time.Since(started).Milliseconds(),
		"not_modified", errors.Is(ferr, connectors.ErrNotModified),
		"seen", stats.Seen, "new", stats.New, "duplicates", stats.Duplicates,
		"dropped", stats.Dropped, "ignored", stats.Ignored, "opened", stats.Opened, "joined", stats.Joined)
	if firstPoll {
		// A new source's first poll brings its backlog (a week of mentions,
		// 7 days of mail): file it, but do not ring every phone for it.
		events = nil
	}
	h.bus.Emit(events)
	return PollResult{OK: true, New: stats.New, Stats: stats, NextTime: next}, nil
}

// recordFailure writes the error where the owner sees it and backs off:
// the interval doubles with each consecutive failure up to 6 hours, and a
// platform's own Retry-After is honoured when it asks for longer.
func (h *Manager) recordFailure(src *core.Record, cause error, floor ...time.Time) (PollResult, error) {
	now := time.Now().UTC()
	count := src.GetInt("error_count") + 1
	wait := backoff(interval(src), count)
	var rl *connectors.RateLimitedError
	if errors.As(cause, &rl) && rl.RetryAfter > wait {
		wait = connectors.CapWait(rl.RetryAfter)
	}
	next := now.Add(wait)
	if len(floor) > 0 {
		if f := connectors.CapUntil(now, floor[0]); f.After(next) {
			next = f
		}
	}
	f := failureOf(cause, hostOf(src.GetString("url")))
	if errors.Is(cause, connectors.ErrReconnect) {
		if kept, ok := h.noteReconnect(src, cause); ok {
			f = kept
		}
	}
	msg := f.text(model.LangEN)
	info, _ := json.Marshal(f)
	health := dbx.Params{
		"error_count":     count,
		"last_error":      records.Clip(msg, 2000),
		"last_error_info": string(info),
		"last_check_at":   records.DT(now).String(),
		"next_check_at":   records.DT(next).String(),
	}
	if _, err := h.app.DB().Update("sources", health, dbx.HashExp{"id": src.Id}).Execute(); err != nil {
		h.app.Logger().Error("poller: recording failure", "source_id", src.Id, "error", err)
	} else {
		h.announceSource(src, health)
	}
	h.app.Logger().Warn("poll failed", "source_id", src.Id, "kind", src.GetString("kind"), "error_count", count, "error", web.UserMessage(cause))
	return PollResult{Error: msg, ErrorInfo: &f, NextTime: next}, cause
}

// withoutQuery is a URL fit for the log: private feed URLs carry their
// tokens in the query.
func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// announceSource tells realtime subscribers (the Sources screen) and
// after-save hooks of a source's new health, written without a Save.
func (h *Manager) announceSource(src *core.Record, written dbx.Params) {
	for k, v := range written {
		src.Set(k, v)
	}
	h.desk.Announce(nil, []*core.Record{src})
}

func interval(src *core.Record) time.Duration {
	d := time.Duration(src.GetInt("interval_sec")) * time.Second
	if d <= 0 {
		return defaultInterval
	}
	return max(d, minInterval)
}

func backoff(base time.Duration, failures int) time.Duration {
	if failures <= 0 {
		return base
	}
	f := math.Pow(2, float64(min(failures, 20)))
	d := time.Duration(float64(base) * f)
	if d <= 0 || d > maxBackoff {
		return maxBackoff
	}
	return d
}

// handleCheckNow polls one source right away and answers with the result.
func (h *Manager) handleCheckNow(e *core.RequestEvent) error {
	id := e.Request.PathValue("id")
	src, err := e.App.FindRecordById("sources", id)
	if err != nil {
		return apis.NewNotFoundError("Source not found.", nil)
	}
	if src.GetString("kind") == "webhook" {
		return apis.NewBadRequestError("Webhook sources are not polled: they receive mentions when your tool calls their URL.", nil)
	}
	if refused, err := refuseEarlyCheck(e, src); refused || err != nil {
		return err
	}
	if h.disk.Short() {
		return apis.NewApiError(http.StatusServiceUnavailable, diskguard.HealthMessage, nil)
	}
	if !h.poller.claim(id) {
		return e.JSON(http.StatusConflict, map[string]any{"status": 409, "message": "This source is being checked right now.", "data": map[string]any{}})
	}
	defer h.poller.release(id)
	res, err := h.pollSource(e.Request.Context(), id)
	if err != nil && res.Error == "" {
		return apis.NewBadRequestError(web.UserMessage(err), nil)
	}
	return e.JSON(http.StatusOK, res)
}
