package slawatch

import (
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// probe is a watcher on a migrated app with nothing else registered, and
// what it told the rest of the server: events on the bus, tickets
// announced to realtime, breaches told to the stats index.
type probe struct {
	app core.App
	w   *Watcher

	mu        sync.Mutex
	events    []string
	announced []string
	breached  []string
}

// newProbe migrates a fresh app, applies set to its settings row and
// registers the watcher, workers off.
func newProbe(t testing.TB, set map[string]any) *probe {
	t.Helper()
	app, _ := apptest.New(t)
	if len(set) > 0 {
		s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range set {
			s.Set(k, v)
		}
		if err := app.Save(s); err != nil {
			t.Fatal(err)
		}
	}
	p := &probe{app: app}
	b := &bus.Bus{}
	b.Listen(func(e bus.Event) {
		p.mu.Lock()
		p.events = append(p.events, e.Kind+" "+e.TicketID)
		p.mu.Unlock()
	})
	w, err := Register(app, Deps{
		Bus:   b,
		Clock: settings.NewClock(app.Logger()),
		Announce: func(updated []*core.Record) {
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, r := range updated {
				p.announced = append(p.announced, r.Id)
			}
		},
		MarkBreached: func(ids []string) {
			p.mu.Lock()
			p.breached = append(p.breached, ids...)
			p.mu.Unlock()
		},
		DisableWorkers: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.w = w
	return p
}

// takeEvents returns the events emitted since the last call.
func (p *probe) takeEvents() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.events
	p.events = nil
	return out
}
