// Package sources brings mentions in: the poll loop over due sources, the
// pushes (webhooks, WebSub), the source routes (check a new source's
// settings, "test this source", "check now") and each source's health.
// What a source brings goes to the ticket desk in one transaction with the
// source's new cursor.
package sources

import (
	"context"
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/tickets"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
)

// Config is the operator's tuning of polls and pushes (hooks.Config).
type Config struct {
	AllowPrivateURLs bool
	PollWorkers      int
	PollTick         time.Duration
	FetchTimeout     time.Duration
	MaxBody          int64
	DisableWorkers   bool
}

// Deps is what the sources need from the rest of the server.
type Deps struct {
	Config     Config
	Ctx        context.Context // cancelled on terminate
	Connectors *connectors.Set
	Secrets    *secrets.Store
	Vault      *vault.Vault // WebSub secrets
	Workers    *workers.Pool
	Bus        *bus.Bus
	Pipeline   *ingest.Pipeline // the "test this source" preview
	Desk       *tickets.Desk    // where batches are written
	Disk       *diskguard.Guard
	// Credentials opens the secrets of a source of a kind connected with
	// OAuth (model.ConnectProviders) with an access token fit to use:
	// hooks/connect's Fresh, which refreshes one near its expiry and marks
	// a refused grant. Other kinds' secrets are opened as stored. Nil: the
	// stored secrets for every kind.
	Credentials func(ctx context.Context, app core.App, src *core.Record) (map[string]string, error)
	// MarkReconnect records that the platform of a source connected with
	// OAuth refused its grant during a fetch (connectors.ErrReconnect) and
	// alerts the owners once (hooks/connect). Nil: the health says it, no
	// one is alerted.
	MarkReconnect func(app core.App, src *core.Record, cause error) error
}

// Manager polls and receives sources.
type Manager struct {
	app        core.App
	cfg        Config
	ctx        context.Context
	connectors *connectors.Set
	secrets    *secrets.Store
	vault      *vault.Vault
	workers    *workers.Pool
	bus        *bus.Bus
	pipeline   *ingest.Pipeline
	desk       *tickets.Desk
	disk       *diskguard.Guard
	poller     *poller

	credentials   func(context.Context, core.App, *core.Record) (map[string]string, error)
	markReconnect func(core.App, *core.Record, error) error
}

// Register binds the source routes, the pushes and the poller (started on
// serve unless workers are off).
func Register(app core.App, d Deps) (*Manager, error) {
	if d.Ctx == nil || d.Connectors == nil || d.Secrets == nil || d.Vault == nil || d.Bus == nil || d.Pipeline == nil || d.Desk == nil || d.Disk == nil || (d.Workers == nil && !d.Config.DisableWorkers) {
		return nil, errors.New("sources: a dependency is missing")
	}
	if d.Config.PollWorkers <= 0 || d.Config.PollTick <= 0 || d.Config.MaxBody <= 0 {
		return nil, errors.New("sources: PollWorkers, PollTick and MaxBody must be set")
	}
	h := &Manager{
		app: app, cfg: d.Config, ctx: d.Ctx, connectors: d.Connectors, secrets: d.Secrets, vault: d.Vault,
		workers: d.Workers, bus: d.Bus, pipeline: d.Pipeline, desk: d.Desk, disk: d.Disk,
		credentials: d.Credentials, markReconnect: d.MarkReconnect,
	}
	for _, step := range []func() error{h.registerPoller, h.registerSources, h.registerPollSoon, h.registerInbound} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// PollSource polls one source now and writes what it brought.
func (h *Manager) PollSource(ctx context.Context, id string) (PollResult, error) {
	return h.pollSource(ctx, id)
}

// DispatchDue starts a poll of every due source and waits for them all.
func (h *Manager) DispatchDue(ctx context.Context) {
	h.poller.dispatchDue(ctx)
	h.poller.wg.Wait()
}

// WaitPolls waits for the polls in flight.
func (h *Manager) WaitPolls() { h.poller.wg.Wait() }

// Loop runs the poll loop until ctx ends (the worker the poller starts).
func (h *Manager) Loop(ctx context.Context) { h.poller.loop(ctx) }

// MaintainWebSub renews the WebSub subscriptions due (the upkeep worker's
// pass).
func (h *Manager) MaintainWebSub() { h.maintainWebSub() }

// IngestPushed stores mentions pushed to source (a webhook delivery) and
// marks the source healthy; its polling cursor stays where it is.
func (h *Manager) IngestPushed(src *core.Record, mentions []connectors.Mention) (tickets.IngestStats, error) {
	return h.ingestPushed(src, mentions)
}

// ConnectorSource builds what a connector needs from a source record,
// credentials opened: fresh for the kinds connected with OAuth. The
// outbox calls it before each reply.
func (h *Manager) ConnectorSource(ctx context.Context, src *core.Record) (connectors.Source, error) {
	return h.connectorSource(ctx, src)
}
