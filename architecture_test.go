package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mentiondesk/mentiondesk/"

// allowedImports is the import graph ARCHITECTURE.md draws, held by the
// compiler's view of the tree rather than by convention: for each package,
// the project packages it may import ("*" for any), and whether it may
// import PocketBase. A package missing here fails the test: say where it
// sits before adding it.
var allowedImports = map[string]struct {
	project    []string
	pocketbase bool
}{
	// The vocabulary and the pure packages: no PocketBase, no hooks.
	"model":            {nil, false},
	"version":          {nil, false},
	"connectors":       {nil, false},
	"connectors/oauth": {[]string{"connectors"}, false},
	"hooks/analysis":   {[]string{"hooks/normalize", "model"}, false},
	"hooks/normalize":  {nil, false},
	"hooks/triage":     {[]string{"hooks/normalize"}, false},
	"hooks/sla":        {nil, false},
	"hooks/notify":     {nil, false},
	"hooks/vault":      {nil, false},
	// Storage and schema.
	"sqlitedb":      {nil, true},
	"pb_migrations": {nil, true},
	"hooks/bus":     {nil, false},
	"hooks/workers": {nil, false},
	// The ground every concern stands on: rows, settings and the clock,
	// the HTTP edge, sealed credentials.
	"hooks/records":  {nil, true},
	"hooks/settings": {[]string{"hooks/sla", "pb_migrations"}, true},
	"hooks/web":      {[]string{"connectors", "hooks/settings", "model"}, true},
	"hooks/secrets":  {[]string{"hooks/records", "hooks/vault"}, true},
	// The concerns, in the order a mention flows through them: a concern
	// imports the ground and only the concerns before it; what it needs
	// from a later one comes as a func in its Deps, wired in hooks/hooks.go.
	"hooks/ingest":                {[]string{"connectors", "hooks/analysis", "hooks/normalize", "hooks/records", "hooks/settings", "hooks/triage"}, true},
	"hooks/tickets":               {[]string{"connectors", "hooks/bus", "hooks/ingest", "hooks/normalize", "hooks/records", "hooks/settings", "hooks/sla", "hooks/triage", "model"}, true},
	"hooks/sources":               {[]string{"connectors", "hooks/bus", "hooks/diskguard", "hooks/ingest", "hooks/records", "hooks/secrets", "hooks/settings", "hooks/tickets", "hooks/vault", "hooks/web", "hooks/workers", "internal/apptest", "model"}, true},
	"hooks/replies":               {[]string{"connectors", "hooks/normalize", "hooks/records", "hooks/settings", "hooks/tickets", "hooks/web", "hooks/workers", "internal/apptest", "internal/fakemastodon", "model", "pb_migrations"}, true},
	"hooks/slawatch":              {[]string{"hooks/bus", "hooks/notify", "hooks/records", "hooks/settings", "hooks/sla", "hooks/workers", "internal/apptest", "pb_migrations"}, true},
	"hooks/setup":                 {[]string{"hooks/analysis", "hooks/normalize", "hooks/settings", "internal/apptest", "model", "pb_migrations"}, true},
	"hooks/spa":                   {[]string{"ui"}, true},
	"hooks/demo":                  {[]string{"connectors", "hooks/records", "internal/apptest", "model", "pb_migrations"}, true},
	"hooks/notifier":              {[]string{"connectors", "hooks/bus", "hooks/normalize", "hooks/notifier/notifiertest", "hooks/notify", "hooks/records", "hooks/settings", "hooks/vault", "hooks/web", "hooks/workers", "internal/apptest", "pb_migrations"}, true},
	"hooks/notifier/notifiertest": {nil, false},
	"hooks/diskguard":             {[]string{"hooks/records", "hooks/web", "hooks/workers", "internal/apptest", "model"}, true},
	"hooks/search":                {[]string{"hooks/normalize", "internal/apptest", "pb_migrations"}, true},
	"hooks/stats":                 {[]string{"hooks/records", "hooks/settings", "hooks/sla", "hooks/workers", "internal/apptest", "model", "sqlitedb"}, true},
	// Beside the flow: connecting platform accounts and Meta's webhooks
	// stand on the ground; they reach the concerns (ingest of a push, the
	// owners' alerts) through funcs in their Deps.
	"hooks/connect":   {[]string{"connectors", "connectors/oauth", "hooks/vault", "internal/apptest", "model", "pb_migrations"}, true},
	"hooks/metahooks": {[]string{"connectors", "internal/apptest", "model", "pb_migrations"}, true},
	// The wiring, and the operator's side beside it.
	"hooks":            {[]string{"connectors", "hooks/analysis", "hooks/bus", "hooks/connect", "hooks/demo", "hooks/diskguard", "hooks/ingest", "hooks/metahooks", "hooks/normalize", "hooks/notifier", "hooks/notifier/notifiertest", "hooks/notify", "hooks/records", "hooks/replies", "hooks/search", "hooks/secrets", "hooks/settings", "hooks/setup", "hooks/sla", "hooks/slawatch", "hooks/sources", "hooks/spa", "hooks/stats", "hooks/tickets", "hooks/triage", "hooks/vault", "hooks/web", "hooks/workers", "internal/apptest", "internal/fakemastodon", "model", "pb_migrations", "sqlitedb", "ui"}, true},
	"metrics":          {[]string{"internal/apptest"}, true},
	"ops":              {[]string{"hooks/vault", "internal/apptest", "metrics", "pb_migrations", "sqlitedb", "version"}, true},
	"internal/apptest": {[]string{"pb_migrations", "sqlitedb"}, true},
	// A fake Mastodon instance for the outbox's tests, on the connectors'
	// recorded responses.
	"internal/fakemastodon": {nil, false},
	"ui":                    {nil, false},
	// Commands.
	"":               {[]string{"*"}, true},
	"tools/genui":    {[]string{"model"}, false},
	"tools/train":    {[]string{"hooks/analysis"}, false},
	"tools/lexicon":  {nil, false},
	"tools/loadtest": {nil, false},
	// The optional comparison with Miniflux (BENCHMARKS.md): HTTP only.
	"bench/miniflux/feedserver":  {nil, false},
	"bench/miniflux/firstingest": {nil, false},
}

// TestImportGraph reads every package's imports (tests included) and
// fails on an import the graph does not allow: a pure package reaching for
// PocketBase, a connector reaching into the pipeline, the vocabulary
// depending on anything.
func TestImportGraph(t *testing.T) {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if pkg == "." {
			pkg = ""
		}
		rule, ok := allowedImports[pkg]
		if !ok {
			if !seen[pkg] {
				t.Errorf("package %q is not in the import graph (architecture_test.go): say what it may import", pkg)
			}
			seen[pkg] = true
			return nil
		}
		seen[pkg] = true
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			switch {
			case strings.HasPrefix(p, "github.com/pocketbase/"):
				if !rule.pocketbase {
					t.Errorf("%s imports %s: %q must stay free of PocketBase", path, p, pkg)
				}
			case strings.HasPrefix(p, module):
				dep := strings.TrimPrefix(p, module)
				if !slices.Contains(rule.project, "*") && !slices.Contains(rule.project, dep) && dep != pkg {
					t.Errorf("%s imports %s, which %q may not import (allowed: %v)", path, dep, pkg, rule.project)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
