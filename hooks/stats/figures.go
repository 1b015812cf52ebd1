package stats

import (
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/sla"
)

// Figures is one line of the report (GET /api/md/stats): the totals or
// one group. The JSON names are the dashboard's and the API's contract.
type Figures struct {
	Key                   string       `json:"key,omitempty"`
	Label                 string       `json:"label,omitempty"`
	Mentions              int          `json:"mentions"`
	Tickets               int          `json:"tickets"`
	NeedingAnswer         int          `json:"needing_answer"`
	Answered              int          `json:"answered"`
	AnsweredElsewhere     int          `json:"answered_elsewhere"`
	AnsweredByHand        int          `json:"answered_by_hand"`
	ResponseRate          float64      `json:"response_rate"`
	Within1h              int          `json:"within_1h"`
	Within24h             int          `json:"within_24h"`
	Share1h               float64      `json:"share_1h"`
	Share24h              float64      `json:"share_24h"`
	MedianFirstResponse   int64        `json:"median_first_response_sec"`
	P90FirstResponse      int64        `json:"p90_first_response_sec"`
	MedianResolution      int64        `json:"median_resolution_sec"`
	Breaches              int          `json:"breaches"`
	WinBacks              int          `json:"win_backs"`
	Sentiment             sentimentMix `json:"sentiment"`
	firstResponses, resol []time.Duration
}

func newFigures(key, label string) *Figures {
	return &Figures{Key: key, Label: label}
}

// sentimentMix is a struct, not a map, so the JSON keeps its order.
type sentimentMix struct {
	Negative int `json:"negative"`
	Neutral  int `json:"neutral"`
	Positive int `json:"positive"`
}

func (m *sentimentMix) add(label string, n int) {
	switch label {
	case "negative":
		m.Negative += n
	case "neutral":
		m.Neutral += n
	case "positive":
		m.Positive += n
	}
}

func (f *Figures) finish() {
	if f.NeedingAnswer > 0 {
		f.ResponseRate = round4(float64(f.Answered) / float64(f.NeedingAnswer))
		f.Share1h = round4(float64(f.Within1h) / float64(f.NeedingAnswer))
		f.Share24h = round4(float64(f.Within24h) / float64(f.NeedingAnswer))
	}
	f.MedianFirstResponse = int64(sla.Median(f.firstResponses).Seconds())
	f.P90FirstResponse = int64(sla.Percentile(f.firstResponses, 90).Seconds())
	f.MedianResolution = int64(sla.Median(f.resol).Seconds())
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// sentimentLabel matches the analyser's thresholds for a stored score.
func sentimentLabel(score float64) string {
	switch {
	case score < -0.05:
		return "negative"
	case score > 0.05:
		return "positive"
	}
	return "neutral"
}
