package sla

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	paris   = mustLoc("Europe/Paris")
	toronto = mustLoc("America/Toronto")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// wall parses "2006-01-02 15:04" (optionally ":05") in loc. Only for
// unambiguous wall times: ambiguous instants are written in UTC.
func wall(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout += ":05"
	}
	v, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t testing.TB, s string) time.Time { return wall(t, time.UTC, s) }

func weekdays(spans ...Span) map[time.Weekday][]Span {
	w := map[time.Weekday][]Span{}
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = spans
	}
	return w
}

func mustCal(t testing.TB, h Hours) *Calendar {
	t.Helper()
	c, err := NewCalendar(h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The test data assumes these transitions; fail loudly if the zone
// database ever says otherwise rather than test the wrong thing.
func TestDSTAssumptions(t *testing.T) {
	for _, tc := range []struct {
		loc  *time.Location
		at   string // UTC instant of the change
		from int    // offset just before, hours
		to   int
	}{
		{paris, "2026-03-29 01:00", 1, 2},
		{paris, "2026-10-25 01:00", 2, 1},
		{toronto, "2026-03-08 07:00", -5, -4},
		{toronto, "2026-11-01 06:00", -4, -5},
	} {
		at := utc(t, tc.at)
		_, before := at.Add(-time.Second).In(tc.loc).Zone()
		_, after := at.In(tc.loc).Zone()
		if before != tc.from*3600 || after != tc.to*3600 {
			t.Fatalf("%s at %s: offsets %d→%d, test data assumes %d→%d h", tc.loc, tc.at, before/3600, after/3600, tc.from, tc.to)
		}
	}
}

func TestCalendarAdd(t *testing.T) {
	officeParis := mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "18:00"}), Holidays: []string{"2026-12-25", "2027-01-01"}})
	lunch := mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "12:30"}, Span{"13:30", "18:00"})})
	officeToronto := mustCal(t, Hours{Timezone: "America/Toronto", Week: weekdays(Span{"09:00", "17:00"})})
	night := mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{
		time.Monday: {{"22:00", "24:00"}}, time.Tuesday: {{"00:00", "02:00"}},
	}})
	// A shop open on Sundays across the DST hour.
	sundayTO := mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{time.Sunday: {{"01:30", "03:30"}}}})
	sundayParis := mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{time.Sunday: {{"02:30", "03:30"}}}})
	utcCal := mustCal(t, Hours{Week: map[time.Weekday][]Span{time.Wednesday: {{"10:00", "11:00"}}}})

	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within hours", officeParis, wall(t, paris, "2026-11-23 10:00"), time.Hour, wall(t, paris, "2026-11-23 11:00")},
		{"zero duration stays put even when closed", officeParis, wall(t, paris, "2026-11-22 03:00"), 0, wall(t, paris, "2026-11-22 03:00")},
		{"negative duration stays put", officeParis, wall(t, paris, "2026-11-23 10:00"), -time.Hour, wall(t, paris, "2026-11-23 10:00")},
		{"ends exactly at closing", officeParis, wall(t, paris, "2026-11-23 17:00"), time.Hour, wall(t, paris, "2026-11-23 18:00")},
		{"crosses closing and midnight", officeParis, wall(t, paris, "2026-11-23 17:30"), time.Hour, wall(t, paris, "2026-11-24 09:30")},
		{"friday evening to monday", officeParis, wall(t, paris, "2026-11-27 17:30"), time.Hour, wall(t, paris, "2026-11-30 09:30")},
		{"start on saturday", officeParis, wall(t, paris, "2026-11-28 12:00"), time.Hour, wall(t, paris, "2026-11-30 10:00")},
		{"start before opening", officeParis, wall(t, paris, "2026-11-23 07:00"), time.Hour, wall(t, paris, "2026-11-23 10:00")},
		{"start after closing", officeParis, wall(t, paris, "2026-11-23 23:59"), time.Minute, wall(t, paris, "2026-11-24 09:01")},
		{"start exactly at closing", officeParis, wall(t, paris, "2026-11-23 18:00"), time.Minute, wall(t, paris, "2026-11-24 09:01")},
		{"sub-second precision kept", officeParis, wall(t, paris, "2026-11-23 10:00").Add(123456789), 1500 * time.Millisecond, wall(t, paris, "2026-11-23 10:00").Add(123456789 + 1500*time.Millisecond)},
		{"holiday skipped (christmas friday)", officeParis, wall(t, paris, "2026-12-24 17:30"), time.Hour, wall(t, paris, "2026-12-28 09:30")},
		{"holiday then new year holiday", officeParis, wall(t, paris, "2026-12-31 17:00"), 2 * time.Hour, wall(t, paris, "2027-01-04 10:00")},
		{"lunch break skipped", lunch, wall(t, paris, "2026-11-23 12:00"), time.Hour, wall(t, paris, "2026-11-23 14:00")},
		{"start during lunch", lunch, wall(t, paris, "2026-11-23 12:45"), 30 * time.Minute, wall(t, paris, "2026-11-23 14:00")},
		{"two weeks exactly", officeParis, wall(t, paris, "2026-11-23 09:00"), 90 * time.Hour, wall(t, paris, "2026-12-04 18:00")},
		{"multi-week with holidays", officeParis, wall(t, paris, "2026-12-21 09:00"), 3 * 45 * time.Hour, wall(t, paris, "2027-01-12 18:00")},
		{"UTC calendar, empty timezone", utcCal, utc(t, "2026-11-23 00:00"), 90 * time.Minute, utc(t, "2026-12-02 10:30")},

		// Europe/Paris: clocks jump 02:00→03:00 on 2026-03-29, 03:00→02:00 on 2026-10-25.
		{"paris spring: friday to monday after the change", officeParis, wall(t, paris, "2026-03-27 17:00"), 2 * time.Hour, wall(t, paris, "2026-03-30 10:00")},
		{"paris autumn: friday to monday after the change", officeParis, wall(t, paris, "2026-10-23 17:00"), 2 * time.Hour, wall(t, paris, "2026-10-26 10:00")},
		{"paris spring: 02:30 does not exist, span opens at 03:00 CEST", sundayParis, wall(t, paris, "2026-03-28 12:00"), 20 * time.Minute, utc(t, "2026-03-29 01:20")},
		{"paris spring: shortened span carries over a week", sundayParis, wall(t, paris, "2026-03-28 12:00"), 40 * time.Minute, wall(t, paris, "2026-04-05 02:40")},
		{"paris autumn: 02:30 CEST to 03:30 CET is two hours", sundayParis, wall(t, paris, "2026-10-24 12:00"), 110 * time.Minute, utc(t, "2026-10-25 02:20")},

		// America/Toronto: 02:00→03:00 on 2026-03-08, 02:00→01:00 on 2026-11-01.
		{"toronto spring: friday to monday", officeToronto, wall(t, toronto, "2026-03-06 16:30"), time.Hour, wall(t, toronto, "2026-03-09 09:30")},
		{"toronto autumn: friday to monday", officeToronto, wall(t, toronto, "2026-10-30 16:30"), time.Hour, wall(t, toronto, "2026-11-02 09:30")},
		{"toronto spring: 01:30 EST + 30 min is 03:00 EDT", sundayTO, wall(t, toronto, "2026-03-08 01:30"), 30 * time.Minute, utc(t, "2026-03-08 07:00")},
		{"toronto spring: span is one hour long", sundayTO, wall(t, toronto, "2026-03-08 00:00"), 90 * time.Minute, wall(t, toronto, "2026-03-15 02:00")},
		{"toronto spring: start inside the gap's aftermath", sundayTO, utc(t, "2026-03-08 07:10"), 10 * time.Minute, utc(t, "2026-03-08 07:20")},
		{"toronto autumn: 01:30 EDT + 2h30 is 03:00 EST", sundayTO, wall(t, toronto, "2026-11-01 00:00"), 150 * time.Minute, utc(t, "2026-11-01 08:00")},
		{"toronto autumn: start in the repeated hour (second 01:15)", sundayTO, utc(t, "2026-11-01 06:15"), time.Hour, utc(t, "2026-11-01 07:15")},
		{"toronto autumn: three hours that day", sundayTO, wall(t, toronto, "2026-11-01 00:00"), 3 * time.Hour, utc(t, "2026-11-01 08:30")},

		{"night shift across midnight", night, wall(t, paris, "2026-11-23 23:30"), time.Hour, wall(t, paris, "2026-11-24 00:30")},
		{"night shift to next week", night, wall(t, paris, "2026-11-24 01:30"), time.Hour, wall(t, paris, "2026-11-30 22:30")},

		{"nil calendar is wall clock", nil, wall(t, paris, "2026-11-28 12:00"), time.Hour, wall(t, paris, "2026-11-28 13:00")},
		{"always open is wall clock across DST", mustCal(t, Hours{Timezone: "Europe/Paris", AlwaysOpen: true}), wall(t, paris, "2026-03-29 01:00"), 2 * time.Hour, utc(t, "2026-03-29 02:00")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.Add(tc.start, tc.d)
			if !got.Equal(tc.want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got.In(tc.want.Location()), tc.want)
			}
			if got.Location() != tc.start.Location() {
				t.Errorf("result in %s, want start's location %s", got.Location(), tc.start.Location())
			}
			if tc.d > 0 {
				if e := tc.cal.Elapsed(tc.start, got); e != tc.d {
					t.Errorf("Elapsed(start, Add(start, d)) = %s, want %s", e, tc.d)
				}
				if !tc.cal.IsOpen(got.Add(-time.Nanosecond)) {
					t.Errorf("the instant before the deadline %s should be open", got)
				}
			}
		})
	}
}

func TestCalendarElapsed(t *testing.T) {
	office := mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "12:30"}, Span{"13:30", "18:00"}), Holidays: []string{"2026-12-25"}})
	sundayTO := mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{time.Sunday: {{"01:30", "03:30"}}}})
	sundayParis := mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{time.Sunday: {{"02:30", "03:30"}}}})
	gapOnly := mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{time.Sunday: {{"02:00", "02:45"}}}})
	night := mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{
		time.Monday: {{"22:00", "24:00"}}, time.Tuesday: {{"00:00", "02:00"}},
	}})
	tests := []struct {
		name     string
		cal      *Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"same instant", office, wall(t, paris, "2026-11-23 10:00"), wall(t, paris, "2026-11-23 10:00"), 0},
		{"inside a span", office, wall(t, paris, "2026-11-23 10:00"), wall(t, paris, "2026-11-23 11:15"), 75 * time.Minute},
		{"over lunch", office, wall(t, paris, "2026-11-23 12:00"), wall(t, paris, "2026-11-23 14:00"), time.Hour},
		{"a whole day", office, wall(t, paris, "2026-11-23 00:00"), wall(t, paris, "2026-11-24 00:00"), 8 * time.Hour},
		{"a whole week", office, wall(t, paris, "2026-11-23 00:00"), wall(t, paris, "2026-11-30 00:00"), 40 * time.Hour},
		{"week with christmas", office, wall(t, paris, "2026-12-21 00:00"), wall(t, paris, "2026-12-28 00:00"), 32 * time.Hour},
		{"weekend only", office, wall(t, paris, "2026-11-28 00:00"), wall(t, paris, "2026-11-30 00:00"), 0},
		{"reversed is negative", office, wall(t, paris, "2026-11-23 11:15"), wall(t, paris, "2026-11-23 10:00"), -75 * time.Minute},
		{"week over paris spring change", office, wall(t, paris, "2026-03-23 00:00"), wall(t, paris, "2026-03-30 12:00"), 43 * time.Hour},
		{"week over paris autumn change", office, wall(t, paris, "2026-10-19 00:00"), wall(t, paris, "2026-10-26 12:00"), 43 * time.Hour},
		{"toronto sunday span, normal", sundayTO, wall(t, toronto, "2026-03-01 00:00"), wall(t, toronto, "2026-03-02 00:00"), 2 * time.Hour},
		{"toronto sunday span, spring forward", sundayTO, wall(t, toronto, "2026-03-08 00:00"), wall(t, toronto, "2026-03-09 00:00"), time.Hour},
		{"toronto sunday span, fall back", sundayTO, wall(t, toronto, "2026-11-01 00:00"), wall(t, toronto, "2026-11-02 00:00"), 3 * time.Hour},
		{"toronto fall back, from the second 01:00", sundayTO, utc(t, "2026-11-01 06:00"), wall(t, toronto, "2026-11-02 00:00"), 150 * time.Minute},
		{"toronto fall back, span ending in the repeated hour closes the first time",
			mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{time.Sunday: {{"00:00", "01:30"}}}}),
			wall(t, toronto, "2026-11-01 00:00"), wall(t, toronto, "2026-11-02 00:00"), 90 * time.Minute},
		{"paris sunday span, normal", sundayParis, wall(t, paris, "2026-03-22 00:00"), wall(t, paris, "2026-03-23 00:00"), time.Hour},
		{"paris sunday span, spring forward", sundayParis, wall(t, paris, "2026-03-29 00:00"), wall(t, paris, "2026-03-30 00:00"), 30 * time.Minute},
		{"paris sunday span, fall back", sundayParis, wall(t, paris, "2026-10-25 00:00"), wall(t, paris, "2026-10-26 00:00"), 2 * time.Hour},
		{"span wholly inside the skipped hour", gapOnly, wall(t, toronto, "2026-03-08 00:00"), wall(t, toronto, "2026-03-09 00:00"), 0},
		{"same span a week later", gapOnly, wall(t, toronto, "2026-03-15 00:00"), wall(t, toronto, "2026-03-16 00:00"), 45 * time.Minute},
		{"night shift across midnight", night, wall(t, paris, "2026-11-23 21:00"), wall(t, paris, "2026-11-24 03:00"), 4 * time.Hour},
		{"instants in other zones", office, wall(t, toronto, "2026-11-23 04:00"), utc(t, "2026-11-23 10:00"), time.Hour}, // 10:00-11:00 Paris (UTC+1)
		{"a year", office, wall(t, paris, "2026-01-01 00:00"), wall(t, paris, "2027-01-01 00:00"), (261 - 1) * 8 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.Elapsed(tc.from, tc.to); got != tc.want {
				t.Fatalf("Elapsed(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestCalendarIsOpen(t *testing.T) {
	office := mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "12:30"}, Span{"13:30", "18:00"}), Holidays: []string{"2026-12-25"}})
	sundayTO := mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{time.Sunday: {{"01:30", "03:30"}}}})
	night := mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{
		time.Monday: {{"22:00", "24:00"}}, time.Tuesday: {{"00:00", "02:00"}},
	}})
	tests := []struct {
		name string
		cal  *Calendar
		at   time.Time
		want bool
	}{
		{"opening instant", office, wall(t, paris, "2026-11-23 09:00"), true},
		{"just before opening", office, wall(t, paris, "2026-11-23 08:59:59"), false},
		{"last nanosecond", office, wall(t, paris, "2026-11-23 18:00").Add(-time.Nanosecond), true},
		{"closing instant", office, wall(t, paris, "2026-11-23 18:00"), false},
		{"lunch", office, wall(t, paris, "2026-11-23 13:00"), false},
		{"saturday", office, wall(t, paris, "2026-11-28 10:00"), false},
		{"holiday", office, wall(t, paris, "2026-12-25 10:00"), false},
		{"given in UTC", office, utc(t, "2026-11-23 08:30"), true},
		{"midnight inside night shift", night, wall(t, paris, "2026-11-24 00:00"), true},
		{"toronto spring 01:59 EST", sundayTO, utc(t, "2026-03-08 06:59"), true},
		{"toronto spring 03:29 EDT", sundayTO, utc(t, "2026-03-08 07:29"), true},
		{"toronto spring 03:30 EDT", sundayTO, utc(t, "2026-03-08 07:30"), false},
		{"toronto autumn first 01:29 EDT", sundayTO, utc(t, "2026-11-01 05:29"), false},
		{"toronto autumn first 01:30 EDT", sundayTO, utc(t, "2026-11-01 05:30"), true},
		{"toronto autumn second 01:10 EST", sundayTO, utc(t, "2026-11-01 06:10"), true},
		{"nil calendar", nil, utc(t, "2026-11-28 03:00"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.IsOpen(tc.at); got != tc.want {
				t.Fatalf("IsOpen(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

// bruteElapsed counts open minutes one by one with an independent model:
// the local wall clock's weekday, date and time of day. It agrees with the
// calendar whenever no span touches a DST transition hour, which holds for
// daytime office hours.
func bruteElapsed(loc *time.Location, week map[time.Weekday][]Span, holidays map[string]bool, from, to time.Time) time.Duration {
	var n time.Duration
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		l := t.In(loc)
		if holidays[l.Format(dateLayout)] {
			continue
		}
		m := l.Hour()*60 + l.Minute()
		for _, s := range week[l.Weekday()] {
			a, _ := parseClock(s.Start, false)
			b, _ := parseClock(s.End, true)
			if m >= a && m < b {
				n += time.Minute
				break
			}
		}
	}
	return n
}

func TestCalendarAgainstBruteForce(t *testing.T) {
	week := weekdays(Span{"08:30", "12:00"}, Span{"14:00", "19:15"})
	week[time.Saturday] = []Span{{"10:00", "13:00"}}
	hol := []string{"2026-04-06", "2026-11-11", "2026-11-02"}
	holSet := map[string]bool{}
	for _, h := range hol {
		holSet[h] = true
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, loc := range []*time.Location{paris, toronto} {
		cal := mustCal(t, Hours{Timezone: loc.String(), Week: week, Holidays: hol})
		for _, base := range []string{"2026-02-20", "2026-10-10"} { // windows spanning both DST changes
			start := wall(t, loc, base+" 00:00")
			for i := 0; i < 25; i++ {
				from := start.Add(time.Duration(rng.IntN(60*24*45)) * time.Minute)
				to := from.Add(time.Duration(rng.IntN(60*24*30)) * time.Minute)
				want := bruteElapsed(loc, week, holSet, from, to)
				if got := cal.Elapsed(from, to); got != want {
					t.Fatalf("%s: Elapsed(%s, %s) = %s, brute force %s", loc, from, to, got, want)
				}
			}
		}
	}
}

// Add and Elapsed must be inverses for any start and duration, including
// DST-touching spans and starts at random nanoseconds.
func TestAddElapsedRoundTrip(t *testing.T) {
	cals := map[string]*Calendar{
		"paris office": mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "12:30"}, Span{"13:30", "18:00"}), Holidays: []string{"2026-12-25", "2027-01-01", "2026-05-01"}}),
		"toronto nights": mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{
			time.Saturday: {{"20:00", "24:00"}}, time.Sunday: {{"00:00", "02:30"}, {"02:45", "03:15"}}, time.Wednesday: {{"01:59", "02:01"}},
		}}),
		// Chile moves its clocks at midnight: whole days start at a transition.
		"santiago weekends": mustCal(t, Hours{Timezone: "America/Santiago", Week: map[time.Weekday][]Span{
			time.Saturday: {{"20:00", "24:00"}}, time.Sunday: {{"00:00", "03:00"}}, time.Monday: {{"00:00", "00:30"}},
		}}),
		"paris sundays 02:00-03:00": mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{time.Sunday: {{"02:00", "03:00"}}}}),
	}
	rng := rand.New(rand.NewPCG(3, 4))
	base := utc(t, "2026-01-01 00:00")
	for name, cal := range cals {
		for i := 0; i < 400; i++ {
			start := base.Add(time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
			d := time.Duration(rng.Int64N(int64(300 * time.Hour)))
			if i%4 == 0 {
				d = time.Duration(rng.IntN(120)+1) * time.Minute
			}
			if d == 0 {
				continue
			}
			end := cal.Add(start, d)
			if got := cal.Elapsed(start, end); got != d {
				t.Fatalf("%s: Elapsed(%s, Add(.., %s)=%s) = %s", name, start, d, end, got)
			}
			if !cal.IsOpen(end.Add(-time.Nanosecond)) {
				t.Fatalf("%s: instant before deadline %s is closed", name, end)
			}
			if got := cal.Elapsed(end, start); got != -d {
				t.Fatalf("%s: reversed Elapsed = %s, want %s", name, got, -d)
			}
		}
	}
}

func TestNewCalendarErrors(t *testing.T) {
	tests := []struct {
		name string
		h    Hours
		want error
		msg  string
	}{
		{"unknown zone", Hours{Timezone: "Mars/Olympus_Mons", Week: weekdays(Span{"09:00", "18:00"})}, ErrTimezone, "Mars/Olympus_Mons"},
		{"server zone", Hours{Timezone: "Local", Week: weekdays(Span{"09:00", "18:00"})}, ErrTimezone, "server"},
		{"end before start", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"18:00", "09:00"}}}}, ErrSpan, "Monday span 1: end 09:00 is not after start 18:00"},
		{"past midnight hint", Hours{Week: map[time.Weekday][]Span{time.Friday: {{"22:00", "02:00"}}}}, ErrSpan, "22:00-24:00 and 00:00-02:00"},
		{"empty span", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"09:00", "09:00"}}}}, ErrSpan, "not after"},
		{"hour 25", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"09:00", "25:00"}}}}, ErrSpan, `end "25:00"`},
		{"24:00 as a start", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"24:00", "24:00"}}}}, ErrSpan, `start "24:00"`},
		{"24:30", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"09:00", "24:30"}}}}, ErrSpan, `end "24:30"`},
		{"minute 60", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"09:60", "10:00"}}}}, ErrSpan, `start "09:60"`},
		{"french notation", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"9h00", "18h00"}}}}, ErrSpan, `"9h00"`},
		{"empty string", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"", "18:00"}}}}, ErrSpan, "start"},
		{"signed", Hours{Week: map[time.Weekday][]Span{time.Monday: {{"+9:00", "18:00"}}}}, ErrSpan, "start"},
		{"overlap", Hours{Week: map[time.Weekday][]Span{time.Tuesday: {{"09:00", "12:00"}, {"11:00", "14:00"}}}}, ErrOverlap, "Tuesday 09:00-12:00 and 11:00-14:00"},
		{"overlap unsorted", Hours{Week: map[time.Weekday][]Span{time.Tuesday: {{"13:00", "18:00"}, {"09:00", "13:30"}}}}, ErrOverlap, "09:00-13:30 and 13:00-18:00"},
		{"contained", Hours{Week: map[time.Weekday][]Span{time.Tuesday: {{"09:00", "18:00"}, {"10:00", "11:00"}}}}, ErrOverlap, ""},
		{"bad holiday", Hours{Week: weekdays(Span{"09:00", "18:00"}), Holidays: []string{"2026-02-30"}}, ErrHoliday, `"2026-02-30"`},
		{"holiday in french order", Hours{Week: weekdays(Span{"09:00", "18:00"}), Holidays: []string{"25/12/2026"}}, ErrHoliday, "YYYY-MM-DD"},
		{"no open time", Hours{Timezone: "Europe/Paris"}, ErrNoOpenTime, "always_open"},
		{"only empty days", Hours{Week: map[time.Weekday][]Span{time.Monday: {}}}, ErrNoOpenTime, ""},
		{"weekday out of range", Hours{Week: map[time.Weekday][]Span{9: {{"09:00", "10:00"}}}}, ErrWeekday, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCalendar(tc.h)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if c != nil {
				t.Fatal("calendar returned with an error")
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "sla: ") {
				t.Fatalf("error %q should start with sla: and mention %q", err, tc.msg)
			}
		})
	}
}

func TestNewCalendarAccepts(t *testing.T) {
	c := mustCal(t, Hours{Timezone: " Europe/Paris ", Week: map[time.Weekday][]Span{
		time.Monday: {{"13:30", "18:00"}, {"9:00", "12:00"}, {"12:00", "12:30"}}, // unsorted, touching, one-digit hour
		time.Sunday: {{"00:00", "24:00"}},
	}, Holidays: []string{"2026-12-25", "2026-12-25"}})
	if got := c.Elapsed(wall(t, paris, "2026-11-23 00:00"), wall(t, paris, "2026-11-24 00:00")); got != 8*time.Hour {
		t.Errorf("monday = %s, want 8h", got)
	}
	if got := c.Elapsed(wall(t, paris, "2026-11-22 00:00"), wall(t, paris, "2026-11-23 00:00")); got != 24*time.Hour {
		t.Errorf("sunday 00:00-24:00 = %s, want 24h", got)
	}
	if c.Location() != paris && c.Location().String() != "Europe/Paris" {
		t.Errorf("location %s", c.Location())
	}
	if got := mustCal(t, Hours{AlwaysOpen: true}); !got.IsOpen(time.Time{}) {
		t.Error("always open without spans must be accepted and open")
	}
	if mustCal(t, Hours{Week: weekdays(Span{"09:00", "10:00"})}).Hours().Timezone != "UTC" {
		t.Error("empty zone should normalise to UTC")
	}
}

func TestHoursJSON(t *testing.T) {
	// The settings row as the migration writes it (no timezone inside).
	stored := `{"holidays":[],"week":{"fri":[["09:00","18:00"]],"mon":[["09:00","18:00"]],"thu":[["09:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]]}}`
	c, err := ParseCalendar("Europe/Paris", []byte(stored))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Add(wall(t, paris, "2026-11-27 17:30"), time.Hour); !got.Equal(wall(t, paris, "2026-11-30 09:30")) {
		t.Fatalf("Add = %s", got)
	}
	b, err := json.Marshal(c.Hours())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timezone":"Europe/Paris","week":{"fri":[["09:00","18:00"]],"mon":[["09:00","18:00"]],"thu":[["09:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]]},"holidays":[]}`
	if string(b) != want {
		t.Fatalf("marshal:\n got %s\nwant %s", b, want)
	}
	var back Hours
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c.Hours()) {
		t.Fatalf("round trip: %#v != %#v", back, c.Hours())
	}

	full := `{"timezone":"America/Toronto","week":{"Monday":[["09:00","12:00"],["13:00","17:00"]],"SAT":[["10:00","14:00"]]},"holidays":["2026-12-25"],"always_open":false}`
	var h Hours
	if err := json.Unmarshal([]byte(full), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Week[time.Monday]) != 2 || h.Week[time.Saturday][0] != (Span{"10:00", "14:00"}) || h.Timezone != "America/Toronto" {
		t.Fatalf("decoded %#v", h)
	}
	if c, err := ParseCalendar("", []byte(full)); err != nil || c.Location().String() != "America/Toronto" {
		t.Fatalf("zone from JSON: %v %v", c, err)
	}

	bad := []struct {
		name, in string
		want     error
	}{
		{"unknown weekday", `{"week":{"lundi":[["09:00","18:00"]]}}`, ErrWeekday},
		{"weekday twice", `{"week":{"mon":[["09:00","10:00"]],"Monday":[["11:00","12:00"]]}}`, ErrWeekday},
		{"span as string", `{"week":{"mon":["09:00-18:00"]}}`, ErrSpan},
		{"span of three", `{"week":{"mon":[["09:00","12:00","18:00"]]}}`, ErrSpan},
		{"span as object", `{"week":{"mon":[{"start":"09:00","end":"18:00"}]}}`, ErrSpan},
		{"bad time inside", `{"week":{"mon":[["09:00","noon"]]}}`, ErrSpan},
		{"bad zone", `{"timezone":"Paris","week":{"mon":[["09:00","18:00"]]}}`, ErrTimezone},
		{"nothing open", `{"week":{},"holidays":[]}`, ErrNoOpenTime},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseCalendar("", []byte(tc.in)); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	for _, in := range []string{`{"week":`, `[]`, `{"week":{"mon":[["09:00","18:00"]]},"extra":1}`, "\xff\xfe"} {
		if _, err := ParseCalendar("UTC", []byte(in)); err == nil || !strings.HasPrefix(err.Error(), "sla: ") {
			t.Errorf("%q: err = %v, want an sla: error", in, err)
		}
	}
	if _, err := ParseCalendar("UTC", nil); !errors.Is(err, ErrNoOpenTime) {
		t.Errorf("empty settings: err = %v, want ErrNoOpenTime", err)
	}
}

// A calendar's Hours are a copy: changing the caller's maps afterwards
// must not change the calendar.
func TestCalendarIsolated(t *testing.T) {
	h := Hours{Week: weekdays(Span{"09:00", "18:00"}), Holidays: []string{"2026-12-25"}}
	c := mustCal(t, h)
	h.Week[time.Monday][0].End = "10:00"
	h.Holidays[0] = "2026-11-23"
	if got := c.Hours().Week[time.Monday][0].End; got != "18:00" {
		t.Fatalf("calendar shares the caller's spans: %s", got)
	}
	if got := c.Elapsed(utc(t, "2026-11-23 00:00"), utc(t, "2026-11-24 00:00")); got != 9*time.Hour {
		t.Fatalf("monday = %s", got)
	}
}

func TestCalendarLongDurations(t *testing.T) {
	office := mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "18:00"}), Holidays: []string{"2026-12-25", "2030-12-25"}})
	start := wall(t, paris, "2026-11-23 10:00")
	// Ten years of business time: exact, round trip included.
	d := 10 * 52 * 45 * time.Hour
	end := office.Add(start, d)
	if got := office.Elapsed(start, end); got != d {
		t.Fatalf("ten years: Elapsed = %s, want %s", got, d)
	}
	if y := end.Year(); y != 2036 {
		t.Fatalf("ten years of 45 h weeks end in %d", y)
	}

	// A mistyped target on a calendar open one minute a week would need
	// two million years: Add stops after a century with a lower bound
	// (the true deadline is at least cur + remaining).
	tiny := mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{time.Monday: {{"09:00", "09:01"}}}})
	huge := 100_000_000 * time.Minute
	got := tiny.Add(start, huge)
	if got.Before(start.AddDate(99, 0, 0)) || got.Before(start.Add(huge)) {
		t.Fatalf("capped Add returned %s, want a lower bound beyond a century and beyond start+d", got)
	}
}

// One calendar serves every ticket of the SLA watcher and the stats route
// at once (run with -race).
func TestCalendarConcurrentUse(t *testing.T) {
	cal := mustCal(t, Hours{Timezone: "America/Toronto", Week: weekdays(Span{"09:00", "17:00"}), Holidays: []string{"2026-12-25"}})
	start := wall(t, toronto, "2026-10-30 16:30")
	want := cal.Add(start, 40*time.Hour)
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 50; j++ {
				if got := cal.Add(start, 40*time.Hour); !got.Equal(want) {
					errs <- got.String()
					return
				}
				if cal.Elapsed(start, want) != 40*time.Hour || !cal.IsOpen(want.Add(-time.Second)) {
					errs <- "elapsed/isopen"
					return
				}
			}
			errs <- ""
		}()
	}
	for i := 0; i < 8; i++ {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}
