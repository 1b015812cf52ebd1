// Package sla is the pure arithmetic behind Mentiondesk's response-time
// promises: a business-hours calendar, the per-ticket clock computed from
// the ticket's event history, and the small statistics (median,
// percentiles, shares) used by the dashboard. It imports nothing from
// PocketBase so every rule can be table-tested and reused by the SQL side
// as a specification.
//
// # Calendar
//
// A Calendar is built from Hours: a time zone, per-weekday open spans
// ("HH:MM"–"HH:MM", several per day, End may be "24:00"), holiday dates in
// that zone, or AlwaysOpen. Stored as JSON:
//
//	{"timezone":"Europe/Paris",
//	 "week":{"mon":[["09:00","12:30"],["13:30","18:00"]],"sat":[["10:00","13:00"]]},
//	 "holidays":["2026-12-25"],
//	 "always_open":false}
//
// Business time is real elapsed time while open, not wall-clock
// arithmetic. A span opens at the first instant the local clock shows
// Start and closes at the first instant after that the clock shows End.
// A wall time that does not exist (spring forward) is taken as the
// instant of the jump; a wall time that exists twice (fall back) as its
// first occurrence. So in America/Toronto a 01:30–03:30 span lasts 1 h on
// the second Sunday of March and 3 h on the first Sunday of November;
// spans that do not touch the transition hour keep their length.
// Work crossing midnight is written as two spans, "22:00"–"24:00" on one
// day and "00:00"–"02:00" on the next; the clock runs through them
// without a break.
//
// # Ticket clock
//
// Compute replays a ticket's events (customer messages, replies, "answered
// elsewhere", status changes) and derives every figure the dashboard and
// the SLA watcher need; see Compute for the rules.
//
// # Statistics
//
// Percentile uses linear interpolation between closest ranks (Hyndman &
// Fan type 7, the default of numpy, R and Excel's PERCENTILE.INC), so
// Median(xs) == Percentile(xs, 50) and the median of an even-sized set is
// the mean of its two middle values.
package sla
