package hooks

import "time"

// addBusinessTime returns when d of SLA time has passed from start.
func (h *hub) addBusinessTime(s settings, start time.Time, d time.Duration) time.Time {
	return start.Add(d)
}

// businessElapsed returns the SLA time between two instants.
func (h *hub) businessElapsed(s settings, from, to time.Time) time.Duration {
	return to.Sub(from)
}
