// Package replies is how an answer leaves Mentiondesk: the outbox that
// sends a queued reply through the platform's connectors.Replier exactly
// once, the agent's retry and cancel of a waiting reply, the "answered by
// hand" of a reply posted outside, the checks a reply passes at creation,
// and the reply templates with their placeholders.
//
// The first response itself is the tickets' rule: saving a reply as sent
// fires the lifecycle hooks (hooks/tickets/lifecycle.go), which stop the ticket's
// clock. This package only ever saves replies through PocketBase so that
// those hooks run.
package replies

import (
	"context"
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
)

// Deps is what the replies need from the rest of the server.
type Deps struct {
	// Workers runs the outbox loop, joined on terminate.
	Workers *workers.Pool
	// Connectors gives the platform's Replier.
	Connectors *connectors.Set
	// ConnectorSource builds what a connector needs from a source record,
	// credentials opened: for the kinds connected with OAuth, an access
	// token refreshed before it expires (the sources' ConnectorSource,
	// through hooks/connect's Fresh), never the stored one as it is.
	ConnectorSource func(ctx context.Context, src *core.Record) (connectors.Source, error)
	// MarkReconnect records that the platform of a source connected with
	// OAuth refused its grant while a reply was sent
	// (connectors.ErrReconnect), and alerts the owners once
	// (hooks/connect). Nil: only the reply says it.
	MarkReconnect func(app core.App, src *core.Record, cause error) error

	// DiskShort says whether writes that can wait must wait (the disk
	// guard); nil: never.
	DiskShort func() bool
	// NoteWriteError tells the disk guard a write failed; nil: nobody
	// listens.
	NoteWriteError func(error)
	// Announce runs the after-save hooks (realtime) for records changed
	// by a raw UPDATE; nil: nobody is told.
	Announce func(created, updated []*core.Record)

	// DisableWorkers keeps the outbox loop off: tests send by hand.
	DisableWorkers bool
}

// Outbox is the replies concern: it holds the app, its Deps and the
// replies the platform took but the database could not record.
type Outbox struct {
	app  core.App
	deps Deps
	wake chan struct{}
	// unsaved holds replies the platform accepted but the database could
	// not mark sent (disk full): saved again before anything else is sent.
	unsaved unsavedSends
}

// ErrMissingDep is returned by Register when the wiring left out a
// dependency the replies cannot work without.
var ErrMissingDep = errors.New("replies: a required dependency is missing")

// Register binds the replies' hooks and routes into app and starts the
// outbox on serve (unless d.DisableWorkers). It returns the outbox so the
// wiring and tests can drive it.
func Register(app core.App, d Deps) (*Outbox, error) {
	for _, dep := range []struct {
		name    string
		missing bool
	}{
		{"Workers", d.Workers == nil && !d.DisableWorkers},
		{"Connectors", d.Connectors == nil},
		{"ConnectorSource", d.ConnectorSource == nil},
	} {
		if dep.missing {
			return nil, fmt.Errorf("%w: Deps.%s", ErrMissingDep, dep.name)
		}
	}
	if d.DiskShort == nil {
		d.DiskShort = func() bool { return false }
	}
	if d.NoteWriteError == nil {
		d.NoteWriteError = func(error) {}
	}
	if d.Announce == nil {
		d.Announce = func(_, _ []*core.Record) {}
	}
	o := &Outbox{app: app, deps: d, wake: make(chan struct{}, 1)}

	app.OnRecordAfterCreateSuccess("replies").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "queued" {
			o.Wake()
		}
		return e.Next()
	})
	app.OnRecordCreateRequest("replies").BindFunc(func(e *core.RecordRequestEvent) error {
		if err := validateReply(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
	registerTemplates(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/replies")
		g.Bind(apis.RequireAuth("users"))
		g.POST("/{id}/retry", o.handleRetryReply)
		g.POST("/{id}/cancel", o.handleCancelReply)
		g.POST("/{id}/answered-by-hand", o.handleAnsweredByHand)
		if !d.DisableWorkers {
			d.Workers.Go("outbox", o.loop)
		}
		return se.Next()
	})
	return o, nil
}
