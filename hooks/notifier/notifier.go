// Package notifier tells the team what happened to their tickets: it
// listens on the ticket bus (hooks/bus) and to assignments made through
// the API, decides who gets what (assignee or everyone, subscriptions,
// quiet hours, bursts, digests) and delivers through the senders of the
// pure hooks/notify package, recording every outcome on the target where
// its owner sees it. It also checks targets when they are saved, serves
// the web push key and the test message, and alerts the owners about the
// server itself (AlertOwners).
package notifier

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
)

// Notifications leave the ingest and request paths at once: listeners only
// put events on a buffered channel (and, when it is full, count them in a
// burst summary: burst.go); one dispatcher goroutine decides who
// gets what (assignee or everyone, subscriptions, quiet hours, bursts) and
// hands each message to its target's lane (lanes.go): one message at a
// time per target, retrying rate limits and server errors, with at most
// notifySenders requests in flight in all, so a target that is down
// delays only its own messages. Every failure ends on the target as
// last_error, and a web push subscription the push service says is gone
// is switched off with the reason, so "push that never arrives" is
// visible in the app.
const (
	notifyQueueSize = 2048
	// notifySenders bounds requests in flight, not waits: a lane gives
	// its slot back while it waits to retry.
	notifySenders     = 4
	notifySendTimeout = 15 * time.Second
	notifyTick        = 30 * time.Second
	// A negative new ticket is emitted as new_ticket then negative: one
	// message per person per channel, the first one already says "unhappy".
	notifyDedupeWindow = 15 * time.Minute
	maxSecretLen       = 300
	// The daily digest goes out in the first quarter of an hour after the
	// user's quiet hours end (08:00 without quiet hours). The day it went
	// out is kept with the held digests, so a restart inside that quarter
	// does not send it twice.
	dailyWindow = 15 * time.Minute
)

// Deps is what the notifier needs from the rest of the server.
type Deps struct {
	// Bus brings committed ticket events (new, negative, reopened, SLA).
	Bus *bus.Bus
	// Workers runs the dispatcher, joined on terminate.
	Workers *workers.Pool
	// Vault seals targets' secrets and the VAPID private key.
	Vault *vault.Vault
	// AllowPrivateURLs lets targets point at loopback, private and
	// link-local addresses (the operator's --allow-private-urls).
	AllowPrivateURLs bool
	// DisableWorkers keeps the dispatcher off: tests and such instances
	// call Drain.
	DisableWorkers bool
}

// ErrMissingDep is returned by Register when Deps lacks what it cannot
// work without.
var ErrMissingDep = errors.New("notifier: Deps.Bus, Deps.Workers and Deps.Vault are required")

// notifyEvent is an ingest event plus who caused it (assignments).
type notifyEvent struct {
	bus.Event
	Actor    string // user id of whoever assigned the ticket
	Assignee string // the new assignee, as saved by that request
}

// Notifier delivers notifications; Register returns the one bound to an
// app.
type Notifier struct {
	app    core.App
	d      Deps
	events chan notifyEvent
	batch  *notify.Batcher
	now    func() time.Time
	sleep  notify.Sleep
	sms    notify.SMSConfig
	sem    chan struct{}
	wg     sync.WaitGroup // the lanes' goroutines

	// lanes: one per target with messages waiting (lanes.go); lanesIdle
	// is signalled when one empties, for Drain.
	lanesMu   sync.Mutex
	lanesIdle *sync.Cond
	lanes     map[string]*lane

	mu     sync.Mutex
	recent map[string]time.Time // user+channel|ticket|group → last planned

	vapidMu sync.Mutex
	// sender is built once and rebuilt when the settings change (keys,
	// public URL, private addresses allowed).
	senderMu  sync.Mutex
	senderVal *notify.Sender
	senderErr error
	senderGen int64
	// settingsGen moves on every settings save; the hook only bumps it,
	// since generating VAPID keys saves the settings while senderMu is held.
	settingsGen atomic.Int64
	daily       map[string]string // target id → local day its daily digest went out
	// What the batcher holds and the days the daily digests went out are
	// kept in notification_holds: read back once, written again whenever
	// they changed (keepHolds).
	holdsOnce    sync.Once
	holdsSaved   atomic.Uint64
	dailyVersion atomic.Uint64

	clientOnce          sync.Once
	guarded, openClient *http.Client
	// burst holds what did not fit in the queue, summarised.
	burst       burstSummary
	lastSweep   time.Time // of recent, under mu
	sent, fails atomic.Int64
}

func newNotifier(app core.App, d Deps) *Notifier {
	n := &Notifier{
		app:    app,
		d:      d,
		events: make(chan notifyEvent, notifyQueueSize),
		batch:  notify.NewBatcher(0, 0),
		now:    func() time.Time { return time.Now().UTC() },
		sleep:  notify.RealSleep,
		sem:    make(chan struct{}, notifySenders),
		recent: map[string]time.Time{},
		daily:  map[string]string{},
		lanes:  map[string]*lane{},

		sms: notify.SMSConfig{
			URL: os.Getenv("MD_SMS_URL"), From: os.Getenv("MD_SMS_FROM"), User: os.Getenv("MD_SMS_USER"),
		},
	}
	n.lanesIdle = sync.NewCond(&n.lanesMu)
	return n
}

// Register binds the notifier's listeners, hooks and routes into app and
// starts its dispatcher on serve (unless d.DisableWorkers).
func Register(app core.App, d Deps) (*Notifier, error) {
	if d.Bus == nil || d.Workers == nil || d.Vault == nil {
		return nil, ErrMissingDep
	}
	n := newNotifier(app, d)
	d.Bus.Listen(func(e bus.Event) { n.enqueue(notifyEvent{Event: e}) })

	check := func(e *core.RecordRequestEvent) error {
		if err := n.prepareTarget(e); err != nil {
			return err
		}
		return e.Next()
	}
	app.OnRecordCreateRequest("notifications").BindFunc(check)
	app.OnRecordUpdateRequest("notifications").BindFunc(check)
	app.OnRecordEnrich("notifications").BindFunc(func(e *core.RecordEnrichEvent) error {
		e.Record.WithCustomData(true)
		e.Record.Set("has_secret", e.Record.GetString("secret") != "")
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("settings").BindFunc(func(e *core.RecordEvent) error {
		n.settingsGen.Add(1)
		return e.Next()
	})
	// "Assigned to you": only when someone else assigns, through the API
	// (assignments by a triage rule arrive with the new ticket itself).
	app.OnRecordUpdateRequest("tickets").BindFunc(func(e *core.RecordRequestEvent) error {
		before := e.Record.Original().GetString("assignee")
		if err := e.Next(); err != nil {
			return err
		}
		after := e.Record.GetString("assignee")
		if after != "" && after != before && (e.Auth == nil || e.Auth.Id != after) {
			actor := ""
			if e.Auth != nil {
				actor = e.Auth.Id
			}
			// The assignee travels with the event: the request's
			// transaction may not be visible to the worker yet.
			n.enqueue(notifyEvent{Event: bus.Event{Kind: notify.KindAssigned, TicketID: e.Record.Id}, Actor: actor, Assignee: after})
		}
		return nil
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if _, _, err := n.vapid(); err != nil {
			app.Logger().Error("notify: VAPID keys unavailable, web push is off", "error", err)
		}
		se.Router.GET("/api/md/push/key", n.handlePushKey).Bind(apis.RequireAuth("users"))
		se.Router.POST("/api/md/notifications/{id}/test", n.handleTest).Bind(apis.RequireAuth("users"))
		if !d.DisableWorkers {
			d.Workers.Go("notifier", n.run)
		}
		return se.Next()
	})
	return n, nil
}

// enqueue never blocks the caller, and never drops: a full queue means
// thousands of events waiting, and the rest of the burst is summarised
// for digests (burst.go).
func (n *Notifier) enqueue(ev notifyEvent) {
	select {
	case n.events <- ev:
		return
	default:
	}
	if n.burst.add(ev) {
		n.app.Logger().Warn("notify: burst of events, the rest goes out in digests", "queue", cap(n.events))
	}
}

// run is the dispatcher: events in arrival order, digests every tick. It
// only plans and hands messages to the lanes, never waits for a target.
func (n *Notifier) run(ctx context.Context) {
	t := time.NewTicker(notifyTick)
	defer t.Stop()
	defer n.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			if held := n.batch.Held() + len(n.events) + n.burst.size() + n.lanesPending(); held > 0 {
				n.app.Logger().Warn("notify: stopping with notifications not sent", "held", held)
			}
			return
		case ev := <-n.events:
			for _, d := range n.plan(ev, false) {
				n.dispatch(ctx, d)
			}
			if len(n.events) == 0 {
				n.releaseBurst()
			}
			n.keepHolds()
		case <-t.C:
			n.releaseBurst()
			for _, d := range append(n.dueDigests(), n.dailyDigests()...) {
				n.dispatch(ctx, d)
			}
			n.keepHolds()
		}
	}
}

// Drain does synchronously what the dispatcher does in the background:
// plans and sends what is queued, releases a burst, sends the digests due,
// and returns when every lane is empty (retries and cool-downs included:
// tests replace n.sleep). Tests and DisableWorkers instances call it.
func (n *Notifier) Drain(ctx context.Context) {
	for {
		select {
		case ev := <-n.events:
			for _, d := range n.plan(ev, false) {
				n.dispatch(ctx, d)
			}
			continue
		default:
		}
		break
	}
	n.releaseBurst()
	for _, d := range append(n.dueDigests(), n.dailyDigests()...) {
		n.dispatch(ctx, d)
	}
	n.keepHolds()
	n.waitLanes()
}
