package ops

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// migratedDataDir is a data directory migrated by this build, with one
// contact and one uploaded file in it. The app is left bootstrapped.
func migratedDataDir(t *testing.T) (string, core.App) {
	t.Helper()
	app, dir := apptest.New(t)
	apptest.Save(t, app, "contacts", map[string]any{"platform": "mastodon", "handle": "@anne@example.social"})
	upload := filepath.Join(dir, core.LocalStorageDirName, "c1", "r1", "photo.jpg")
	if err := os.MkdirAll(filepath.Dir(upload), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(upload, []byte("not really a jpeg"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, app
}

func withExtra(list core.MigrationsList, m *core.Migration) core.MigrationsList {
	var out core.MigrationsList
	out.Copy(list)
	out.Add(m)
	return out
}

func TestBackupBeforeUpgradeHoldsTheRecordsAndUploads(t *testing.T) {
	// The app stays open: the copy must see what it committed (WAL mode).
	dir, _ := migratedDataDir(t)
	next := withExtra(core.AppMigrations, &core.Migration{File: "9999999999_next_release.go"})
	now := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)

	b, err := backupBeforeUpgrade(dir, now, core.SystemMigrations, next)
	if err != nil {
		t.Fatal(err)
	}
	path := b.Path
	if !slices.Equal(b.Pending, []string{"9999999999_next_release.go"}) || b.Reused {
		t.Fatalf("backup = %+v", b)
	}
	if want := filepath.Join(dir, "backups", "pre_upgrade_20261129020000.zip"); path != want {
		t.Fatalf("backup at %q, want %q", path, want)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"data.db", "storage/c1/r1/photo.jpg"}) {
		t.Fatalf("zip holds %q", names)
	}
	restored := filepath.Join(t.TempDir(), "data.db")
	extract(t, zr, "data.db", restored)
	db, err := sqlitedb.Connect(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var handle string
	if err := db.NewQuery("SELECT handle FROM contacts").Row(&handle); err != nil || handle != "@anne@example.social" {
		t.Fatalf("contact in the backup: %q, %v", handle, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, core.LocalTempDirName)); len(entries) != 0 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestNoBackupWithoutPendingMigrations(t *testing.T) {
	dir, _ := migratedDataDir(t)
	b, err := backupBeforeUpgrade(dir, time.Now(), core.SystemMigrations, core.AppMigrations)
	if err != nil || b.Path != "" || len(b.Pending) != 0 {
		t.Fatalf("up-to-date database: %+v, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "backups")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("backups dir created for nothing: %v", err)
	}
	// A new, empty directory has nothing to lose either.
	b, err = backupBeforeUpgrade(t.TempDir(), time.Now(), core.SystemMigrations, core.AppMigrations)
	if err != nil || b.Path != "" {
		t.Fatalf("empty directory: %+v, %v", b, err)
	}
	// `superuser upsert` before the first start: PocketBase's own tables
	// only, none of ours yet.
	only := t.TempDir()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: only, DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	_ = app.ResetBootstrapState()
	b, err = backupBeforeUpgrade(only, time.Now(), core.SystemMigrations, core.AppMigrations)
	if err != nil || b.Path != "" {
		t.Fatalf("a database with PocketBase's tables only: %+v, %v", b, err)
	}
}

func TestRestartsAfterAFailedMigrationReuseTheBackup(t *testing.T) {
	dir, app := migratedDataDir(t)
	next := withExtra(core.AppMigrations, &core.Migration{File: "9999999999_next_release.go"})
	first, err := backupBeforeUpgrade(dir, time.Now(), core.SystemMigrations, next)
	if err != nil {
		t.Fatal(err)
	}
	// systemd restarts the server; the migration fails again; nothing
	// was written in between.
	again, err := backupBeforeUpgrade(dir, time.Now().Add(5*time.Second), core.SystemMigrations, next)
	if err != nil || again.Path != first.Path || !again.Reused {
		t.Fatalf("second start: %+v, %v; want the first backup %s reused", again, err, first.Path)
	}
	// Once the database changes, the old backup no longer holds it.
	time.Sleep(10 * time.Millisecond)
	apptest.Save(t, app, "contacts", map[string]any{"platform": "bluesky", "handle": "@bob.example"})
	later, err := backupBeforeUpgrade(dir, time.Now().Add(time.Minute), core.SystemMigrations, next)
	if err != nil || later.Reused || later.Path == first.Path {
		t.Fatalf("after a change: %+v, %v; want a new backup", later, err)
	}
}

func TestFailingMigrationLeavesTheDatabaseAsItWas(t *testing.T) {
	_, app := migratedDataDir(t)
	schemaBefore := schema(t, app)
	errBroken := errors.New("broken migration")
	broken := &core.Migration{File: "9999999999_broken.go", Up: func(tx core.App) error {
		// Half of a migration succeeds before the other half fails.
		if err := tx.Save(core.NewBaseCollection("half_done")); err != nil {
			return err
		}
		if _, err := tx.DB().Update("contacts", dbx.Params{"handle": "@changed"}, nil).Execute(); err != nil {
			return err
		}
		return errBroken
	}}
	_, err := core.NewMigrationsRunner(app, withExtra(core.AppMigrations, broken)).Up()
	if !errors.Is(err, errBroken) {
		t.Fatalf("Up() = %v, want the migration's error", err)
	}
	if got := schema(t, app); !slices.Equal(got, schemaBefore) {
		t.Fatalf("schema changed by a failed migration:\nbefore %q\nafter  %q", schemaBefore, got)
	}
	var handle string
	if err := app.DB().NewQuery("SELECT handle FROM contacts").Row(&handle); err != nil || handle != "@anne@example.social" {
		t.Fatalf("contact after the failed migration: %q, %v", handle, err)
	}
	var n int
	_ = app.DB().NewQuery("SELECT count(*) FROM _migrations WHERE file = '9999999999_broken.go'").Row(&n)
	if n != 0 {
		t.Fatal("the failed migration is recorded as applied")
	}
	if _, err := app.FindCollectionByNameOrId("half_done"); err == nil {
		t.Fatal("the failed migration's collection exists")
	}
}

func schema(t *testing.T, app core.App) []string {
	t.Helper()
	var rows []string
	if err := app.DB().NewQuery("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY name").Column(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func extract(t *testing.T, zr *zip.ReadCloser, name, to string) {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, f); err != nil {
		t.Fatal(err)
	}
}
