package hooks

import (
	"context"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/demo"
	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/notifier"
	"github.com/mentiondesk/mentiondesk/hooks/replies"
	"github.com/mentiondesk/mentiondesk/hooks/search"
	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/setup"
	"github.com/mentiondesk/mentiondesk/hooks/slawatch"
	"github.com/mentiondesk/mentiondesk/hooks/spa"
	"github.com/mentiondesk/mentiondesk/hooks/stats"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
	"github.com/mentiondesk/mentiondesk/ui"
)

// hub carries what every concern shares. Each concern is a method named
// after it (registerPoller, registerIngest...) in a file of its own.
type hub struct {
	app     core.App
	cfg     Config
	vault   *vault.Vault
	secrets *secrets.Store // sources' credentials, sealed by the vault
	// ctx is cancelled when the app terminates: background workers stop
	// mid-flight instead of being killed with the process.
	ctx context.Context

	connectors *connectors.Set
	poller     *poller
	// outbox sends replies (hooks/replies); the disk guard wakes it.
	outbox   *replies.Outbox
	stats    *stats.Reporter
	desk     *tickets.Desk    // threads batches into tickets, keeps their clocks
	pipeline *ingest.Pipeline // prepares batches: normalise, match, analyse, triage
	disk     *diskguard.Guard // free space of the data directory
	// bus hands ticket events to notifications once committed.
	bus *bus.Bus
	// notifier delivers notifications (hooks/notifier).
	notifier *notifier.Notifier
	clock    *settings.Clock // SLA time, business hours or the wall clock
	// workers are the background goroutines, joined on terminate.
	workers *workers.Pool
	// slawatch flags tickets at risk and breached (hooks/slawatch).
	slawatch *slawatch.Watcher
	// demo loads the sample dataset (serve --demo; tests load it by hand).
	demo *demo.Loader
}

// Register wires every concern into app. It is the only entry point main.go
// needs; tests call it on a tests.TestApp with DisableWorkers set.
func Register(app core.App, cfg Config) error {
	_, err := register(app, cfg)
	return err
}

func register(app core.App, cfg Config) (*hub, error) {
	cfg = cfg.Defaults()
	ctx, cancel := context.WithCancel(context.Background())
	v := vault.New(cfg.EncryptionKey)
	h := &hub{app: app, cfg: cfg, vault: v, secrets: secrets.New(v), ctx: ctx, bus: &bus.Bus{}, workers: workers.New(ctx, app.Logger()), clock: settings.NewClock(app.Logger())}
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		h.workers.Join() // before PocketBase closes the database under them
		return e.Next()
	})

	steps := []struct {
		name string
		fn   func() error
	}{
		{"locale", func() error { return web.Register(app) }},
		{"secrets", func() error { return secrets.Register(app, h.secrets) }},
		{"disk", func() (err error) {
			h.disk, err = diskguard.Register(app, diskguard.Deps{
				Reserve: cfg.DiskReserve, Workers: h.workers, WakeOutbox: h.wakeOutbox,
				// The desk and the notifier register later: looked up when
				// the disk fills.
				Announce: func(created, updated []*core.Record) { h.desk.Announce(created, updated) },
				AlertOwners: func(ctx context.Context, tag string, title, body map[string]string) {
					h.notifier.AlertOwners(ctx, notifier.Alert{Tag: tag, Title: title, Body: body})
				},
			})
			return err
		}},
		{"setup", func() error { return setup.Register(app) }},
		{"ingest", func() (err error) { h.pipeline, err = ingest.Register(app); return err }},
		{"settings", func() error { return settings.Register(app) }},
		{"tickets", func() (err error) {
			h.desk, err = tickets.Register(app, tickets.Deps{Pipeline: h.pipeline, Clock: h.clock})
			return err
		}},
		{"poller", h.registerPoller},
		{"sources", h.registerSources},
		{"poll soon", h.registerPollSoon},
		{"inbound", h.registerInbound},
		{"replies", h.registerReplies},
		{"sla", func() (err error) {
			h.slawatch, err = slawatch.Register(app, slawatch.Deps{
				Bus: h.bus, Workers: h.workers, Clock: h.clock,
				Announce: func(updated []*core.Record) { h.desk.Announce(nil, updated) },
				// The stats index registers after the watcher: read h.stats
				// when a pass runs.
				MarkBreached:   func(ids []string) { h.stats.MarkBreached(ids) },
				DisableWorkers: cfg.DisableWorkers,
			})
			return err
		}},
		{"notify", func() (err error) {
			h.notifier, err = notifier.Register(app, notifier.Deps{
				Bus: h.bus, Workers: h.workers, Vault: h.vault,
				AllowPrivateURLs: cfg.AllowPrivateURLs, DisableWorkers: cfg.DisableWorkers,
			})
			return err
		}},
		{"search", func() error {
			_, err := search.Register(app, search.Deps{Timeout: cfg.SearchTimeout})
			return err
		}},
		{"stats", func() (err error) {
			h.stats, err = stats.Register(app, stats.Deps{Workers: h.workers, DisableWorkers: cfg.DisableWorkers})
			return err
		}},
		{"demo", func() (err error) {
			h.demo, err = demo.Register(app, demo.Deps{
				// The demo's mentions notify no one: their events are dropped.
				Ingest: func(src *core.Record, batch []connectors.Mention, fetchedAt time.Time) error {
					_, _, err := h.desk.Ingest(src, batch, fetchedAt, nil)
					return err
				},
				FillTemplate: func(body string, ticket, agent *core.Record) string {
					return replies.FillTemplate(body, replies.TemplateValues(h.app, ticket, agent, ""))
				},
				CheckSLA:    h.slawatch.Check,
				Headline:    tickets.FirstWords,
				LoadOnServe: cfg.Demo,
			})
			return err
		}},
		{"spa", func() error { return spa.Register(app, ui.Dist()) }}, // the catch-all: last
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			cancel()
			return nil, fmt.Errorf("hooks: %s: %w", s.name, err)
		}
	}
	return h, nil
}

// registerReplies wires the outbox, the reply routes and the templates
// (hooks/replies) to the concerns they lean on.
func (h *hub) registerReplies() error {
	o, err := replies.Register(h.app, replies.Deps{
		Workers:         h.workers,
		Connectors:      h.connectors, // made by the poller's step, before this one
		ConnectorSource: h.connectorSource,
		DiskShort:       h.diskShort,
		NoteWriteError:  h.noteWriteError,
		Announce:        h.desk.Announce,
		DisableWorkers:  h.cfg.DisableWorkers,
	})
	h.outbox = o
	return err
}

// wakeOutbox sends the due replies now (the disk guard, once space is
// back).
func (h *hub) wakeOutbox() {
	if h.outbox != nil {
		h.outbox.Wake()
	}
}
