package hooks

import (
	"context"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/connect"
	"github.com/mentiondesk/mentiondesk/hooks/demo"
	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/metahooks"
	"github.com/mentiondesk/mentiondesk/hooks/notifier"
	"github.com/mentiondesk/mentiondesk/hooks/replies"
	"github.com/mentiondesk/mentiondesk/hooks/search"
	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/setup"
	"github.com/mentiondesk/mentiondesk/hooks/slawatch"
	"github.com/mentiondesk/mentiondesk/hooks/sources"
	"github.com/mentiondesk/mentiondesk/hooks/spa"
	"github.com/mentiondesk/mentiondesk/hooks/stats"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
	"github.com/mentiondesk/mentiondesk/model"
	"github.com/mentiondesk/mentiondesk/ui"
)

// hub holds the ground every concern stands on and each concern's
// instance, in the order a mention flows through them. It does nothing
// itself: Register builds the ground, then registers each concern with
// what it needs (its Deps).
type hub struct {
	app core.App
	cfg Config

	// The ground.
	vault      *vault.Vault
	secrets    *secrets.Store  // sources' credentials, sealed by the vault
	clock      *settings.Clock // SLA time, business hours or the wall clock
	workers    *workers.Pool   // background goroutines, joined on terminate
	bus        *bus.Bus        // committed ticket events to their listeners
	connectors *connectors.Set // one connector per platform, shared
	disk       *diskguard.Guard

	// The concerns.
	connect  *connect.Service // OAuth connect, fresh tokens, "reconnect needed"
	pipeline *ingest.Pipeline // normalise, match, analyse, triage
	desk     *tickets.Desk    // thread into tickets, write, keep the clocks
	sources  *sources.Manager // polls and pushes, source routes and health
	outbox   *replies.Outbox  // replies sent once on the platform
	slawatch *slawatch.Watcher
	notifier *notifier.Notifier
	stats    *stats.Reporter
	demo     *demo.Loader
}

// Register wires every concern into app. It is the only entry point main.go
// needs; tests call it on a tests.TestApp with DisableWorkers set.
func Register(app core.App, cfg Config) error {
	_, err := register(app, cfg)
	return err
}

func register(app core.App, cfg Config) (*hub, error) {
	cfg = cfg.Defaults()
	// ctx is cancelled when the app terminates: background workers stop
	// mid-flight instead of being killed with the process.
	ctx, cancel := context.WithCancel(context.Background())
	v := vault.New(cfg.EncryptionKey)
	h := &hub{
		app: app, cfg: cfg, vault: v, secrets: secrets.New(v),
		clock: settings.NewClock(app.Logger()), workers: workers.New(ctx, app.Logger()), bus: &bus.Bus{},
		connectors: connectors.NewSet(connectors.Config{
			Client:       connectors.GuardedClient(cfg.AllowPrivateURLs, cfg.FetchTimeout),
			MaxBody:      cfg.MaxBody,
			AllowPrivate: cfg.AllowPrivateURLs,
		}),
	}
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		h.workers.Join() // before PocketBase closes the database under them
		return e.Next()
	})

	// Later concerns are reached through closures where an earlier one
	// needs them (the disk guard wakes the outbox): a method value taken
	// now would hold a nil receiver.
	steps := []struct {
		name string
		fn   func() error
	}{
		{"locale", func() error { return web.Register(app) }},
		{"secrets", func() error { return secrets.Register(app, h.secrets) }},
		{"settings", func() error { return settings.Register(app) }},
		{"disk", func() (err error) {
			h.disk, err = diskguard.Register(app, diskguard.Deps{
				Reserve: cfg.DiskReserve, Workers: h.workers,
				WakeOutbox: func() { h.outbox.Wake() },
				Announce:   func(created, updated []*core.Record) { h.desk.Announce(created, updated) },
				AlertOwners: func(ctx context.Context, tag string, title, body map[string]string) {
					h.notifier.AlertOwners(ctx, notifier.Alert{Tag: tag, Title: title, Body: body})
				},
			})
			return err
		}},
		{"setup", func() error { return setup.Register(app) }},
		{"ingest", func() (err error) { h.pipeline, err = ingest.Register(app); return err }},
		{"tickets", func() (err error) {
			h.desk, err = tickets.Register(app, tickets.Deps{Pipeline: h.pipeline, Clock: h.clock})
			return err
		}},
		{"connect", func() error {
			h.connect = connect.New(connect.Deps{
				Config:      cfg.Connect,
				HTTPClient:  connectors.GuardedClient(cfg.AllowPrivateURLs, cfg.FetchTimeout),
				SealSecrets: h.secrets.Set,
				OpenSecrets: h.secrets.Open,
				WriteError:  web.WriteError,
				PublicURL:   func(e *core.RequestEvent) string { return web.PublicURL(app, e) },
				Alert: func(a connect.Alert) {
					h.notifier.AlertOwners(ctx, notifier.Alert{Tag: a.Tag, Title: a.Title, Body: a.Body, Path: a.Path})
				},
			})
			return h.connect.Register(app)
		}},
		{"sources", func() (err error) {
			h.sources, err = sources.Register(app, sources.Deps{
				Config: sources.Config{
					AllowPrivateURLs: cfg.AllowPrivateURLs, PollWorkers: cfg.PollWorkers, PollTick: cfg.PollTick,
					FetchTimeout: cfg.FetchTimeout, MaxBody: cfg.MaxBody, DisableWorkers: cfg.DisableWorkers,
				},
				Ctx: ctx, Connectors: h.connectors, Secrets: h.secrets, Vault: h.vault, Workers: h.workers,
				Bus: h.bus, Pipeline: h.pipeline, Desk: h.desk, Disk: h.disk,
				Credentials: h.connect.Fresh, MarkReconnect: h.connect.MarkReconnect,
			})
			return err
		}},
		{"replies", func() (err error) {
			h.outbox, err = replies.Register(app, replies.Deps{
				Workers: h.workers, Connectors: h.connectors, ConnectorSource: h.sources.ConnectorSource,
				MarkReconnect: h.connect.MarkReconnect,
				DiskShort:     h.disk.Short, NoteWriteError: h.disk.NoteWriteError, Announce: h.desk.Announce,
				DisableWorkers: cfg.DisableWorkers,
			})
			return err
		}},
		{"meta webhooks", func() error {
			return metahooks.Register(app, metahooks.Deps{
				AppSecret: cfg.Connect.Meta.ClientSecret, VerifyToken: cfg.Connect.MetaVerifyToken,
				Ingest: func(_ context.Context, src *core.Record, b connectors.Batch) error {
					if h.disk.Short() {
						return diskguard.ErrDiskFull // answered 503: Meta delivers it again
					}
					_, err := h.sources.IngestPushed(src, b.Mentions)
					return err
				},
				InstagramMention: h.instagramMention,
				WriteError:       web.WriteError,
			})
		}},
		{"sla", func() (err error) {
			h.slawatch, err = slawatch.Register(app, slawatch.Deps{
				Bus: h.bus, Workers: h.workers, Clock: h.clock,
				Announce:       func(updated []*core.Record) { h.desk.Announce(nil, updated) },
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
					return replies.FillTemplate(body, replies.TemplateValues(app, ticket, agent, ""))
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

// instagramMention fetches what a Meta "mentions" delivery points at, with
// the source's fresh secrets: the delivery holds only ids.
func (h *hub) instagramMention(ctx context.Context, src *core.Record, ref connectors.InstagramMentionRef) (connectors.Mention, error) {
	f, err := h.connectors.Fetcher(model.KindInstagram)
	if err != nil {
		return connectors.Mention{}, err
	}
	ig, ok := f.(*connectors.Instagram)
	if !ok {
		return connectors.Mention{}, fmt.Errorf("hooks: the instagram connector is a %T", f)
	}
	cs, err := h.sources.ConnectorSource(ctx, src)
	if err != nil {
		return connectors.Mention{}, err
	}
	return ig.Mentioned(ctx, cs, ref)
}
