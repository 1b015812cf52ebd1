package pb_migrations

import (
	"crypto/sha256"
	"encoding/json"
	goflag "flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

var update = goflag.Bool("update", false, "write the golden schemas of new migrations")

// TestMigrationsAreFrozen applies the migrations one by one on an empty
// database and compares the schema after each with the one recorded when
// that migration was released (its SHA-256, in testdata/frozen.txt).
// A released migration must never change what it does: editing shared
// code it calls (schema.go's builders) would silently change databases
// migrated from now on but not those migrated before. A new migration
// is recorded with `go test ./pb_migrations -run Frozen -update`; a
// recorded one is never rewritten.
func TestMigrationsAreFrozen(t *testing.T) {
	const record = "testdata/frozen.txt"
	recorded := map[string]string{}
	raw, err := os.ReadFile(record)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if name, sum, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			recorded[name] = sum
		}
	}
	added := false
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunSystemMigrations(); err != nil {
		t.Fatal(err)
	}
	for _, m := range core.AppMigrations.Items() {
		if err := m.Up(app); err != nil {
			t.Fatalf("%s: %v", m.File, err)
		}
		sum := fmt.Sprintf("%x", sha256.Sum256(schemaOf(t, app)))
		want, ok := recorded[m.File]
		switch {
		case !ok && *update:
			recorded[m.File], added = sum, true
			t.Logf("%s: schema recorded", m.File)
		case !ok:
			t.Errorf("%s is not recorded: a new migration is frozen with -update", m.File)
		case want != sum:
			t.Errorf("%s now produces another schema than when it was released: change the schema in a new migration, never an old one (or the code an old one calls)", m.File)
		}
	}
	if added {
		names := make([]string, 0, len(recorded))
		for n := range recorded {
			names = append(names, n)
		}
		slices.Sort(names)
		var b strings.Builder
		b.WriteString("# The schema each migration produced when it was released (SHA-256 of\n# the collections as PocketBase stores them). See frozen_test.go.\n")
		for _, n := range names {
			fmt.Fprintf(&b, "%s %s\n", n, recorded[n])
		}
		if err := os.MkdirAll(filepath.Dir(record), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(record, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// schemaOf is every collection as PocketBase stores it, without the
// timestamps, sorted by name, indexes sorted.
func schemaOf(t *testing.T, app core.App) []byte {
	t.Helper()
	cols, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(cols, func(a, b *core.Collection) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	var out []map[string]any
	for _, c := range cols {
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "created")
		delete(m, "updated")
		// The order of indexes means nothing to SQLite, and a migration
		// that rebuilds them from a map writes them in any order.
		if ix, ok := m["indexes"].([]any); ok {
			slices.SortFunc(ix, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		}
		out = append(out, m)
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
