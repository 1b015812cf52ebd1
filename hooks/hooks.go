package hooks

import (
	"context"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/search"
	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/stats"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
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
	outboxWake chan struct{}
	stats      *stats.Reporter
	policies   policyCache // settings, rules and keyword matchers (policy.go)
	disk       *diskGuard  // free space of the data directory (diskspace.go)
	// unsaved holds replies the platform accepted but the database could
	// not mark sent (disk full): saved again before anything else is sent.
	unsaved unsavedSends
	// bus hands ticket events to notifications once committed.
	bus *bus.Bus
	// notifier delivers notifications (hooks/notify.go).
	notifier *notifier
	clock    *settings.Clock // SLA time, business hours or the wall clock
	// workers are the background goroutines, joined on terminate.
	workers *workers.Pool
	// beforeCommit, when a test sets it, runs at the end of every ingest
	// transaction, everything written and nothing committed: the crash
	// test kills its child process there.
	beforeCommit func(tx core.App)
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
		{"disk", h.registerDiskGuard},
		{"setup", h.registerSetup},
		{"password reset", h.registerPasswordResetCheck},
		{"keywords", h.registerKeywordChecks},
		{"policy", h.registerPolicy},
		{"ingest writer", h.registerBulkWriterCheck},
		{"settings", func() error { return settings.Register(app) }},
		{"lifecycle", h.registerLifecycle},
		{"serverowned", h.registerServerOwnedFields},
		{"poller", h.registerPoller},
		{"sources", h.registerSources},
		{"poll soon", h.registerPollSoon},
		{"inbound", h.registerInbound},
		{"outbox", h.registerOutbox},
		{"sla", h.registerSLAWatcher},
		{"notify", h.registerNotify},
		{"mention index", h.registerMentionIndexing},
		{"search", func() error {
			_, err := search.Register(app, search.Deps{Timeout: cfg.SearchTimeout})
			return err
		}},
		{"templates", h.registerTemplates},
		{"stats", func() (err error) {
			h.stats, err = stats.Register(app, stats.Deps{Workers: h.workers, DisableWorkers: cfg.DisableWorkers})
			return err
		}},
		{"demo", h.registerDemo},
		{"spa", h.registerSPA},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			cancel()
			return nil, fmt.Errorf("hooks: %s: %w", s.name, err)
		}
	}
	return h, nil
}
