package hooks

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/web"
)

// Notifications leave the ingest and request paths at once: listeners only
// put events on a buffered channel (and, when it is full, count them in a
// burst summary: notify_burst.go); one dispatcher goroutine decides who
// gets what (assignee or everyone, subscriptions, quiet hours, bursts) and
// hands each message to a bounded pool of senders that retry rate limits
// and server errors. Every failure ends on the target as last_error, and a
// web push subscription the push service says is gone is switched off with
// the reason, so "push that never arrives" is visible in the app.
const (
	notifyQueueSize   = 2048
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

// notifyEvent is an ingest event plus who caused it (assignments).
type notifyEvent struct {
	bus.Event
	Actor    string // user id of whoever assigned the ticket
	Assignee string // the new assignee, as saved by that request
}

type notifier struct {
	h      *hub
	events chan notifyEvent
	batch  *notify.Batcher
	now    func() time.Time
	sleep  notify.Sleep
	sms    notify.SMSConfig
	sem    chan struct{}
	wg     sync.WaitGroup

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

func newNotifier(h *hub) *notifier {
	return &notifier{
		h:      h,
		events: make(chan notifyEvent, notifyQueueSize),
		batch:  notify.NewBatcher(0, 0),
		now:    func() time.Time { return time.Now().UTC() },
		sleep:  notify.RealSleep,
		sem:    make(chan struct{}, notifySenders),
		recent: map[string]time.Time{},
		daily:  map[string]string{},

		sms: notify.SMSConfig{
			URL: os.Getenv("MD_SMS_URL"), From: os.Getenv("MD_SMS_FROM"), User: os.Getenv("MD_SMS_USER"),
		},
	}
}

func (h *hub) registerNotify() error {
	n := newNotifier(h)
	h.notifier = n
	h.bus.Listen(func(e bus.Event) { n.enqueue(notifyEvent{Event: e}) })

	check := func(e *core.RecordRequestEvent) error {
		if err := n.prepareTarget(e); err != nil {
			return err
		}
		return e.Next()
	}
	h.app.OnRecordCreateRequest("notifications").BindFunc(check)
	h.app.OnRecordUpdateRequest("notifications").BindFunc(check)
	h.app.OnRecordEnrich("notifications").BindFunc(func(e *core.RecordEnrichEvent) error {
		e.Record.WithCustomData(true)
		e.Record.Set("has_secret", e.Record.GetString("secret") != "")
		return e.Next()
	})
	h.app.OnRecordAfterUpdateSuccess("settings").BindFunc(func(e *core.RecordEvent) error {
		n.settingsGen.Add(1)
		return e.Next()
	})
	// "Assigned to you": only when someone else assigns, through the API
	// (assignments by a triage rule arrive with the new ticket itself).
	h.app.OnRecordUpdateRequest("tickets").BindFunc(func(e *core.RecordRequestEvent) error {
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
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if _, _, err := n.vapid(); err != nil {
			h.app.Logger().Error("notify: VAPID keys unavailable, web push is off", "error", err)
		}
		se.Router.GET("/api/md/push/key", n.handlePushKey).Bind(apis.RequireAuth("users"))
		se.Router.POST("/api/md/notifications/{id}/test", n.handleTest).Bind(apis.RequireAuth("users"))
		if !h.cfg.DisableWorkers {
			h.workers.Go("notifier", n.run)
		}
		return se.Next()
	})
	return nil
}

// enqueue never blocks the caller, and never drops: a full queue means
// thousands of events waiting, and the rest of the burst is summarised
// for digests (notify_burst.go).
func (n *notifier) enqueue(ev notifyEvent) {
	select {
	case n.events <- ev:
		return
	default:
	}
	if n.burst.add(ev) {
		n.h.app.Logger().Warn("notify: burst of events, the rest goes out in digests", "queue", cap(n.events))
	}
}

// run is the dispatcher: events in arrival order, digests every tick.
func (n *notifier) run(ctx context.Context) {
	t := time.NewTicker(notifyTick)
	defer t.Stop()
	defer n.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			if held := n.batch.Held() + len(n.events) + n.burst.size(); held > 0 {
				n.h.app.Logger().Warn("notify: stopping with notifications not sent", "held", held)
			}
			return
		case ev := <-n.events:
			for _, d := range n.plan(ev, false) {
				n.dispatch(ctx, d, true)
			}
			if len(n.events) == 0 {
				n.releaseBurst()
			}
			n.keepHolds()
		case <-t.C:
			n.releaseBurst()
			for _, d := range append(n.dueDigests(), n.dailyDigests()...) {
				n.dispatch(ctx, d, true)
			}
			n.keepHolds()
		}
	}
}

// drain does synchronously what run does in the background: tests and
// DisableWorkers instances call it.
func (n *notifier) drain(ctx context.Context) {
	for {
		select {
		case ev := <-n.events:
			for _, d := range n.plan(ev, false) {
				n.dispatch(ctx, d, false)
			}
			continue
		default:
		}
		break
	}
	n.releaseBurst()
	for _, d := range append(n.dueDigests(), n.dailyDigests()...) {
		n.dispatch(ctx, d, false)
	}
	n.keepHolds()
}

func (n *notifier) dispatch(ctx context.Context, d delivery, async bool) {
	if !async {
		n.deliver(ctx, d)
		return
	}
	select {
	case n.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer func() { <-n.sem }()
		n.deliver(ctx, d)
	}()
}

// delivery is one message for one target.
type delivery struct {
	target *core.Record
	msg    notify.Message
}

// recipient is a user with what messages need to know about them.
type recipient struct {
	user  *core.Record
	lang  string
	quiet notify.Quiet
	hasQ  bool
}

// plan turns one event into the messages to send now; the others wait in
// the batcher for a digest. hold: the event came in a burst too big for
// messages one by one, it waits for a digest whatever the burst guard says.
func (n *notifier) plan(ev notifyEvent, hold bool) []delivery {
	n.restoreHolds()
	app := n.h.app
	now := n.now()
	t, err := app.FindRecordById("tickets", ev.TicketID)
	if err != nil {
		return nil // deleted in the meantime: nothing to open
	}
	s, err := settings.Load(app)
	if err != nil {
		app.Logger().Error("notify: settings", "error", err)
		return nil
	}
	info := n.eventInfo(t, ev, s)

	users, err := n.recipients(t, ev)
	if err != nil || len(users) == 0 {
		return nil
	}
	ids := make([]any, 0, len(users))
	for id := range users {
		ids = append(ids, id)
	}
	targets, err := app.FindAllRecords("notifications", dbx.HashExp{"enabled": true, "user": ids})
	if err != nil {
		app.Logger().Error("notify: loading targets", "error", err)
		return nil
	}
	slices.SortFunc(targets, func(a, b *core.Record) int { return strings.Compare(a.Id, b.Id) })

	byUser := map[string][]notify.Item{}
	seen := map[string]bool{}
	for _, tg := range targets {
		uid := tg.GetString("user")
		if !subscribed(tg, ev) {
			continue
		}
		// Two targets pointing at the same place are one channel.
		where := uid + "\x00" + tg.GetString("kind") + "\x00" + strings.TrimSpace(tg.GetString("target"))
		if seen[where] || n.duplicate(where, ev, now) {
			continue
		}
		seen[where] = true
		byUser[uid] = append(byUser[uid], notify.Item{Key: tg.Id, Event: info})
	}
	byID := map[string]*core.Record{}
	for _, tg := range targets {
		byID[tg.Id] = tg
	}
	var out []delivery
	for _, uid := range sortedKeys(byUser) {
		r := users[uid]
		var quietUntil time.Time
		if r.hasQ {
			quietUntil = r.quiet.Until(now)
		}
		if hold {
			for _, it := range byUser[uid] {
				n.batch.Hold(uid, it.Key, now, quietUntil, []notify.Event{it.Event}, nil)
			}
			continue
		}
		for _, it := range n.batch.Offer(uid, now, quietUntil, byUser[uid], ev.Notify) {
			out = append(out, delivery{target: byID[it.Key], msg: notify.Build(r.lang, it.Event, now)})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// subscribed: the target asked for this kind of event, or a rule asked
// for a notification. A target with no events chosen gets everything but
// the daily digest.
func subscribed(tg *core.Record, ev notifyEvent) bool {
	if ev.Notify && ev.Kind != notify.KindAssigned {
		return true
	}
	events := tg.GetStringSlice("events")
	return len(events) == 0 || slices.Contains(events, notify.Subscription(ev.Kind))
}

func (n *notifier) duplicate(where string, ev notifyEvent, now time.Time) bool {
	group := ev.Kind
	switch ev.Kind {
	case notify.KindNewTicket, notify.KindNegative, notify.KindReopened:
		group = "arrival"
	}
	key := where + "|" + ev.TicketID + "|" + group
	n.mu.Lock()
	defer n.mu.Unlock()
	// Swept once a minute, not on every call: in a burst of thousands of
	// events a sweep per event is quadratic.
	if now.Sub(n.lastSweep) >= time.Minute || now.Before(n.lastSweep) {
		n.lastSweep = now
		for k, at := range n.recent {
			if now.Sub(at) > notifyDedupeWindow {
				delete(n.recent, k)
			}
		}
	}
	if at, ok := n.recent[key]; ok && now.Sub(at) <= notifyDedupeWindow {
		return true
	}
	n.recent[key] = now
	return false
}

// recipients: the assignee of an assigned ticket, else every owner and
// agent. "assigned" goes to the assignee only.
func (n *notifier) recipients(t *core.Record, ev notifyEvent) (map[string]recipient, error) {
	app := n.h.app
	s, _ := settings.Load(app)
	out := map[string]recipient{}
	add := func(u *core.Record) {
		r := recipient{user: u, lang: notify.Lang(u.GetString("language"))}
		r.quiet, r.hasQ = notify.ParseQuiet(u.GetString("quiet_start"), u.GetString("quiet_end"), u.GetString("timezone"), s.Timezone)
		out[u.Id] = r
	}
	a := t.GetString("assignee")
	if ev.Kind == notify.KindAssigned {
		a = ev.Assignee
	}
	if a != "" {
		if u, err := app.FindRecordById("users", a); err == nil {
			add(u)
			return out, nil
		}
	}
	if ev.Kind == notify.KindAssigned {
		return out, nil
	}
	users, err := app.FindAllRecords("users", dbx.In("role", "owner", "agent"))
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		add(u)
	}
	return out, nil
}

// eventInfo loads what a message shows: who wrote (contact, else the first
// mention's author), where, and the first words of the first mention.
func (n *notifier) eventInfo(t *core.Record, ev notifyEvent, s settings.Settings) notify.Event {
	app := n.h.app
	info := notify.Event{
		Kind: ev.Kind, TicketID: t.Id, URL: n.ticketURL(s, t.Id), Platform: t.GetString("channel"),
		Subject: t.GetString("subject"), Priority: t.GetString("priority"),
		Due: t.GetDateTime("sla_due_at").Time(), At: n.now(), FromRule: ev.Notify,
	}
	var handle, name string
	if ms, err := app.FindRecordsByFilter("mentions", "ticket = {:t}", "published_at,created", 1, 0, dbx.Params{"t": t.Id}); err == nil && len(ms) > 0 {
		m := ms[0]
		text := m.GetString("text")
		if strings.TrimSpace(text) == "" {
			text = m.GetString("title")
		}
		info.Excerpt = notify.Excerpt(text, 25, 160)
		info.Negative = m.GetString("sentiment_label") == "negative"
		handle, name = m.GetString("author"), m.GetString("author_name")
		if info.Platform == "" {
			info.Platform = m.GetString("channel")
		}
	}
	if c, err := app.FindRecordById("contacts", t.GetString("contact")); err == nil {
		if v := c.GetString("display_name"); v != "" {
			name = v
		}
		if v := c.GetString("handle"); v != "" {
			handle = v
		}
	}
	switch {
	case name != "" && handle != "" && name != handle:
		info.Author = notify.Excerpt(name, 8, 60) + " (" + notify.Excerpt(handle, 1, 80) + ")"
	case name != "":
		info.Author = notify.Excerpt(name, 8, 60)
	default:
		info.Author = notify.Excerpt(handle, 1, 80)
	}
	if ev.Actor != "" {
		if u, err := app.FindRecordById("users", ev.Actor); err == nil {
			info.Assigner = firstNameOf(u.GetString("name"))
		}
	}
	return info
}

// home is the app's address for links (see baseURL).
func (n *notifier) home(s settings.Settings) string { return web.BaseURL(n.h.app, s, nil) }

func (n *notifier) ticketURL(s settings.Settings, id string) string {
	return web.TicketLink(n.home(s), id)
}
