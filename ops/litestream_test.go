package ops

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLitestreamReplica replicates a running server's data.db to a file
// replica with Litestream while records are written through the REST API,
// restores the replica into an empty directory, and checks that the
// restored database holds the same rows and that the binary serves it.
// It needs the litestream command (MD_LITESTREAM_BIN; .ci/run installs it
// with go install).
func TestLitestreamReplica(t *testing.T) {
	bin := releaseBinary(t)
	ls := os.Getenv("MD_LITESTREAM_BIN")
	if ls == "" {
		t.Skip("MD_LITESTREAM_BIN is not set (see .ci/run)")
	}
	dir, replica, restoredDir := t.TempDir(), t.TempDir(), t.TempDir()
	email, password := superuser(t, bin, dir)
	s := startServer(t, bin, dir)
	token := signIn(t, s.url, email, password)

	// The file replica, as in README's litestream.yml (field names from
	// litestream.io/reference/config: dbs[].path, replica.type, replica.path).
	cfg := filepath.Join(t.TempDir(), "litestream.yml")
	yml := "dbs:\n  - path: " + filepath.Join(dir, "data.db") + "\n    replica:\n      type: file\n      path: " + replica + "\n"
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	var lsOut lockedBuffer
	rep := exec.Command(ls, "replicate", "-config", cfg)
	rep.Stdout, rep.Stderr = &lsOut, &lsOut
	if err := rep.Start(); err != nil {
		t.Fatal(err)
	}
	repDone := make(chan error, 1)
	go func() { repDone <- rep.Wait() }()
	defer func() {
		if rep.ProcessState == nil {
			_ = rep.Process.Kill()
		}
	}()

	// Writes in bursts while Litestream ships the WAL: inserts, edits and
	// deletions spread over several of its sync intervals (1 s).
	for round := range 4 {
		writeRecords(t, s.url, token, "ls"+string(rune('a'+round)), 25)
		time.Sleep(700 * time.Millisecond)
	}
	want := tableRows(t, filepath.Join(dir, "data.db"))
	time.Sleep(3 * time.Second) // more than a sync interval after the last write
	_ = rep.Process.Signal(syscall.SIGTERM)
	select {
	case <-repDone:
	case <-time.After(20 * time.Second):
		t.Fatalf("litestream ignored SIGTERM\n%s", lsOut.String())
	}

	restored := filepath.Join(restoredDir, "data.db")
	out, err := exec.Command(ls, "restore", "-o", restored, "file://"+replica).CombinedOutput()
	if err != nil {
		t.Fatalf("litestream restore: %v\n%s\nreplicate log:\n%s", err, out, lsOut.String())
	}
	got := tableRows(t, restored)
	if diffs := append(sameRows(want, got), sameRows(got, want)...); len(diffs) > 0 {
		t.Fatalf("restored replica differs from the live database:\n%s\nreplicate log:\n%s", strings.Join(diffs, "\n"), lsOut.String())
	}
	s.stop(t)

	// The restored database is a working data directory.
	r := startServer(t, bin, restoredDir)
	var page struct{ TotalItems int }
	call(t, "GET", r.url+"/api/collections/contacts/records?perPage=1", signIn(t, r.url, email, password), nil, &page)
	if page.TotalItems != len(want["contacts"]) {
		t.Errorf("server on the restored database lists %d contacts, want %d", page.TotalItems, len(want["contacts"]))
	}
	t.Logf("%d rows in %d tables replicated and restored", countRows(want), len(want))
}
