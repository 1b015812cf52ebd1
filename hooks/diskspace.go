package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/notifier"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/model"
)

// A small VPS fills its disk. SQLite then refuses writes (SQLITE_FULL,
// "database or disk is full") and rolls the transaction back: nothing is
// corrupted, but every poll would fetch, fail and fetch again, and a reply
// the platform accepted could not be marked sent. So Mentiondesk watches
// the free space of the data directory's filesystem and, below a reserve,
// stops writing what can wait: no polling, no pushed mentions (503, the
// sender retries), no sending from the outbox. The sources say why, the
// owner gets one alert, reading the app keeps working (reads need no
// space), and all of it resumes by itself once space is back above twice
// the reserve (so it does not flap at the edge). The reserve keeps room
// for the small writes that say so, and for sign-ins and edits.

// diskFull is the sources' health error while space is short; its
// English text marks the sources it was written on.
var (
	diskFull        = sourceFailure{Code: "source_disk_full"}
	diskFullMessage = diskFull.text(model.LangEN)
	diskFullInfo, _ = json.Marshal(diskFull)
)

// errDiskFull is returned to pushers and "Check now" while space is short.
var errDiskFull = errors.New("hooks: the server's disk is full: try again once space has been freed")

// diskFullRetry is the Retry-After given to pushers while the disk is full.
const diskFullRetry = 5 * time.Minute

// diskGuard tracks whether the data directory's filesystem is short of
// space.
type diskGuard struct {
	dir     string
	reserve uint64
	// free reports the bytes available to us on dir's filesystem; tests
	// replace it.
	free func(dir string) (uint64, error)

	mu      sync.Mutex
	full    bool
	marked  bool // sources carry diskFullMessage
	alerted bool // the owners were told, this episode
}

func statfsFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

func (h *hub) registerDiskGuard() error {
	h.disk = &diskGuard{dir: h.app.DataDir(), reserve: h.cfg.DiskReserve, free: statfsFree}
	return nil
}

// diskShort says whether writes that can wait must wait, updating the
// state (and the sources, and the owners) on a change.
func (h *hub) diskShort() bool {
	g := h.disk
	if g == nil {
		return false
	}
	free, err := g.free(g.dir)
	g.mu.Lock()
	was := g.full
	switch {
	case err != nil:
		// Cannot tell: keep the last verdict.
	case free < g.reserve:
		g.full = true
	case free >= 2*g.reserve:
		g.full = false
	}
	full := g.full
	g.mu.Unlock()
	if err != nil {
		h.app.Logger().Warn("disk: cannot read free space", "dir", g.dir, "error", err)
	}
	switch {
	case full:
		if !was {
			h.app.Logger().Error("disk: data directory full, pausing ingest and the outbox", "dir", g.dir, "free_bytes", free, "reserve_bytes", g.reserve)
		}
		h.onDiskFull()
	case was:
		h.app.Logger().Info("disk: space is back, resuming", "dir", g.dir, "free_bytes", free)
		h.onDiskBack()
	}
	return full
}

// noteWriteError marks the disk full when SQLite said so, whatever the
// free space reads (another process may have filled it since).
func (h *hub) noteWriteError(err error) {
	if err == nil || h.disk == nil || !isDiskFull(err) {
		return
	}
	h.disk.mu.Lock()
	h.disk.full = true
	h.disk.mu.Unlock()
	h.onDiskFull()
}

// isDiskFull recognises SQLITE_FULL (result code 13) and ENOSPC. The
// driver's error type is not part of its stable API; its text is fixed by
// SQLite (sqlite3ErrStr).
func isDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "database or disk is full") || strings.Contains(s, "SQLITE_FULL")
}

// onDiskFull puts the health error on the enabled sources and alerts the
// owners, once per episode each; a write that fails (no room even for
// that) is tried again at the next check.
func (h *hub) onDiskFull() {
	g := h.disk
	g.mu.Lock()
	mark, alert := !g.marked, !g.alerted
	g.mu.Unlock()
	if mark {
		_, err := h.app.DB().Update("sources", dbx.Params{"last_error": diskFullMessage, "last_error_info": string(diskFullInfo)},
			dbx.HashExp{"enabled": true}).Execute()
		if err == nil {
			g.mu.Lock()
			g.marked = true
			g.mu.Unlock()
			h.announceSourcesHealth()
		} else {
			h.app.Logger().Warn("disk: marking sources", "error", err)
		}
	}
	if alert {
		g.mu.Lock()
		g.alerted = true // tried once: a failing channel must not be retried every tick
		g.mu.Unlock()
		// Off the caller's path: a request or a worker must not wait for
		// a slow notification channel.
		h.workers.Go("disk alert", func(ctx context.Context) { h.notifier.AlertOwners(ctx, diskFullAlert) })
	}
}

// onDiskBack clears the health error and makes the paused sources due.
func (h *hub) onDiskBack() {
	g := h.disk
	_, err := h.app.DB().Update("sources", dbx.Params{"last_error": "", "last_error_info": "null", "next_check_at": records.DT(time.Now()).String()},
		dbx.HashExp{"last_error": diskFullMessage}).Execute()
	if err != nil {
		h.app.Logger().Warn("disk: clearing sources", "error", err)
		g.mu.Lock()
		g.full = true // try again at the next check
		g.mu.Unlock()
		return
	}
	g.mu.Lock()
	g.marked, g.alerted = false, false
	g.mu.Unlock()
	h.announceSourcesHealth()
	h.wakeOutbox()
}

// announceSourcesHealth tells the sources screens, after raw updates.
func (h *hub) announceSourcesHealth() {
	recs, err := h.app.FindRecordsByFilter("sources", "enabled = true", "", 0, 0)
	if err == nil {
		h.announce(nil, recs)
	}
}

// diskFullAlert is what the owners read when the disk fills.
var diskFullAlert = notifier.Alert{
	Tag: "disk-full",
	Title: map[string]string{
		"en": "Mentiondesk: the disk is full",
		"fr": "Mentiondesk : le disque est plein",
	},
	Body: map[string]string{
		"en": "New mentions are not being collected and replies wait in the outbox. Free some space on the server: everything resumes by itself.",
		"fr": "Les nouvelles mentions ne sont plus relevées et les réponses attendent dans la file d'envoi. Libérez de la place sur le serveur : tout reprend tout seul.",
	},
}

// diskFullResponse tells a pusher (a webhook caller, a WebSub hub) to come
// back later: both retry on a 503.
func diskFullResponse(e *core.RequestEvent) error {
	e.Response.Header().Set("Retry-After", fmt.Sprint(int(diskFullRetry.Seconds())))
	return e.JSON(http.StatusServiceUnavailable, web.APIError(http.StatusServiceUnavailable, userMessage(errDiskFull)))
}
