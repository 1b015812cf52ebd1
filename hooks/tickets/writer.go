package tickets

// Ingest's writer: rows written with statements prepared once per batch,
// not PocketBase Saves (a Save per row was most of the pipeline's cost),
// then announced to PocketBase's after-success hooks once committed, so
// realtime, metrics and the stats index see them as they see a Save.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"
)

// query returns sql prepared once for the batch: the lookups ingest runs
// per mention (threads, replies) were each built and prepared anew per
// row, a seventh of the pipeline's time.
func (bc *batchContext) query(tx core.App, sql string) *dbx.Query {
	if q, ok := bc.prepared[sql]; ok {
		return q
	}
	if bc.prepared == nil {
		bc.prepared = map[string]*dbx.Query{}
	}
	q := tx.DB().NewQuery(sql).Prepare()
	bc.prepared[sql] = q
	return q
}

func (bc *batchContext) close() {
	for _, w := range bc.writes {
		_ = w.q.Close()
	}
	for _, q := range bc.prepared {
		_ = q.Close()
	}
	bc.writes, bc.prepared = nil, nil
}

// insertRecord writes a new record of a collection ingest fills in bulk
// (mentions, tickets, contacts) with the batch's prepared INSERT.
func (bc *batchContext) insertRecord(tx core.App, rec *core.Record) error {
	if rec.Id == "" {
		rec.Id = records.NewID()
	}
	now := types.NowDateTime()
	if rec.Collection().Fields.GetByName("created") != nil {
		rec.SetRaw("created", now)
		rec.SetRaw("updated", now)
	}
	if err := bc.writeRow(tx, rec, "INSERT"); err != nil {
		return err
	}
	rec.MarkAsNotNew()
	return nil
}

// updateRecord writes the columns of a record the batch changed with the
// batch's prepared UPDATE. The batch's tickets are read ignoring unchanged
// fields (keep): a column in the SET list has each index over it rewritten
// even when its value is the same, and a ticket has eleven indexes.
func (bc *batchContext) updateRecord(tx core.App, rec *core.Record) error {
	if rec.Collection().Fields.GetByName("updated") != nil {
		rec.SetRaw("updated", types.NowDateTime())
	}
	return bc.writeRow(tx, rec, "UPDATE")
}

// writeRow runs the batch's INSERT or UPDATE of rec's collection, prepared
// at the first use of its set of columns: every column for an INSERT, the
// changed ones for an UPDATE of a record that ignores unchanged fields.
// Columns go in the collection's field order, so a set of columns has one
// key without sorting; a new record is exported field by field as
// PocketBase's DBExport would, without the map DBExport builds, since an
// INSERT takes every column anyway (a tenth of the writer's time went to
// building, sorting and reading those maps).
func (bc *batchContext) writeRow(tx core.App, rec *core.Record, op string) error {
	fields := rec.Collection().Fields
	var changed map[string]any
	if op == "UPDATE" {
		var err error
		if changed, err = rec.DBExport(tx); err != nil {
			return err
		}
	}
	cols := make([]string, 0, len(fields))
	vals := make([]any, 0, len(fields))
	for _, f := range fields {
		name := f.GetName()
		if op == "UPDATE" {
			v, ok := changed[name]
			if !ok || name == core.FieldNameId {
				continue
			}
			cols, vals = append(cols, name), append(vals, v)
			continue
		}
		v, err := exportField(rec, f)
		if err != nil {
			return err
		}
		cols, vals = append(cols, name), append(vals, v)
	}
	name := rec.Collection().Name
	key := op + " " + name
	if op == "UPDATE" {
		key += " " + strings.Join(cols, ",")
	}
	w := bc.writes[key]
	if w == nil || !slices.Equal(w.cols, cols) {
		w = &preparedWrite{cols: cols}
		terms := make([]string, len(w.cols))
		for i, c := range w.cols {
			w.params = append(w.params, "c"+strconv.Itoa(i))
			terms[i] = "{:" + w.params[i] + "}"
			if op == "UPDATE" {
				terms[i] = "`" + c + "` = " + terms[i]
			}
		}
		sql := "INSERT INTO `" + name + "` (`" + strings.Join(w.cols, "`, `") + "`) VALUES (" + strings.Join(terms, ", ") + ")"
		if op == "UPDATE" {
			sql = "UPDATE `" + name + "` SET " + strings.Join(terms, ", ") + " WHERE id = {:id}"
		}
		w.q = tx.DB().NewQuery(sql).Prepare()
		if bc.writes == nil {
			bc.writes = map[string]*preparedWrite{}
		}
		if old := bc.writes[key]; old != nil {
			_ = old.q.Close()
		}
		bc.writes[key] = w
	}
	params := make(dbx.Params, len(vals)+1)
	params["id"] = rec.Id // the UPDATE's key; the INSERT has it among its columns
	for i, v := range vals {
		params[w.params[i]] = v
	}
	_, err := w.q.Bind(params).Execute()
	return err
}

// exportField is a field's column value as PocketBase's Record.DBExport
// gives it: the field's driver value when it has one, else the raw value.
func exportField(rec *core.Record, f core.Field) (any, error) {
	if dv, ok := f.(core.DriverValuer); ok {
		return dv.DriverValue(rec)
	}
	return rec.GetRaw(f.GetName()), nil
}

// preparedWrite is a statement prepared for one collection and set of
// columns (an INSERT, or an UPDATE of those columns), with its columns and
// their parameter names.
type preparedWrite struct {
	q            *dbx.Query
	cols, params []string
}

// announce runs PocketBase's after-success hooks for the records the
// batch wrote without a Save, once the batch committed, as PocketBase
// does for records saved in a transaction: realtime subscribers and the
// stats index see every mention and ticket ingest writes.
func (h *Desk) Announce(created, updated []*core.Record) {
	ctx := context.Background()
	for _, list := range []struct {
		recs []*core.Record
		kind string
		hook func(...string) *hook.TaggedHook[*core.ModelEvent]
	}{
		{created, core.ModelEventTypeCreate, h.app.OnModelAfterCreateSuccess},
		{updated, core.ModelEventTypeUpdate, h.app.OnModelAfterUpdateSuccess},
	} {
		for _, rec := range list.recs {
			e := &core.ModelEvent{App: h.app, Context: ctx, Type: list.kind}
			e.Model = rec
			if err := list.hook().Trigger(e); err != nil {
				h.app.Logger().Warn("ingest: after-save hook", "collection", rec.Collection().Name, "id", rec.Id, "error", err)
			}
		}
	}
}

// indexBatch adds the batch's mentions to the full-text index in one
// statement: one FTS5 segment per batch instead of one per row.
func (bc *batchContext) indexBatch(tx core.App) error {
	for ids := range slices.Chunk(bc.stored, records.InChunk) {
		if err := IndexMentions(tx, ids); err != nil {
			return err
		}
	}
	bc.stored = nil
	return nil
}

// indexMentions adds stored mentions to the full-text index: what a
// search reads of a mention is decided here and nowhere else (ingest's
// batches and a mention saved through PocketBase both come through).
func IndexMentions(tx core.App, ids []string) error {
	names, params := records.InList("id", ids)
	_, err := tx.DB().NewQuery(`INSERT INTO mentions_fts(mention_id, author, title, text)
		SELECT id, author || ' ' || author_name, title, text FROM mentions WHERE id IN (` + names + `)`).Bind(params).Execute()
	return err
}

// bulkWritable are the field types the writer may write without a Save:
// plain values whose export is the column as PocketBase stores it. A file,
// a password or an editor field has work in its Save (uploads, hashing,
// sanitising) that the writer would skip.
var bulkWritable = []string{
	core.FieldTypeText, core.FieldTypeNumber, core.FieldTypeBool, core.FieldTypeDate, core.FieldTypeAutodate,
	core.FieldTypeSelect, core.FieldTypeJSON, core.FieldTypeRelation, core.FieldTypeURL, core.FieldTypeEmail,
}

// BulkCollections are the collections ingest writes without Saves.
var BulkCollections = []string{"mentions", "tickets", "contacts"}

// checkBulkWritable refuses to start when a collection ingest fills in
// bulk has gained a field the writer cannot write as PocketBase would.
func CheckBulkWritable(app core.App) error {
	for _, name := range BulkCollections {
		col, err := app.FindCachedCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		for _, f := range col.Fields {
			if !slices.Contains(bulkWritable, f.Type()) {
				return fmt.Errorf("ingest writes %s without PocketBase's Save, and its field %q is a %s field, which needs one: "+
					"write it through a Save, or teach the writer what that Save does", name, f.GetName(), f.Type())
			}
		}
	}
	return nil
}

// registerMentionIndexing keeps the full-text index whole: ingest indexes
// its batches itself (indexBatch); a mention created through a Save (a
// superuser in the admin UI) is indexed as it is saved, in the same
// transaction, by the same IndexMentions.
func (h *Desk) registerMentionIndexing() {
	h.app.OnRecordCreate("mentions").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return IndexMentions(e.App, []string{e.Record.Id})
	})
}

// registerBulkWriterCheck checks the writer's collections once migrated.
func (h *Desk) registerBulkWriterCheck() {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := CheckBulkWritable(se.App); err != nil {
			return err
		}
		return se.Next()
	})
}
