package sla

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Median is Percentile(ds, 50): the middle value, or the mean of the two
// middle values (rounded to the nanosecond, halves away from zero) for an
// even count. Zero for an empty set.
func Median(ds []time.Duration) time.Duration { return Percentile(ds, 50) }

// Percentile returns the p-th percentile (0..100, clamped; NaN counts as
// 0) by linear interpolation between closest ranks (Hyndman & Fan type 7,
// numpy's default, Excel's PERCENTILE.INC): sort ascending, h = (n-1)·p/100,
// result = x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]), rounded to the
// nanosecond. Zero for an empty set. ds is not modified.
//
// In SQL over n sorted rows: OFFSET ⌊h⌋ LIMIT 2 and interpolate.
func Percentile(ds []time.Duration, p float64) time.Duration {
	n := len(ds)
	if n == 0 {
		return 0
	}
	if math.IsNaN(p) || p < 0 {
		p = 0
	}
	if p > 100 {
		p = 100
	}
	xs := slices.Clone(ds)
	slices.Sort(xs)
	h := float64(n-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return xs[n-1]
	}
	frac := h - float64(lo)
	// Interpolate on the difference so large durations keep their
	// nanoseconds; the difference times frac is rounded once.
	return xs[lo] + time.Duration(math.Round(frac*float64(xs[lo+1]-xs[lo])))
}

// ShareWithin is the fraction of ds at or under limit (answering in
// exactly an hour is "within an hour"); 0 for an empty set.
func ShareWithin(ds []time.Duration, limit time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	n := 0
	for _, d := range ds {
		if d <= limit {
			n++
		}
	}
	return float64(n) / float64(len(ds))
}

// Thresholds of the customer's expectation, on the wall clock.
const (
	Within1h  = time.Hour
	Within24h = 24 * time.Hour
)

// Summary aggregates ticket clocks. The response figures are over the
// tickets that need an answer; rates divide by NeedingAnswer, so an
// unanswered ticket counts against "within 1 h" as it does against the
// response rate. Medians and p90 are over the answered ones only.
type Summary struct {
	Tickets       int
	NeedingAnswer int
	Answered      int     // needing an answer and answered
	ResponseRate  float64 // Answered / NeedingAnswer, 0 when none need one

	AnsweredWithin1h  int // first response (wall clock) <= 1 h
	AnsweredWithin24h int // first response (wall clock) <= 24 h
	Within1hRate      float64
	Within24hRate     float64

	MedianFirstResponse         time.Duration
	P90FirstResponse            time.Duration
	MedianFirstResponseBusiness time.Duration
	P90FirstResponseBusiness    time.Duration

	Resolved                 int // resolved now (any ticket)
	MedianResolution         time.Duration
	MedianResolutionBusiness time.Duration

	MedianNextResponse time.Duration // over every next response of every ticket

	Breached      int // needing an answer, first-response target missed
	LimitBreached int // needing an answer, 24 h limit missed
	AtRisk        int // owing an answer now with >= 80 % of the target used
	Reopened      int // sum of reopenings
}

// Summarize computes a Summary of clocks.
func Summarize(clocks []Clock) Summary {
	var s Summary
	var fr, frb, res, resb, next []time.Duration
	for _, c := range clocks {
		s.Tickets++
		s.Reopened += c.Reopened
		if c.AtRisk {
			s.AtRisk++
		}
		if !c.ResolvedAt.IsZero() {
			s.Resolved++
			res = append(res, c.Resolution)
			resb = append(resb, c.ResolutionBusiness)
		}
		next = append(next, c.NextResponses...)
		if !c.NeedsAnswer {
			continue
		}
		s.NeedingAnswer++
		if c.Breached {
			s.Breached++
		}
		if c.LimitBreached {
			s.LimitBreached++
		}
		if !c.Answered() {
			continue
		}
		s.Answered++
		fr = append(fr, c.FirstResponse)
		frb = append(frb, c.FirstResponseBusiness)
		if c.FirstResponse <= Within1h {
			s.AnsweredWithin1h++
		}
		if c.FirstResponse <= Within24h {
			s.AnsweredWithin24h++
		}
	}
	if s.NeedingAnswer > 0 {
		n := float64(s.NeedingAnswer)
		s.ResponseRate = float64(s.Answered) / n
		s.Within1hRate = float64(s.AnsweredWithin1h) / n
		s.Within24hRate = float64(s.AnsweredWithin24h) / n
	}
	s.MedianFirstResponse, s.P90FirstResponse = Median(fr), Percentile(fr, 90)
	s.MedianFirstResponseBusiness, s.P90FirstResponseBusiness = Median(frb), Percentile(frb, 90)
	s.MedianResolution, s.MedianResolutionBusiness = Median(res), Median(resb)
	s.MedianNextResponse = Median(next)
	return s
}

// MarshalJSON writes the summary with snake_case keys and durations as
// seconds (a JSON number, millisecond precision), the units of the
// tickets' *_sec columns and of the stats route.
func (s Summary) MarshalJSON() ([]byte, error) {
	sec := func(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
	return json.Marshal(struct {
		Tickets                  int     `json:"tickets"`
		NeedingAnswer            int     `json:"needing_answer"`
		Answered                 int     `json:"answered"`
		ResponseRate             float64 `json:"response_rate"`
		AnsweredWithin1h         int     `json:"answered_within_1h"`
		AnsweredWithin24h        int     `json:"answered_within_24h"`
		Within1hRate             float64 `json:"within_1h_rate"`
		Within24hRate            float64 `json:"within_24h_rate"`
		MedianFirstResponseSec   float64 `json:"median_first_response_sec"`
		P90FirstResponseSec      float64 `json:"p90_first_response_sec"`
		MedianFirstResponseBHSec float64 `json:"median_first_response_bh_sec"`
		P90FirstResponseBHSec    float64 `json:"p90_first_response_bh_sec"`
		Resolved                 int     `json:"resolved"`
		MedianResolutionSec      float64 `json:"median_resolution_sec"`
		MedianResolutionBHSec    float64 `json:"median_resolution_bh_sec"`
		MedianNextResponseSec    float64 `json:"median_next_response_sec"`
		Breached                 int     `json:"breached"`
		LimitBreached            int     `json:"limit_breached"`
		AtRisk                   int     `json:"at_risk"`
		Reopened                 int     `json:"reopened"`
	}{
		s.Tickets, s.NeedingAnswer, s.Answered, s.ResponseRate,
		s.AnsweredWithin1h, s.AnsweredWithin24h, s.Within1hRate, s.Within24hRate,
		sec(s.MedianFirstResponse), sec(s.P90FirstResponse), sec(s.MedianFirstResponseBusiness), sec(s.P90FirstResponseBusiness),
		s.Resolved, sec(s.MedianResolution), sec(s.MedianResolutionBusiness), sec(s.MedianNextResponse),
		s.Breached, s.LimitBreached, s.AtRisk, s.Reopened,
	})
}
