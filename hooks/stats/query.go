package stats

import (
	"fmt"
	"net/url"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Query is one question to the figures: a period, how to group it, whose
// tickets, in which time.
type Query struct {
	From, To time.Time // tickets first mentioned in [From, To)
	// GroupBy is "", "day", "week", "channel" or "agent".
	GroupBy       string
	Mine          string           // a member's id: their tickets only; "" for all
	BusinessHours bool             // durations in the settings' opening hours
	Loc           *time.Location   // the business's zone: days and weeks
	keys          map[int64]string // day/week key per hour, filled as used
}

// parseQuery reads the stats request's parameters (see api.go).
func parseQuery(e *core.RequestEvent, loc *time.Location) (Query, error) {
	q := e.Request.URL.Query()
	sq := Query{GroupBy: q.Get("group_by"), BusinessHours: q.Get("business_hours") == "1", Loc: loc, keys: map[int64]string{}}
	var err error
	if sq.From, sq.To, err = parsePeriod(q, loc); err != nil {
		return sq, err
	}
	switch sq.GroupBy {
	case "", "day", "week", "channel", "agent":
	default:
		return sq, fmt.Errorf("group_by must be day, week, channel or agent")
	}
	if q.Get("mine") == "1" {
		sq.Mine = e.Auth.Id
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

// groupKey names a row's group. Day and week keys are computed once per
// hour of the period (zones change offset on the hour), not once per row.
func (sq Query) groupKey(at time.Time, channel, agent string) string {
	switch sq.GroupBy {
	case "day", "week":
		hour := at.Unix() / 3600
		if k, ok := sq.keys[hour]; ok {
			return k
		}
		d := at.In(sq.Loc)
		if sq.GroupBy == "week" {
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
