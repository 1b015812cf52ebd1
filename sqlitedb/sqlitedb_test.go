package sqlitedb_test

import (
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	_ "github.com/pocketbase/pocketbase/migrations" // the system tables Bootstrap reads

	"github.com/mentiondesk/mentiondesk/sqlitedb"
)

// The writer has the larger page cache and every reader the smaller one,
// for both files, and again after PocketBase reopens them (a restore).
func TestPageCacheByRole(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: sqlitedb.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()

	check := func(when string) {
		t.Helper()
		pools := []struct {
			name string
			db   dbx.Builder
			want int
		}{
			{"data readers", app.ConcurrentDB(), -2000},
			{"data writer", app.NonconcurrentDB(), -8000},
			{"auxiliary readers", app.AuxConcurrentDB(), -2000},
			{"auxiliary writer", app.AuxNonconcurrentDB(), -8000},
		}
		for _, p := range pools {
			var got int
			if err := p.db.NewQuery("PRAGMA cache_size").Row(&got); err != nil {
				t.Fatalf("%s, %s: %v", when, p.name, err)
			}
			if got != p.want {
				t.Errorf("%s, %s: cache_size %d, want %d", when, p.name, got, p.want)
			}
		}
	}
	check("first open")
	if err := app.ResetBootstrapState(); err != nil {
		t.Fatal(err)
	}
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	check("reopened")
}
