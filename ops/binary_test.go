package ops

// Tests that run the release binary the way an operator does: started on
// a data directory, spoken to over HTTP, stopped with SIGTERM. They need a
// built binary and skip without one; .ci/run builds it and sets the path:
//
//	MD_TEST_BIN=dist/mentiondesk-linux-amd64 go test ./ops -run 'Upgrade|Restore|Litestream'

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// releaseBinary is the binary under test, or a skip.
func releaseBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("MD_TEST_BIN")
	if bin == "" {
		t.Skip("MD_TEST_BIN is not set: these tests run a built binary (see .ci/run)")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("MD_TEST_BIN: %v", err)
	}
	return abs
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type server struct {
	url  string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// startServer runs `bin serve` on dir and waits until /api/health answers.
func startServer(t *testing.T, bin, dir string, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{url: "http://" + addr, out: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--dir", dir, "--http", addr)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("server exited before answering: %v\n%s", err, s.out)
		default:
		}
		if resp, err := http.Get(s.url + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server did not answer within 30 s\n%s", s.out)
	return nil
}

// stop sends SIGTERM, as systemd and Docker do, and waits for the exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("server ignored SIGTERM for 20 s")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// superuser creates a superuser in dir with the binary's own command
// (before the server starts) and returns its credentials.
func superuser(t *testing.T, bin, dir string) (email, password string) {
	t.Helper()
	email, password = "ops-test@example.com", "ops-test-password-1"
	out, err := exec.Command(bin, "superuser", "upsert", email, password, "--dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	return email, password
}

// call sends a JSON request and decodes the JSON answer into out.
func call(t *testing.T, method, url, token string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s\n%s", method, url, resp.Status, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, url, err, raw)
		}
	}
}

func signIn(t *testing.T, base, email, password string) string {
	t.Helper()
	tok, err := trySignIn(base, email, password)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func trySignIn(base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"identity": email, "password": password})
	resp, err := http.Post(base+"/api/collections/_superusers/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var auth struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&auth); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign-in: %s, %v", resp.Status, err)
	}
	return auth.Token, nil
}

// tryGet is a GET that may fail, for polling.
func tryGet(url, token string, out any) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// tableRows reads every row of every table of a database, keyed by table
// then by row id. Tables without an id column (FTS shadow tables, SQLite's
// statistics) are left out: they are derived, and rebuilt as needed.
func tableRows(t *testing.T, dbPath string) map[string]map[string]dbx.NullStringMap {
	t.Helper()
	db, err := sqlitedb.Connect(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	if err := db.NewQuery(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name IN (SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c WHERE c.name = 'id')
		ORDER BY name`).Column(&tables); err != nil {
		t.Fatal(err)
	}
	all := map[string]map[string]dbx.NullStringMap{}
	for _, tbl := range tables {
		rows, err := db.NewQuery(fmt.Sprintf("SELECT * FROM %q", tbl)).Rows()
		if err != nil {
			t.Fatal(err)
		}
		all[tbl] = map[string]dbx.NullStringMap{}
		for rows.Next() {
			row := dbx.NullStringMap{}
			if err := rows.ScanMap(row); err != nil {
				t.Fatal(err)
			}
			all[tbl][row["id"].String] = row
		}
		rows.Close()
	}
	return all
}

// sameRows reports, in at most a few lines, how want's rows differ in got:
// a row missing, or a column of want's with another value. Columns and
// rows only in got are fine (a migration may add them); skip names
// "table" or "table.column" left out of the comparison.
// sameRows lists what got changed or lost of want. skip names tables,
// "table.column" or "*.column" (any table) left out of the comparison.
func sameRows(want, got map[string]map[string]dbx.NullStringMap, skip ...string) []string {
	skipped := map[string]bool{}
	for _, s := range skip {
		skipped[s] = true
	}
	var diffs []string
	for tbl, rows := range want {
		if skipped[tbl] {
			continue
		}
		for id, w := range rows {
			g, ok := got[tbl][id]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s %s: row missing", tbl, id))
				continue
			}
			for col, v := range w {
				if skipped[tbl+"."+col] || skipped["*."+col] {
					continue
				}
				if gv := g[col]; gv != v {
					diffs = append(diffs, fmt.Sprintf("%s %s .%s: %q became %q", tbl, id, col, clip(v.String), clip(gv.String)))
				}
			}
		}
	}
	if len(diffs) > 20 {
		diffs = append(diffs[:20], fmt.Sprintf("... and %d more", len(diffs)-20))
	}
	return diffs
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func countRows(rows map[string]map[string]dbx.NullStringMap) (n int) {
	for _, r := range rows {
		n += len(r)
	}
	return n
}
