package pb_migrations

import (
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// The OAuth channels' migration goes down and up again: the kinds it
// added leave both select fields, its fields and collection disappear,
// and the next up puts them back.
func TestOAuthChannelsDownAndUp(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunSystemMigrations(); err != nil {
		t.Fatal(err)
	}
	var mig *core.Migration
	for _, m := range core.AppMigrations.Items() {
		if err := m.Up(app); err != nil {
			t.Fatalf("%s: %v", m.File, err)
		}
		if m.File == "1732401500_oauth_channels.go" {
			mig = m
		}
	}
	if mig == nil {
		t.Fatal("migration 1732401500_oauth_channels.go is not registered")
	}
	kinds := func() ([]string, []string) {
		s, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			t.Fatal(err)
		}
		r, err := app.FindCollectionByNameOrId("rules")
		if err != nil {
			t.Fatal(err)
		}
		return s.Fields.GetByName("kind").(*core.SelectField).Values, r.Fields.GetByName("when_source_kind").(*core.SelectField).Values
	}
	if k, w := kinds(); !slices.Contains(k, "google_reviews") || !slices.Equal(k, w) {
		t.Fatalf("after up: sources.kind %v, rules.when_source_kind %v", k, w)
	}
	if err := mig.Down(app); err != nil {
		t.Fatalf("down: %v", err)
	}
	if k, w := kinds(); slices.Contains(k, "x") || slices.Contains(w, "x") || len(k) != 7 {
		t.Errorf("after down: sources.kind %v, rules.when_source_kind %v", k, w)
	}
	if _, err := app.FindCollectionByNameOrId("oauth_flows"); err == nil {
		t.Error("after down: oauth_flows is still there")
	}
	s, _ := app.FindCollectionByNameOrId("sources")
	if s.Fields.GetByName("reconnect_needed_at") != nil {
		t.Error("after down: sources.reconnect_needed_at is still there")
	}
	if err := mig.Up(app); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if _, err := app.FindCollectionByNameOrId("oauth_flows"); err != nil {
		t.Errorf("up again: %v", err)
	}
}
