package hooks

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// GET /api/md/stats — the numbers the product exists to improve.
//
// Semantics (the dashboard and the CSV users rely on them):
//   - A ticket belongs to the period of its first mention (first_mention_at
//     in [from, to)); a mention to the period it was published in.
//   - mentions counts stored mentions that named the business (dropped
//     ones — no brand keyword — are left out); sentiment splits them.
//   - needing_answer: tickets the triage opened for an answer (praise logged
//     without reply is not), unless ignored before any answer.
//   - answered: those with a first response (a reply sent, or marked
//     answered elsewhere). response_rate = answered / needing_answer.
//   - within_1h / within_24h: answered at most 3,600 / 86,400 s after the
//     first mention; share_1h and share_24h divide by needing_answer, so an
//     unanswered ticket counts as not answered in time.
//   - median and p90 first response: over answered tickets, by linear
//     interpolation (sla.Percentile: numpy's default, Excel's
//     PERCENTILE.INC). median_resolution: over resolved tickets, counting
//     only the time the ticket was ours to move (sla.Compute).
//   - business_hours=1 switches every *_sec figure and the 1 h / 24 h
//     shares to business time (the settings' opening hours).
//   - breaches: first response later than the SLA target. win_backs:
//     tickets whose first message was negative and whose author later wrote
//     something neutral or positive.
//   - group_by=day|week (the settings' time zone; a week starts on Monday
//     and is keyed by that Monday's date), channel, or agent (the assignee;
//     "" for unassigned).
//   - mine=1 keeps the signed-in member's tickets (and their mentions).
func (h *hub) registerStats() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/stats", h.handleStats).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return nil
}

// statsFigures is one line of the report: the totals or one group.
type statsFigures struct {
	Key                   string         `json:"key,omitempty"`
	Label                 string         `json:"label,omitempty"`
	Mentions              int            `json:"mentions"`
	Tickets               int            `json:"tickets"`
	NeedingAnswer         int            `json:"needing_answer"`
	Answered              int            `json:"answered"`
	ResponseRate          float64        `json:"response_rate"`
	Within1h              int            `json:"within_1h"`
	Within24h             int            `json:"within_24h"`
	Share1h               float64        `json:"share_1h"`
	Share24h              float64        `json:"share_24h"`
	MedianFirstResponse   int64          `json:"median_first_response_sec"`
	P90FirstResponse      int64          `json:"p90_first_response_sec"`
	MedianResolution      int64          `json:"median_resolution_sec"`
	Breaches              int            `json:"breaches"`
	WinBacks              int            `json:"win_backs"`
	Sentiment             map[string]int `json:"sentiment"`
	firstResponses, resol []time.Duration
}

func newFigures(key, label string) *statsFigures {
	return &statsFigures{Key: key, Label: label, Sentiment: map[string]int{"negative": 0, "neutral": 0, "positive": 0}}
}

func (f *statsFigures) finish() {
	if f.NeedingAnswer > 0 {
		f.ResponseRate = round4(float64(f.Answered) / float64(f.NeedingAnswer))
		f.Share1h = round4(float64(f.Within1h) / float64(f.NeedingAnswer))
		f.Share24h = round4(float64(f.Within24h) / float64(f.NeedingAnswer))
	}
	f.MedianFirstResponse = int64(sla.Median(f.firstResponses).Seconds())
	f.P90FirstResponse = int64(sla.Percentile(f.firstResponses, 90).Seconds())
	f.MedianResolution = int64(sla.Median(f.resol).Seconds())
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

type statsQuery struct {
	from, to      time.Time
	groupBy       string
	mine          string // user id, or ""
	businessHours bool
	loc           *time.Location
}

func parseStatsQuery(e *core.RequestEvent, loc *time.Location) (statsQuery, error) {
	q := e.Request.URL.Query()
	sq := statsQuery{groupBy: q.Get("group_by"), businessHours: q.Get("business_hours") == "1", loc: loc}
	now := time.Now().In(loc)
	var err error
	if sq.to, err = parseWhen(q.Get("to"), loc, true); err != nil {
		return sq, fmt.Errorf("to: %w", err)
	}
	if sq.to.IsZero() {
		sq.to = now
	}
	if sq.from, err = parseWhen(q.Get("from"), loc, false); err != nil {
		return sq, fmt.Errorf("from: %w", err)
	}
	if sq.from.IsZero() {
		sq.from = sq.to.AddDate(0, 0, -30)
	}
	if !sq.from.Before(sq.to) {
		return sq, fmt.Errorf("from must be before to")
	}
	if sq.to.Sub(sq.from) > 3*366*24*time.Hour {
		return sq, fmt.Errorf("ask for three years at most")
	}
	switch sq.groupBy {
	case "", "day", "week", "channel", "agent":
	default:
		return sq, fmt.Errorf("group_by must be day, week, channel or agent")
	}
	if q.Get("mine") == "1" {
		sq.mine = e.Auth.Id
	}
	return sq, nil
}

// parseWhen reads RFC 3339 or a YYYY-MM-DD date in the business's zone; a
// date given as "to" includes that whole day.
func parseWhen(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("use a date (2026-11-23) or an RFC 3339 time")
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func (h *hub) handleStats(e *core.RequestEvent) error {
	s, err := loadSettings(e.App)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = time.UTC
	}
	sq, err := parseStatsQuery(e, loc)
	if err != nil {
		return apis.NewBadRequestError("Invalid period: "+err.Error()+".", nil)
	}
	totals, groups, err := h.computeStats(e.App, sq)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"from": sq.from.UTC(), "to": sq.to.UTC(), "business_hours": sq.businessHours, "group_by": sq.groupBy,
		"totals": totals, "groups": groups,
	})
}

// groupKey names a row's group.
func (sq statsQuery) groupKey(at time.Time, channel, agent string) string {
	switch sq.groupBy {
	case "day":
		return at.In(sq.loc).Format("2006-01-02")
	case "week":
		d := at.In(sq.loc)
		wd := (int(d.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(d.Year(), d.Month(), d.Day()-wd, 0, 0, 0, 0, sq.loc).Format("2006-01-02")
	case "channel":
		return channel
	case "agent":
		return agent
	}
	return ""
}

// computeStats reads each ticket of the period once (one indexed range
// scan, typed columns, no records) and each hour's mention counts, then
// aggregates in Go: medians need the values, and day buckets need the
// time zone, which SQLite does not know.
func (h *hub) computeStats(app core.App, sq statsQuery) (*statsFigures, []*statsFigures, error) {
	totals := newFigures("", "")
	groups := map[string]*statsFigures{}
	group := func(key string) *statsFigures {
		if sq.groupBy == "" {
			return nil
		}
		g := groups[key]
		if g == nil {
			g = newFigures(key, key)
			groups[key] = g
		}
		return g
	}
	from, to := dt(sq.from).String(), dt(sq.to).String()
	frCol, resCol := "first_response_sec", "resolution_sec"
	if sq.businessHours {
		frCol, resCol = "first_response_bh_sec", "resolution_bh_sec"
	}
	where := "first_mention_at >= {:from} AND first_mention_at < {:to}"
	params := dbx.Params{"from": from, "to": to}
	if sq.mine != "" {
		where += " AND assignee = {:me}"
		params["me"] = sq.mine
	}
	rows, err := app.DB().NewQuery(`SELECT first_mention_at, channel, assignee, needs_answer, status,
		first_response_at != '', ` + frCol + `, status = 'resolved', ` + resCol + `, breached, win_back
		FROM tickets WHERE ` + where).Bind(params).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			firstAt, channel, assignee, status string
			needs, answered, resolved          bool
			breached, winBack                  bool
			fr, res                            int64
		)
		if err := rows.Scan(&firstAt, &channel, &assignee, &needs, &status, &answered, &fr, &resolved, &res, &breached, &winBack); err != nil {
			return nil, nil, err
		}
		at, _ := time.Parse("2006-01-02 15:04:05.000Z", firstAt)
		for _, f := range []*statsFigures{totals, group(sq.groupKey(at, channel, assignee))} {
			if f == nil {
				continue
			}
			f.Tickets++
			if breached {
				f.Breaches++
			}
			if winBack {
				f.WinBacks++
			}
			if needs && (status != "ignored" || answered) {
				f.NeedingAnswer++
				if answered {
					f.Answered++
					d := time.Duration(fr) * time.Second
					f.firstResponses = append(f.firstResponses, d)
					if fr <= 3600 {
						f.Within1h++
					}
					if fr <= 86400 {
						f.Within24h++
					}
				}
			}
			if resolved && res > 0 {
				f.resol = append(f.resol, time.Duration(res)*time.Second)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if err := h.countMentions(app, sq, totals, group); err != nil {
		return nil, nil, err
	}
	totals.finish()
	out := make([]*statsFigures, 0, len(groups))
	for _, g := range groups {
		g.finish()
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *statsFigures) int { return strings.Compare(a.Key, b.Key) })
	if sq.groupBy == "agent" {
		for _, g := range out {
			g.Label = "—"
			if u, err := app.FindRecordById("users", g.Key); err == nil {
				g.Label = u.GetString("name")
			}
		}
	}
	return totals, out, nil
}

// countMentions adds mention volume and sentiment, counted per hour (or
// channel, or agent) in SQL, then bucketed into local days in Go.
func (h *hub) countMentions(app core.App, sq statsQuery, totals *statsFigures, group func(string) *statsFigures) error {
	sel := "substr(m.published_at, 1, 13)"
	switch sq.groupBy {
	case "channel":
		sel = "m.channel"
	case "agent":
		sel = "COALESCE(t.assignee, '')"
	}
	join, where := "", "m.published_at >= {:from} AND m.published_at < {:to} AND m.triage != 'dropped'"
	params := dbx.Params{"from": dt(sq.from).String(), "to": dt(sq.to).String()}
	if sq.mine != "" || sq.groupBy == "agent" {
		join = " LEFT JOIN tickets t ON t.id = m.ticket"
	}
	if sq.mine != "" {
		where += " AND t.assignee = {:me}"
		params["me"] = sq.mine
	}
	rows, err := app.DB().NewQuery(`SELECT ` + sel + `, m.sentiment_label, count(*) FROM mentions m` + join +
		` WHERE ` + where + ` GROUP BY 1, 2`).Bind(params).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, label string
		var n int
		if err := rows.Scan(&key, &label, &n); err != nil {
			return err
		}
		if sq.groupBy == "day" || sq.groupBy == "week" {
			hour, _ := time.Parse("2006-01-02 15", key)
			key = sq.groupKey(hour, "", "")
		}
		for _, f := range []*statsFigures{totals, group(key)} {
			if f == nil {
				continue
			}
			f.Mentions += n
			if label != "" {
				f.Sentiment[label] += n
			}
		}
	}
	return rows.Err()
}
