package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAtRiskRule(t *testing.T) {
	hour := time.Hour
	for _, c := range []struct {
		used, target time.Duration
		want         bool
	}{
		{48 * time.Minute, hour, true},
		{48*time.Minute - 1, hour, false},
		{0, 0, false},
		{time.Hour, 0, false},
		{4, 5, true}, // 4*5 >= 5*4
		{3, 5, false},
		{6, 7, true}, // 30 >= 28
		{5, 7, false},
	} {
		if got := AtRisk(c.used, c.target); got != c.want {
			t.Errorf("AtRisk(%s, %s) = %v, want %v", c.used, c.target, got, c.want)
		}
	}
	// The rule as Compute states it, on every small case.
	for target := time.Duration(1); target < 200; target++ {
		for used := time.Duration(0); used < 200; used++ {
			if AtRisk(used, target) != (used*5 >= target*4) {
				t.Fatalf("AtRisk(%d, %d) disagrees with used*5 >= target*4", used, target)
			}
		}
	}
}

// LatestStart is the exact boundary of Elapsed: from it, d has elapsed by
// end; from a nanosecond later, less has.
func TestLatestStartAgainstElapsed(t *testing.T) {
	cals := map[string]*Calendar{
		"paris_lunch_holidays": mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "12:30"}, Span{"13:30", "18:00"}), Holidays: frHolidays}),
		"toronto_9to5":         mustCal(t, Hours{Timezone: "America/Toronto", Week: weekdays(Span{"09:00", "17:00"})}),
		"toronto_sunday_dst":   mustCal(t, Hours{Timezone: "America/Toronto", Week: map[time.Weekday][]Span{time.Sunday: {{"01:30", "03:30"}}, time.Wednesday: {{"10:00", "11:00"}}}}),
		"paris_night": mustCal(t, Hours{Timezone: "Europe/Paris", Week: map[time.Weekday][]Span{
			time.Friday: {{"22:00", "24:00"}}, time.Saturday: {{"00:00", "02:00"}, {"10:00", "12:00"}}}}),
		"always_open": mustCal(t, Hours{Timezone: "Europe/Paris", AlwaysOpen: true}),
		"nil":         nil,
	}
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, cal := range cals {
		for range 400 {
			end := base.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
			d := time.Duration(1+r.Int64N(int64(72*time.Hour))) / time.Second * time.Second
			if r.IntN(4) == 0 {
				d = time.Duration(1 + r.Int64N(int64(time.Hour))) // any nanosecond
			}
			s := cal.LatestStart(end, d)
			if got := cal.Elapsed(s, end); got != d {
				t.Fatalf("%s: Elapsed(LatestStart(%s, %s), end) = %s", name, end, d, got)
			}
			if got := cal.Elapsed(s.Add(1), end); got >= d {
				t.Fatalf("%s: a nanosecond after LatestStart(%s, %s), %s has elapsed", name, end, d, got)
			}
		}
	}
	if s := cals["paris_lunch_holidays"].LatestStart(base, 0); !s.Equal(base) {
		t.Fatalf("LatestStart(end, 0) = %s", s)
	}
}
