package ops

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpgradeFromPreviousRelease starts this build on a data directory an
// earlier release wrote (testdata/upgrade: made by
// scripts/make-upgrade-fixture.sh from the commit in testdata/upgrade/COMMIT,
// a month of demo data), and checks that it backs the database up, says so,
// migrates it, serves it, and that every row of the old database is still
// there with the same values once the server stops.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	bin := releaseBinary(t)
	dir := t.TempDir()
	fixture := filepath.Join(t.TempDir(), "before.db")
	gunzip(t, "../testdata/upgrade/data.db.gz", fixture)
	copyFile(t, fixture, filepath.Join(dir, "data.db"))
	before := tableRows(t, fixture)

	s := startServer(t, bin, dir)
	token := signIn(t, s.url, "fixture@example.com", "fixture-password-1")
	var page struct{ TotalItems int }
	call(t, "GET", s.url+"/api/collections/tickets/records?perPage=1", token, nil, &page)
	if page.TotalItems != len(before["tickets"]) {
		t.Errorf("the upgraded server lists %d tickets, the old database has %d", page.TotalItems, len(before["tickets"]))
	}
	s.stop(t)

	log := s.out.String()
	if !strings.Contains(log, "database backed up to "+filepath.Join(dir, "backups", "pre_upgrade_")) {
		t.Errorf("the log does not say the database was backed up before migrating:\n%s", log)
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "backups", "pre_upgrade_*.zip"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v, want one pre_upgrade zip", backups)
	}

	after := tableRows(t, filepath.Join(dir, "data.db"))
	// What an upgrade is meant to change is left out, each for a reason; a
	// new migration that rewrites data on purpose adds its line here.
	skip := []string{
		"_collections", "_params", "_migrations", // the schema and PocketBase's settings: what migrations change
		"*.updated",                               // rows the migrations or the running server touched
		"settings.allow_private_urls",             // dropped: only the operator's flag opens the address guard
		"tickets.sla_at_risk", "tickets.breached", // the SLA watcher's first pass: deadlines passed since the fixture was made
	}
	if diffs := sameRows(before, after, skip...); len(diffs) > 0 {
		t.Errorf("the upgrade changed or lost %d rows of %d:\n%s", len(diffs), countRows(before), strings.Join(diffs, "\n"))
	}
	if len(before["mentions"]) == 0 || len(before["tickets"]) == 0 {
		t.Fatal("the fixture has no mentions or tickets: remake it")
	}
	t.Logf("%d rows in %d tables survived; backup %s", countRows(before), len(before), filepath.Base(backups[0]))
}

func gunzip(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
