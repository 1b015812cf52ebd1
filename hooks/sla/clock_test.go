package sla

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func msg(at time.Time) Event          { return Event{At: at, Kind: CustomerMessage} }
func reply(at time.Time) Event        { return Event{At: at, Kind: AgentReply} }
func elsewhere(at time.Time) Event    { return Event{At: at, Kind: AnsweredElsewhere} }
func st(at time.Time, s string) Event { return Event{At: at, Kind: StatusChange, Status: s} }

// want lists the fields a case checks; nil/zero pointers are not checked.
type want struct {
	firstResponseAt    *time.Time
	firstResponse      *time.Duration
	firstResponseBH    *time.Duration
	resolvedAt         *time.Time
	resolution         *time.Duration
	resolutionBH       *time.Duration
	next               []time.Duration
	nextBH             []time.Duration
	reopened           *int
	status             string
	timeInStatus       map[string]time.Duration
	waitingSince       *time.Time
	dueAt, limitAt     *time.Time
	atRiskAt           *time.Time
	nextDueAt          *time.Time
	breached, limitBr  *bool
	atRisk, nextBr     *bool
	resolutionBreached *bool
	needsAnswer        *bool
}

func p[T any](v T) *T { return &v }

func TestCompute(t *testing.T) {
	t0 := utc(t, "2026-11-23 10:00") // Monday, 11:00 in Paris
	m := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	def := DefaultPolicy()
	bh := DefaultPolicy()
	bh.BusinessHours = true
	office := mustCal(t, Hours{Timezone: "Europe/Paris", Week: weekdays(Span{"09:00", "18:00"}), Holidays: []string{"2026-12-25"}})
	officeTO := mustCal(t, Hours{Timezone: "America/Toronto", Week: weekdays(Span{"09:00", "17:00"})})
	prio := Policy{FirstResponseTarget: time.Hour, FirstResponseLimit: 24 * time.Hour, ResolutionTarget: 72 * time.Hour,
		PerPriority: map[string]Override{
			"urgent": {FirstResponseTargetMin: 15, FirstResponseLimitMin: 120},
			"low":    {FirstResponseTargetMin: 240, BusinessHours: p(true)},
		}}

	tests := []struct {
		name   string
		events []Event
		policy Policy
		cal    *Calendar
		now    time.Time
		want   want
	}{
		{
			name:   "answered in 30 minutes",
			events: []Event{msg(t0), reply(m(30))},
			policy: def, now: h(2),
			want: want{firstResponseAt: p(m(30)), firstResponse: p(30 * time.Minute), firstResponseBH: p(30 * time.Minute),
				dueAt: p(h(1)), limitAt: p(h(24)), atRiskAt: p(m(48)), breached: p(false), limitBr: p(false), atRisk: p(false),
				waitingSince: p(time.Time{}), needsAnswer: p(true), status: "new", timeInStatus: map[string]time.Duration{"new": 2 * time.Hour}},
		},
		{
			name:   "answered exactly at the due time is on time",
			events: []Event{msg(t0), reply(h(1))},
			policy: def, now: h(3),
			want: want{breached: p(false), firstResponse: p(time.Hour)},
		},
		{
			name:   "answered one nanosecond late",
			events: []Event{msg(t0), reply(h(1).Add(1))},
			policy: def, now: h(3),
			want: want{breached: p(true), limitBr: p(false)},
		},
		{
			name:   "unanswered at 79.99 % is not at risk",
			events: []Event{msg(t0)},
			policy: def, now: m(48).Add(-1),
			want: want{atRisk: p(false), breached: p(false), waitingSince: p(t0), firstResponse: p(time.Duration(0))},
		},
		{
			name:   "unanswered at exactly 80 % is at risk",
			events: []Event{msg(t0)},
			policy: def, now: m(48),
			want: want{atRisk: p(true), breached: p(false), atRiskAt: p(m(48))},
		},
		{
			name:   "unanswered past the target: breached and still at risk",
			events: []Event{msg(t0)},
			policy: def, now: m(61),
			want: want{atRisk: p(true), breached: p(true), limitBr: p(false)},
		},
		{
			name:   "unanswered past the 24 h limit",
			events: []Event{msg(t0)},
			policy: def, now: h(24).Add(time.Second),
			want: want{breached: p(true), limitBr: p(true)},
		},
		{
			name:   "answered elsewhere stops the first-response clock",
			events: []Event{msg(t0), elsewhere(m(20)), reply(m(50))},
			policy: def, now: h(5),
			want: want{firstResponseAt: p(m(20)), firstResponse: p(20 * time.Minute), breached: p(false), next: []time.Duration{}},
		},
		{
			name:   "pending does not pause the first-response clock",
			events: []Event{msg(t0), st(m(10), StatusPending), reply(h(2))},
			policy: def, now: h(3),
			want: want{firstResponse: p(2 * time.Hour), breached: p(true)},
		},
		{
			name:   "outreach before the first customer message measures nothing",
			events: []Event{reply(t0), msg(h(1)), reply(h(3))},
			policy: def, now: h(4),
			want: want{firstResponseAt: p(h(3)), firstResponse: p(2 * time.Hour), breached: p(true), dueAt: p(h(2))},
		},
		{
			name: "pending pauses the resolution clock; a customer message reopens to open",
			events: []Event{
				msg(t0), reply(m(30)), st(m(30), StatusPending),
				msg(h(5)), // pending → open implicitly
				reply(h(5).Add(20 * time.Minute)), st(h(5).Add(20*time.Minute), StatusPending),
				st(h(6), StatusResolved),
			},
			policy: def, now: h(10),
			want: want{
				resolvedAt: p(h(6)), resolution: p(50 * time.Minute), resolutionBH: p(50 * time.Minute),
				next: []time.Duration{20 * time.Minute}, nextBH: []time.Duration{20 * time.Minute},
				reopened: p(0), status: StatusResolved,
				timeInStatus: map[string]time.Duration{"new": 30 * time.Minute, "pending": 4*time.Hour + 30*time.Minute + 40*time.Minute, "open": 20 * time.Minute, "resolved": 4 * time.Hour},
				waitingSince: p(time.Time{}), needsAnswer: p(true),
			},
		},
		{
			name: "reopened weeks later: resolution counts only the active stretches",
			events: []Event{
				msg(t0), reply(m(10)), st(h(1), StatusResolved),
				msg(h(24 * 21)), reply(h(24*21 + 1)), st(h(24*21+2), StatusResolved),
			},
			policy: prio, now: h(24 * 30),
			want: want{reopened: p(1), resolvedAt: p(h(24*21 + 2)), resolution: p(3 * time.Hour), next: []time.Duration{time.Hour},
				resolutionBreached: p(false), status: StatusResolved},
		},
		{
			name: "reopen counted once when a status event doubles the customer message",
			events: []Event{
				msg(t0), reply(m(10)), st(h(1), StatusResolved),
				msg(h(3)), st(h(3), StatusOpen), st(h(4), StatusResolved),
				st(h(5), StatusOpen), msg(h(5)), // agent reopens first, then the message lands
			},
			policy: def, now: h(6),
			want: want{reopened: p(2), status: StatusOpen, resolvedAt: p(time.Time{}), resolution: p(time.Duration(0)),
				waitingSince: p(h(5)), nextDueAt: p(h(6)), nextBr: p(false), atRisk: p(true), breached: p(false), next: []time.Duration{}},
		},
		{
			name:   "next response pending: at risk at 80 % of the target, first response fine",
			events: []Event{msg(t0), reply(m(5)), st(m(5), StatusPending), msg(h(2)), msg(h(2).Add(10 * time.Minute))},
			policy: def, now: h(2).Add(48 * time.Minute),
			want: want{waitingSince: p(h(2)), nextDueAt: p(h(3)), nextBr: p(false), atRisk: p(true), breached: p(false),
				status: StatusOpen, next: []time.Duration{}},
		},
		{
			name:   "next response overdue",
			events: []Event{msg(t0), reply(m(5)), msg(h(2))},
			policy: def, now: h(3).Add(time.Minute),
			want: want{nextBr: p(true), breached: p(false), atRisk: p(true)},
		},
		{
			name:   "resolved without an answer before the due time: not breached, still needed an answer",
			events: []Event{msg(t0), st(m(40), StatusResolved)},
			policy: def, now: h(48),
			want: want{breached: p(false), limitBr: p(false), atRisk: p(false), waitingSince: p(time.Time{}), needsAnswer: p(true),
				firstResponseAt: p(time.Time{}), resolution: p(40 * time.Minute)},
		},
		{
			name:   "resolved without an answer after the due time: breached",
			events: []Event{msg(t0), st(h(3), StatusResolved)},
			policy: def, now: h(48),
			want: want{breached: p(true), limitBr: p(false), atRisk: p(false)},
		},
		{
			name:   "ignored without an answer needs none",
			events: []Event{msg(t0), st(m(2), StatusIgnored), msg(h(1))},
			policy: def, now: h(30),
			want: want{needsAnswer: p(false), breached: p(false), atRisk: p(false), limitBr: p(false), status: StatusIgnored,
				waitingSince: p(time.Time{}), reopened: p(0)},
		},
		{
			name:   "ignored then reopened by an agent counts a reopening",
			events: []Event{msg(t0), st(m(2), StatusIgnored), st(m(30), StatusOpen)},
			policy: def, now: h(2),
			want: want{reopened: p(1), needsAnswer: p(true), breached: p(true), waitingSince: p(t0)},
		},
		{
			name:   "urgent override: 15 minute target, 2 h limit",
			events: []Event{msg(t0), reply(m(20))},
			policy: prio.For("urgent"), now: h(1),
			want: want{dueAt: p(m(15)), limitAt: p(h(2)), atRiskAt: p(m(12)), breached: p(true), limitBr: p(false)},
		},
		{
			name:   "normal priority keeps the base policy",
			events: []Event{msg(t0), reply(m(20))},
			policy: prio.For("normal"), now: h(1),
			want: want{dueAt: p(h(1)), breached: p(false)},
		},
		{
			name:   "low override turns business hours on: friday 17:30 Paris, 4 h target",
			events: []Event{msg(wall(t, paris, "2026-11-27 17:30"))},
			policy: prio.For("low"), cal: office, now: wall(t, paris, "2026-11-30 10:00"),
			want: want{dueAt: p(wall(t, paris, "2026-11-30 12:30")), limitAt: p(wall(t, paris, "2026-11-28 17:30")),
				breached: p(false), limitBr: p(true), atRisk: p(false)},
		},
		{
			name:   "business hours: friday evening mention answered monday morning",
			events: []Event{msg(wall(t, paris, "2026-11-27 17:30")), reply(wall(t, paris, "2026-11-30 09:15"))},
			policy: bh, cal: office, now: wall(t, paris, "2026-11-30 12:00"),
			want: want{dueAt: p(wall(t, paris, "2026-11-30 09:30")), firstResponse: p(63*time.Hour + 45*time.Minute),
				firstResponseBH: p(45 * time.Minute), breached: p(false), limitBr: p(true)},
		},
		{
			name:   "business hours: at risk at exactly 80 % of business time",
			events: []Event{msg(wall(t, paris, "2026-11-27 17:40"))},
			policy: bh, cal: office, now: wall(t, paris, "2026-11-30 09:28"),
			want: want{atRisk: p(true), breached: p(false), atRiskAt: p(wall(t, paris, "2026-11-30 09:28")), dueAt: p(wall(t, paris, "2026-11-30 09:40"))},
		},
		{
			name:   "business hours: one minute before 80 %",
			events: []Event{msg(wall(t, paris, "2026-11-27 17:40"))},
			policy: bh, cal: office, now: wall(t, paris, "2026-11-30 09:27"),
			want: want{atRisk: p(false)},
		},
		{
			name:   "wall-clock policy still reports business durations",
			events: []Event{msg(wall(t, paris, "2026-11-27 17:30")), reply(wall(t, paris, "2026-11-30 09:15"))},
			policy: def, cal: office, now: wall(t, paris, "2026-11-30 12:00"),
			want: want{dueAt: p(wall(t, paris, "2026-11-27 18:30")), firstResponseBH: p(45 * time.Minute), breached: p(true)},
		},
		{
			name:   "christmas holiday pushes the due date",
			events: []Event{msg(wall(t, paris, "2026-12-24 17:30"))},
			policy: bh, cal: office, now: wall(t, paris, "2026-12-26 12:00"),
			want: want{dueAt: p(wall(t, paris, "2026-12-28 09:30")), breached: p(false), atRisk: p(false), limitBr: p(true)},
		},
		{
			name:   "paris spring forward: wall durations are real time",
			events: []Event{msg(wall(t, paris, "2026-03-28 23:00")), reply(wall(t, paris, "2026-03-29 04:00"))},
			policy: def, now: wall(t, paris, "2026-03-30 00:00"),
			want: want{firstResponse: p(4 * time.Hour), dueAt: p(wall(t, paris, "2026-03-29 00:00"))},
		},
		{
			name:   "paris fall back: wall durations are real time",
			events: []Event{msg(wall(t, paris, "2026-10-24 23:00")), reply(wall(t, paris, "2026-10-25 04:00"))},
			policy: def, now: wall(t, paris, "2026-10-26 00:00"),
			want: want{firstResponse: p(6 * time.Hour)},
		},
		{
			name:   "toronto fall back weekend in business hours",
			events: []Event{msg(wall(t, toronto, "2026-10-30 16:30")), reply(wall(t, toronto, "2026-11-02 09:30"))},
			policy: bh, cal: officeTO, now: wall(t, toronto, "2026-11-02 12:00"),
			want: want{dueAt: p(wall(t, toronto, "2026-11-02 09:30")), firstResponse: p(66 * time.Hour), firstResponseBH: p(time.Hour),
				breached: p(false), limitBr: p(true)},
		},
		{
			name:   "toronto spring forward weekend in business hours",
			events: []Event{msg(wall(t, toronto, "2026-03-06 16:30")), reply(wall(t, toronto, "2026-03-09 09:31"))},
			policy: bh, cal: officeTO, now: wall(t, toronto, "2026-03-09 12:00"),
			want: want{dueAt: p(wall(t, toronto, "2026-03-09 09:30")), firstResponse: p(64*time.Hour + time.Minute), firstResponseBH: p(61 * time.Minute),
				breached: p(true)},
		},
		{
			name: "resolution target in business hours",
			events: []Event{msg(wall(t, paris, "2026-11-23 09:00")), reply(wall(t, paris, "2026-11-23 09:30")),
				st(wall(t, paris, "2026-11-23 09:30"), StatusOpen), st(wall(t, paris, "2026-11-26 09:00"), StatusResolved)},
			policy: Policy{FirstResponseTarget: time.Hour, ResolutionTarget: 27 * time.Hour, BusinessHours: true}, cal: office,
			now:  wall(t, paris, "2026-11-27 09:00"),
			want: want{resolution: p(72 * time.Hour), resolutionBH: p(27 * time.Hour), resolutionBreached: p(false), limitAt: p(time.Time{})},
		},
		{
			name:   "resolution target exceeded while still open",
			events: []Event{msg(t0), reply(m(5))},
			policy: Policy{FirstResponseTarget: time.Hour, ResolutionTarget: 2 * time.Hour}, now: h(2).Add(time.Second),
			want: want{resolutionBreached: p(true), resolution: p(time.Duration(0)), resolvedAt: p(time.Time{})},
		},
		{
			name:   "no target: no deadline, never at risk",
			events: []Event{msg(t0)},
			policy: Policy{}, now: h(100),
			want: want{dueAt: p(time.Time{}), limitAt: p(time.Time{}), atRiskAt: p(time.Time{}), breached: p(false), atRisk: p(false), limitBr: p(false)},
		},
		{
			name:   "events out of order are replayed in time order",
			events: []Event{st(h(2), StatusResolved), reply(m(30)), msg(t0), st(m(30), StatusPending)},
			policy: def, now: h(3),
			want: want{firstResponse: p(30 * time.Minute), resolution: p(30 * time.Minute), resolvedAt: p(h(2)),
				timeInStatus: map[string]time.Duration{"new": 30 * time.Minute, "pending": 90 * time.Minute, "resolved": time.Hour}},
		},
		{
			name:   "ticket created before its first message: resolution from the message",
			events: []Event{st(t0, StatusOpen), msg(h(1)), reply(h(2)), st(h(3), StatusResolved)},
			policy: def, now: h(3),
			want: want{resolution: p(2 * time.Hour), timeInStatus: map[string]time.Duration{"new": 0, "open": 3 * time.Hour, "resolved": 0}},
		},
		{
			name:   "events after now (clock skew) count as zero, not negative",
			events: []Event{msg(t0), reply(m(1))},
			policy: def, now: t0.Add(-time.Minute),
			want: want{firstResponse: p(time.Minute), timeInStatus: map[string]time.Duration{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.events)
			c := Compute(tc.events, tc.policy, tc.cal, tc.now)
			if !reflect.DeepEqual(orig, tc.events) {
				t.Fatal("Compute reordered the caller's slice")
			}
			w := tc.want
			checkT := func(name string, want *time.Time, got time.Time) {
				if want != nil && !want.Equal(got) {
					t.Errorf("%s = %s, want %s", name, got, *want)
				}
			}
			checkD := func(name string, want *time.Duration, got time.Duration) {
				if want != nil && *want != got {
					t.Errorf("%s = %s, want %s", name, got, *want)
				}
			}
			checkB := func(name string, want *bool, got bool) {
				if want != nil && *want != got {
					t.Errorf("%s = %v, want %v", name, got, *want)
				}
			}
			checkT("FirstResponseAt", w.firstResponseAt, c.FirstResponseAt)
			checkD("FirstResponse", w.firstResponse, c.FirstResponse)
			checkD("FirstResponseBusiness", w.firstResponseBH, c.FirstResponseBusiness)
			checkT("ResolvedAt", w.resolvedAt, c.ResolvedAt)
			checkD("Resolution", w.resolution, c.Resolution)
			checkD("ResolutionBusiness", w.resolutionBH, c.ResolutionBusiness)
			checkT("WaitingSince", w.waitingSince, c.WaitingSince)
			checkT("DueAt", w.dueAt, c.DueAt)
			checkT("LimitAt", w.limitAt, c.LimitAt)
			checkT("AtRiskAt", w.atRiskAt, c.AtRiskAt)
			checkT("NextDueAt", w.nextDueAt, c.NextDueAt)
			checkB("Breached", w.breached, c.Breached)
			checkB("LimitBreached", w.limitBr, c.LimitBreached)
			checkB("AtRisk", w.atRisk, c.AtRisk)
			checkB("NextBreached", w.nextBr, c.NextBreached)
			checkB("ResolutionBreached", w.resolutionBreached, c.ResolutionBreached)
			checkB("NeedsAnswer", w.needsAnswer, c.NeedsAnswer)
			if w.reopened != nil && *w.reopened != c.Reopened {
				t.Errorf("Reopened = %d, want %d", c.Reopened, *w.reopened)
			}
			if w.status != "" && w.status != c.Status {
				t.Errorf("Status = %q, want %q", c.Status, w.status)
			}
			if w.next != nil && !slices.Equal(w.next, c.NextResponses) {
				t.Errorf("NextResponses = %v, want %v", c.NextResponses, w.next)
			}
			if w.nextBH != nil && !slices.Equal(w.nextBH, c.NextResponsesBusiness) {
				t.Errorf("NextResponsesBusiness = %v, want %v", c.NextResponsesBusiness, w.nextBH)
			}
			if w.timeInStatus != nil {
				got := map[string]time.Duration{}
				for k, v := range c.TimeInStatus {
					if v != 0 {
						got[k] = v
					}
				}
				wt := map[string]time.Duration{}
				for k, v := range w.timeInStatus {
					if v != 0 {
						wt[k] = v
					}
				}
				if !reflect.DeepEqual(got, wt) {
					t.Errorf("TimeInStatus = %v, want %v", got, wt)
				}
			}
			if !c.FirstMentionAt.IsZero() && len(tc.events) > 0 {
				if c.Answered() != !c.FirstResponseAt.IsZero() {
					t.Error("Answered() disagrees with FirstResponseAt")
				}
			}
		})
	}
}

func TestComputeNoEvents(t *testing.T) {
	c := Compute(nil, DefaultPolicy(), nil, time.Now())
	if !c.FirstMentionAt.IsZero() || c.NeedsAnswer || c.Breached || c.AtRisk || !c.DueAt.IsZero() || c.TimeInStatus == nil || len(c.TimeInStatus) != 0 {
		t.Fatalf("empty history: %+v", c)
	}
	// Only agent activity: nothing to answer.
	t0 := utc(t, "2026-11-23 10:00")
	c = Compute([]Event{reply(t0), st(t0.Add(time.Hour), StatusResolved)}, DefaultPolicy(), nil, t0.Add(48*time.Hour))
	if c.NeedsAnswer || c.Breached || !c.DueAt.IsZero() || c.Answered() || c.Status != StatusResolved || !c.ResolvedAt.Equal(t0.Add(time.Hour)) || c.Resolution != 0 {
		t.Fatalf("outreach only: %+v", c)
	}
	if c.TimeInStatus["new"] != time.Hour || c.TimeInStatus["resolved"] != 47*time.Hour {
		t.Fatalf("outreach only, time in status: %v", c.TimeInStatus)
	}
}

func TestPolicyFor(t *testing.T) {
	base := Policy{FirstResponseTarget: time.Hour, FirstResponseLimit: 24 * time.Hour, ResolutionTarget: 72 * time.Hour, BusinessHours: true,
		PerPriority: map[string]Override{"urgent": {FirstResponseTargetMin: 10, ResolutionTargetMin: 240, BusinessHours: p(false)}}}
	got := base.For("urgent")
	want := Policy{FirstResponseTarget: 10 * time.Minute, FirstResponseLimit: 24 * time.Hour, ResolutionTarget: 4 * time.Hour, BusinessHours: false}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("For(urgent) = %+v, want %+v", got, want)
	}
	got = base.For("")
	want = base
	want.PerPriority = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("For(\"\") = %+v, want %+v", got, want)
	}
	if base.PerPriority == nil {
		t.Fatal("For modified the receiver")
	}
}

func TestPolicyValidate(t *testing.T) {
	ok := []Policy{DefaultPolicy(), {}, {FirstResponseTarget: 2 * time.Hour}, {FirstResponseTarget: time.Hour, FirstResponseLimit: time.Hour}}
	for _, pol := range ok {
		if err := pol.Validate(); err != nil {
			t.Errorf("%+v: %v", pol, err)
		}
	}
	bad := []Policy{
		{FirstResponseTarget: -time.Minute},
		{FirstResponseTarget: 2 * time.Hour, FirstResponseLimit: time.Hour},
		{FirstResponseTarget: time.Hour, FirstResponseLimit: 24 * time.Hour, PerPriority: map[string]Override{"urgent": {FirstResponseTargetMin: 25 * 60}}},
		{FirstResponseTarget: time.Hour, PerPriority: map[string]Override{"low": {ResolutionTargetMin: -1}}},
	}
	for _, pol := range bad {
		if err := pol.Validate(); !errors.Is(err, ErrPolicy) {
			t.Errorf("%+v: err = %v, want ErrPolicy", pol, err)
		}
	}
}
