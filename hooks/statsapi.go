package hooks

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
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
//     answered_elsewhere and answered_by_hand count the answered tickets
//     whose answer Mentiondesk did not send: marked answered elsewhere, or
//     a reply the agent posted by hand and then marked so. Both are an
//     agent's word, not a platform's receipt.
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
//   - mine=1 keeps the signed-in member's tickets; with it, and with
//     group_by=agent, mentions are those of the member's tickets and their
//     mood is the mood each ticket opened with.
//   - Mentions are counted by the hour they were published in (UTC hours,
//     so a period that starts mid-hour includes that whole hour).
func (h *hub) registerStatsRoute() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/stats", h.handleStats).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return nil
}

// statsFigures is one line of the report: the totals or one group.
type statsFigures struct {
	Key                   string       `json:"key,omitempty"`
	Label                 string       `json:"label,omitempty"`
	Mentions              int          `json:"mentions"`
	Tickets               int          `json:"tickets"`
	NeedingAnswer         int          `json:"needing_answer"`
	Answered              int          `json:"answered"`
	AnsweredElsewhere     int          `json:"answered_elsewhere"`
	AnsweredByHand        int          `json:"answered_by_hand"`
	ResponseRate          float64      `json:"response_rate"`
	Within1h              int          `json:"within_1h"`
	Within24h             int          `json:"within_24h"`
	Share1h               float64      `json:"share_1h"`
	Share24h              float64      `json:"share_24h"`
	MedianFirstResponse   int64        `json:"median_first_response_sec"`
	P90FirstResponse      int64        `json:"p90_first_response_sec"`
	MedianResolution      int64        `json:"median_resolution_sec"`
	Breaches              int          `json:"breaches"`
	WinBacks              int          `json:"win_backs"`
	Sentiment             sentimentMix `json:"sentiment"`
	firstResponses, resol []time.Duration
}

func newFigures(key, label string) *statsFigures {
	return &statsFigures{Key: key, Label: label}
}

// sentimentMix is a struct, not a map, so the JSON keeps its order.
type sentimentMix struct {
	Negative int `json:"negative"`
	Neutral  int `json:"neutral"`
	Positive int `json:"positive"`
}

func (m *sentimentMix) add(label string, n int) {
	switch label {
	case "negative":
		m.Negative += n
	case "neutral":
		m.Neutral += n
	case "positive":
		m.Positive += n
	}
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
	keys          map[int64]string // day/week key per hour, filled as used
}

func parseStatsQuery(e *core.RequestEvent, loc *time.Location) (statsQuery, error) {
	q := e.Request.URL.Query()
	sq := statsQuery{groupBy: q.Get("group_by"), businessHours: q.Get("business_hours") == "1", loc: loc, keys: map[int64]string{}}
	var err error
	if sq.from, sq.to, err = parsePeriod(q, loc); err != nil {
		return sq, err
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

// parsePeriod reads ?from= and ?to= (stats and exports): the last 30 days
// by default, at most three years, from before to.
func parsePeriod(q url.Values, loc *time.Location) (from, to time.Time, err error) {
	if to, err = parseWhen(q.Get("to"), loc, true); err != nil {
		return from, to, fmt.Errorf("to: %w", err)
	}
	if to.IsZero() {
		to = time.Now().In(loc)
	}
	if from, err = parseWhen(q.Get("from"), loc, false); err != nil {
		return from, to, fmt.Errorf("from: %w", err)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	if !from.Before(to) {
		return from, to, fmt.Errorf("from must be before to")
	}
	if to.Sub(from) > 3*366*24*time.Hour {
		return from, to, fmt.Errorf("ask for three years at most")
	}
	return from, to, nil
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
	loc, err := settings.BusinessLocation(e.App)
	if err != nil {
		return err
	}
	sq, err := parseStatsQuery(e, loc)
	if err != nil {
		return apis.NewBadRequestError("Invalid period: "+err.Error()+".", nil)
	}
	totals, groups, err := h.computeStats(e.App, sq)
	if err != nil {
		return err
	}
	corr, err := corrections(e.App, sq.from, sq.to)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"from": sq.from.UTC(), "to": sq.to.UTC(), "business_hours": sq.businessHours, "group_by": sq.groupBy,
		"totals": totals, "groups": groups, "corrections": corr,
	})
}

// groupKey names a row's group. Day and week keys are computed once per
// hour of the period (zones change offset on the hour), not once per row.
func (sq statsQuery) groupKey(at time.Time, channel, agent string) string {
	switch sq.groupBy {
	case "day", "week":
		hour := at.Unix() / 3600
		if k, ok := sq.keys[hour]; ok {
			return k
		}
		d := at.In(sq.loc)
		if sq.groupBy == "week" {
			d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
		}
		k := d.Format("2006-01-02")
		if sq.keys != nil {
			sq.keys[hour] = k
		}
		return k
	case "channel":
		return channel
	case "agent":
		return agent
	}
	return ""
}

// computeStats aggregates the period from the in-memory stats index: one
// pass over the period's tickets (medians need the values, day buckets
// need the time zone) and over its hourly mention counts.
func (h *hub) computeStats(app core.App, sq statsQuery) (*statsFigures, []*statsFigures, error) {
	if err := h.stats.ensureLoaded(app); err != nil {
		return nil, nil, err
	}
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
	// Mentions are counted per hour and channel; an agent's share of them
	// (group_by=agent, mine=1) is the mentions of their tickets, and their
	// mood the mood each of those tickets opened with.
	byTicket := sq.mine != "" || sq.groupBy == "agent"
	h.stats.scanTickets(sq.from, sq.to, func(f *ticketFact) {
		if sq.mine != "" && f.assignee != sq.mine {
			return
		}
		fr, res := f.fr, f.res
		if sq.businessHours {
			fr, res = f.frBH, f.resBH
		}
		for _, g := range []*statsFigures{totals, group(sq.groupKey(time.Unix(f.first, 0), f.channel, f.assignee))} {
			if g == nil {
				continue
			}
			g.Tickets++
			if f.breached {
				g.Breaches++
			}
			if f.winBack {
				g.WinBacks++
			}
			if f.needs && (f.status != "ignored" || f.answered) {
				g.NeedingAnswer++
				if f.answered {
					g.Answered++
					if f.elsewhere {
						g.AnsweredElsewhere++
					} else if f.byHand {
						g.AnsweredByHand++
					}
					g.firstResponses = append(g.firstResponses, time.Duration(fr)*time.Second)
					if fr <= 3600 {
						g.Within1h++
					}
					if fr <= 86400 {
						g.Within24h++
					}
				}
			}
			if f.status == "resolved" && res > 0 {
				g.resol = append(g.resol, time.Duration(res)*time.Second)
			}
			if byTicket && f.mentions > 0 {
				g.Mentions += int(f.mentions)
				g.Sentiment.add(sentimentLabel(f.sentiment), 1)
			}
		}
	})
	if !byTicket {
		h.stats.scanHours(sq.from, sq.to, func(k hourKey, n int) {
			for _, g := range []*statsFigures{totals, group(sq.groupKey(time.Unix(k.hour, 0), k.channel, ""))} {
				if g == nil {
					continue
				}
				g.Mentions += n
				g.Sentiment.add(k.sentiment, n)
			}
		})
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

// sentimentLabel matches the analyser's thresholds for a stored score.
func sentimentLabel(score float64) string {
	switch {
	case score < -0.05:
		return "negative"
	case score > 0.05:
		return "positive"
	}
	return "neutral"
}

// correctionFigures say how often members corrected the analysis of the
// period's mentions: a rising share means the analyser does not fit this
// business's customers.
type correctionFigures struct {
	Mentions  int `json:"mentions" db:"mentions"`
	Corrected int `json:"corrected" db:"corrected"`
	Sentiment int `json:"sentiment" db:"sentiment"` // corrections that changed the sentiment
	Intent    int `json:"intent" db:"intent"`       // corrections that changed the intent
}

func corrections(app core.App, from, to time.Time) (correctionFigures, error) {
	var c correctionFigures
	err := app.DB().NewQuery(`SELECT COUNT(*) AS mentions,
		COALESCE(SUM(corrected_at != ''), 0) AS corrected,
		COALESCE(SUM(corrected_sentiment != '' AND corrected_sentiment != sentiment_label), 0) AS sentiment,
		COALESCE(SUM(corrected_intent != '' AND corrected_intent != intent), 0) AS intent
		FROM mentions WHERE published_at >= {:from} AND published_at < {:to} AND triage != 'dropped'`).
		Bind(dbx.Params{"from": records.DT(from).String(), "to": records.DT(to).String()}).One(&c)
	return c, err
}
