package tickets

import (
	"slices"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/triage"
	"github.com/mentiondesk/mentiondesk/model"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func TestCandidates(t *testing.T) {
	t.Parallel()
	hour := time.Hour
	open := &ticketHit{"open1", t0.Add(-2 * hour)}
	stale := &ticketHit{"old1", t0.Add(-25 * hour)}
	cases := []struct {
		name   string
		thread string
		open   *ticketHit
		copies []ticketHit
		want   []string
	}{
		{"a reply joins its thread, whatever else is open", "thread1", open, []ticketHit{{"copy1", t0}}, []string{"thread1"}},
		{"the author's open ticket within the day", "", open, nil, []string{"open1"}},
		{"an open ticket silent for over a day is not joined", "", stale, nil, nil},
		{"exactly a day is still within the window", "", &ticketHit{"edge", t0.Add(-24 * hour)}, nil, []string{"edge"}},
		{"then the tickets the same person's copies joined", "", open, []ticketHit{{"copy1", t0.Add(-hour)}, {"copy2", t0.Add(-3 * hour)}}, []string{"open1", "copy1", "copy2"}},
		{"nothing: a new ticket", "", nil, nil, nil},
	}
	for _, c := range cases {
		if got := candidates(c.thread, c.open, c.copies, t0); !slices.Equal(got, c.want) {
			t.Errorf("%s: candidates = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNearbyCopy(t *testing.T) {
	t.Parallel()
	hour := time.Hour
	for _, c := range []struct {
		name string
		hits []ticketHit
		want string
	}{
		{"none", nil, ""},
		{"an hour before", []ticketHit{{"a", t0.Add(-hour)}}, "a"},
		{"an hour after: a slow feed brought the first post last", []ticketHit{{"a", t0.Add(hour)}}, "a"},
		{"exactly a day either side", []ticketHit{{"a", t0.Add(-24 * hour)}}, "a"},
		{"a day and a minute before: said again, not a copy", []ticketHit{{"a", t0.Add(-24*hour - time.Minute)}}, ""},
		{"thirty hours after: said again", []ticketHit{{"a", t0.Add(30 * hour)}}, ""},
		{"the latest within the day", []ticketHit{{"a", t0.Add(-2 * hour)}, {"b", t0.Add(3 * hour)}, {"c", t0.Add(40 * hour)}}, "b"},
	} {
		got, ok := nearbyCopy(c.hits, t0)
		if (c.want == "") == ok || got.ticket != c.want {
			t.Errorf("%s: nearbyCopy = %v %v, want %q", c.name, got, ok, c.want)
		}
	}
}

func TestOpening(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		action, status string
		needsAnswer    bool
	}{
		{triage.Ticket, model.StatusNew, true},
		{triage.Logged, model.StatusResolved, false},
	} {
		if s, n := opening(c.action); s != c.status || n != c.needsAnswer {
			t.Errorf("opening(%q) = %q, %v; want %q, %v", c.action, s, n, c.status, c.needsAnswer)
		}
	}
}

func TestStatusOnJoin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status      string
		needsAnswer bool
		to          string
		reopened    bool
	}{
		{model.StatusResolved, true, model.StatusOpen, true},
		{model.StatusIgnored, true, model.StatusOpen, true},
		{model.StatusPending, true, model.StatusOpen, false},
		{model.StatusNew, true, model.StatusNew, false},
		{model.StatusOpen, true, model.StatusOpen, false},
		// A thank-you in a resolved thread is recorded, not reopened.
		{model.StatusResolved, false, model.StatusResolved, false},
		{model.StatusPending, false, model.StatusPending, false},
	}
	for _, c := range cases {
		if to, re := statusOnJoin(c.status, c.needsAnswer); to != c.to || re != c.reopened {
			t.Errorf("statusOnJoin(%q, %v) = %q, %v; want %q, %v", c.status, c.needsAnswer, to, re, c.to, c.reopened)
		}
	}
}

func TestRestartsClock(t *testing.T) {
	t.Parallel()
	lastReply := t0.Add(-time.Hour)
	cases := []struct {
		name                  string
		hasDeadline, answered bool
		published             time.Time
		want                  bool
	}{
		{"no deadline yet: one is set", false, false, t0, true},
		{"unanswered: the first-response clock keeps running", true, false, t0, false},
		{"answered, then a new message: the next-response clock starts", true, true, t0, true},
		{"answered, a late-delivered older message: no restart", true, true, lastReply.Add(-time.Minute), false},
	}
	for _, c := range cases {
		if got := restartsClock(c.hasDeadline, c.answered, c.published, lastReply); got != c.want {
			t.Errorf("%s: restartsClock = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestIsLatest(t *testing.T) {
	t.Parallel()
	if !isLatest(t0, t0) || !isLatest(t0.Add(time.Second), t0) || isLatest(t0.Add(-time.Second), t0) {
		t.Error("isLatest: a message as recent as the last one sets the mood; an older one does not")
	}
}

func TestWonBack(t *testing.T) {
	t.Parallel()
	neg := []ticketHit{{"before", t0.Add(-time.Hour)}, {"same", t0}, {"after", t0.Add(time.Hour)}}
	won, rest := wonBack(neg, t0)
	ids := func(hs []ticketHit) (out []string) {
		for _, h := range hs {
			out = append(out, h.ticket)
		}
		return out
	}
	if !slices.Equal(ids(won), []string{"before"}) || !slices.Equal(ids(rest), []string{"same", "after"}) {
		t.Errorf("wonBack = %v, %v; a kind word wins back only complaints opened before it", ids(won), ids(rest))
	}
}

func TestCopyLookups(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{t0, []string{"2026-11-19h", "2026-11-20h", "2026-11-21h"}},
		{time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), []string{"2026-11-19h", "2026-11-20h", "2026-11-21h"}},
		{time.Date(2026, 11, 20, 23, 59, 0, 0, time.FixedZone("EST", -5*3600)), []string{"2026-11-20h", "2026-11-21h", "2026-11-22h"}},
	} {
		if got := copyLookups("h", c.at); !slices.Equal(got, c.want) {
			t.Errorf("copyLookups(%v) = %v, want %v", c.at, got, c.want)
		}
	}
}
