package sla

import "time"

// The at-risk rule, in one place: the ticket clock (Compute) and the SLA
// watcher's set-based pass both use it.

// AtRiskAfter is how much of target an answer may use before it is at
// risk: 80 %, rounded up to the nanosecond, so that used >=
// AtRiskAfter(target) exactly when used*5 >= target*4.
func AtRiskAfter(target time.Duration) time.Duration {
	if target <= 0 {
		return 0
	}
	return (target*4 + 4) / 5
}

// AtRisk reports whether an answer that has used `used` of its target is
// at risk. A zero target sets no deadline, so nothing is at risk.
func AtRisk(used, target time.Duration) bool {
	return target > 0 && used >= AtRiskAfter(target)
}

// LatestStart is the latest instant from which d of business time has
// elapsed by end: Elapsed(start, end) >= d exactly when start <=
// LatestStart(end, d). It lets a database select every clock that has
// used d by end with one comparison of its start. It walks the calendar
// back from end, day by day, as Add walks forward; past a century of
// calendar days it returns end minus what is left on the wall clock, an
// upper bound of the true instant. d <= 0 returns end.
func (c *Calendar) LatestStart(end time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return end
	}
	if c.open() {
		return end.Add(-d)
	}
	loc := end.Location()
	remaining, cur := d, end
	day := c.localDay(end) + secondsPerDay
	for i := 0; i < c.maxDays(d); i, day = i+1, day-secondsPerDay {
		if _, ok := c.holidays[day/secondsPerDay]; ok {
			continue
		}
		// 1970-01-01 was a Thursday.
		spans := c.week[time.Weekday((day/secondsPerDay%7+7+4)%7)]
		for j := len(spans) - 1; j >= 0; j-- {
			a, b := c.resolve(day, spans[j].start), c.resolve(day, spans[j].end)
			if b <= a {
				continue // the whole span fell into a spring-forward gap
			}
			begin, stop := instant(a, loc), instant(b, loc)
			if !begin.Before(cur) {
				continue
			}
			if stop.After(cur) {
				stop = cur
			}
			avail := stop.Sub(begin)
			if avail >= remaining {
				return stop.Add(-remaining)
			}
			remaining -= avail
			cur = begin
		}
	}
	return cur.Add(-remaining)
}
