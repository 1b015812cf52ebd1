package search

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
)

// The window's join reads the covering index only: the mentions table is
// not visited for a match, with or without dropped mentions.
func TestSearchWindowReadsTheIndexOnly(t *testing.T) {
	app, _ := apptest.New(t)
	for _, all := range []bool{false, true} {
		var plan []struct {
			Detail string `db:"detail"`
		}
		err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + windowSQL(all)).
			Bind(dbx.Params{"q": "croissant", "lim": resultWindow + 1}).All(&plan)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, p := range plan {
			lines = append(lines, p.Detail)
		}
		got := strings.Join(lines, "\n")
		if !strings.Contains(got, "USING COVERING INDEX idx_mentions_search (id=?)") {
			t.Errorf("all=%v: plan\n%s\nwant the join on the covering index", all, got)
		}
		if strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("all=%v: plan\n%s\nsorts instead of walking the index newest first", all, got)
		}
	}
}
