package replies

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// unsavedSends are replies a platform accepted whose "sent" state the
// database refused (the disk filled between the claim and the save). They
// stay "sending" in the database, which no worker picks up, so they are
// never posted twice; the outbox saves them again before sending anything
// else, and a restart in between hands them to recoverInterruptedSends.
type unsavedSends struct {
	mu   sync.Mutex
	recs map[string]*core.Record
}

func (u *unsavedSends) add(r *core.Record) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.recs == nil {
		u.recs = map[string]*core.Record{}
	}
	u.recs[r.Id] = r
}

// flushUnsaved saves the held replies; it reports whether none is left.
func (o *Outbox) flushUnsaved() bool {
	o.unsaved.mu.Lock()
	defer o.unsaved.mu.Unlock()
	for id, r := range o.unsaved.recs {
		if err := o.app.Save(r); err != nil {
			o.deps.NoteWriteError(err)
			o.app.Logger().Warn("outbox: saving a sent reply, again", "reply_id", id, "error", err)
			continue
		}
		delete(o.unsaved.recs, id)
	}
	return len(o.unsaved.recs) == 0
}
