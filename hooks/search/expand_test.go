package search

import (
	"context"
	"slices"
	"testing"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
)

// While the index is unchanged a prefix's terms come from memory, not from
// the vocabulary table (dropped here to tell); any write to the index
// reads them again.
func TestExpansionsFollowTheIndex(t *testing.T) {
	app, _ := apptest.New(t)
	ctx := context.Background()
	index := func(text string) {
		t.Helper()
		if _, err := app.DB().NewQuery(`INSERT INTO mentions_fts(mention_id, author, title, text) VALUES ('m', '', '', {:t})`).
			Bind(map[string]any{"t": text}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	vocabulary := func(on bool) {
		t.Helper()
		q := `DROP TABLE mentions_fts_terms`
		if on {
			q = `CREATE VIRTUAL TABLE mentions_fts_terms USING fts5vocab(mentions_fts, 'row')`
		}
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	var x expansions
	expand := func(prefix string, want ...string) {
		t.Helper()
		got, err := x.expand(ctx, app, prefix)
		if err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %v, want %v", prefix, got, want)
		}
	}

	index("lunettes et lune")
	expand("lun", "lune", "lunettes")
	vocabulary(false)
	expand("lun", "lune", "lunettes") // remembered
	if _, err := x.expand(ctx, app, "zorb"); err == nil {
		t.Fatal("a prefix not asked before was answered without the vocabulary table")
	}
	vocabulary(true)
	expand("zorb")
	index("lunaire zorblax")
	expand("lun", "lunaire", "lune", "lunettes") // the index changed
	expand("zorb", "zorblax")
}
