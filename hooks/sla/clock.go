package sla

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// EventKind names what happened on a ticket. The values are those of the
// ticket_events "kind" field, so records map over without a table.
type EventKind string

const (
	CustomerMessage   EventKind = "customer_message"
	AgentReply        EventKind = "reply"
	AnsweredElsewhere EventKind = "answered_elsewhere" // an agent answered on the platform itself
	StatusChange      EventKind = "status"             // Event.Status is the new status
)

// Ticket statuses the clock knows about; any other status counts as
// active (the clock runs), which errs on the customer's side.
const (
	StatusNew      = "new"
	StatusOpen     = "open"
	StatusPending  = "pending"
	StatusResolved = "resolved"
	StatusIgnored  = "ignored"
)

// Event is one entry of a ticket's history. Kinds other than the four
// above (assignments, SLA notices) are ignored.
type Event struct {
	At     time.Time
	Kind   EventKind
	Status string // for StatusChange: the status moved to
}

// Override changes some targets for one priority. Zero fields keep the
// base policy's value. The JSON shape is the settings row's
// priority_overrides entry, in minutes.
type Override struct {
	FirstResponseTargetMin int   `json:"first_response_target_min,omitempty"`
	FirstResponseLimitMin  int   `json:"first_response_limit_min,omitempty"`
	ResolutionTargetMin    int   `json:"resolution_target_min,omitempty"`
	BusinessHours          *bool `json:"sla_business_hours,omitempty"`
}

// Policy holds the response-time targets. A zero duration disables that
// deadline.
type Policy struct {
	FirstResponseTarget time.Duration // what customers expect: 1 h by default
	FirstResponseLimit  time.Duration // never beyond: 24 h by default, always wall-clock
	ResolutionTarget    time.Duration
	BusinessHours       bool // targets run on the business calendar, not the wall clock
	PerPriority         map[string]Override
}

// ErrPolicy is wrapped by Policy.Validate.
var ErrPolicy = errors.New("sla: invalid policy")

// DefaultPolicy is the promise Mentiondesk is built around: an answer
// within an hour, never beyond a day, on the wall clock.
func DefaultPolicy() Policy {
	return Policy{FirstResponseTarget: time.Hour, FirstResponseLimit: 24 * time.Hour}
}

// For returns the policy in force for a ticket of the given priority,
// with that priority's override applied and PerPriority cleared.
func (p Policy) For(priority string) Policy {
	out := p
	out.PerPriority = nil
	o, ok := p.PerPriority[priority]
	if !ok {
		return out
	}
	if o.FirstResponseTargetMin > 0 {
		out.FirstResponseTarget = time.Duration(o.FirstResponseTargetMin) * time.Minute
	}
	if o.FirstResponseLimitMin > 0 {
		out.FirstResponseLimit = time.Duration(o.FirstResponseLimitMin) * time.Minute
	}
	if o.ResolutionTargetMin > 0 {
		out.ResolutionTarget = time.Duration(o.ResolutionTargetMin) * time.Minute
	}
	if o.BusinessHours != nil {
		out.BusinessHours = *o.BusinessHours
	}
	return out
}

// Validate rejects negative targets and a limit shorter than the target,
// for the base policy and every override.
func (p Policy) Validate() error {
	check := func(name string, q Policy) error {
		switch {
		case q.FirstResponseTarget < 0, q.FirstResponseLimit < 0, q.ResolutionTarget < 0:
			return fmt.Errorf("%w: %snegative target", ErrPolicy, name)
		case q.FirstResponseLimit > 0 && q.FirstResponseTarget > q.FirstResponseLimit:
			return fmt.Errorf("%w: %sfirst-response target %s is beyond the limit %s", ErrPolicy, name, q.FirstResponseTarget, q.FirstResponseLimit)
		}
		return nil
	}
	if err := check("", p); err != nil {
		return err
	}
	for prio, o := range p.PerPriority {
		if o.FirstResponseTargetMin < 0 || o.FirstResponseLimitMin < 0 || o.ResolutionTargetMin < 0 {
			return fmt.Errorf("%w: priority %q: negative target", ErrPolicy, prio)
		}
		if err := check(fmt.Sprintf("priority %q: ", prio), p.For(prio)); err != nil {
			return err
		}
	}
	return nil
}

// Clock is everything measured on one ticket at instant `now`. Zero times
// mean "has not happened"; durations of things that have not happened are
// zero.
type Clock struct {
	Status      string // status after the last event
	NeedsAnswer bool   // see Compute; callers holding triage's needs_answer may overwrite it

	FirstMentionAt  time.Time
	FirstResponseAt time.Time
	ResolvedAt      time.Time // last move to resolved, zero unless the ticket is resolved now

	FirstResponse         time.Duration // wall clock
	FirstResponseBusiness time.Duration // on the calendar (equal to wall without one)
	Resolution            time.Duration // active time (new/open) from first mention to ResolvedAt
	ResolutionBusiness    time.Duration // the same active time, on the calendar

	NextResponses         []time.Duration // each answered later customer message, wall clock
	NextResponsesBusiness []time.Duration // the same, on the calendar

	Reopened     int
	TimeInStatus map[string]time.Duration // wall clock, the current status counted up to now

	// WaitingSince is when the customer message we still owe an answer to
	// arrived (first or next response); zero when we owe nothing.
	WaitingSince time.Time

	DueAt         time.Time // first response due (target, business time if the policy says so)
	LimitAt       time.Time // first response hard limit (wall clock)
	AtRiskAt      time.Time // when 80 % of the first-response target is used
	NextDueAt     time.Time // due time of the pending next response, if any
	Breached      bool      // first response later than DueAt (or still missing after it)
	LimitBreached bool      // the same against LimitAt
	AtRisk        bool      // the answer we owe has used >= 80 % of its target
	NextBreached  bool      // the pending next response is past NextDueAt

	ResolutionBreached bool // active time beyond ResolutionTarget
}

// Answered reports whether the ticket got its first response.
func (c Clock) Answered() bool { return !c.FirstResponseAt.IsZero() }

func closedStatus(s string) bool { return s == StatusResolved || s == StatusIgnored }
func activeStatus(s string) bool { return s != StatusPending && !closedStatus(s) }

// Compute replays a ticket's events (in any order; ties keep input order)
// and measures it at `now`. policy is used as given (PerPriority is not
// consulted: pass policy.For(ticket priority)). cal may be nil (always
// open); the *Business figures are always measured on cal, whatever
// policy.BusinessHours says, and TimeInStatus is wall clock. The rules:
//
//   - The ticket starts "new" at its first event. The first customer
//     message is FirstMentionAt and starts the first-response clock.
//   - The first AgentReply or AnsweredElsewhere at or after it stops that
//     clock (FirstResponseAt). Replies before any customer message are
//     outreach and measure nothing. Pending does not pause this clock.
//   - After the first response, a customer message while nothing is owed
//     starts a next-response clock; the next reply stops it and appends to
//     NextResponses. Further messages before that reply do not restart it;
//     closing the ticket (resolved/ignored) drops it unmeasured.
//   - A customer message on a pending or resolved ticket moves it to open
//     (an explicit status event saying so as well is harmless). Ignored
//     tickets stay ignored.
//   - Reopened counts moves from resolved or ignored to any other status.
//   - The resolution clock runs only while the status is new or open (the
//     ball is in our court): pending, resolved and ignored pause it, so a
//     ticket resolved, reopened weeks later and resolved again is measured
//     on the two active stretches. Resolution is reported once the ticket
//     is resolved now; ResolutionBreached compares the active time so far
//     (business time if the policy says so) with ResolutionTarget.
//   - DueAt = FirstMentionAt + FirstResponseTarget, on the calendar when
//     policy.BusinessHours and cal != nil, else wall clock. LimitAt =
//     FirstMentionAt + FirstResponseLimit on the wall clock: the customer's
//     "never beyond 24 h" knows nothing of our opening hours.
//   - The first-response wait ends at FirstResponseAt; for a ticket closed
//     (resolved/ignored) without an answer, at that closing; otherwise at
//     now. Breached = that end is after DueAt (answering exactly at DueAt
//     is on time); LimitBreached likewise with LimitAt.
//   - AtRisk: we owe an answer now (WaitingSince set) and the time used
//     since WaitingSince, measured like DueAt, is >= 80 % of the target,
//     exactly (used*5 >= target*4: AtRisk, which the SLA watcher uses
//     too). It stays true once breached.
//   - NextDueAt/NextBreached apply the first-response target to the
//     pending next response.
//   - NeedsAnswer: there is a customer message, and the ticket was not
//     ignored without an answer.
//
// Negative stretches (events after now, clock skew) count as zero.
func Compute(events []Event, policy Policy, cal *Calendar, now time.Time) Clock {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b Event) int { return a.At.Compare(b.At) })

	c := Clock{TimeInStatus: map[string]time.Duration{}}
	if len(evs) == 0 {
		return c
	}
	business := func(from, to time.Time) time.Duration {
		if !to.After(from) {
			return 0
		}
		return cal.Elapsed(from, to)
	}
	sla := func(from, to time.Time) time.Duration { // time "used" per the policy
		if !to.After(from) {
			return 0
		}
		if policy.BusinessHours {
			return cal.Elapsed(from, to)
		}
		return to.Sub(from)
	}
	due := func(from time.Time, d time.Duration) time.Time {
		if d <= 0 || from.IsZero() {
			return time.Time{}
		}
		if policy.BusinessHours {
			return cal.Add(from, d)
		}
		return from.Add(d)
	}

	status, since := StatusNew, evs[0].At
	var (
		active     [][2]time.Time // stretches in new/open, from FirstMentionAt on
		closedAt   time.Time      // last move to resolved/ignored
		nextStart  time.Time
		answered   bool
		mentioned  bool
		resolvedAt time.Time
	)
	closeActive := func(at time.Time) {
		if !mentioned || !activeStatus(status) {
			return
		}
		from := later(since, c.FirstMentionAt)
		if at.After(from) {
			active = append(active, [2]time.Time{from, at})
		}
	}
	setStatus := func(to string, at time.Time) {
		if to == "" || to == status {
			return
		}
		if at.After(since) {
			c.TimeInStatus[status] += at.Sub(since)
		}
		closeActive(at)
		if closedStatus(status) && !closedStatus(to) {
			c.Reopened++
		}
		if closedStatus(to) {
			// Closing says nothing more is owed: a later message starts afresh.
			closedAt, nextStart = at, time.Time{}
		}
		if to == StatusResolved {
			resolvedAt = at
		}
		status, since = to, later(since, at)
	}

	for _, e := range evs {
		switch e.Kind {
		case CustomerMessage:
			if !mentioned {
				// The active stretch starts here, not at the ticket's creation.
				// closeActive clips stretches to start here, not at the
				// ticket's creation.
				mentioned, c.FirstMentionAt = true, e.At
			} else if answered && nextStart.IsZero() {
				nextStart = e.At
			}
			if status == StatusPending || status == StatusResolved {
				setStatus(StatusOpen, e.At)
			}
		case AgentReply, AnsweredElsewhere:
			switch {
			case !mentioned:
			case !answered:
				answered, c.FirstResponseAt = true, e.At
			case !nextStart.IsZero():
				c.NextResponses = append(c.NextResponses, max(0, e.At.Sub(nextStart)))
				c.NextResponsesBusiness = append(c.NextResponsesBusiness, business(nextStart, e.At))
				nextStart = time.Time{}
			}
		case StatusChange:
			setStatus(e.Status, e.At)
		}
	}
	if now.After(since) {
		c.TimeInStatus[status] += now.Sub(since)
	}
	c.Status = status
	if status == StatusResolved {
		c.ResolvedAt = resolvedAt
	}
	if !mentioned {
		return c
	}
	c.NeedsAnswer = answered || status != StatusIgnored

	// Resolution: the active stretches, closed at now if still running.
	stretches := active
	if activeStatus(status) {
		from := later(since, c.FirstMentionAt)
		if now.After(from) {
			stretches = append(slices.Clone(active), [2]time.Time{from, now})
		}
	}
	var activeWall, activeBusiness, activeSLA time.Duration
	for _, s := range stretches {
		activeWall += s[1].Sub(s[0])
		activeBusiness += business(s[0], s[1])
		activeSLA += sla(s[0], s[1])
	}
	if status == StatusResolved {
		c.Resolution, c.ResolutionBusiness = activeWall, activeBusiness
	}
	c.ResolutionBreached = policy.ResolutionTarget > 0 && activeSLA > policy.ResolutionTarget

	// First response.
	c.DueAt = due(c.FirstMentionAt, policy.FirstResponseTarget)
	if policy.FirstResponseLimit > 0 {
		c.LimitAt = c.FirstMentionAt.Add(policy.FirstResponseLimit)
	}
	c.AtRiskAt = due(c.FirstMentionAt, AtRiskAfter(policy.FirstResponseTarget))
	waitEnd := now
	switch {
	case answered:
		waitEnd = c.FirstResponseAt
		c.FirstResponse = max(0, c.FirstResponseAt.Sub(c.FirstMentionAt))
		c.FirstResponseBusiness = business(c.FirstMentionAt, c.FirstResponseAt)
	case closedStatus(status):
		waitEnd = closedAt
	default:
		c.WaitingSince = c.FirstMentionAt
	}
	c.Breached = !c.DueAt.IsZero() && waitEnd.After(c.DueAt)
	c.LimitBreached = !c.LimitAt.IsZero() && waitEnd.After(c.LimitAt)

	if answered && !nextStart.IsZero() && !closedStatus(status) {
		c.WaitingSince = nextStart
		c.NextDueAt = due(nextStart, policy.FirstResponseTarget)
		c.NextBreached = !c.NextDueAt.IsZero() && now.After(c.NextDueAt)
	}
	if !c.WaitingSince.IsZero() {
		c.AtRisk = AtRisk(sla(c.WaitingSince, now), policy.FirstResponseTarget)
	}
	return c
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
