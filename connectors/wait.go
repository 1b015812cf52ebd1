package connectors

import "time"

// MaxWait caps every wait a platform can impose on us: Retry-After,
// rate-limit resets, Cache-Control max-age, Expires. A header saying
// "Retry-After: 31536000" or a reset date in the year 3000 (a bug, a
// hostile server) must not park a source or a reply for a year; a day
// later we simply ask again, and the platform can say "wait" once more.
const MaxWait = 24 * time.Hour

// CapWait bounds d to [0, MaxWait].
func CapWait(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return min(d, MaxWait)
}

// CapUntil bounds a "come back at" time to at most MaxWait after now. The
// zero time stays zero (no wish).
func CapUntil(now, t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if limit := now.Add(MaxWait); t.After(limit) {
		return limit
	}
	return t
}

// untilCapped is how long from now to t, within [0, MaxWait]; time.Sub
// saturates rather than overflowing, so far-off dates are safe here.
func untilCapped(now, t time.Time) time.Duration { return CapWait(t.Sub(now)) }

// maxUnixSeconds keeps a reset timestamp from overflowing time.Time's
// internal arithmetic (int64 seconds since year 1); it is far beyond any
// cap anyway (the year 36812).
const maxUnixSeconds = 1 << 40

// unixTime reads a positive unix timestamp, clamped to maxUnixSeconds.
func unixTime(secs int64) time.Time {
	return time.Unix(min(secs, maxUnixSeconds), 0)
}
