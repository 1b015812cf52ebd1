package hooks

import "github.com/pocketbase/pocketbase/core"

// registerMentionIndexing keeps the full-text index that hooks/search reads
// whole: ingest indexes its batches itself (indexBatch); a mention created
// through a Save (a superuser in the admin UI) is indexed as it is saved,
// in the same transaction, by the same indexMentions. It belongs with the
// ingest writer, and moves with it.
func (h *hub) registerMentionIndexing() error {
	h.app.OnRecordCreate("mentions").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return indexMentions(e.App, []string{e.Record.Id})
	})
	return nil
}
