package setup

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// Owners racing through setup on a fresh instance: one of them becomes
// the owner, every other is told to sign in, and no second owner exists.
func TestConcurrentSetupCreatesOneOwner(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	if err := Register(app); err != nil {
		t.Fatal(err)
	}
	mux := apptest.Handler(t, app)
	const n = 6
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"name":"Owner %d","email":"o%d@cafe-lune.fr","password":"croissant-2026","passwordConfirm":"croissant-2026","business_name":"Café Lune"}`, i, i)
			req := httptest.NewRequest(http.MethodPost, "/api/md/setup", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	created, refused := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			created++
		case http.StatusForbidden:
			refused++
		}
	}
	if created != 1 || refused != n-1 {
		t.Fatalf("answers %v: want one 200 and %d 403", codes, n-1)
	}
	if owners, err := countOwners(app); err != nil || owners != 1 {
		t.Fatalf("%d owners (%v)", owners, err)
	}
	if kws, _ := app.CountRecords("keywords"); kws != 1 {
		t.Fatalf("%d brand keywords, want 1", kws)
	}
}

// The business name becomes a brand keyword only when it has a word to
// match and no keyword folds to it already.
func TestBrandKeyword(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	apptest.Save(t, app, "keywords", map[string]any{"term": "Café Lune", "kind": "brand"})
	for _, c := range []struct {
		name  string
		added bool
	}{
		{"", false},
		{"   ", false},
		{"!!!", false},       // nothing the matcher could find
		{"CAFE LUNE", false}, // folds to the existing keyword
		{"  Lune & Co ", true},
	} {
		before, _ := app.CountRecords("keywords")
		if err := app.RunInTransaction(func(tx core.App) error { return saveBrandKeyword(tx, c.name) }); err != nil {
			t.Fatalf("%q: %v", c.name, err)
		}
		after, _ := app.CountRecords("keywords")
		if (after > before) != c.added {
			t.Errorf("%q: keywords %d → %d, want added %v", c.name, before, after, c.added)
		}
	}
	kw, err := app.FindFirstRecordByData("keywords", "term", "Lune & Co")
	if err != nil {
		t.Fatal(err)
	}
	if kw.GetString("kind") != "brand" || kw.GetString("language") != "any" {
		t.Errorf("kind %q, language %q", kw.GetString("kind"), kw.GetString("language"))
	}
}

func TestPublicURLMustBeHTTP(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{
		"": true, "https://desk.cafe-lune.fr": true, "http://192.168.1.10:8090/": true,
		"javascript:alert(1)": false, "ftp://desk.example": false, "https://": false, "desk.cafe-lune.fr": false,
	} {
		if err := httpURL(v); (err == nil) != ok {
			t.Errorf("%q: %v", v, err)
		}
	}
}
