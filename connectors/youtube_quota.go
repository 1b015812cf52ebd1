package connectors

import "time"

// YouTube Data API quotas are counted per day and reset at midnight
// Pacific Time, so a 403 quotaExceeded means "come back after the next
// Pacific midnight", not a short backoff.

// youtubeLA is the tz database's zone, when the system has one.
var youtubeLA, _ = time.LoadLocation("America/Los_Angeles")

// youtubeQuotaReset returns the first Pacific midnight after now.
func youtubeQuotaReset(now time.Time) time.Time {
	if youtubeLA != nil {
		t := now.In(youtubeLA)
		return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, youtubeLA)
	}
	return youtubeQuotaResetByRule(now)
}

// youtubeQuotaResetByRule is the fallback for systems without a tz
// database (a scratch container): the US rule in force since 2007,
// daylight time from 2 a.m. on the second Sunday of March to 2 a.m. on the
// first Sunday of November.
func youtubeQuotaResetByRule(now time.Time) time.Time {
	pst := now.In(time.FixedZone("PST", -8*3600))
	for d := 1; ; d++ {
		y, m, day := pst.Date()
		next := time.Date(y, m, day+d, 0, 0, 0, 0, youtubePacificMidnight(y, m, day+d))
		if next.After(now) {
			return next
		}
	}
}

// youtubePacificMidnight is the zone in force at 00:00 of a civil date. The
// switch happens at 2 a.m., so the midnight that starts a transition Sunday
// still belongs to the old season.
func youtubePacificMidnight(year int, month time.Month, day int) *time.Location {
	d := time.Date(year, month, day, 12, 0, 0, 0, time.UTC) // normalises day overflow
	start := youtubeNthSunday(d.Year(), time.March, 2)
	end := youtubeNthSunday(d.Year(), time.November, 1)
	if d.After(start) && !d.After(end) {
		return time.FixedZone("PDT", -7*3600)
	}
	return time.FixedZone("PST", -8*3600)
}

// youtubeNthSunday returns noon UTC of the nth Sunday of month.
func youtubeNthSunday(year int, month time.Month, n int) time.Time {
	first := time.Date(year, month, 1, 12, 0, 0, 0, time.UTC)
	offset := (7 - int(first.Weekday())) % 7
	return first.AddDate(0, 0, offset+7*(n-1))
}
