package hooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/pocketbase/pocketbase/core"
)

// The writer refuses, at start, a collection that gained a field it cannot
// write as a Save would.
func TestBulkWriterFieldTypes(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	if err := tickets.CheckBulkWritable(app); err != nil {
		t.Fatalf("today's schema: %v", err)
	}
	col, err := app.FindCollectionByNameOrId("contacts")
	if err != nil {
		t.Fatal(err)
	}
	col.Fields.Add(&core.FileField{Name: "avatar", MaxSelect: 1, MaxSize: 1 << 20})
	if err := app.Save(col); err != nil {
		t.Fatal(err)
	}
	if err := tickets.CheckBulkWritable(app); err == nil || !strings.Contains(err.Error(), `"avatar" is a file field`) {
		t.Fatalf("a file field on contacts: %v", err)
	}
}

// Every row the pipeline fixture writes without a Save is one PocketBase's
// validation accepts, and the search and stats indexes kept as the batch
// went equal the ones rebuilt from the rows.
func TestBulkRowsValidateAndIndexesEqualARebuild(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	if err := h.stats.LoadIndex(app); err != nil { // kept up to date from here on
		t.Fatal(err)
	}
	body := rss(pipelineFeed(), time.Now().UTC())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	src := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": "Alerts", "url": srv.URL, "enabled": true})
	if _, err := h.sources.PollSource(context.Background(), src.Id); err != nil {
		t.Fatal(err)
	}

	checked := 0
	for _, name := range tickets.BulkCollections {
		recs, err := app.FindAllRecords(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := app.Validate(r); err != nil {
				t.Errorf("%s %s written by ingest fails validation: %v", name, r.Id, err)
			}
			checked++
		}
	}
	if checked < 48 {
		t.Fatalf("only %d rows checked", checked)
	}

	if err := h.stats.CheckIndex(app); err != nil {
		t.Error(err)
	}

	// The search index: each mention the poll stored, once, as
	// indexMentions would write it from the row (the template's own
	// fixture row was seeded before the hooks existed).
	var stale, indexed, mentions int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM mentions m LEFT JOIN mentions_fts f ON f.mention_id = m.id
		WHERE m.source = {:s} AND (f.mention_id IS NULL OR f.text != m.text OR f.title != m.title OR f.author != m.author || ' ' || m.author_name)`).
		Bind(map[string]any{"s": src.Id}).Row(&stale)
	if err != nil {
		t.Fatal(err)
	}
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM mentions_fts f JOIN mentions m ON m.id = f.mention_id WHERE m.source = {:s}").Bind(map[string]any{"s": src.Id}).Row(&indexed)
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM mentions WHERE source = {:s}").Bind(map[string]any{"s": src.Id}).Row(&mentions)
	if stale != 0 || indexed != mentions || mentions != 48 {
		t.Errorf("search index: %d of the poll's mentions missing or different, %d indexed for %d mentions", stale, indexed, mentions)
	}
}

// A ticket a later poll joins is written with the columns that changed,
// not all of them: a column in an UPDATE's SET list has every index over
// it rewritten, same value or not, and a ticket has eleven indexes (at a
// million mentions, each a page written at every batch). SQLite's
// "UPDATE OF column" triggers fire for the columns an UPDATE lists, so
// they name what the writer wrote.
func TestJoinedTicketWritesOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	now := time.Now().UTC()
	var body atomic.Value
	body.Store(rss([]feedItem{{"j1", "anne", "Ma commande chez Café Lune n'est jamais arrivée, j'attends toujours !", 2 * time.Hour, ""}}, now))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	src := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": "Alerts", "url": srv.URL, "enabled": true})
	if _, err := h.sources.PollSource(context.Background(), src.Id); err != nil {
		t.Fatal(err)
	}
	before, err := app.FindFirstRecordByFilter("tickets", "mention_count = 1")
	if err != nil {
		t.Fatal(err)
	}

	col, err := app.FindCollectionByNameOrId("tickets")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("CREATE TABLE zz_written (col TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	for _, f := range col.Fields {
		name := f.GetName()
		if _, err := app.DB().NewQuery("CREATE TRIGGER zz_" + name + " AFTER UPDATE OF `" + name + "` ON tickets BEGIN INSERT INTO zz_written VALUES ('" + name + "'); END").Execute(); err != nil {
			t.Fatal(err)
		}
	}

	body.Store(rss([]feedItem{
		{"j1", "anne", "Ma commande chez Café Lune n'est jamais arrivée, j'attends toujours !", 2 * time.Hour, ""},
		{"j2", "anne", "Café Lune, toujours rien reçu, quelqu'un peut me répondre ?", time.Hour, ""},
	}, now))
	if _, err := h.sources.PollSource(context.Background(), src.Id); err != nil {
		t.Fatal(err)
	}
	after, err := app.FindRecordById("tickets", before.Id)
	if err != nil {
		t.Fatal(err)
	}
	if after.GetInt("mention_count") != 2 {
		t.Fatalf("the follow-up did not join the ticket: %d mentions", after.GetInt("mention_count"))
	}
	var written []string
	if err := app.DB().NewQuery("SELECT DISTINCT col FROM zz_written ORDER BY col").Column(&written); err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, f := range col.Fields {
		if name := f.GetName(); fmt.Sprint(before.Get(name)) != fmt.Sprint(after.Get(name)) {
			changed = append(changed, name)
		}
	}
	slices.Sort(changed)
	if !slices.Equal(written, changed) {
		t.Fatalf("the join's UPDATE wrote %v; the columns that changed are %v", written, changed)
	}
	for _, idx := range []string{"contact", "channel", "assignee", "first_mention_at", "status"} {
		if slices.Contains(written, idx) {
			t.Errorf("the join rewrote %s, an indexed column it did not change", idx)
		}
	}
}
