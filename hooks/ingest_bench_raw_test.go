package hooks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// rawInsert writes the tables' rows into app with one prepared INSERT per
// table, in as many transactions as the fixture has batches (each table's
// rows split evenly, in order), on the connection PocketBase writes with.
// Mentions are added to the search index once per transaction, as ingest
// does. Every index and trigger runs: this is what SQLite costs for these
// rows, nothing of ours.
func rawInsert(b *testing.B, app core.App, tables []storedTable) time.Duration {
	b.Helper()
	db, ok := app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		b.Fatal("the writer is not a *dbx.DB")
	}
	batches := (len(tables[0].rows) + ingestBatch - 1) / ingestBatch
	before := map[string]int{}
	for _, t := range tables {
		var n int
		_ = app.DB().Select("count(*)").From(t.name).Row(&n)
		before[t.name] = n
	}
	start := time.Now()
	for i := range batches {
		tx, err := db.DB().Begin()
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range tables {
			part := t.rows[i*len(t.rows)/batches : (i+1)*len(t.rows)/batches]
			marks := strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",")
			stmt, err := tx.Prepare("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ",") + ") VALUES (" + marks + ")")
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range part {
				if _, err := stmt.Exec(r...); err != nil {
					b.Fatal(err)
				}
			}
			if err := stmt.Close(); err != nil {
				b.Fatal(err)
			}
			if t.name != "mentions" || len(part) == 0 {
				continue
			}
			// The search index, written per batch as ingest does (the id
			// is the first column), so both sides store the same.
			ids := make([]any, len(part))
			for j, r := range part {
				ids[j] = r[0]
			}
			if _, err := tx.Exec(`INSERT INTO mentions_fts(mention_id, author, title, text)
				SELECT id, author || ' ' || author_name, title, text FROM mentions WHERE id IN (`+
				strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, ids...); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	for _, t := range tables {
		var n int
		if err := app.DB().Select("count(*)").From(t.name).Row(&n); err != nil || n != before[t.name]+len(t.rows) {
			b.Fatalf("raw insert left %d rows in %s (%v), want %d", n, t.name, err, before[t.name]+len(t.rows))
		}
	}
	return took
}

// BenchmarkIngestSaveOnly is the floor of a Save-based ingest: per batch
// one transaction; per mention normalise, analyse, the dedupe SELECT and
// one tx.Save of the mention record (no thread, contact or ticket work).
// Against BenchmarkIngest100k's raw rate it prices PocketBase's per-record
// Save (hooks, field interceptors, validation) apart from our own queries.
//
//	go test ./hooks -run '^$' -bench BenchmarkIngestSaveOnly -benchtime 1x
func BenchmarkIngestSaveOnly(b *testing.B) {
	fx := loadIngestFixture(b)
	for _, name := range []string{"validate", "novalidate", "prepared_insert"} {
		b.Run(name, func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				app, h := benchApp(b)
				src := saveRecord(b, app, "sources", map[string]any{"kind": "feed", "name": "Google Alerts", "url": "https://alerts.example/feed", "enabled": true})
				col, err := app.FindCollectionByNameOrId("mentions")
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				for _, batch := range fx.batches {
					err := app.RunInTransaction(func(tx core.App) error {
						bc, err := h.pipeline.Context(tx, src, fx.now)
						if err != nil {
							return err
						}
						var insert *dbx.Query
						if name == "prepared_insert" {
							insert = tx.DB().NewQuery(insertSQL(col)).Prepare()
							defer insert.Close()
						}
						for _, m := range batch {
							n := ingest.Normalize(m, fx.now)
							var existing string
							if tx.DB().Select("id").From("mentions").
								Where(dbx.HashExp{"source": src.Id, "external_id": n.ExternalID}).Limit(1).Row(&existing) == nil {
								continue
							}
							rec := core.NewRecord(col)
							n.Fill(rec, bc)
							text := n.Title + "\n" + n.Text
							a := ingest.Analyze(text, m.Lang, m.Meta)
							found := bc.Matcher.Match(text, a.Lang)
							rec.Set("keywords", found.Terms)
							rec.Set("language", a.Lang)
							rec.Set("sentiment", a.Score)
							rec.Set("sentiment_label", a.Label)
							rec.Set("intent", a.Intent)
							rec.Set("thread_key", "feed:"+n.ExternalID)
							rec.Set("triage", "ignored")
							switch name {
							case "validate":
								err = tx.Save(rec)
							case "novalidate":
								err = tx.SaveNoValidate(rec)
							default:
								// The same row without Save: no record hooks,
								// so no realtime event either.
								now := types.NowDateTime()
								rec.Set("id", core.GenerateDefaultRandomId())
								rec.Set("created", now)
								rec.Set("updated", now)
								var row map[string]any
								if row, err = rec.DBExport(tx); err == nil {
									_, err = insert.Bind(row).Execute()
								}
							}
							if err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				took := time.Since(start)
				b.StopTimer()
				var stored int
				if err := app.DB().Select("count(*)").From("mentions").Where(dbx.HashExp{"source": src.Id}).Row(&stored); err != nil || stored != fx.total {
					b.Fatalf("stored %d of %d (%v)", stored, fx.total, err)
				}
				b.ReportMetric(float64(fx.total)/took.Seconds(), "mentions/s")
				_ = app.ResetBootstrapState()
			}
		})
	}
}

// insertSQL is an INSERT of every column of col, with dbx placeholders.
func insertSQL(col *core.Collection) string {
	names := col.Fields.FieldNames()
	marks := make([]string, len(names))
	for i, n := range names {
		marks[i] = "{:" + n + "}"
	}
	return "INSERT INTO {{" + col.Name + "}} ([[" + strings.Join(names, "]], [[") + "]]) VALUES (" + strings.Join(marks, ", ") + ")"
}

// BenchmarkRawInsert prices the mentions table itself: the fixture's rows
// (normalised and analysed beforehand, no ticket or contact links) written
// with a prepared INSERT and the per-batch search index, one transaction
// per 100, into a fresh database as migrated, then with a larger page
// cache, and without the four secondary indexes that are not unique. It
// tells how much of the raw rate is the schema's, which no change to
// ingest can win back.
//
//	go test ./hooks -run '^$' -bench BenchmarkRawInsert -benchtime 1x
func BenchmarkRawInsert(b *testing.B) {
	fx := loadIngestFixture(b)
	app, _ := benchApp(b)
	m, err := ingest.LoadMatcher(app, "")
	if err != nil {
		b.Fatal(err)
	}
	_ = app.ResetBootstrapState()
	cols := []string{"id", "source", "channel", "external_id", "url", "author", "author_name", "author_url", "title", "text", "html",
		"language", "sentiment", "sentiment_label", "intent", "keywords", "in_reply_to", "thread_key", "ticket", "contact",
		"content_hash", "published_at", "fetched_at", "triage", "triage_reason", "own", "repost", "deleted", "meta", "created", "updated"}
	var rows [][]any
	fetched := records.DT(fx.now).String()
	for _, batch := range fx.batches {
		for _, raw := range batch {
			n := ingest.Normalize(raw, fx.now)
			text := n.Title + "\n" + n.Text
			a := ingest.Analyze(text, raw.Lang, nil)
			found := m.Match(text, a.Lang)
			kw, _ := json.Marshal(tickets.NonNil(found.Terms))
			rows = append(rows, []any{records.NewID(), "benchsource0001", "feed", n.ExternalID, n.URL, n.Author, n.AuthorName, n.AuthorURL,
				n.Title, n.Text, n.HTML, a.Lang, a.Score, a.Label, a.Intent, string(kw), n.InReplyTo, "feed:" + n.ExternalID, "", "",
				n.ContentHash, records.DT(n.Published).String(), fetched, "ignored", "", false, false, false, "null", fetched, fetched})
		}
	}
	variants := []struct {
		name  string
		setup string
	}{
		{"as_migrated", ""},
		{"cache_200MB", "PRAGMA cache_size = -200000"},
		{"no_secondary_indexes", "DROP INDEX idx_mentions_thread; DROP INDEX idx_mentions_ticket; DROP INDEX idx_mentions_published_triage; DROP INDEX idx_mentions_copies"},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				app, _ := benchApp(b)
				for stmt := range strings.SplitSeq(v.setup, ";") {
					if strings.TrimSpace(stmt) == "" {
						continue
					}
					if _, err := app.NonconcurrentDB().NewQuery(stmt).Execute(); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				took := rawInsert(b, app, []storedTable{{name: "mentions", cols: cols, rows: rows}})
				b.StopTimer()
				b.ReportMetric(float64(len(rows))/took.Seconds(), "rows/s")
				_ = app.ResetBootstrapState()
			}
		})
	}
}
