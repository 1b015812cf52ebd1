// Package diskguard watches the free space of the data directory's
// filesystem and tells the rest of the server when writes that can wait
// must wait.
//
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
package diskguard

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/workers"
)

// Deps is what the disk guard needs from the rest of the server.
type Deps struct {
	// Reserve is the free space, in bytes, below which writes that can
	// wait must wait.
	Reserve uint64
	// Workers sends the owners' alert off the caller's path.
	Workers *workers.Pool
	// Announce runs PocketBase's after-success hooks for records written
	// without a Save: the sources screens learn of the health the guard
	// wrote with a raw update.
	Announce func(created, updated []*core.Record)
	// WakeOutbox lets the replies held while space was short leave.
	WakeOutbox func()
	// AlertOwners sends the owners a message about the server itself,
	// title and body by language.
	AlertOwners func(ctx context.Context, tag string, title, body map[string]string)
}

// ErrMissingDep is returned by Register when Deps lacks a callback or
// the workers.
var ErrMissingDep = errors.New("diskguard: Deps.Workers, Announce, WakeOutbox and AlertOwners are required")

// Guard tracks whether the data directory's filesystem is short of
// space.
type Guard struct {
	app     core.App
	d       Deps
	dir     string
	reserve uint64
	// free reports the bytes available to us on dir's filesystem; tests
	// replace it (SetFreeSpace).
	free func(dir string) (uint64, error)

	mu      sync.Mutex
	full    bool
	marked  bool // sources carry HealthMessage
	alerted bool // the owners were told, this episode
}

// Register returns the guard of app's data directory. It binds nothing:
// the concerns that write what can wait ask it (Short) and report
// SQLite's refusals to it (NoteWriteError).
func Register(app core.App, d Deps) (*Guard, error) {
	if d.Workers == nil || d.Announce == nil || d.WakeOutbox == nil || d.AlertOwners == nil {
		return nil, ErrMissingDep
	}
	return &Guard{app: app, d: d, dir: app.DataDir(), reserve: d.Reserve, free: FreeSpace}, nil
}

// FreeSpace reports the bytes available to an unprivileged writer on
// dir's filesystem.
func FreeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// SetFreeSpace replaces how free space is read, and the reserve it is
// held to: tests bring the disk to its limits without filling one.
func (g *Guard) SetFreeSpace(free func(dir string) (uint64, error), reserve uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.free, g.reserve = free, reserve
}

// Short says whether writes that can wait must wait, updating the state
// (and the sources, and the owners) on a change.
func (g *Guard) Short() bool {
	g.mu.Lock()
	readFree, reserve := g.free, g.reserve
	g.mu.Unlock()
	free, err := readFree(g.dir)
	g.mu.Lock()
	was := g.full
	switch {
	case err != nil:
		// Cannot tell: keep the last verdict.
	case free < reserve:
		g.full = true
	case free >= 2*reserve:
		g.full = false
	}
	full := g.full
	g.mu.Unlock()
	log := g.app.Logger()
	if err != nil {
		log.Warn("disk: cannot read free space", "dir", g.dir, "error", err)
	}
	switch {
	case full:
		if !was {
			log.Error("disk: data directory full, pausing ingest and the outbox", "dir", g.dir, "free_bytes", free, "reserve_bytes", reserve)
		}
		g.onFull()
	case was:
		log.Info("disk: space is back, resuming", "dir", g.dir, "free_bytes", free)
		g.onBack()
	}
	return full
}

// NoteWriteError marks the disk full when SQLite said so, whatever the
// free space reads (another process may have filled it since).
func (g *Guard) NoteWriteError(err error) {
	if err == nil || !IsDiskFull(err) {
		return
	}
	g.mu.Lock()
	g.full = true
	g.mu.Unlock()
	g.onFull()
}

// IsDiskFull recognises SQLITE_FULL (result code 13) and ENOSPC. The
// driver's error type is not part of its stable API; its text is fixed by
// SQLite (sqlite3ErrStr).
func IsDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "database or disk is full") || strings.Contains(s, "SQLITE_FULL")
}
