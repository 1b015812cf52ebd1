package hooks

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
func (h *hub) flushUnsaved() bool {
	h.unsaved.mu.Lock()
	defer h.unsaved.mu.Unlock()
	for id, r := range h.unsaved.recs {
		if err := h.app.Save(r); err != nil {
			h.noteWriteError(err)
			h.app.Logger().Warn("outbox: saving a sent reply, again", "reply_id", id, "error", err)
			continue
		}
		delete(h.unsaved.recs, id)
	}
	return len(h.unsaved.recs) == 0
}
