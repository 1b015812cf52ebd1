package connectors

import (
	"net/http"
	"testing"
	"time"
)

// A platform's "come back later" is honoured up to a day, whatever it
// says: a year, a number no integer holds, a negative one, a date in the
// year 3000.
func TestRetryAfterIsCapped(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"120", 2 * time.Minute},
		{"86400", MaxWait},
		{"31536000", MaxWait},                   // a year
		{"9999999999", MaxWait},                 // overflows a Duration in nanoseconds
		{"99999999999999999999999999", MaxWait}, // overflows int64
		{"-5", 0},
		{"-99999999999999999999999999", 0},
		{"soon", 0},
		{now.Add(90 * time.Minute).Format(http.TimeFormat), 90 * time.Minute},
		{"Fri, 01 Jan 2999 00:00:00 GMT", MaxWait},
		{"Mon, 01 Jan 1990 00:00:00 GMT", 0},
	}
	for _, c := range cases {
		h := http.Header{"Retry-After": {c.header}}
		if got := RetryAfter(h, now); got != c.want {
			t.Errorf("Retry-After %q: %s, want %s", c.header, got, c.want)
		}
	}
}

func TestRateLimitResetsAreCapped(t *testing.T) {
	now := time.Now()
	for _, reset := range []string{"99999999999", "9223372036854775807", "999999999999999999999999"} {
		h := http.Header{"Ratelimit-Reset": {reset}}
		if got := untilCapped(now, blueskyReset(h)); got != MaxWait {
			t.Errorf("Bluesky RateLimit-Reset %s: wait %s, want %s", reset, got, MaxWait)
		}
		h = http.Header{"X-Ratelimit-Reset": {reset}}
		if got := untilCapped(now, mastodonResetTime(h)); got != MaxWait {
			t.Errorf("Mastodon X-RateLimit-Reset %s: wait %s, want %s", reset, got, MaxWait)
		}
	}
	if got := CapUntil(now, now.AddDate(1000, 0, 0)); !got.Equal(now.Add(MaxWait)) {
		t.Errorf("CapUntil a millennium away = %s", got)
	}
	if got := CapUntil(now, time.Time{}); !got.IsZero() {
		t.Errorf("CapUntil(zero) = %s, want zero", got)
	}
}
