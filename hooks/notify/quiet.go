package notify

import (
	"fmt"
	"time"
)

// Quiet is a user's daily quiet period in their own time zone. Start and
// End are minutes after local midnight; a period whose end is earlier than
// its start spans midnight (22:00 → 07:00).
type Quiet struct {
	Start, End int
	Loc        *time.Location
}

// ParseQuiet reads "HH:MM" bounds and an IANA zone. ok is false when the
// user has no usable quiet hours (a bound missing, equal bounds, a bad
// value); a bad zone falls back to fallbackTZ, then UTC, so a typo in the
// zone never means notifications at 3 a.m.
func ParseQuiet(start, end, tz, fallbackTZ string) (q Quiet, ok bool) {
	s, err1 := clockMinutes(start)
	e, err2 := clockMinutes(end)
	if err1 != nil || err2 != nil || s == e {
		return Quiet{}, false
	}
	loc, err := time.LoadLocation(tz)
	if tz == "" || err != nil {
		if loc, err = time.LoadLocation(fallbackTZ); fallbackTZ == "" || err != nil {
			loc = time.UTC
		}
	}
	return Quiet{Start: s, End: e, Loc: loc}, true
}

func clockMinutes(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("notify: %q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, fmt.Errorf("notify: %q is not HH:MM", s)
	}
	return h*60 + m, nil
}

// Active reports whether t falls inside the quiet period.
func (q Quiet) Active(t time.Time) bool {
	if q.Loc == nil || q.Start == q.End {
		return false
	}
	l := t.In(q.Loc)
	m := l.Hour()*60 + l.Minute()
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// Ends returns the first instant after t at which the quiet period is over
// (the next local End). Days are stepped on the calendar, not in 24 h, so a
// night with a daylight-saving change still ends at 07:00 local; an End in
// the hour skipped in spring becomes the same wall time an hour later.
func (q Quiet) Ends(t time.Time) time.Time {
	loc := q.Loc
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	for day := 0; day < 3; day++ {
		d := l.AddDate(0, 0, day)
		c := time.Date(d.Year(), d.Month(), d.Day(), q.End/60, q.End%60, 0, 0, loc)
		if lc := c.In(loc); lc.Hour()*60+lc.Minute() != q.End {
			// A wall time in the spring gap: time.Date may pick the
			// earlier offset; move past the gap by the offset change.
			_, before := c.Add(-3 * time.Hour).Zone()
			_, after := c.Add(3 * time.Hour).Zone()
			c = c.Add(time.Duration(after-before) * time.Second)
		}
		if c.After(t) {
			return c
		}
	}
	return t
}

// Until returns when notifications may go out again: the end of the quiet
// period when t is inside one, else the zero time.
func (q Quiet) Until(t time.Time) time.Time {
	if !q.Active(t) {
		return time.Time{}
	}
	return q.Ends(t)
}

// DailyDue reports whether a daily message set for minute (after local
// midnight in loc) is due at now: within window after that time. day names
// the local date, so a caller sends once per day.
func DailyDue(now time.Time, loc *time.Location, minute int, window time.Duration) (day string, due bool) {
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	at := time.Date(l.Year(), l.Month(), l.Day(), minute/60, minute%60, 0, 0, loc)
	return l.Format("2006-01-02"), !now.Before(at) && now.Before(at.Add(window))
}

// DailyMinute is when a user's daily digest goes out: when their quiet
// hours end, else 08:00.
func DailyMinute(quietEnd string) int {
	if m, err := clockMinutes(quietEnd); err == nil {
		return m
	}
	return 8 * 60
}
