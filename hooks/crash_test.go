package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// The crash tests kill a real process with SIGKILL while it polls, then
// start again on the same data directory: "killing the process during a
// poll and starting it again stores every mention exactly once". The
// child is this test binary run again with -test.run=^TestCrashChild$;
// the hooks it binds only tell the parent when to kill, they change
// nothing the pipeline does.

const (
	crashEnvDir    = "MD_CRASH_DIR"
	crashEnvSource = "MD_CRASH_SOURCE"
	crashEnvMode   = "MD_CRASH_MODE"
	crashEnvMarker = "MD_CRASH_MARKER"

	crashItems = 2000
)

// openDataDir opens a persistent data directory the way the binary does
// (bootstrap, migrations) and registers our hooks, workers off.
func openDataDir(t testing.TB, dir string) (*core.BaseApp, *hub) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	h, err := register(app, Config{DisableWorkers: true, AllowPrivateURLs: true})
	if err != nil {
		t.Fatal(err)
	}
	return app, h
}

// TestCrashChild is the process that gets killed. It does nothing unless
// TestCrashRecovery started it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("helper process of TestCrashRecovery")
	}
	app, h := openDataDir(t, dir)
	marker := os.Getenv(crashEnvMarker)
	// stop tells the parent how many mentions and tickets this process
	// could see at that moment, then waits to be killed while holding
	// whatever it holds.
	stop := func(db dbx.Builder) {
		var n, tickets int
		if err := db.Select("count(*)").From("mentions").Row(&n); err != nil {
			t.Errorf("counting at the kill point: %v", err)
		}
		if err := db.Select("count(*)").From("tickets").Row(&tickets); err != nil {
			t.Errorf("counting at the kill point: %v", err)
		}
		if err := os.WriteFile(marker+".tmp", fmt.Appendf(nil, "%d %d", n, tickets), 0o600); err != nil {
			t.Errorf("writing the marker: %v", err)
		}
		if err := os.Rename(marker+".tmp", marker); err != nil {
			t.Errorf("writing the marker: %v", err)
		}
		time.Sleep(time.Minute)
		t.Error("not killed within a minute")
		os.Exit(3)
	}
	switch mode := os.Getenv(crashEnvMode); mode {
	case "mid-transaction":
		// Mentions, tickets, contacts and the source's cursor are written
		// with prepared statements, not Saves, so no record hook marks the
		// moment: ingest's own seam does, everything written and nothing
		// committed.
		h.desk.BeforeCommit = func(tx core.App) { stop(tx.DB()) }
	case "after-commit":
		// The source's new health is announced to after-success hooks
		// once the batch has committed, before pollSource emits events.
		app.OnRecordAfterUpdateSuccess("sources").BindFunc(func(e *core.RecordEvent) error {
			stop(e.App.DB())
			return e.Next()
		})
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	res, err := h.sources.PollSource(context.Background(), os.Getenv(crashEnvSource))
	t.Fatalf("the poll ended without reaching the kill point: %+v, %v", res, err)
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	t.Parallel()
	t.Run("mid-transaction", func(t *testing.T) {
		t.Parallel()
		crashScenario(t, "mid-transaction")
	})
	t.Run("after-commit", func(t *testing.T) {
		t.Parallel()
		crashScenario(t, "after-commit")
	})
}

func crashScenario(t *testing.T, mode string) {
	items := genItems(crashItems, "crash", 7, 72*time.Hour)
	body := []byte(rss(items, time.Now().UTC()))
	// Mid-transaction, the feed honours conditional requests, so the poll
	// after the recovery one must be a 304 sent with the validators the
	// recovery stored. After the commit, it sends no validators, as many
	// servers do: the whole feed comes again and every item is a duplicate.
	conditional := mode == "mid-transaction"
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if conditional && r.Header.Get("If-None-Match") == `"crash-v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		if conditional {
			w.Header().Set("ETag", `"crash-v1"`)
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	root := t.TempDir()
	dir := filepath.Join(root, "pb_data")
	app, _ := openDataDir(t, dir)
	saveRecord(t, app, "keywords", map[string]any{"term": "Café Lune", "kind": "brand"})
	srcID := feedSource(t, app, srv.URL).Id
	if err := app.ResetBootstrapState(); err != nil {
		t.Fatal(err)
	}

	// The child's TestMain makes a template data dir it cannot remove when
	// killed: keep it under root so the test's cleanup does.
	childTmp := filepath.Join(root, "tmp")
	if err := os.Mkdir(childTmp, 0o700); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(root, "marker")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(),
		crashEnvDir+"="+dir, crashEnvSource+"="+srcID, crashEnvMode+"="+mode, crashEnvMarker+"="+marker,
		"TMPDIR="+childTmp)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.After(60 * time.Second)
	var seenAtKill []byte
wait:
	for {
		select {
		case err := <-exited:
			t.Fatalf("child exited before the kill point (%v):\n%s", err, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("child did not reach the kill point in time:\n%s", out.String())
		case <-time.After(5 * time.Millisecond):
			b, err := os.ReadFile(marker)
			if err == nil {
				seenAtKill = b
				break wait
			}
			if !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil || cmd.ProcessState.Success() {
		t.Fatalf("child was not killed (%v):\n%s", err, out.String())
	}

	app, h := openDataDir(t, dir)
	defer func() {
		if err := app.ResetBootstrapState(); err != nil {
			t.Error(err)
		}
	}()
	var integrity string
	if err := app.DB().NewQuery("PRAGMA integrity_check").Row(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity check after the kill: %q %v", integrity, err)
	}
	mentions := func() (rows, distinct int) {
		t.Helper()
		err := app.DB().NewQuery("SELECT count(*), count(DISTINCT external_id) FROM mentions WHERE source = {:s}").
			Bind(dbx.Params{"s": srcID}).Row(&rows, &distinct)
		if err != nil {
			t.Fatal(err)
		}
		return rows, distinct
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := app.DB().Select("count(*)").From(table).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	source := func() *core.Record {
		t.Helper()
		s, err := app.FindRecordById("sources", srcID)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	switch mode {
	case "mid-transaction":
		var seenMentions, seenTickets int
		if _, err := fmt.Sscan(string(seenAtKill), &seenMentions, &seenTickets); err != nil || seenMentions != crashItems || seenTickets == 0 {
			t.Fatalf("the child saw %q (uncommitted mentions, tickets) at the kill, want all %d mentions and their tickets", seenAtKill, crashItems)
		}
		// Everything the batch wrote is gone, the cursor did not move.
		if rows, _ := mentions(); rows != 0 {
			t.Fatalf("%d mentions survived a kill inside the batch transaction", rows)
		}
		for _, table := range []string{"tickets", "contacts", "ticket_events", "mentions_fts"} {
			if n := count(table); n != 0 {
				t.Errorf("%d rows in %s after the rollback", n, table)
			}
		}
		s := source()
		if s.GetString("etag") != "" || s.GetString("last_modified") != "" || s.GetString("cursor") != "" ||
			s.GetString("last_ok_at") != "" || s.GetInt("last_new") != 0 {
			t.Fatalf("the source moved without its rows: etag %q last_modified %q cursor %q last_ok_at %q last_new %d",
				s.GetString("etag"), s.GetString("last_modified"), s.GetString("cursor"), s.GetString("last_ok_at"), s.GetInt("last_new"))
		}

		res, err := h.sources.PollSource(context.Background(), srcID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Seen != crashItems || res.Stats.New != crashItems || res.Stats.Duplicates != 0 {
			t.Fatalf("recovery poll: %+v", res.Stats)
		}
		if rows, distinct := mentions(); rows != crashItems || distinct != crashItems {
			t.Fatalf("after the recovery poll: %d mentions, %d distinct external ids, want %d", rows, distinct, crashItems)
		}
		if n := count("mentions_fts"); n != crashItems {
			t.Errorf("%d rows in the search index, want %d", n, crashItems)
		}
		if s := source(); s.GetString("etag") != `"crash-v1"` || s.GetInt("last_new") != crashItems {
			t.Fatalf("after the recovery poll: etag %q last_new %d", s.GetString("etag"), s.GetInt("last_new"))
		}
		tickets := count("tickets")
		if tickets != seenTickets {
			t.Fatalf("the recovery poll opened %d tickets, the killed one had written %d", tickets, seenTickets)
		}

		res, err = h.sources.PollSource(context.Background(), srcID)
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 0 || notModified.Load() != 1 {
			t.Fatalf("third poll: new %d, 304 answers %d", res.New, notModified.Load())
		}
		if rows, _ := mentions(); rows != crashItems || count("tickets") != tickets {
			t.Fatalf("third poll stored something: %d mentions, %d tickets (was %d)", rows, count("tickets"), tickets)
		}

	case "after-commit":
		if !strings.HasPrefix(string(seenAtKill), strconv.Itoa(crashItems)+" ") {
			t.Fatalf("the child saw %s committed mentions at the kill, want %d", seenAtKill, crashItems)
		}
		if rows, distinct := mentions(); rows != crashItems || distinct != crashItems {
			t.Fatalf("after the kill: %d mentions, %d distinct, want %d", rows, distinct, crashItems)
		}
		s := source()
		if s.GetInt("last_new") != crashItems || s.GetString("last_ok_at") == "" {
			t.Fatalf("the committed batch lost its source update: last_new %d last_ok_at %q", s.GetInt("last_new"), s.GetString("last_ok_at"))
		}
		tickets, contacts, events := count("tickets"), count("contacts"), count("ticket_events")
		if tickets == 0 || contacts == 0 {
			t.Fatalf("the committed batch has %d tickets and %d contacts", tickets, contacts)
		}

		res, err := h.sources.PollSource(context.Background(), srcID)
		if err != nil {
			t.Fatal(err)
		}
		if full.Load() != 2 {
			t.Fatalf("the restart poll was not a full fetch (%d full answers)", full.Load())
		}
		if res.Stats.Seen != crashItems || res.Stats.New != 0 || res.Stats.Duplicates != crashItems {
			t.Fatalf("restart poll: %+v", res.Stats)
		}
		if rows, distinct := mentions(); rows != crashItems || distinct != crashItems {
			t.Fatalf("after the restart poll: %d mentions, %d distinct, want %d", rows, distinct, crashItems)
		}
		if count("tickets") != tickets || count("contacts") != contacts || count("ticket_events") != events || count("mentions_fts") != crashItems {
			t.Fatalf("the restart poll wrote again: tickets %d→%d contacts %d→%d events %d→%d fts %d",
				tickets, count("tickets"), contacts, count("contacts"), events, count("ticket_events"), count("mentions_fts"))
		}
	}
}
