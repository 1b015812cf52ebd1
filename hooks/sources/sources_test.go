package sources

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

// Consecutive failures back off exponentially, capped at six hours; one
// success resets the count.
func TestBackoff(t *testing.T) {
	t.Parallel()
	base := 5 * time.Minute
	want := []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute, 160 * time.Minute, 320 * time.Minute, 6 * time.Hour, 6 * time.Hour}
	for i, w := range want {
		if got := backoff(base, i+1); got != w {
			t.Errorf("backoff after %d failures = %s, want %s", i+1, got, w)
		}
	}
	if got := backoff(base, 1000); got != maxBackoff {
		t.Errorf("huge failure count: %s", got)
	}
}

// An owner who edits a failing source (a new token) may check it at once;
// a healthy source never waits more than the shortest interval.
func TestCheckNowAllowedAt(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	col, _ := app.FindCollectionByNameOrId("sources")
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(last, next, updated time.Time, errors int) *core.Record {
		r := core.NewRecord(col)
		r.Set("last_check_at", last)
		r.Set("next_check_at", next)
		r.SetRaw("updated", records.DT(updated))
		r.Set("error_count", errors)
		return r
	}
	cases := []struct {
		name string
		rec  *core.Record
		want time.Time
	}{
		{"never checked", mk(time.Time{}, time.Time{}, now, 0), time.Time{}},
		{"healthy", mk(now, now.Add(5*time.Minute), now.Add(-time.Hour), 0), now.Add(manualCheckGap)},
		{"backing off", mk(now, now.Add(6*time.Hour), now.Add(-time.Hour), 4), now.Add(6 * time.Hour)},
		{"edited since", mk(now, now.Add(6*time.Hour), now.Add(time.Second), 4), now.Add(manualCheckGap)},
	}
	for _, c := range cases {
		if got := checkNowAllowedAt(c.rec); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// A failure the server cannot name still reads as a sentence in the
// owner's language, never as a Go error.
func TestFailureText(t *testing.T) {
	t.Parallel()
	if got := failureOf(errors.New("boom"), "x").text("fr"); !strings.HasPrefix(got, "La vérification a échoué") {
		t.Errorf("French rendering: %q", got)
	}
}
