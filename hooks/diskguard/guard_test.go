package diskguard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/workers"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// fakeServer records what the guard asks of the rest of the server.
type fakeServer struct {
	workers   *workers.Pool
	announced atomic.Int32 // calls, each with the enabled sources
	lastSeen  atomic.Int32 // sources in the last announcement
	wakes     atomic.Int32
	mu        sync.Mutex
	alerts    []string // tag and French title of each alert
}

func (f *fakeServer) deps(reserve uint64) Deps {
	return Deps{
		Reserve: reserve, Workers: f.workers,
		Announce: func(created, updated []*core.Record) {
			f.announced.Add(1)
			f.lastSeen.Store(int32(len(created) + len(updated)))
		},
		WakeOutbox: func() { f.wakes.Add(1) },
		AlertOwners: func(_ context.Context, tag string, title, _ map[string]string) {
			f.mu.Lock()
			f.alerts = append(f.alerts, tag+": "+title["fr"])
			f.mu.Unlock()
		},
	}
}

// sentAlerts waits for the alerts in flight and returns them all.
func (f *fakeServer) sentAlerts() []string {
	f.workers.Join()
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.alerts...)
}

// guardCase is a migrated app with an enabled and a disabled source, and a
// guard reading a free space the test sets, against a 100-byte reserve.
func guardCase(t *testing.T) (core.App, *Guard, *fakeServer, *atomic.Uint64) {
	t.Helper()
	app, _ := apptest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &fakeServer{workers: workers.New(ctx, app.Logger())}
	t.Cleanup(f.workers.Join)
	apptest.Save(t, app, "sources", map[string]any{"id": "sourceenabled01", "kind": "mastodon", "name": "On", "url": "https://mastodon.example", "enabled": true, "interval_sec": 300})
	apptest.Save(t, app, "sources", map[string]any{"id": "sourcedisabled1", "kind": "mastodon", "name": "Off", "url": "https://mastodon.example", "enabled": false, "interval_sec": 300})
	g, err := Register(app, f.deps(100))
	if err != nil {
		t.Fatal(err)
	}
	var free atomic.Uint64
	free.Store(1000)
	g.SetFreeSpace(func(string) (uint64, error) { return free.Load(), nil }, 100)
	return app, g, f, &free
}

func health(t *testing.T, app core.App, id string) (lastError, info, nextCheck string) {
	t.Helper()
	r, err := app.FindRecordById("sources", id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString("last_error"), fmt.Sprint(r.Get("last_error_info")), r.GetString("next_check_at")
}

// Below the reserve writes wait, the enabled sources say why, the owners
// are alerted once; the pause lasts until twice the reserve is free, then
// the sources are due again and the outbox is woken. A second episode
// alerts again.
func TestShortUntilTwiceTheReserve(t *testing.T) {
	app, g, f, free := guardCase(t)
	if g.Short() {
		t.Fatal("short with 10× the reserve free")
	}
	free.Store(50)
	for range 3 {
		if !g.Short() {
			t.Fatal("not short with half the reserve free")
		}
	}
	if got := f.sentAlerts(); len(got) != 1 || got[0] != "disk-full: Mentiondesk : le disque est plein" {
		t.Fatalf("alerts %q, want one", got)
	}
	if msg, info, _ := health(t, app, "sourceenabled01"); msg != HealthMessage || info != `{"code":"source_disk_full"}` {
		t.Fatalf("enabled source's health %q %s", msg, info)
	}
	if msg, _, _ := health(t, app, "sourcedisabled1"); msg != "" {
		t.Fatalf("a disabled source was marked: %q", msg)
	}
	if f.announced.Load() != 1 || f.lastSeen.Load() != 1 {
		t.Fatalf("%d announcements of %d sources, want one of the enabled one", f.announced.Load(), f.lastSeen.Load())
	}

	free.Store(150) // above the reserve, below twice it
	if !g.Short() || f.wakes.Load() != 0 {
		t.Fatal("resumed at the edge of the reserve")
	}
	free.Store(200)
	if g.Short() {
		t.Fatal("still short with twice the reserve free")
	}
	if msg, info, next := health(t, app, "sourceenabled01"); msg != "" || info != "null" || next == "" {
		t.Fatalf("after recovery: health %q %s, next check %q", msg, info, next)
	}
	if f.wakes.Load() != 1 || f.announced.Load() != 2 {
		t.Fatalf("after recovery: %d outbox wakes, %d announcements", f.wakes.Load(), f.announced.Load())
	}

	free.Store(0)
	g.Short()
	if got := f.sentAlerts(); len(got) != 2 {
		t.Fatalf("a second episode: %d alerts in all, want 2", len(got))
	}
}

// A free space that cannot be read keeps the last verdict.
func TestUnreadableFreeSpaceKeepsTheVerdict(t *testing.T) {
	_, g, _, _ := guardCase(t)
	broken := func(string) (uint64, error) { return 0, syscall.EIO }
	g.SetFreeSpace(broken, 100)
	if g.Short() {
		t.Fatal("an unreadable disk paused a healthy server")
	}
	g.SetFreeSpace(func(string) (uint64, error) { return 0, nil }, 100)
	g.Short()
	g.SetFreeSpace(broken, 100)
	if !g.Short() {
		t.Fatal("an unreadable disk resumed a full one")
	}
}

// SQLite's own refusal marks the disk full whatever the free space read;
// other write errors do not.
func TestWriteErrorsThatMeanFull(t *testing.T) {
	app, g, f, _ := guardCase(t)
	g.NoteWriteError(nil)
	g.NoteWriteError(errors.New("UNIQUE constraint failed: mentions.external_id"))
	if msg, _, _ := health(t, app, "sourceenabled01"); msg != "" || len(f.sentAlerts()) != 0 {
		t.Fatalf("an ordinary write error marked the disk full: %q", msg)
	}
	g.NoteWriteError(errors.New("database or disk is full (13)")) // SQLite's SQLITE_FULL text
	if msg, _, _ := health(t, app, "sourceenabled01"); msg != HealthMessage || len(f.sentAlerts()) != 1 {
		t.Fatalf("SQLITE_FULL: health %q, %d alerts", msg, len(f.sentAlerts()))
	}
	// The free space reads fine: the next check resumes.
	if g.Short() || f.wakes.Load() != 1 {
		t.Fatalf("not resumed once the free space is back (%d wakes)", f.wakes.Load())
	}
}

func TestIsDiskFull(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errors.New("database or disk is full (13)"), true},
		{errors.New("sqlite3: SQLITE_FULL"), true},
		{fmt.Errorf("writing the cursor: %w", syscall.ENOSPC), true},
		{errors.New("database is locked (5) (SQLITE_BUSY)"), false},
		{syscall.EIO, false},
	} {
		if got := IsDiskFull(c.err); got != c.want {
			t.Errorf("IsDiskFull(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A pusher is told to come back in five minutes.
func TestRefuse(t *testing.T) {
	app, _ := apptest.New(t)
	rec := httptest.NewRecorder()
	e := &core.RequestEvent{App: app}
	e.Request = httptest.NewRequest(http.MethodPost, "/api/md/hooks/x", nil)
	e.Response = rec
	if err := Refuse(e); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "300" || !strings.Contains(rec.Body.String(), "disk is full") {
		t.Fatalf("%d, Retry-After %q, %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
}

func TestRegisterNeedsItsDeps(t *testing.T) {
	app, _ := apptest.New(t)
	if _, err := Register(app, Deps{Reserve: 1}); !errors.Is(err, ErrMissingDep) {
		t.Fatalf("Register without callbacks: %v, want ErrMissingDep", err)
	}
}
