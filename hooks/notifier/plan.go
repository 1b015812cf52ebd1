package notifier

// Planning: who gets a message for an event (assignee or everyone, their
// subscriptions, one message per channel), what the message shows, and
// what waits for a digest (quiet hours, bursts).

import (
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/web"
)

// delivery is one message for one target.
type delivery struct {
	target *core.Record
	msg    notify.Message
	// held is what msg stands for, so that a lane can fold it into a
	// digest (lanes.go); empty for a daily summary. lang is the reader's.
	held notify.Batch
	lang string
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
func (n *Notifier) plan(ev notifyEvent, hold bool) []delivery {
	n.restoreHolds()
	app := n.app
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
			out = append(out, delivery{target: byID[it.Key], msg: notify.Build(r.lang, it.Event, now), lang: r.lang,
				held: notify.Batch{Events: []notify.Event{it.Event}, Total: 1}})
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

func (n *Notifier) duplicate(where string, ev notifyEvent, now time.Time) bool {
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
func (n *Notifier) recipients(t *core.Record, ev notifyEvent) (map[string]recipient, error) {
	app := n.app
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
func (n *Notifier) eventInfo(t *core.Record, ev notifyEvent, s settings.Settings) notify.Event {
	app := n.app
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
			info.Assigner = normalize.FirstName(u.GetString("name"))
		}
	}
	return info
}

// home is the app's address for links (see web.BaseURL).
func (n *Notifier) home(s settings.Settings) string { return web.BaseURL(n.app, s, nil) }

func (n *Notifier) ticketURL(s settings.Settings, id string) string {
	return web.TicketLink(n.home(s), id)
}
