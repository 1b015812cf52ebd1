package sla

import (
	"testing"
	"time"
)

// French public holidays of 2026-2027, as a business would enter them.
var frHolidays = []string{
	"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14",
	"2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25",
	"2027-01-01", "2027-03-29", "2027-05-01", "2027-05-08", "2027-05-06", "2027-05-17", "2027-07-14",
}

func benchCals(b *testing.B) map[string]*Calendar {
	return map[string]*Calendar{
		"paris_lunch_holidays": mustCal(b, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "12:30"}, Span{"13:30", "18:00"}), Holidays: frHolidays}),
		"toronto_9to5":         mustCal(b, Hours{Timezone: "America/Toronto", Week: weekdays(Span{"09:00", "17:00"})}),
	}
}

// A year of business time: 8 h × ~250 working days.
func BenchmarkAddYear(b *testing.B) {
	for name, cal := range benchCals(b) {
		b.Run(name, func(b *testing.B) {
			start := wall(b, cal.Location(), "2026-01-01 10:00")
			var end time.Time
			for b.Loop() {
				end = cal.Add(start, 2000*time.Hour)
			}
			if end.Sub(start) < 330*24*time.Hour {
				b.Fatalf("year of business time ended at %s", end)
			}
		})
	}
}

func BenchmarkElapsedYear(b *testing.B) {
	for name, cal := range benchCals(b) {
		b.Run(name, func(b *testing.B) {
			from := wall(b, cal.Location(), "2026-01-01 10:00")
			to := from.AddDate(1, 0, 0)
			var d time.Duration
			for b.Loop() {
				d = cal.Elapsed(from, to)
			}
			if d < 1900*time.Hour {
				b.Fatalf("a year is %s of business time", d)
			}
		})
	}
}

// The everyday call: a 1 h due date from a Friday-evening mention.
func BenchmarkAddHour(b *testing.B) {
	cal := benchCals(b)["paris_lunch_holidays"]
	start := wall(b, paris, "2026-11-27 17:30")
	for b.Loop() {
		cal.Add(start, time.Hour)
	}
}

func BenchmarkCompute(b *testing.B) {
	cal := benchCals(b)["paris_lunch_holidays"]
	t0 := wall(b, paris, "2026-11-27 17:30")
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	events := []Event{
		msg(at(0)), reply(at(64)), st(at(64), StatusPending), msg(at(66)), reply(at(67)),
		st(at(67), StatusPending), st(at(90), StatusResolved), msg(at(200)), reply(at(201)), st(at(202), StatusResolved),
	}
	pol := DefaultPolicy()
	pol.BusinessHours = true
	now := at(300)
	for b.Loop() {
		Compute(events, pol, cal, now)
	}
}

func BenchmarkPercentile1000(b *testing.B) {
	ds := make([]time.Duration, 1000)
	for i := range ds {
		ds[i] = time.Duration((i*7919)%1000) * time.Minute
	}
	for b.Loop() {
		Percentile(ds, 90)
	}
}
