package sla

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	// A single binary on a bare VPS or a scratch container may have no
	// /usr/share/zoneinfo; business hours must not silently become UTC.
	_ "time/tzdata"
)

// Errors returned by NewCalendar and the JSON decoders; match them with
// errors.Is, the wrapped message says which field is wrong.
var (
	ErrTimezone   = errors.New("sla: unknown time zone")
	ErrSpan       = errors.New("sla: invalid opening span")
	ErrOverlap    = errors.New("sla: overlapping opening spans")
	ErrHoliday    = errors.New("sla: invalid holiday date")
	ErrWeekday    = errors.New("sla: unknown weekday")
	ErrNoOpenTime = errors.New("sla: business hours have no open time")
)

const (
	minutesPerDay = 24 * 60
	secondsPerDay = 24 * 60 * 60
	dateLayout    = "2006-01-02"
)

// Span is an opening period within one day, in the calendar's local time,
// "HH:MM" 24-hour clock. End may be "24:00" (midnight at the end of the
// day). In JSON it is a two-element array: ["09:00","18:00"].
type Span struct {
	Start string
	End   string
}

// MarshalJSON writes the span as ["start","end"].
func (s Span) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{s.Start, s.End})
}

// UnmarshalJSON reads ["start","end"]; the times themselves are checked by
// NewCalendar, which knows the weekday for a better message.
func (s *Span) UnmarshalJSON(b []byte) error {
	var a []string
	if err := json.Unmarshal(b, &a); err != nil || len(a) != 2 {
		return fmt.Errorf("%w: want [\"HH:MM\",\"HH:MM\"], got %s", ErrSpan, truncate(b, 60))
	}
	s.Start, s.End = a[0], a[1]
	return nil
}

// Hours is the editable description of when the business is open.
// An empty Timezone means UTC.
type Hours struct {
	Timezone   string
	Week       map[time.Weekday][]Span
	Holidays   []string // "2026-12-25", dates in Timezone
	AlwaysOpen bool
}

var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

type hoursJSON struct {
	Timezone   string            `json:"timezone,omitempty"`
	Week       map[string][]Span `json:"week"`
	Holidays   []string          `json:"holidays"`
	AlwaysOpen bool              `json:"always_open,omitempty"`
}

// MarshalJSON writes the shape documented in the package comment, with
// weekdays as "mon".."sun".
func (h Hours) MarshalJSON() ([]byte, error) {
	j := hoursJSON{Timezone: h.Timezone, Week: map[string][]Span{}, Holidays: h.Holidays, AlwaysOpen: h.AlwaysOpen}
	for wd, spans := range h.Week {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, fmt.Errorf("%w: %d", ErrWeekday, wd)
		}
		if len(spans) > 0 {
			j.Week[dayKeys[wd]] = spans
		}
	}
	if j.Holidays == nil {
		j.Holidays = []string{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the documented shape. Weekday keys are the English
// names or their three-letter abbreviations, in any case; unknown keys
// and a day given twice are errors rather than silently closed days.
func (h *Hours) UnmarshalJSON(b []byte) error {
	var j hoursJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("sla: business hours: %w", err)
	}
	out := Hours{Timezone: j.Timezone, Holidays: j.Holidays, AlwaysOpen: j.AlwaysOpen, Week: map[time.Weekday][]Span{}}
	for k, spans := range j.Week {
		wd, ok := parseWeekday(k)
		if !ok {
			return fmt.Errorf("%w: %q (want mon, tue, ... sun)", ErrWeekday, k)
		}
		if _, dup := out.Week[wd]; dup {
			return fmt.Errorf("%w: %s given twice", ErrWeekday, wd)
		}
		out.Week[wd] = spans
	}
	*h = out
	return nil
}

func parseWeekday(k string) (time.Weekday, bool) {
	k = strings.ToLower(strings.TrimSpace(k))
	for i, short := range dayKeys {
		if k == short || k == strings.ToLower(time.Weekday(i).String()) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// minuteSpan is a validated Span in minutes since local midnight, [start, end).
type minuteSpan struct{ start, end int }

// Calendar answers business-time questions for validated Hours. It is
// immutable and safe for concurrent use. A nil *Calendar is always open,
// so callers without business hours can pass nil.
type Calendar struct {
	hours    Hours
	loc      *time.Location
	always   bool
	week     [7][]minuteSpan
	holidays map[int64]struct{} // days since 1970-01-01 of the local date
	weekly   time.Duration      // nominal open time per week, for the loop guard
}

// ParseCalendar decodes business hours stored as JSON (see the package
// comment) and validates them. A non-empty timezone argument overrides the
// JSON's, because the settings row keeps the time zone in its own field.
func ParseCalendar(timezone string, data []byte) (*Calendar, error) {
	var h Hours
	if len(bytes.TrimSpace(data)) > 0 && string(bytes.TrimSpace(data)) != "null" {
		if err := json.Unmarshal(data, &h); err != nil {
			if strings.HasPrefix(err.Error(), "sla: ") {
				return nil, err
			}
			// Syntax errors are reported by encoding/json before our decoder runs.
			return nil, fmt.Errorf("sla: business hours: %w", err)
		}
	}
	if timezone != "" {
		h.Timezone = timezone
	}
	return NewCalendar(h)
}

// NewCalendar validates h. Errors wrap ErrTimezone, ErrSpan, ErrOverlap,
// ErrHoliday, ErrWeekday or ErrNoOpenTime. Touching spans (12:00 end,
// 12:00 start) are merged; overlapping ones are refused because they
// usually hide a typo.
func NewCalendar(h Hours) (*Calendar, error) {
	c := &Calendar{hours: cloneHours(h), always: h.AlwaysOpen, holidays: map[int64]struct{}{}}
	tz := strings.TrimSpace(h.Timezone)
	switch tz {
	case "", "UTC":
		c.loc = time.UTC
	case "Local":
		// The server's zone is an accident of deployment, not a business setting.
		return nil, fmt.Errorf("%w: %q is the server's zone; name the business's zone, e.g. Europe/Paris", ErrTimezone, tz)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", ErrTimezone, tz)
		}
		c.loc = loc
	}
	c.hours.Timezone = c.loc.String()

	for wd, spans := range h.Week {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, fmt.Errorf("%w: %d", ErrWeekday, wd)
		}
		ms := make([]minuteSpan, 0, len(spans))
		for i, s := range spans {
			a, okA := parseClock(s.Start, false)
			b, okB := parseClock(s.End, true)
			switch {
			case !okA:
				return nil, fmt.Errorf("%w: %s span %d: start %q is not HH:MM between 00:00 and 23:59", ErrSpan, wd, i+1, s.Start)
			case !okB:
				return nil, fmt.Errorf("%w: %s span %d: end %q is not HH:MM between 00:00 and 24:00", ErrSpan, wd, i+1, s.End)
			case b <= a:
				return nil, fmt.Errorf("%w: %s span %d: end %s is not after start %s (for hours past midnight use %s-24:00 and 00:00-%s on the next day)",
					ErrSpan, wd, i+1, s.End, s.Start, s.Start, s.End)
			}
			ms = append(ms, minuteSpan{a, b})
		}
		slices.SortFunc(ms, func(x, y minuteSpan) int { return x.start - y.start })
		merged := ms[:0]
		for _, s := range ms {
			if n := len(merged); n > 0 {
				last := &merged[n-1]
				if s.start < last.end {
					return nil, fmt.Errorf("%w: %s %s-%s and %s-%s", ErrOverlap, wd,
						fmtClock(last.start), fmtClock(last.end), fmtClock(s.start), fmtClock(s.end))
				}
				if s.start == last.end {
					last.end = s.end
					continue
				}
			}
			merged = append(merged, s)
		}
		c.week[wd] = merged
		for _, s := range merged {
			c.weekly += time.Duration(s.end-s.start) * time.Minute
		}
	}

	for _, d := range h.Holidays {
		t, err := time.Parse(dateLayout, strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("%w: %q (want YYYY-MM-DD)", ErrHoliday, d)
		}
		c.holidays[t.Unix()/secondsPerDay] = struct{}{}
	}

	if !c.always && c.weekly == 0 {
		return nil, fmt.Errorf("%w: set at least one span or always_open", ErrNoOpenTime)
	}
	return c, nil
}

func cloneHours(h Hours) Hours {
	out := Hours{Timezone: h.Timezone, AlwaysOpen: h.AlwaysOpen, Holidays: slices.Clone(h.Holidays)}
	if h.Week != nil {
		out.Week = make(map[time.Weekday][]Span, len(h.Week))
		for k, v := range h.Week {
			out.Week[k] = slices.Clone(v)
		}
	}
	return out
}

// parseClock reads "HH:MM" (one-digit hours allowed) into minutes since
// midnight; "24:00" only when allow24.
func parseClock(s string, allow24 bool) (int, bool) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, okH := atoi(hh)
	m, okM := atoi(mm)
	if !okH || !okM || m > 59 {
		return 0, false
	}
	if h == 24 && m == 0 && allow24 {
		return minutesPerDay, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

func atoi(s string) (int, bool) {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func fmtClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// Hours returns a copy of the validated hours (Timezone normalised, e.g.
// "" becomes "UTC"), ready to be stored as JSON again.
func (c *Calendar) Hours() Hours {
	if c == nil {
		return Hours{Timezone: "UTC", AlwaysOpen: true}
	}
	return cloneHours(c.hours)
}

// Location is the calendar's time zone (UTC for a nil calendar).
func (c *Calendar) Location() *time.Location {
	if c == nil {
		return time.UTC
	}
	return c.loc
}

func (c *Calendar) open() bool { return c == nil || c.always }

// offsetAt is the zone's UTC offset, in seconds, at a Unix instant.
func (c *Calendar) offsetAt(unix int64) int64 {
	_, off := time.Unix(unix, 0).In(c.loc).Zone()
	return int64(off)
}

// resolve turns a local wall time (a date, as Unix seconds of its UTC
// midnight, plus minutes since midnight) into an instant: the first
// occurrence of an ambiguous time, the transition instant for a time
// skipped by a spring-forward. Being monotonic in the wall time, it keeps
// spans in order and never overlapping, whatever the DST rules.
func (c *Calendar) resolve(dayUnix int64, minute int) int64 {
	u := dayUnix + int64(minute)*60
	o0, o1 := c.offsetAt(u-secondsPerDay), c.offsetAt(u+secondsPerDay)
	if o0 == o1 && c.offsetAt(u-o0) == o0 {
		return u - o0 // no transition nearby: the common case
	}
	cands := [3]int64{o0, o1, c.offsetAt(u)}
	best, found := int64(0), false
	lowest := cands[0]
	for _, o := range cands {
		lowest = min(lowest, o)
		if inst := u - o; c.offsetAt(inst) == o && (!found || inst < best) {
			best, found = inst, true
		}
	}
	if found {
		return best
	}
	// In a gap: u - lowest lies just after the jump, whose instant is the
	// start of that zone period.
	inst := u - lowest
	if start, _ := time.Unix(inst, 0).In(c.loc).ZoneBounds(); !start.IsZero() && start.Unix() <= inst {
		return start.Unix()
	}
	return inst
}

// localDay is the Unix seconds of the UTC midnight carrying t's local date.
func (c *Calendar) localDay(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
}

// eachInterval calls fn with the open intervals [a, b) (Unix seconds, in
// increasing order) of the local days starting at day; fn returns false to
// stop. It gives up after maxDays days.
func (c *Calendar) eachInterval(day int64, maxDays int, fn func(a, b int64) bool) {
	for i := 0; i < maxDays; i, day = i+1, day+secondsPerDay {
		if _, ok := c.holidays[day/secondsPerDay]; ok {
			continue
		}
		// 1970-01-01 was a Thursday.
		wd := time.Weekday((day/secondsPerDay%7 + 7 + 4) % 7)
		for _, s := range c.week[wd] {
			a, b := c.resolve(day, s.start), c.resolve(day, s.end)
			if b <= a {
				continue // the whole span fell into a spring-forward gap
			}
			if !fn(a, b) {
				return
			}
		}
	}
}

// instant builds a time from Unix seconds in loc's presentation.
func instant(sec int64, loc *time.Location) time.Time { return time.Unix(sec, 0).In(loc) }

// Add returns the instant at which d of business time has elapsed from
// start: the due date of an SLA target. Starting outside business hours
// means starting at the next opening; a deadline landing exactly on a
// closing time is that closing time. d <= 0 returns start. The result is
// in start's location. Cost is proportional to the number of calendar days
// covered, not to d's size in minutes; past a century of calendar days it
// stops and returns a lower bound (see maxAddDays).
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	if c.open() {
		return start.Add(d)
	}
	loc := start.Location()
	remaining := d
	cur := start
	var result time.Time
	done := false
	c.eachInterval(c.localDay(start)-secondsPerDay, c.maxDays(d), func(a, b int64) bool {
		end := instant(b, loc)
		if !end.After(cur) {
			return true
		}
		if begin := instant(a, loc); begin.After(cur) {
			cur = begin
		}
		avail := end.Sub(cur)
		if avail >= remaining {
			result, done = cur.Add(remaining), true
			return false
		}
		remaining -= avail
		cur = end
		return true
	})
	if !done {
		// Only a target longer than a century of business time gets here
		// (a validated calendar opens every week). The true deadline is
		// later still; this lower bound keeps a mistyped setting from
		// pinning a CPU.
		return cur.Add(remaining)
	}
	return result
}

// maxAddDays caps the day loop of Add at about a century (a few ms).
const maxAddDays = 100 * 366

// maxDays bounds the day loop of Add: twice the weeks d needs at the
// nominal weekly open time (DST and holidays only shave a little off),
// plus every holiday, plus slack, and never more than maxAddDays.
func (c *Calendar) maxDays(d time.Duration) int {
	weeks := int64(d/c.weekly) + 2
	return int(min(14*weeks+int64(len(c.holidays))+14, maxAddDays))
}

// Elapsed returns the business time between two instants. It is
// antisymmetric: Elapsed(to, from) == -Elapsed(from, to). Cost is
// proportional to the calendar days between them (about 60 µs a year),
// so callers should not pass a zero time.Time as a start.
func (c *Calendar) Elapsed(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.Elapsed(to, from)
	}
	if c.open() {
		return to.Sub(from)
	}
	var total time.Duration
	first, last := c.localDay(from)-secondsPerDay, c.localDay(to)+secondsPerDay
	days := int((last-first)/secondsPerDay) + 1
	fromLoc := from.Location()
	c.eachInterval(first, days, func(a, b int64) bool {
		begin, end := instant(a, fromLoc), instant(b, fromLoc)
		if !begin.Before(to) {
			return false
		}
		if begin.Before(from) {
			begin = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(begin) {
			total += end.Sub(begin)
		}
		return true
	})
	return total
}

// IsOpen reports whether t falls inside business hours (opening instant
// included, closing instant excluded).
func (c *Calendar) IsOpen(t time.Time) bool {
	if c.open() {
		return true
	}
	open := false
	ts := t.Unix()
	c.eachInterval(c.localDay(t)-secondsPerDay, 3, func(a, b int64) bool {
		if a > ts {
			return false
		}
		// Spans start and end on whole minutes, so comparing seconds is exact
		// except for the sub-second part at the closing instant.
		if ts < b {
			open = true
			return false
		}
		return true
	})
	return open
}
