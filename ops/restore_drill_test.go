package ops

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRestoreDrill is the drill an operator should run once: back up
// through PocketBase's API, take the file to a new machine (an empty data
// directory), restore it there through the API, and check that what comes
// back is what was saved, row for row.
func TestRestoreDrill(t *testing.T) {
	bin := releaseBinary(t)
	oldDir, newDir := t.TempDir(), t.TempDir()
	email, password := superuser(t, bin, oldDir)

	old := startServer(t, bin, oldDir)
	token := signIn(t, old.url, email, password)
	writeRecords(t, old.url, token, "drill", 40)
	call(t, "POST", old.url+"/api/backups", token, map[string]string{"name": "drill.zip"}, nil)
	var ft struct{ Token string }
	call(t, "POST", old.url+"/api/files/token", token, nil, &ft)
	zipPath := filepath.Join(t.TempDir(), "drill.zip")
	download(t, old.url+"/api/backups/drill.zip?token="+ft.Token, zipPath)
	old.stop(t)
	want := tableRows(t, filepath.Join(oldDir, "data.db"))

	// The new machine: a fresh install with its own superuser, as after
	// following the README, then the backup uploaded and restored.
	superuser(t, bin, newDir)
	fresh := startServer(t, bin, newDir)
	newToken := signIn(t, fresh.url, email, password)
	upload(t, fresh.url+"/api/backups/upload", newToken, zipPath)
	call(t, "POST", fresh.url+"/api/backups/drill.zip/restore", newToken, nil, nil)
	// PocketBase answers, then swaps the data directory and restarts
	// itself in place (execve). The restored database has the old
	// machine's superuser, whose tokens the new one's do not match: wait
	// until signing in shows the old contacts.
	var page struct{ TotalItems int }
	waitFor(t, 30*time.Second, func() bool {
		tok, err := trySignIn(fresh.url, email, password)
		if err != nil {
			return false
		}
		page.TotalItems = -1
		if err := tryGet(fresh.url+"/api/collections/contacts/records?perPage=1", tok, &page); err != nil {
			return false
		}
		return page.TotalItems == len(want["contacts"])
	})
	fresh.stop(t)

	got := tableRows(t, filepath.Join(newDir, "data.db"))
	// Signing in on the restored server adds or touches the superuser's
	// known origins (_authOrigins): that table is the drill's own doing.
	if diffs := append(sameRows(want, got, "_authOrigins"), sameRows(got, want, "_authOrigins")...); len(diffs) > 0 {
		t.Errorf("restored database differs from the backed-up one:\n%s", strings.Join(diffs, "\n"))
	}
	t.Logf("%d rows restored in %d tables", countRows(got), len(got))
}

// writeRecords creates n contacts, a keyword and a template through the
// REST API, then edits and deletes some contacts: a backup must carry
// updates and deletions, not only inserts.
func writeRecords(t *testing.T, base, token, prefix string, n int) {
	t.Helper()
	var ids []string
	for i := range n {
		var rec struct{ ID string }
		call(t, "POST", base+"/api/collections/contacts/records", token, map[string]any{
			"platform": "mastodon", "handle": fmt.Sprintf("@%s%d@example.social", prefix, i),
			"display_name": fmt.Sprintf("Client n°%d — café", i), "notes": strings.Repeat("note ", i),
		}, &rec)
		ids = append(ids, rec.ID)
	}
	for i, id := range ids {
		switch {
		case i%5 == 0:
			call(t, "PATCH", base+"/api/collections/contacts/records/"+id, token, map[string]any{"notes": "edited"}, nil)
		case i%7 == 0:
			call(t, "DELETE", base+"/api/collections/contacts/records/"+id, token, nil, nil)
		}
	}
	call(t, "POST", base+"/api/collections/keywords/records", token,
		map[string]any{"term": prefix + " boulangerie", "kind": "brand"}, nil)
	call(t, "POST", base+"/api/collections/templates/records", token,
		map[string]any{"name": prefix + " merci", "language": "fr", "body": "Merci pour votre message !"}, nil)
}

func download(t *testing.T, url, to string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		t.Fatal(err)
	}
}

func upload(t *testing.T, url, token, path string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(b)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %s\n%s", resp.Status, raw)
	}
}

func waitFor(t *testing.T, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("condition not met within %s", limit)
}
