package notifier

// Held notifications and digests: what quiet hours and bursts hold, kept
// across restarts (notification_holds), and the daily summary.

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// heldState is the row of notification_holds.
type heldState struct {
	Held  []notify.HeldUser `json:"held"`
	Daily map[string]string `json:"daily"` // target id → local day its daily digest went out
}

// restoreHolds takes back what an earlier run of the server held for
// digests, and the days it sent daily digests, before this one holds,
// releases or sends anything.
func (n *Notifier) restoreHolds() {
	n.holdsOnce.Do(func() {
		var raw string
		err := n.app.DB().Select("state").From("notification_holds").
			Where(dbx.HashExp{"id": pb_migrations.NotificationHoldsID}).Row(&raw)
		if err != nil {
			return // nothing kept
		}
		var st heldState
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			n.app.Logger().Error("notify: reading held digests", "error", err)
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
			n.app.Logger().Info("notify: held digests restored", "users", len(st.Held))
		}
	})
}

// stateVersion moves whenever what keepHolds writes changed.
func (n *Notifier) stateVersion() uint64 {
	return n.batch.Version() + n.dailyVersion.Load()
}

// keepHolds writes what the batcher holds and the daily digests' days
// when they changed, so a restart (an upgrade during the night) neither
// loses the morning's digest nor sends the daily one twice.
func (n *Notifier) keepHolds() {
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
		_, err = n.app.DB().NewQuery(`INSERT INTO notification_holds (id, state, created, updated)
			VALUES ({:id}, {:state}, {:now}, {:now})
			ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated = excluded.updated`).
			Bind(dbx.Params{"id": pb_migrations.NotificationHoldsID, "state": string(state), "now": now}).Execute()
	}
	if err != nil {
		n.app.Logger().Error("notify: keeping held digests", "error", err)
		return
	}
	n.holdsSaved.Store(v)
}

// dueDigests turns held batches whose quiet period or burst is over into
// deliveries: one message per target, a plain one when only one event
// was held.
func (n *Notifier) dueDigests() []delivery {
	n.restoreHolds()
	app := n.app
	now := n.now()
	batches := n.batch.Due(now, func(uid string) time.Time {
		u, err := app.FindRecordById("users", uid)
		if err != nil {
			return time.Time{}
		}
		s, _ := settings.Load(app)
		q, ok := notify.ParseQuiet(u.GetString("quiet_start"), u.GetString("quiet_end"), u.GetString("timezone"), s.Timezone)
		if !ok {
			return time.Time{}
		}
		return q.Until(now)
	})
	if len(batches) == 0 {
		return nil
	}
	s, _ := settings.Load(app)
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
		out = append(out, delivery{target: tg, msg: batchMessage(lang, b, n.home(s), now), lang: lang, held: b})
	}
	return out
}

// batchMessage renders held events: a plain message when there was only
// one, a digest otherwise.
func batchMessage(lang string, b notify.Batch, home string, now time.Time) notify.Message {
	if b.Total == 1 && len(b.Events) == 1 {
		return notify.Build(lang, b.Events[0], now)
	}
	return notify.DigestOf(lang, b, home)
}

// dailyDigests returns the daily summaries due now, one per target that
// subscribed to "digest", in each user's own morning.
func (n *Notifier) dailyDigests() []delivery {
	n.restoreHolds()
	app := n.app
	now := n.now()
	targets, err := app.FindAllRecords("notifications", dbx.HashExp{"enabled": true})
	if err != nil {
		return nil
	}
	s, _ := settings.Load(app)
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
		out = append(out, delivery{target: tg, msg: notify.Daily(u.GetString("language"), *sum, n.home(s)+"/"), lang: u.GetString("language")})
	}
	return out
}

// summary counts the team's tickets for the daily digest.
func (n *Notifier) summary(now time.Time) notify.Summary {
	db := n.app.DB()
	count := func(where string, params dbx.Params) int {
		var c int
		if err := db.Select("COUNT(*)").From("tickets").Where(dbx.NewExp(where, params)).Row(&c); err != nil {
			n.app.Logger().Error("notify: daily summary", "error", err)
		}
		return c
	}
	waiting := "needs_answer = 1 AND status IN ('new', 'open') AND first_response_at = ''"
	return notify.Summary{
		New:     count("needs_answer = 1 AND first_mention_at >= {:since}", dbx.Params{"since": records.DT(now.Add(-24 * time.Hour)).String()}),
		Waiting: count(waiting, nil),
		Late:    count(waiting+" AND breached = 1", nil),
	}
}
