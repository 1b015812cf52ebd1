package ops

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// Before a newer binary migrates an older database, the database is saved
// as a PocketBase backup (pb_data/backups/pre_upgrade_*.zip, listed and
// restorable in the admin UI like any other). It has to happen before
// PocketBase's bootstrap: the bootstrap itself applies PocketBase's system
// migrations, and `serve` applies ours right after, both in the same open
// of the database. So the file is read directly, and app.CreateBackup, which
// needs a bootstrapped app, cannot be used.
//
// Each migration run is one transaction (core.MigrationsRunner.Up): one
// that fails leaves the database as it was, and the server does not start.

// ErrUpgradeBackup is a failed pre-upgrade backup. The server refuses to
// migrate without one; MD_SKIP_UPGRADE_BACKUP=1 starts it anyway.
var ErrUpgradeBackup = errors.New("could not back up the database before upgrading it; free some disk space, or start with MD_SKIP_UPGRADE_BACKUP=1 to upgrade without a backup")

// upgradeBackupPrefix names the backups taken before an upgrade.
const upgradeBackupPrefix = "pre_upgrade_"

// pendingMigrations lists the migrations of system and app that the
// database at dbPath has not applied. A database to which none of app's
// migrations were ever applied holds no Mentiondesk data (a new directory,
// or one where only `superuser upsert` ran): nothing to lose, nothing is
// reported pending.
func pendingMigrations(dbPath string, system, app core.MigrationsList) ([]string, error) {
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := sqlitedb.Connect(dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var exists int
	if err := db.NewQuery("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='_migrations'").Row(&exists); err != nil {
		return nil, err
	}
	if exists == 0 {
		return nil, nil
	}
	var applied []string
	if err := db.NewQuery("SELECT file FROM _migrations").Column(&applied); err != nil {
		return nil, err
	}
	done := make(map[string]bool, len(applied))
	for _, f := range applied {
		done[f] = true
	}
	ours := false
	for _, m := range app.Items() {
		ours = ours || done[m.File]
	}
	if !ours {
		return nil, nil
	}
	var pending []string
	for _, l := range []core.MigrationsList{system, app} {
		for _, m := range l.Items() {
			if !done[m.File] {
				pending = append(pending, m.File)
			}
		}
	}
	return pending, nil
}

// coveringBackup is the newest pre-upgrade backup taken after the database
// last changed, if any. A server whose migration fails is restarted by
// systemd every few seconds; each start must not add another copy of the
// same database until the disk is full.
func coveringBackup(dataDir string) string {
	changed := time.Time{}
	for _, name := range []string{"data.db", "data.db-wal"} {
		if fi, err := os.Stat(filepath.Join(dataDir, name)); err == nil && fi.ModTime().After(changed) {
			changed = fi.ModTime()
		}
	}
	zips, _ := filepath.Glob(filepath.Join(dataDir, core.LocalBackupsDirName, upgradeBackupPrefix+"*.zip"))
	newest, newestAt := "", time.Time{}
	for _, z := range zips {
		if fi, err := os.Stat(z); err == nil && fi.ModTime().After(changed) && fi.ModTime().After(newestAt) {
			newest, newestAt = z, fi.ModTime()
		}
	}
	return newest
}

// upgradeBackup is what backupBeforeUpgrade did.
type upgradeBackup struct {
	Path    string   // the backup's zip, "" when no migration is pending
	Pending []string // the migrations about to run
	Reused  bool     // an earlier backup already holds this database
}

// backupBeforeUpgrade writes dataDir/backups/pre_upgrade_<time>.zip when
// migrations are pending, and returns its path ("" when nothing was
// pending); an earlier one is returned instead when the database has not
// changed since it was written. The zip has PocketBase's backup layout: data.db and storage/ at
// its root. data.db is a consistent copy made with VACUUM INTO, so a WAL
// left by a crash is included; auxiliary.db (logs only) is left out.
func backupBeforeUpgrade(dataDir string, now time.Time, system, app core.MigrationsList) (upgradeBackup, error) {
	dbPath := filepath.Join(dataDir, "data.db")
	pending, err := pendingMigrations(dbPath, system, app)
	if err != nil || len(pending) == 0 {
		return upgradeBackup{}, err
	}
	if earlier := coveringBackup(dataDir); earlier != "" {
		return upgradeBackup{Path: earlier, Pending: pending, Reused: true}, nil
	}
	backups := filepath.Join(dataDir, core.LocalBackupsDirName)
	tmpDir := filepath.Join(dataDir, core.LocalTempDirName)
	for _, d := range []string{backups, tmpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return upgradeBackup{}, err
		}
	}
	snapshot := filepath.Join(tmpDir, "pre_upgrade_"+fmt.Sprint(now.UnixNano())+".db")
	defer os.Remove(snapshot)
	if err := vacuumInto(dbPath, snapshot); err != nil {
		return upgradeBackup{}, err
	}
	name := upgradeBackupPrefix + now.UTC().Format("20060102150405") + ".zip"
	final := filepath.Join(backups, name)
	partial := filepath.Join(tmpDir, name)
	if err := writeBackupZip(partial, snapshot, filepath.Join(dataDir, core.LocalStorageDirName)); err != nil {
		os.Remove(partial)
		return upgradeBackup{}, err
	}
	// Renamed into place only once complete: a half-written zip is never
	// offered for restore.
	if err := os.Rename(partial, final); err != nil {
		os.Remove(partial)
		return upgradeBackup{}, err
	}
	return upgradeBackup{Path: final, Pending: pending}, nil
}

func vacuumInto(dbPath, target string) error {
	db, err := sqlitedb.Connect(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.NewQuery("VACUUM INTO {:target}").Bind(dbx.Params{"target": target}).Execute()
	return err
}

func writeBackupZip(zipPath, dbSnapshot, storageDir string) (err error) {
	f, err := os.OpenFile(zipPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(f)
	if err := addFile(zw, dbSnapshot, "data.db"); err != nil {
		return err
	}
	err = filepath.WalkDir(storageDir, func(p string, d fs.DirEntry, werr error) error {
		if errors.Is(werr, fs.ErrNotExist) && p == storageDir {
			return fs.SkipDir // no uploads yet
		}
		if werr != nil || d.IsDir() {
			return werr
		}
		rel, err := filepath.Rel(filepath.Dir(storageDir), p)
		if err != nil {
			return err
		}
		return addFile(zw, p, filepath.ToSlash(rel))
	})
	if err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Sync()
}

func addFile(zw *zip.Writer, src, name string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	w, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, in)
	return err
}

// bindUpgradeBackup backs up the database before a command that migrates
// it (serve, migrate up) runs on a database with pending migrations. It is
// the first bootstrap handler: nothing has opened the database yet.
func bindUpgradeBackup(app core.App, args []string, stderr io.Writer) {
	app.OnBootstrap().Bind(&hook.Handler[*core.BootstrapEvent]{
		Id:       "mentiondeskUpgradeBackup",
		Priority: -100000,
		Func: func(e *core.BootstrapEvent) error {
			cmd, rest := firstCommand(args)
			migrates := cmd == "serve" || (cmd == "migrate" && (len(rest) == 0 || rest[0] == "up"))
			if !migrates || os.Getenv("MD_SKIP_UPGRADE_BACKUP") == "1" {
				return e.Next()
			}
			started := time.Now()
			b, err := backupBeforeUpgrade(app.DataDir(), started, core.SystemMigrations, core.AppMigrations)
			if err != nil {
				return fmt.Errorf("%w (%v)", ErrUpgradeBackup, err)
			}
			// PocketBase's logger writes to the database only, and is not
			// open yet: the journal gets these lines from stderr.
			switch {
			case b.Reused:
				fmt.Fprintf(stderr, "upgrade: %d migration(s) to apply (%s); the database has not changed since %s, migrating\n",
					len(b.Pending), strings.Join(b.Pending, ", "), b.Path)
			case b.Path != "":
				fmt.Fprintf(stderr, "upgrade: %d migration(s) to apply (%s); database backed up to %s in %d ms, migrating\n",
					len(b.Pending), strings.Join(b.Pending, ", "), b.Path, time.Since(started).Milliseconds())
			}
			if err := e.Next(); err != nil {
				return err
			}
			if b.Path != "" {
				app.Logger().Info("upgrade: backed up the database before migrating it",
					slog.String("backup", b.Path), slog.String("migrations", strings.Join(b.Pending, ", ")))
			}
			return nil
		},
	})
}
