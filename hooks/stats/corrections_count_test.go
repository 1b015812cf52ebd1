package stats

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// countInOneRead is CountCorrections as it was: one read of every mention
// of the period. The two reads that replaced it must count the same.
func countInOneRead(t *testing.T, app interface {
	DB() dbx.Builder
}, from, to time.Time) Corrections {
	t.Helper()
	var c Corrections
	err := app.DB().NewQuery(`SELECT COUNT(*) AS mentions,
		COALESCE(SUM(corrected_at != ''), 0) AS corrected,
		COALESCE(SUM(corrected_sentiment != '' AND corrected_sentiment != sentiment_label), 0) AS sentiment,
		COALESCE(SUM(corrected_intent != '' AND corrected_intent != intent), 0) AS intent
		FROM mentions WHERE published_at >= {:from} AND published_at < {:to} AND triage != 'dropped'`).
		Bind(dbx.Params{"from": records.DT(from).String(), "to": records.DT(to).String()}).One(&c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCountCorrectionsCountsAsOneRead(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	triages := []string{"ticket", "logged", "dropped", "ignored"}
	sentiments := []string{"negative", "neutral", "positive"}
	intents := []string{"question", "complaint", "praise", "other"}
	for i := range 240 {
		fields := map[string]any{
			"external_id": fmt.Sprint("m", i), "channel": "mastodon", "text": "x",
			// Every three hours, and some exactly on a period's bounds.
			"published_at":    start.Add(time.Duration(i) * 3 * time.Hour).Format("2006-01-02 15:04:05.000Z"),
			"triage":          triages[i%len(triages)],
			"sentiment_label": sentiments[i%3], "intent": intents[i%4],
		}
		if i%7 == 0 { // corrected: some to the same label, some to another
			fields["corrected_at"] = "2026-11-28 10:00:00.000Z"
			fields["corrected_sentiment"] = sentiments[(i/7)%3]
			if i%2 == 0 {
				fields["corrected_intent"] = intents[(i/7)%4]
			}
		}
		apptest.Save(t, app, "mentions", fields)
	}
	periods := [][2]time.Time{
		{start, start.Add(30 * 24 * time.Hour)},
		{start.Add(6 * time.Hour), start.Add(9 * time.Hour)}, // bounds on mentions
		{start.Add(-time.Hour), start.Add(time.Hour)},
		{start.Add(100 * 24 * time.Hour), start.Add(101 * 24 * time.Hour)}, // nothing
		{start.Add(5 * 24 * time.Hour), start.Add(17*24*time.Hour + 90*time.Minute)},
	}
	corrected := 0
	for _, p := range periods {
		got, err := CountCorrections(app, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if want := countInOneRead(t, app, p[0], p[1]); got != want {
			t.Errorf("%s – %s: %+v, one read says %+v", p[0], p[1], got, want)
		}
		corrected += got.Corrected
	}
	if corrected == 0 {
		t.Fatal("no period saw a correction: the comparison is of zeros")
	}

	// The period's count reads the index alone.
	var plan []struct {
		ID, Parent, NotUsed int
		Detail              string
	}
	err := app.DB().NewQuery(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM mentions
		WHERE published_at >= '2026-11-01' AND published_at < '2026-12-01' AND triage != 'dropped'`).All(&plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) == 0 || !strings.Contains(plan[0].Detail, "COVERING INDEX idx_mentions_published_triage") {
		t.Errorf("the count reads rows: %+v", plan)
	}
}
