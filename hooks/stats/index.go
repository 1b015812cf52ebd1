package stats

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// index keeps what the stats read — one small fact per ticket and the
// count of mentions per hour, channel and mood — in memory, kept current by
// record hooks. A year of a busy business (300,000 tickets, a million
// mentions) is about 30 MB here and answers in milliseconds, where reading
// the same rows from SQLite on every dashboard load took seconds. It loads
// on the first stats request; every write after that goes through the
// hooks (the pipeline and the lifecycle save records, never raw SQL on
// these tables).
type index struct {
	mu     sync.RWMutex
	loaded bool
	byID   map[string]int32
	facts  []ticketFact
	order  []int32 // facts sorted by first mention; nil when stale
	hours  map[hourKey]int
	names  map[string]string // interned channel and assignee strings
}

type ticketFact struct {
	first                     int64 // unix seconds of the first mention
	fr, frBH, res, resBH      int64
	mentions                  int32
	channel, assignee, status string
	sentiment                 float64
	needs, answered, breached bool
	winBack, deleted          bool
	// How the first answer went out when not through Mentiondesk.
	elsewhere, byHand bool
}

type hourKey struct {
	hour      int64 // unix seconds, truncated to the hour
	channel   string
	sentiment string
}

func newIndex() *index {
	return &index{byID: map[string]int32{}, hours: map[hourKey]int{}, names: map[string]string{}}
}

// keepIndex binds the record hooks that keep the index current, and loads
// it in the background on serve so the first dashboard is quick.
func (r *Reporter) keepIndex(app core.App) {
	ix := r.index
	put := func(e *core.RecordEvent) error {
		ix.putTicket(e.Record)
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess("tickets").BindFunc(put)
	app.OnRecordAfterUpdateSuccess("tickets").BindFunc(put)
	app.OnRecordAfterDeleteSuccess("tickets").BindFunc(func(e *core.RecordEvent) error {
		ix.deleteTicket(e.Record.Id)
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess("mentions").BindFunc(func(e *core.RecordEvent) error {
		ix.countMention(e.Record, 1)
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("mentions").BindFunc(func(e *core.RecordEvent) error {
		ix.countMention(e.Record.Original(), -1)
		ix.countMention(e.Record, 1)
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("mentions").BindFunc(func(e *core.RecordEvent) error {
		ix.countMention(e.Record, -1)
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if !r.disableWorkers {
			r.workers.Go("stats index", func(context.Context) {
				if err := ix.ensureLoaded(app); err != nil {
					app.Logger().Error("stats: loading the index", "error", err)
				}
			})
		}
		return se.Next()
	})
}

func (ix *index) intern(s string) string {
	if v, ok := ix.names[s]; ok {
		return v
	}
	ix.names[s] = s
	return s
}

func factOf(r *core.Record) ticketFact {
	return ticketFact{
		first:    r.GetDateTime("first_mention_at").Time().Unix(),
		fr:       int64(r.GetInt("first_response_sec")),
		frBH:     int64(r.GetInt("first_response_bh_sec")),
		res:      int64(r.GetInt("resolution_sec")),
		resBH:    int64(r.GetInt("resolution_bh_sec")),
		mentions: int32(r.GetInt("mention_count")),
		channel:  r.GetString("channel"), assignee: r.GetString("assignee"), status: r.GetString("status"),
		sentiment: r.GetFloat("sentiment_start"),
		needs:     r.GetBool("needs_answer"), answered: r.GetString("first_response_at") != "",
		breached: r.GetBool("breached"), winBack: r.GetBool("win_back"),
		elsewhere: r.GetBool("answered_elsewhere"), byHand: r.GetBool("answered_by_hand"),
	}
}

func (ix *index) putTicket(r *core.Record) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.loaded {
		return // the load will read it
	}
	ix.putLocked(r.Id, factOf(r))
}

func (ix *index) putLocked(id string, f ticketFact) {
	f.channel, f.assignee, f.status = ix.intern(f.channel), ix.intern(f.assignee), ix.intern(f.status)
	if i, ok := ix.byID[id]; ok {
		if ix.facts[i].first != f.first {
			ix.order = nil
		}
		ix.facts[i] = f
		return
	}
	ix.byID[id] = int32(len(ix.facts))
	ix.facts = append(ix.facts, f)
	ix.order = nil
}

// markBreached records tickets flagged breached by a set-based UPDATE,
// which no record hook sees.
func (ix *index) markBreached(ids []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, id := range ids {
		if i, ok := ix.byID[id]; ok {
			ix.facts[i].breached = true
		}
	}
}

func (ix *index) deleteTicket(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if i, ok := ix.byID[id]; ok {
		ix.facts[i].deleted = true
		delete(ix.byID, id)
	}
}

func (ix *index) countMention(r *core.Record, delta int) {
	if r == nil || r.GetString("triage") == "dropped" {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.loaded {
		return
	}
	k := hourKey{r.GetDateTime("published_at").Time().Unix() / 3600 * 3600, ix.intern(r.GetString("channel")), ix.intern(r.GetString("sentiment_label"))}
	ix.hours[k] += delta
}

// ensureLoaded reads every ticket and the hourly mention counts once.
func (ix *index) ensureLoaded(app core.App) error {
	ix.mu.RLock()
	loaded := ix.loaded
	ix.mu.RUnlock()
	if loaded {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.loaded {
		return nil
	}
	rows, err := app.DB().NewQuery(`SELECT id, first_mention_at, first_response_sec, first_response_bh_sec, resolution_sec,
		resolution_bh_sec, mention_count, channel, assignee, status, sentiment_start, needs_answer, first_response_at != '',
		breached, win_back, answered_elsewhere, answered_by_hand FROM tickets`).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, first string
		var f ticketFact
		if err := rows.Scan(&id, &first, &f.fr, &f.frBH, &f.res, &f.resBH, &f.mentions, &f.channel, &f.assignee, &f.status,
			&f.sentiment, &f.needs, &f.answered, &f.breached, &f.winBack, &f.elsewhere, &f.byHand); err != nil {
			return err
		}
		if t, err := time.Parse("2006-01-02 15:04:05.000Z", first); err == nil {
			f.first = t.Unix()
		}
		ix.putLocked(id, f)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	hrows, err := app.DB().NewQuery(`SELECT substr(published_at, 1, 13), channel, sentiment_label, count(*)
		FROM mentions WHERE triage != 'dropped' GROUP BY 1, 2, 3`).Rows()
	if err != nil {
		return err
	}
	defer hrows.Close()
	for hrows.Next() {
		var hour, channel, label string
		var n int
		if err := hrows.Scan(&hour, &channel, &label, &n); err != nil {
			return err
		}
		t, err := time.Parse("2006-01-02 15", hour)
		if err != nil {
			continue
		}
		ix.hours[hourKey{t.Unix(), ix.intern(channel), ix.intern(label)}] += n
	}
	if err := hrows.Err(); err != nil {
		return err
	}
	ix.loaded = true
	return nil
}

// scanTickets calls fn for each ticket first mentioned in [from, to).
func (ix *index) scanTickets(from, to time.Time, fn func(*ticketFact)) {
	ix.mu.Lock() // may sort; writes are rare next to reads, so one lock
	defer ix.mu.Unlock()
	if ix.order == nil {
		ix.order = make([]int32, 0, len(ix.facts))
		for i := range ix.facts {
			if !ix.facts[i].deleted {
				ix.order = append(ix.order, int32(i))
			}
		}
		slices.SortFunc(ix.order, func(a, b int32) int { return cmp.Compare(ix.facts[a].first, ix.facts[b].first) })
	}
	lo, hi := from.Unix(), to.Unix()
	start, _ := slices.BinarySearchFunc(ix.order, lo, func(i int32, t int64) int { return cmp.Compare(ix.facts[i].first, t) })
	for _, i := range ix.order[start:] {
		f := &ix.facts[i]
		if f.first >= hi {
			break
		}
		if !f.deleted {
			fn(f)
		}
	}
}

// scanHours calls fn for each hourly mention count in [from, to).
func (ix *index) scanHours(from, to time.Time, fn func(hourKey, int)) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	lo, hi := from.Unix(), to.Unix()
	for k, n := range ix.hours {
		if k.hour >= lo/3600*3600 && k.hour < hi && n != 0 {
			fn(k, n)
		}
	}
}
