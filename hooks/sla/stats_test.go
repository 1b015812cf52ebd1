package sla

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
)

func secs(xs ...float64) []time.Duration {
	out := make([]time.Duration, len(xs))
	for i, x := range xs {
		out[i] = time.Duration(x * float64(time.Second))
	}
	return out
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"empty", nil, 0},
		{"one", secs(42), 42 * time.Second},
		{"odd, unsorted", secs(30, 10, 20), 20 * time.Second},
		{"even: mean of the middle two", secs(4, 1, 3, 2), 2500 * time.Millisecond},
		{"even with duplicates", secs(5, 5, 1, 9), 5 * time.Second},
		{"half a nanosecond rounds away from zero", []time.Duration{1, 2}, 2},
		{"large values keep their nanoseconds", []time.Duration{1<<62 + 1, 1<<62 + 3}, 1<<62 + 2},
		{"two hours, odd", []time.Duration{time.Hour, 3 * time.Hour, 2 * time.Hour, 90 * time.Minute, 10 * time.Hour}, 2 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			if got := Median(tc.in); got != tc.want {
				t.Fatalf("Median(%v) = %v, want %v", tc.in, got, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Fatal("Median sorted the caller's slice")
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	oneToTen := secs(10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
	tests := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 90, 0},
		{"one element, p90", secs(7), 90, 7 * time.Second},
		{"one element, p0", secs(7), 0, 7 * time.Second},
		// h = 9·0.9 = 8.1 → x[8] + 0.1·(x[9]-x[8]) = 9 + 0.1
		{"p90 of 1..10", oneToTen, 90, 9100 * time.Millisecond},
		{"p50 of 1..10", oneToTen, 50, 5500 * time.Millisecond},
		{"p0 is the minimum", oneToTen, 0, time.Second},
		{"p100 is the maximum", oneToTen, 100, 10 * time.Second},
		{"p above 100 clamps", oneToTen, 250, 10 * time.Second},
		{"negative p clamps", oneToTen, -5, time.Second},
		{"NaN counts as 0", oneToTen, math.NaN(), time.Second},
		// h = 1·0.9 → 0 + 0.9·10 s
		{"p90 of two", secs(10, 0), 90, 9 * time.Second},
		// h = 2·0.9 = 1.8 → 60 + 0.8·(600-60) = 492
		{"p90 of three, skewed", secs(600, 1, 60), 90, 492 * time.Second},
		// h = 3·0.9 = 2.7 → 3 + 0.7·(100-3) = 70.9
		{"p90 of four (even)", secs(1, 2, 3, 100), 90, 70900 * time.Millisecond},
		// h = 4·0.9 = 3.6 → 4 + 0.6·(5-4)
		{"p90 of five (odd)", secs(5, 4, 3, 2, 1), 90, 4600 * time.Millisecond},
		{"p25 of four", secs(1, 2, 3, 4), 25, 1750 * time.Millisecond},
		{"all equal", secs(3, 3, 3, 3), 90, 3 * time.Second},
		{"exact rank lands on an element", secs(0, 10, 20, 30, 40), 75, 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			if got := Percentile(tc.in, tc.p); got != tc.want {
				t.Fatalf("Percentile(%v, %v) = %v, want %v", tc.in, tc.p, got, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Fatal("Percentile sorted the caller's slice")
			}
		})
	}
	// Median is the 50th percentile, by definition.
	for _, in := range [][]time.Duration{secs(1), secs(2, 1), secs(3, 1, 2), secs(9, 1, 4, 4, 7, 2)} {
		if Median(in) != Percentile(in, 50) {
			t.Errorf("Median(%v) != Percentile(50)", in)
		}
	}
}

func TestShareWithin(t *testing.T) {
	tests := []struct {
		in    []time.Duration
		limit time.Duration
		want  float64
	}{
		{nil, time.Hour, 0},
		{[]time.Duration{time.Hour}, time.Hour, 1}, // exactly an hour is within an hour
		{[]time.Duration{time.Hour + 1}, time.Hour, 0},
		{[]time.Duration{time.Minute, 2 * time.Hour, 30 * time.Minute, 25 * time.Hour}, time.Hour, 0.5},
		{[]time.Duration{time.Minute, 2 * time.Hour, 30 * time.Minute, 25 * time.Hour}, 24 * time.Hour, 0.75},
		{[]time.Duration{0, 0, 0}, 0, 1},
	}
	for _, tc := range tests {
		if got := ShareWithin(tc.in, tc.limit); got != tc.want {
			t.Errorf("ShareWithin(%v, %v) = %v, want %v", tc.in, tc.limit, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	t0 := utc(t, "2026-11-23 10:00")
	m := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	now := t0.Add(72 * time.Hour)
	office := mustCal(t, Hours{Timezone: "UTC", Week: weekdays(Span{"09:00", "18:00"})})
	pol := DefaultPolicy()
	histories := [][]Event{
		{msg(m(0)), reply(m(30)), st(m(30), StatusPending), msg(m(120)), reply(m(130)), st(m(200), StatusResolved)}, // 30 min; next 10 min
		{msg(m(0)), reply(m(60))},                                  // exactly 1 h
		{msg(m(0)), elsewhere(m(180)), st(m(240), StatusResolved)}, // 3 h, breached
		{msg(m(0)), reply(m(25 * 60))},                             // 25 h: breached, limit breached
		{msg(m(0))},                                                // never answered: breached, limit breached
		{msg(m(0)), st(m(5), StatusIgnored)},                       // ignored: needs no answer
		{msg(m(0)), reply(m(5)), st(m(6), StatusResolved), msg(m(600)), reply(m(640)), st(m(660), StatusResolved)}, // 5 min, reopened
	}
	var clocks []Clock
	for _, h := range histories {
		clocks = append(clocks, Compute(h, pol, office, now))
	}
	s := Summarize(clocks)
	checkI := func(name string, got, want int) {
		if got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	checkI("Tickets", s.Tickets, 7)
	checkI("NeedingAnswer", s.NeedingAnswer, 6)
	checkI("Answered", s.Answered, 5)
	checkI("AnsweredWithin1h", s.AnsweredWithin1h, 3)   // 30 m, 60 m, 5 m
	checkI("AnsweredWithin24h", s.AnsweredWithin24h, 4) // + 3 h
	checkI("Breached", s.Breached, 3)                   // 3 h, 25 h, never
	checkI("LimitBreached", s.LimitBreached, 2)         // 25 h, never
	checkI("AtRisk", s.AtRisk, 1)                       // the unanswered one
	checkI("Resolved", s.Resolved, 3)
	checkI("Reopened", s.Reopened, 1)
	if s.ResponseRate != 5.0/6 || s.Within1hRate != 3.0/6 || s.Within24hRate != 4.0/6 {
		t.Errorf("rates = %v %v %v", s.ResponseRate, s.Within1hRate, s.Within24hRate)
	}
	// First responses: 5 m, 30 m, 60 m, 180 m, 1500 m → median 60 m;
	// p90: h = 4·0.9 = 3.6 → 180 + 0.6·1320 = 972 m.
	if s.MedianFirstResponse != time.Hour || s.P90FirstResponse != 972*time.Minute {
		t.Errorf("first response median/p90 = %v / %v", s.MedianFirstResponse, s.P90FirstResponse)
	}
	// Business (UTC 09-18, Monday 10:00 start): 5, 30, 60, 180 m and
	// 25 h wall = Mon 10:00 → Tue 11:00 = 8 h + 2 h = 600 m.
	// p90 = 180 + 0.6·420 = 432 m.
	if s.MedianFirstResponseBusiness != time.Hour || s.P90FirstResponseBusiness != 432*time.Minute {
		t.Errorf("business median/p90 = %v / %v", s.MedianFirstResponseBusiness, s.P90FirstResponseBusiness)
	}
	// Resolutions (active time): 30 + 80 = 110 m; 240 m; 6 + 60 = 66 m → median 110 m.
	if s.MedianResolution != 110*time.Minute {
		t.Errorf("median resolution = %v", s.MedianResolution)
	}
	// Next responses: 10 m and 40 m.
	if s.MedianNextResponse != 25*time.Minute {
		t.Errorf("median next response = %v", s.MedianNextResponse)
	}

	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]float64
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{
		"tickets": 7, "needing_answer": 6, "answered": 5, "response_rate": 5.0 / 6, "within_1h_rate": 0.5,
		"median_first_response_sec": 3600, "p90_first_response_sec": 972 * 60, "p90_first_response_bh_sec": 432 * 60,
		"median_resolution_sec": 110 * 60, "median_next_response_sec": 25 * 60, "breached": 3, "limit_breached": 2, "reopened": 1,
	} {
		if got, ok := back[k]; !ok || got != want {
			t.Errorf("JSON %s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	if len(back) != 20 {
		t.Errorf("JSON has %d keys: %s", len(back), b)
	}

	if z := Summarize(nil); z != (Summary{}) {
		t.Errorf("empty summary = %+v", z)
	}
}
