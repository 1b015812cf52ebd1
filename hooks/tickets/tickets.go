// Package tickets is where a mention meets a conversation: it threads the
// batches ingest prepared into tickets (a reply joins its parent's, the
// same person on the same channel within a day joins their open one, the
// same person's copy joins the one it joined), opens tickets with their
// deadlines, writes mentions, tickets and contacts in one transaction, and
// keeps every ticket's clock and history true whoever changes it.
package tickets

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// Deps is what the ticket desk needs from the rest of the server.
type Deps struct {
	Pipeline *ingest.Pipeline // prepares batches before the write
	Clock    *settings.Clock  // SLA time, business hours or the wall clock
}

// Desk writes batches into tickets and keeps tickets' clocks.
type Desk struct {
	app core.App
	Deps
	// BeforeCommit, when a test sets it, runs at the end of every ingest
	// transaction, everything written and nothing committed: the crash
	// test kills its child process there.
	BeforeCommit func(tx core.App)
}

// Register binds the lifecycle and server-owned-field hooks and checks,
// on serve, that the bulk writer can write every field of its collections.
func Register(app core.App, d Deps) (*Desk, error) {
	if d.Pipeline == nil || d.Clock == nil {
		return nil, fmt.Errorf("tickets: a pipeline and a clock are required")
	}
	h := &Desk{app: app, Deps: d}
	h.registerBulkWriterCheck()
	h.registerMentionIndexing()
	h.registerLifecycle()
	h.registerServerOwnedFields()
	return h, nil
}
