package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/internal/fakemastodon"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// TestDiskFullOnARealFilesystem fills a real, size-limited filesystem
// under the data directory. It needs one made for it, so it only runs when
// MD_DISKFULL_DIR names the mount point (.ci/diskfull.sh mounts a 64 MiB
// tmpfs as root and runs it).
func TestDiskFullOnARealFilesystem(t *testing.T) {
	mount := os.Getenv("MD_DISKFULL_DIR")
	if mount == "" {
		t.Skip("MD_DISKFULL_DIR is not set: run .ci/diskfull.sh (root, tmpfs)")
	}
	dir := filepath.Join(mount, "pb_data")
	if err := os.CopyFS(dir, os.DirFS(templateDir)); err != nil {
		t.Fatal(err)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	const reserve = 8 << 20
	h, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey, AllowPrivateURLs: true, DiskReserve: reserve})
	if err != nil {
		t.Fatal(err)
	}

	// The owner's alert channel.
	var alerts atomic.Int32
	alertSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { alerts.Add(1) }))
	defer alertSrv.Close()
	saveRecord(t, app, "notifications", map[string]any{"user": ownerID, "kind": "webhook", "target": alertSrv.URL, "enabled": true, "events": []string{"new_ticket"}})

	// A feed that brings 50 new items at every poll.
	var polls atomic.Int32
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := polls.Add(1)
		items := genItems(50, fmt.Sprintf("poll%d", n), uint64(n), time.Hour)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = io.WriteString(w, rss(items, time.Now()))
	}))
	defer feedSrv.Close()
	feed := feedSource(t, app, feedSrv.URL)

	// A conversation on Mastodon with a reply waiting in the outbox.
	masto := fakemastodon.New(t)
	msrc := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": masto.URL, "enabled": true})
	h.secrets.Set(msrc, map[string]string{"token": "tok_outbox"})
	if err := app.Save(msrc); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.desk.Ingest(msrc, []connectors.Mention{{ExternalID: "113186126728896492", Author: "@claire@mastodon.example",
		Text: "@cafelumiere ma commande n'est jamais arrivée", Published: time.Now().Add(-time.Hour)}}, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	var tk *core.Record
	if tk, err = app.FindFirstRecordByFilter("tickets", "channel = 'mastodon' && id != {:f}", map[string]any{"f": ticketID}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sources.PollSource(context.Background(), feed.Id); err != nil {
		t.Fatalf("first poll, disk not full: %v", err)
	}
	before := countRows(t, app, "mentions")

	// Fill the filesystem to 1 MiB short of full: below the reserve.
	filler := filepath.Join(mount, "filler")
	fill(t, filler, 1<<20)
	reply := queueReply(t, app, tk.Id, "On regarde ça tout de suite.")

	if _, err := h.sources.PollSource(context.Background(), feed.Id); !errors.Is(err, diskguard.ErrDiskFull) {
		t.Fatalf("poll on a full disk: %v", err)
	}
	h.outbox.SendDue(context.Background())
	for deadline := time.Now().Add(5 * time.Second); alerts.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	h.disk.Short()
	h.disk.Short()
	time.Sleep(100 * time.Millisecond)
	if n := alerts.Load(); n != 1 {
		t.Fatalf("the owner got %d alerts, want 1", n)
	}
	for _, id := range []string{feed.Id, msrc.Id} {
		if src, _ := app.FindRecordById("sources", id); src.GetString("last_error") != diskguard.HealthMessage {
			t.Fatalf("source %s health %q on a full disk", id, src.GetString("last_error"))
		}
	}
	if masto.Created != 0 {
		t.Fatal("a reply left while the disk could not record it")
	}
	// Reading works: the app stays usable.
	if got, err := app.FindRecordById("tickets", tk.Id); err != nil || got.Id != tk.Id {
		t.Fatalf("reading a ticket on a full disk: %v", err)
	}

	// Now truly full: SQLite itself refuses, rolls back, and says so.
	fill(t, filler+"2", 0)
	_, _, err = h.desk.Ingest(feed, []connectors.Mention{{ExternalID: "late-1", Author: "zoe", Text: "Café Lune " + strings.Repeat("encore ", 3000)}}, time.Now(), nil)
	if err == nil {
		t.Log("SQLite found room in its existing pages for one more mention")
	} else if !diskguard.IsDiskFull(err) {
		t.Fatalf("ingest on a full disk failed with %v, not a disk-full error", err)
	}
	integrityOK(t, app)

	// Space comes back: everything resumes by itself.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filler + "2"); err != nil {
		t.Fatal(err)
	}
	if h.disk.Short() {
		t.Fatal("still paused with the space back")
	}
	if src, _ := app.FindRecordById("sources", feed.Id); src.GetString("last_error") != "" {
		t.Fatalf("source health %q after recovery", src.GetString("last_error"))
	}
	if _, err := h.sources.PollSource(context.Background(), feed.Id); err != nil {
		t.Fatalf("poll after recovery: %v", err)
	}
	if after := countRows(t, app, "mentions"); after <= before {
		t.Fatalf("nothing ingested after recovery (%d → %d)", before, after)
	}
	h.outbox.SendDue(context.Background())
	h.outbox.SendDue(context.Background())
	reply, _ = app.FindRecordById("replies", reply.Id)
	if masto.Created != 1 || reply.GetString("status") != "sent" {
		t.Fatalf("after recovery: %d posts, reply %s", masto.Created, reply.GetString("status"))
	}
	integrityOK(t, app)
}

// fill writes zeros to path until the filesystem has at most leave bytes
// free (0: until it refuses).
func fill(t *testing.T, path string, leave uint64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zeros := make([]byte, 64<<10)
	for {
		free, err := diskguard.FreeSpace(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if leave > 0 && free <= leave {
			return
		}
		chunk := zeros
		if leave > 0 && free-leave < uint64(len(chunk)) {
			chunk = zeros[:free-leave]
		}
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

func countRows(t *testing.T, app core.App, table string) int {
	t.Helper()
	var n int
	if err := app.DB().NewQuery("SELECT count(*) FROM " + table).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func integrityOK(t *testing.T, app core.App) {
	t.Helper()
	var res []string
	if err := app.DB().NewQuery("PRAGMA integrity_check").Column(&res); err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0] != "ok" {
		t.Fatalf("integrity_check: %v", res)
	}
}
