package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/mail"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
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
	ingestEvent
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
	h.listeners = append(h.listeners, func(e ingestEvent) { n.enqueue(notifyEvent{ingestEvent: e}) })

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
			n.enqueue(notifyEvent{ingestEvent: ingestEvent{Kind: notify.KindAssigned, TicketID: e.Record.Id}, Actor: actor, Assignee: after})
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
			h.goWork("notifier", n.run)
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

// heldState is the row of notification_holds.
type heldState struct {
	Held  []notify.HeldUser `json:"held"`
	Daily map[string]string `json:"daily"` // target id → local day its daily digest went out
}

// restoreHolds takes back what an earlier run of the server held for
// digests, and the days it sent daily digests, before this one holds,
// releases or sends anything.
func (n *notifier) restoreHolds() {
	n.holdsOnce.Do(func() {
		var raw string
		err := n.h.app.DB().Select("state").From("notification_holds").
			Where(dbx.HashExp{"id": pb_migrations.NotificationHoldsID}).Row(&raw)
		if err != nil {
			return // nothing kept
		}
		var st heldState
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			n.h.app.Logger().Error("notify: reading held digests", "error", err)
			return
		}
		n.batch.Restore(st.Held)
		n.mu.Lock()
		for k, v := range st.Daily {
			n.daily[k] = v
		}
		n.mu.Unlock()
		n.holdsSaved.Store(n.stateVersion())
		if len(st.Held) > 0 {
			n.h.app.Logger().Info("notify: held digests restored", "users", len(st.Held))
		}
	})
}

// stateVersion moves whenever what keepHolds writes changed.
func (n *notifier) stateVersion() uint64 {
	return n.batch.Version() + n.dailyVersion.Load()
}

// keepHolds writes what the batcher holds and the daily digests' days
// when they changed, so a restart (an upgrade during the night) neither
// loses the morning's digest nor sends the daily one twice.
func (n *notifier) keepHolds() {
	v := n.stateVersion()
	if n.holdsSaved.Load() == v {
		return
	}
	n.mu.Lock()
	st := heldState{Held: n.batch.Snapshot(), Daily: maps.Clone(n.daily)}
	n.mu.Unlock()
	state, err := json.Marshal(st)
	if err == nil {
		now := types.NowDateTime().String()
		_, err = n.h.app.DB().NewQuery(`INSERT INTO notification_holds (id, state, created, updated)
			VALUES ({:id}, {:state}, {:now}, {:now})
			ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated = excluded.updated`).
			Bind(dbx.Params{"id": pb_migrations.NotificationHoldsID, "state": string(state), "now": now}).Execute()
	}
	if err != nil {
		n.h.app.Logger().Error("notify: keeping held digests", "error", err)
		return
	}
	n.holdsSaved.Store(v)
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
	s, err := loadSettings(app)
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
	s, _ := loadSettings(app)
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
func (n *notifier) eventInfo(t *core.Record, ev notifyEvent, s settings) notify.Event {
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
func (n *notifier) home(s settings) string { return baseURL(n.h.app, s, nil) }

func (n *notifier) ticketURL(s settings, id string) string { return ticketLink(n.home(s), id) }

// dueDigests turns held batches whose quiet period or burst is over into
// deliveries: one message per target, a plain one when only one event
// was held.
func (n *notifier) dueDigests() []delivery {
	n.restoreHolds()
	app := n.h.app
	now := n.now()
	batches := n.batch.Due(now, func(uid string) time.Time {
		u, err := app.FindRecordById("users", uid)
		if err != nil {
			return time.Time{}
		}
		s, _ := loadSettings(app)
		q, ok := notify.ParseQuiet(u.GetString("quiet_start"), u.GetString("quiet_end"), u.GetString("timezone"), s.Timezone)
		if !ok {
			return time.Time{}
		}
		return q.Until(now)
	})
	if len(batches) == 0 {
		return nil
	}
	s, _ := loadSettings(app)
	var out []delivery
	for _, b := range batches {
		tg, err := app.FindRecordById("notifications", b.Key)
		if err != nil || !tg.GetBool("enabled") {
			continue // removed or switched off while held
		}
		lang := "en"
		if u, err := app.FindRecordById("users", b.User); err == nil {
			lang = u.GetString("language")
		}
		var m notify.Message
		if b.Total == 1 && len(b.Events) == 1 {
			m = notify.Build(lang, b.Events[0], now)
		} else {
			m = notify.DigestOf(lang, b, n.home(s))
		}
		out = append(out, delivery{target: tg, msg: m})
	}
	return out
}

// dailyDigests returns the daily summaries due now, one per target that
// subscribed to "digest", in each user's own morning.
func (n *notifier) dailyDigests() []delivery {
	n.restoreHolds()
	app := n.h.app
	now := n.now()
	targets, err := app.FindAllRecords("notifications", dbx.HashExp{"enabled": true})
	if err != nil {
		return nil
	}
	s, _ := loadSettings(app)
	var sum *notify.Summary
	var out []delivery
	for _, tg := range targets {
		if !slices.Contains(tg.GetStringSlice("events"), notify.KindDigest) {
			continue
		}
		u, err := app.FindRecordById("users", tg.GetString("user"))
		if err != nil {
			continue
		}
		loc, err := time.LoadLocation(u.GetString("timezone"))
		if u.GetString("timezone") == "" || err != nil {
			if loc, err = time.LoadLocation(s.Timezone); err != nil {
				loc = time.UTC
			}
		}
		day, due := notify.DailyDue(now, loc, notify.DailyMinute(u.GetString("quiet_end")), dailyWindow)
		n.mu.Lock()
		sent := n.daily[tg.Id] == day
		if due && !sent {
			n.daily[tg.Id] = day
			n.dailyVersion.Add(1)
		}
		n.mu.Unlock()
		if !due || sent {
			continue
		}
		if sum == nil {
			v := n.summary(now)
			sum = &v
		}
		out = append(out, delivery{target: tg, msg: notify.Daily(u.GetString("language"), *sum, n.home(s)+"/")})
	}
	return out
}

// summary counts the team's tickets for the daily digest.
func (n *notifier) summary(now time.Time) notify.Summary {
	db := n.h.app.DB()
	count := func(where string, params dbx.Params) int {
		var c int
		if err := db.Select("COUNT(*)").From("tickets").Where(dbx.NewExp(where, params)).Row(&c); err != nil {
			n.h.app.Logger().Error("notify: daily summary", "error", err)
		}
		return c
	}
	waiting := "needs_answer = 1 AND status IN ('new', 'open') AND first_response_at = ''"
	return notify.Summary{
		New:     count("needs_answer = 1 AND first_mention_at >= {:since}", dbx.Params{"since": dt(now.Add(-24 * time.Hour)).String()}),
		Waiting: count(waiting, nil),
		Late:    count(waiting+" AND breached = 1", nil),
	}
}

// client returns the outbound-guarded client (or the open one when the
// operator allows private addresses). Built once: a transport per send
// would leak idle connections.
func (n *notifier) client() *http.Client {
	n.clientOnce.Do(func() {
		n.guarded = connectors.GuardedClient(false, notifySendTimeout)
		n.openClient = connectors.GuardedClient(true, notifySendTimeout)
	})
	if n.h.allowPrivate(n.h.app) {
		return n.openClient
	}
	return n.guarded
}

// sender returns the shared sender (read-only once built, safe for the
// concurrent senders).
func (n *notifier) sender() (*notify.Sender, error) {
	n.senderMu.Lock()
	defer n.senderMu.Unlock()
	if gen := n.settingsGen.Load(); n.senderVal == nil || n.senderErr != nil || n.senderGen != gen {
		n.senderVal, n.senderErr = n.buildSender()
		// Read the generation after building: a save made by the build
		// itself (new VAPID keys) is already in what was read.
		n.senderGen = n.settingsGen.Load()
	}
	return n.senderVal, n.senderErr
}

func (n *notifier) buildSender() (*notify.Sender, error) {
	app := n.h.app
	s := &notify.Sender{
		Client: n.client(), SMS: n.sms, UserAgent: connectors.DefaultUserAgent,
		Mail: func(ctx context.Context, to, subject, text, html string) error {
			meta := app.Settings().Meta
			return app.NewMailClient().Send(&mailer.Message{
				From:    mail.Address{Name: meta.SenderName, Address: meta.SenderAddress},
				To:      []mail.Address{{Address: to}},
				Subject: subject, Text: text, HTML: html,
			})
		},
	}
	if st, err := loadSettings(app); err == nil && strings.HasPrefix(st.PublicURL, "https://") {
		s.Subscriber = st.PublicURL
	} else {
		s.Subscriber = app.Settings().Meta.SenderAddress
	}
	pub, priv, err := n.vapid()
	s.VAPIDPublic, s.VAPIDPrivate = pub, priv
	return s, err
}

func (n *notifier) target(r *core.Record) (notify.Target, error) {
	secret, err := n.h.vault.Open(r.GetString("secret"))
	if err != nil {
		return notify.Target{}, fmt.Errorf("the saved secret cannot be read (was the encryption key changed?): %w", err)
	}
	sub, _ := json.Marshal(r.Get("subscription"))
	if s, ok := r.Get("subscription").(string); ok {
		sub = []byte(s)
	}
	return notify.Target{ID: r.Id, Kind: r.GetString("kind"), Target: strings.TrimSpace(r.GetString("target")), Subscription: sub, Secret: secret}, nil
}

// deliver sends one message with retries and records the outcome on the
// target.
func (n *notifier) deliver(ctx context.Context, d delivery) {
	if d.target == nil {
		return
	}
	_, err := n.send(ctx, d.target, d.msg, n.sleep)
	n.record(d.target.Id, d.msg, err)
}

func (n *notifier) send(ctx context.Context, r *core.Record, m notify.Message, sleep notify.Sleep) (int, error) {
	t, err := n.target(r)
	if err != nil {
		return 0, err
	}
	s, err := n.sender()
	if err != nil && t.Kind == "webpush" {
		return 0, err
	}
	return s.Deliver(ctx, t, m, notifySendTimeout, sleep)
}

// record writes last_sent_at or last_error on a fresh copy of the target
// (the user may have edited it meanwhile), and switches off a web push
// subscription that is gone.
func (n *notifier) record(id string, m notify.Message, sendErr error) {
	app := n.h.app
	log := app.Logger().With("target_id", id, "kind", m.Kind, "ticket_id", m.TicketID)
	r, err := app.FindRecordById("notifications", id)
	if err != nil {
		return
	}
	if sendErr == nil {
		n.sent.Add(1)
		r.Set("last_sent_at", n.now())
		r.Set("last_error", "")
	} else {
		n.fails.Add(1)
		msg := notifyErrorMessage(sendErr, n.now())
		r.Set("last_error", clip(msg, 1000))
		if errors.Is(sendErr, notify.ErrGone) {
			r.Set("enabled", false)
		}
		log.Warn("notify: delivery failed", "target_kind", r.GetString("kind"), "error", sendErr)
	}
	if err := app.Save(r); err != nil {
		log.Error("notify: recording delivery", "error", err)
	}
}

// notifyErrorMessage is what the owner reads under the target.
func notifyErrorMessage(err error, now time.Time) string {
	at := now.Format("2006-01-02 15:04") + " UTC: "
	var se *notify.StatusError
	switch {
	case errors.Is(err, notify.ErrGone):
		return at + "this device's push subscription has expired or was removed (" + strings.Trim(strings.TrimPrefix(err.Error(), "notify: push subscription gone "), "()") +
			"). Notifications to it are off: open Mentiondesk on the device and turn them on again."
	case errors.Is(err, connectors.ErrBlockedAddress):
		return at + "the address is not allowed (" + userMessage(err) + ")."
	case errors.As(err, &se) && (se.Status == 401 || se.Status == 403):
		return at + "refused (HTTP " + fmt.Sprint(se.Status) + "): check the token or secret. " + se.Body
	case errors.As(err, &se) && se.Status == 429:
		return at + "rate limited by the service (HTTP 429) even after retrying. " + se.Body
	}
	msg := strings.ReplaceAll(err.Error(), "notify: ", "")
	return at + strings.ReplaceAll(msg, "connectors: ", "")
}

// vapid returns the VAPID key pair, generating it on first use. The
// private key is sealed like every other secret. A key that cannot be
// opened is an error, never a silent new pair: every device subscribed
// with the old public key would stop receiving.
func (n *notifier) vapid() (pub, priv string, err error) {
	n.vapidMu.Lock()
	defer n.vapidMu.Unlock()
	app := n.h.app
	s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		return "", "", err
	}
	pub, sealed := s.GetString("vapid_public"), s.GetString("vapid_private")
	if pub != "" && sealed != "" {
		priv, err = n.h.vault.Open(sealed)
		if err != nil {
			return "", "", fmt.Errorf("VAPID private key: %w", err)
		}
		return pub, priv, nil
	}
	priv, pub, err = webpush.GenerateVAPIDKeys()
	if err != nil {
		return "", "", err
	}
	s.Set("vapid_public", pub)
	s.Set("vapid_private", n.h.vault.Seal(priv))
	if err := app.Save(s); err != nil {
		return "", "", err
	}
	app.Logger().Info("notify: VAPID keys generated")
	return pub, priv, nil
}

func (n *notifier) handlePushKey(e *core.RequestEvent) error {
	pub, _, err := n.vapid()
	if err != nil {
		return apis.NewApiError(http.StatusServiceUnavailable, "Push notifications are not available on this server.", nil)
	}
	return e.JSON(http.StatusOK, map[string]string{"public_key": pub})
}

// handleTest sends a test message to one of the caller's own targets, once
// and at once (no quiet hours, no retry loop holding the request), and
// answers what happened.
func (n *notifier) handleTest(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("notifications", e.Request.PathValue("id"))
	if err != nil || e.Auth == nil || r.GetString("user") != e.Auth.Id {
		return apis.NewNotFoundError("Notification target not found.", nil)
	}
	s, _ := loadSettings(e.App)
	m := notify.Build(e.Auth.GetString("language"), notify.Event{Kind: notify.KindTest}, n.now())
	m.URL = n.home(s) + "/"
	noRetry := func(context.Context, time.Duration) error { return context.Canceled }
	_, sendErr := n.send(e.Request.Context(), r, m, noRetry)
	n.record(r.Id, m, sendErr)
	out := map[string]any{"ok": sendErr == nil}
	if sendErr != nil {
		out["error"] = notifyErrorMessage(sendErr, n.now())
		var se *notify.StatusError
		if errors.As(sendErr, &se) {
			out["status"] = se.Status
		}
	}
	return e.JSON(http.StatusOK, out)
}

// prepareTarget checks a target when it is saved and seals its secret.
// The secret field is hidden, so PocketBase drops it from the parsed body
// of non-superusers: it is read from the raw body, and a blank value
// removes it.
func (n *notifier) prepareTarget(e *core.RecordRequestEvent) error {
	r := e.Record
	var raw map[string]any
	if err := e.BindBody(&raw); err == nil {
		if v, ok := raw["secret"]; ok {
			secret, _ := v.(string)
			secret = strings.TrimSpace(secret)
			if len(secret) > maxSecretLen {
				return apis.NewBadRequestError("Please check the highlighted fields.", validation.Errors{
					"secret": validation.NewError("validation_max_length", fmt.Sprintf("At most %d characters.", maxSecretLen)),
				})
			}
			r.Set("secret", n.h.vault.Seal(secret))
		}
	}
	if errs := n.validateTarget(e.App, r); len(errs) > 0 {
		return apis.NewBadRequestError("Please check the highlighted fields.", errs)
	}
	return nil
}

func (n *notifier) validateTarget(app core.App, r *core.Record) validation.Errors {
	errs := validation.Errors{}
	target := strings.TrimSpace(r.GetString("target"))
	r.Set("target", target)
	checkURL := func(field, u string) {
		if err := connectors.CheckURL(u); err != nil {
			if errors.Is(err, connectors.ErrBlockedAddress) && n.h.allowPrivate(app) {
				return
			}
			errs[field] = validation.NewError("validation_invalid_url", userMessage(err))
		}
	}
	switch r.GetString("kind") {
	case "webpush":
		raw, _ := json.Marshal(r.Get("subscription"))
		sub, err := notify.ParseSubscription(raw)
		if err != nil {
			errs["subscription"] = validation.NewError("validation_invalid_subscription", strings.TrimPrefix(err.Error(), "notify: target misconfigured: ")+".")
			break
		}
		checkURL("subscription", sub.Endpoint)
		if target == "" {
			r.Set("target", sub.Endpoint)
		}
	case "ntfy":
		if target == "" {
			errs["target"] = validation.NewError("validation_required", "Give the topic URL, e.g. https://ntfy.sh/my-cafe-alerts.")
		} else if notify.NtfyURL(target) == target {
			checkURL("target", target)
		}
	case "slack", "discord", "webhook":
		if target == "" {
			errs["target"] = validation.NewError("validation_required", "Paste the webhook URL.")
		} else {
			checkURL("target", target)
		}
	case "email":
		a, err := mail.ParseAddress(target)
		if err != nil || a.Address != target {
			errs["target"] = validation.NewError("validation_invalid_email", "Give one e-mail address, e.g. owner@example.com.")
		} else if !app.Settings().SMTP.Enabled {
			// Said now, not at the first alert that never comes.
			errs["kind"] = validation.NewError("validation_no_smtp", "E-mail alerts need the server's mail settings: a superuser sets SMTP in the admin UI (/_/ → Settings → Mail settings).")
		}
	case "sms":
		if p := strings.NewReplacer(" ", "", "-", "", ".", "").Replace(target); notify.PhoneRE.MatchString(p) {
			r.Set("target", p)
		} else {
			errs["target"] = validation.NewError("validation_invalid_phone", "Give the number with its country code, e.g. +33612345678.")
		}
		if n.sms.URL == "" || n.sms.From == "" {
			errs["kind"] = validation.NewError("validation_no_sms", "Text-message alerts need an SMS provider on the server (MD_SMS_URL and MD_SMS_FROM).")
		}
	}
	return errs
}
