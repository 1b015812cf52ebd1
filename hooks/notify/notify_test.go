package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestQuietOverMidnight(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	toronto := mustLoc(t, "America/Toronto")
	cases := []struct {
		name    string
		tz      string
		loc     *time.Location
		start   string
		end     string
		at      time.Time
		active  bool
		endsUTC string // expected Until, "" when not quiet
	}{
		{"paris late evening", "Europe/Paris", paris, "22:00", "07:00", time.Date(2026, 11, 20, 23, 30, 0, 0, paris), true, "2026-11-21T06:00:00Z"},
		{"paris after midnight", "Europe/Paris", paris, "22:00", "07:00", time.Date(2026, 11, 21, 3, 0, 0, 0, paris), true, "2026-11-21T06:00:00Z"},
		{"paris at the end minute", "Europe/Paris", paris, "22:00", "07:00", time.Date(2026, 11, 21, 7, 0, 0, 0, paris), false, ""},
		{"paris at the start minute", "Europe/Paris", paris, "22:00", "07:00", time.Date(2026, 11, 20, 22, 0, 0, 0, paris), true, "2026-11-21T06:00:00Z"},
		{"paris daytime", "Europe/Paris", paris, "22:00", "07:00", time.Date(2026, 11, 20, 12, 0, 0, 0, paris), false, ""},
		// The night the clocks go back (25 Oct 2026): 07:00 is still 07:00 local.
		{"paris DST end night", "Europe/Paris", paris, "22:00", "07:00", time.Date(2026, 10, 24, 23, 0, 0, 0, paris), true, "2026-10-25T06:00:00Z"},
		{"toronto evening (UTC next day)", "America/Toronto", toronto, "21:30", "06:15", time.Date(2026, 11, 20, 22, 0, 0, 0, toronto), true, "2026-11-21T11:15:00Z"},
		{"toronto morning", "America/Toronto", toronto, "21:30", "06:15", time.Date(2026, 11, 21, 6, 14, 0, 0, toronto), true, "2026-11-21T11:15:00Z"},
		{"toronto noon", "America/Toronto", toronto, "21:30", "06:15", time.Date(2026, 11, 21, 12, 0, 0, 0, toronto), false, ""},
		// Spring forward, 8 March 2026: 02:30 does not exist, the period ends at 03:30 EDT.
		{"toronto end in the skipped hour", "America/Toronto", toronto, "23:00", "02:30", time.Date(2026, 3, 8, 1, 0, 0, 0, toronto), true, "2026-03-08T07:30:00Z"},
		{"daytime span", "Europe/Paris", paris, "12:00", "14:00", time.Date(2026, 11, 20, 13, 0, 0, 0, paris), true, "2026-11-20T13:00:00Z"},
	}
	for _, c := range cases {
		q, ok := ParseQuiet(c.start, c.end, c.tz, "")
		if !ok {
			t.Fatalf("%s: not parsed", c.name)
		}
		if got := q.Active(c.at); got != c.active {
			t.Errorf("%s: Active = %v, want %v", c.name, got, c.active)
		}
		got := q.Until(c.at.UTC())
		gotS := ""
		if !got.IsZero() {
			gotS = got.UTC().Format(time.RFC3339)
		}
		if gotS != c.endsUTC {
			t.Errorf("%s: Until = %q, want %q", c.name, gotS, c.endsUTC)
		}
	}
}

func TestParseQuietRefusesNonsense(t *testing.T) {
	for _, c := range [][2]string{{"", "07:00"}, {"22:00", ""}, {"22:00", "22:00"}, {"25:00", "07:00"}, {"7:00", "08:00"}, {"aa:bb", "07:00"}} {
		if _, ok := ParseQuiet(c[0], c[1], "Europe/Paris", ""); ok {
			t.Errorf("%q-%q accepted", c[0], c[1])
		}
	}
	q, ok := ParseQuiet("22:00", "07:00", "Not/AZone", "America/Toronto")
	if !ok || q.Loc.String() != "America/Toronto" {
		t.Fatalf("bad zone should fall back to the business zone, got %v %v", q.Loc, ok)
	}
}

func ev(kind, ticket, author string) Event {
	return Event{Kind: kind, TicketID: ticket, URL: "https://desk.example/tickets/" + ticket, Author: author, Platform: "mastodon", Excerpt: "Ma commande"}
}

func TestBatcherQuietDigest(t *testing.T) {
	b := NewBatcher(5, 10*time.Minute)
	night := time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC)
	end := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	for i, tk := range []string{"t1", "t2", "t3"} {
		out := b.Offer("u1", night.Add(time.Duration(i)*time.Hour), end, []Item{{Key: "push1", Event: ev(KindNewTicket, tk, "A"+tk)}, {Key: "ntfy1", Event: ev(KindNewTicket, tk, "A"+tk)}}, false)
		if len(out) != 0 {
			t.Fatalf("sent during quiet hours: %v", out)
		}
	}
	// Another user is not affected.
	if out := b.Offer("u2", night, time.Time{}, []Item{{Key: "push2", Event: ev(KindNewTicket, "t1", "A")}}, false); len(out) != 1 {
		t.Fatalf("u2 held: %v", out)
	}
	if due := b.Due(end.Add(-time.Minute), nil); len(due) != 0 {
		t.Fatalf("released before the end: %v", due)
	}
	due := b.Due(end, nil)
	if len(due) != 2 || due[0].Key != "ntfy1" || due[1].Key != "push1" || due[0].Total != 3 {
		t.Fatalf("due = %+v", due)
	}
	if b.Held() != 0 || len(b.Due(end.Add(time.Hour), nil)) != 0 {
		t.Fatal("a digest is released twice")
	}
	m := Digest("en", due[1].Events, due[1].Total, "https://desk.example")
	if m.Title != "Mentiondesk: 3 new tickets" || m.Body != "At1, At2, At3" || m.URL != "https://desk.example" || m.Count != 3 {
		t.Fatalf("digest = %+v", m)
	}
	fr := Digest("fr", due[1].Events, due[1].Total, "https://desk.example")
	if fr.Title != "Mentiondesk : 3 nouveaux tickets" {
		t.Fatalf("fr digest = %q", fr.Title)
	}
}

// What a batcher holds survives a restart: snapshot, JSON, a new batcher.
func TestBatcherSnapshotRestore(t *testing.T) {
	b := NewBatcher(5, 10*time.Minute)
	night := time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC)
	end := time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)
	v0 := b.Version()
	for i, tk := range []string{"t1", "t2", "t3"} {
		b.Offer("u1", night.Add(time.Duration(i)*time.Hour), end, []Item{{Key: "push1", Event: ev(KindNewTicket, tk, "A"+tk)}}, false)
	}
	if b.Version() == v0 {
		t.Fatal("holding did not move the version")
	}
	raw, err := json.Marshal(b.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var held []HeldUser
	if err := json.Unmarshal(raw, &held); err != nil {
		t.Fatal(err)
	}
	after := NewBatcher(5, 10*time.Minute)
	after.Restore(held)
	if due := after.Due(end.Add(-time.Minute), nil); len(due) != 0 {
		t.Fatalf("restored hold released before the end of quiet hours: %v", due)
	}
	due := after.Due(end, nil)
	if len(due) != 1 || due[0].User != "u1" || due[0].Key != "push1" || due[0].Total != 3 || len(due[0].Events) != 3 ||
		due[0].Events[2].TicketID != "t3" || !due[0].Events[0].At.Equal(b.Snapshot()[0].Batches[0].Events[0].At) {
		t.Fatalf("restored digest = %+v", due)
	}
	if len(after.Snapshot()) != 0 {
		t.Fatal("a released digest is still in the snapshot")
	}
}

func TestBatcherBurst(t *testing.T) {
	b := NewBatcher(5, 10*time.Minute)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sent := 0
	for i := 0; i < 12; i++ {
		sent += len(b.Offer("u1", t0.Add(time.Duration(i)*10*time.Second), time.Time{}, []Item{{Key: "push", Event: ev(KindNewTicket, "t"+string(rune('a'+i)), "P"+string(rune('a'+i)))}}, false))
	}
	if sent != 5 {
		t.Fatalf("sent %d before the guard, want 5", sent)
	}
	// A rule's explicit notify still goes through the burst guard.
	if out := b.Offer("u1", t0.Add(2*time.Minute), time.Time{}, []Item{{Key: "push", Event: ev(KindNegative, "vip", "V")}}, true); len(out) != 1 {
		t.Fatalf("rule notify held by the burst guard")
	}
	if len(b.Due(t0.Add(5*time.Minute), nil)) != 0 {
		t.Fatal("burst digest released early")
	}
	// The burst ends at 10:11 but the user's quiet hours started at 10:10.
	quietTill := t0.Add(3 * time.Hour)
	if due := b.Due(t0.Add(11*time.Minute), func(string) time.Time { return quietTill }); len(due) != 0 {
		t.Fatal("burst digest released during quiet hours")
	}
	due := b.Due(quietTill, func(string) time.Time { return time.Time{} })
	if len(due) != 1 || due[0].Total != 7 {
		t.Fatalf("due = %+v", due)
	}
	m := Digest("en", due[0].Events, due[0].Total, "https://desk.example")
	if m.Title != "Mentiondesk: 7 new tickets" || !strings.HasSuffix(m.Body, "and 4 more") {
		t.Fatalf("digest = %q / %q", m.Title, m.Body)
	}
	// After the window, single events flow again.
	if out := b.Offer("u1", quietTill.Add(time.Hour), time.Time{}, []Item{{Key: "push", Event: ev(KindNewTicket, "z", "Z")}}, false); len(out) != 1 {
		t.Fatal("still held an hour later")
	}
}

func TestBatcherCapsMemory(t *testing.T) {
	b := NewBatcher(1, time.Hour)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 1000; i++ {
		b.Offer("u", t0.Add(time.Duration(i)*time.Second), time.Time{}, []Item{{Key: "k", Event: ev(KindNewTicket, "t", "A")}}, false)
	}
	due := b.Due(t0.Add(2*time.Hour), nil)
	if len(due) != 1 || due[0].Total != 999 || len(due[0].Events) != keptPerDigest {
		t.Fatalf("total %d kept %d", due[0].Total, len(due[0].Events))
	}
}

func TestBuildMessages(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 50, 0, 0, time.UTC)
	e := Event{Kind: KindNewTicket, TicketID: "abc", URL: "https://desk.example/tickets/abc", Author: "Claire (@claire@mastodon.example)",
		Platform: "mastodon", Excerpt: Excerpt("Ma   commande n'est\njamais arrivée, j'attends toujours depuis le 3 novembre et personne ne répond à mes messages, c'est inadmissible vraiment pour une boutique", 25, 80)}
	m := Build("fr", e, now)
	if m.Title != "Nouveau ticket · Mastodon" || m.URL != e.URL || m.Tag != "ticket-abc" {
		t.Fatalf("fr = %+v", m)
	}
	if m.Body != "Claire (@claire@mastodon.example) : Ma commande n'est jamais arrivée, j'attends toujours depuis le 3 novembre et…" {
		t.Fatalf("fr body = %q", m.Body)
	}
	e.Negative = true
	if got := Build("en", e, now).Title; got != "Unhappy customer · Mastodon" {
		t.Fatalf("negative new ticket = %q", got)
	}
	e.Kind, e.Due = KindAtRisk, now.Add(12*time.Minute)
	if got := Build("en", e, now).Title; got != "Answer soon · Mastodon · due in 12 min" {
		t.Fatalf("at risk = %q", got)
	}
	e.Kind, e.Due = KindBreached, now.Add(-(2*time.Hour + 5*time.Minute))
	b := Build("fr", e, now)
	if b.Title != "En retard : toujours sans réponse · Mastodon · 2 h 05 de retard" || !b.Urgent {
		t.Fatalf("breached = %+v", b)
	}
	if got := Build("en", Event{Kind: KindNewTicket, TicketID: "x", Platform: "hackernews"}, now); got.Body != "Someone: (no text)" || got.Title != "New ticket · Hacker News" {
		t.Fatalf("empty = %+v", got)
	}
}

func TestExcerptHostileText(t *testing.T) {
	in := "\x00Hello\u202e evil\xff\xfe text\r\nwith <script>alert(1)</script>"
	got := Excerpt(in, 25, 160)
	if got != "Hello evil text with <script>alert(1)</script>" {
		t.Fatalf("excerpt = %q", got)
	}
	long := strings.Repeat("mot ", 100)
	if got := Excerpt(long, 5, 160); got != "mot mot mot mot mot…" {
		t.Fatalf("cut = %q", got)
	}
	if got := Excerpt(strings.Repeat("é", 500), 25, 10); got != strings.Repeat("é", 10)+"…" {
		t.Fatalf("runes = %q", got)
	}
}

func TestTextKeepsLink(t *testing.T) {
	m := Message{Title: "New ticket · Mastodon", Body: strings.Repeat("long words ", 100), URL: "https://desk.example/tickets/abc"}
	s := m.Text(SMSMax)
	if n := len([]rune(s)); n > SMSMax || !strings.HasSuffix(s, "\nhttps://desk.example/tickets/abc") {
		t.Fatalf("sms text (%d) = %q", n, s)
	}
}

func TestDailyDigest(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	m := DailyMinute("07:30")
	if DailyMinute("") != 480 || m != 450 {
		t.Fatal("DailyMinute")
	}
	for _, c := range []struct {
		at  time.Time
		due bool
	}{
		{time.Date(2026, 11, 21, 7, 29, 0, 0, paris), false},
		{time.Date(2026, 11, 21, 7, 30, 0, 0, paris), true},
		{time.Date(2026, 11, 21, 7, 44, 0, 0, paris), true},
		{time.Date(2026, 11, 21, 7, 45, 0, 0, paris), false},
	} {
		day, due := DailyDue(c.at.UTC(), paris, m, 15*time.Minute)
		if due != c.due || day != "2026-11-21" {
			t.Errorf("%v: %s %v", c.at, day, due)
		}
	}
	got := Daily("fr", Summary{New: 12, Waiting: 5, Late: 2}, "https://desk.example")
	if got.Title != "Mentiondesk : résumé du jour" || got.Body != "12 nouveaux tickets en 24 h · 5 en attente de réponse · 2 en retard" || got.URL != "https://desk.example" {
		t.Fatalf("%+v", got)
	}
	if got := Daily("en", Summary{New: 1}, ""); got.Body != "1 new ticket in 24 h · Nothing is waiting for an answer." {
		t.Fatalf("%q", got.Body)
	}
	if got := Daily("en", Summary{}, ""); got.Body != "Nothing is waiting for an answer." {
		t.Fatalf("%q", got.Body)
	}
}

// A burst held as counts goes out as one digest per target that says what
// the events were, and survives a restart with its counts.
func TestBatcherHoldCounts(t *testing.T) {
	b := NewBatcher(5, 10*time.Minute)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	b.Hold("u1", "push", t0, time.Time{}, []Event{ev(KindBreached, "t1", "Ana")}, map[string]int{KindBreached: 12399, KindNewTicket: 3})
	if due := b.Due(t0.Add(9*time.Minute), nil); len(due) != 0 {
		t.Fatal("released inside the burst window")
	}
	raw, _ := json.Marshal(b.Snapshot())
	var held []HeldUser
	if err := json.Unmarshal(raw, &held); err != nil {
		t.Fatal(err)
	}
	after := NewBatcher(5, 10*time.Minute)
	after.Restore(held)
	due := after.Due(t0.Add(10*time.Minute), nil)
	if len(due) != 1 || due[0].Total != 12403 || len(due[0].Events) != 1 {
		t.Fatalf("due = %+v", due)
	}
	m := DigestOf("en", due[0], "https://desk.example")
	if m.Title != "Mentiondesk: 3 new tickets · 12400 late tickets" || m.Count != 12403 || !m.Urgent {
		t.Fatalf("digest = %+v", m)
	}
}

// Past keptPerDigest, held events are counted by their own kind.
func TestBatcherCountsBeyondKeptByKind(t *testing.T) {
	b := NewBatcher(1, time.Hour)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var evs []Event
	for i := 0; i < keptPerDigest+20; i++ {
		evs = append(evs, ev(KindAtRisk, "t", "A"))
	}
	b.Hold("u", "k", t0, time.Time{}, evs, nil)
	due := b.Due(t0.Add(2*time.Hour), nil)
	if len(due) != 1 || due[0].More[KindAtRisk] != 20 || len(due[0].Events) != keptPerDigest {
		t.Fatalf("due = %+v", due)
	}
	if m := DigestOf("en", due[0], "h"); m.Title != "Mentiondesk: 70 tickets due soon" {
		t.Fatalf("title %q", m.Title)
	}
}

// Folding digests into one (a target that was down) keeps every count
// and no more than keptPerDigest events.
func TestBatchAddFoldsDigests(t *testing.T) {
	var a, b Batch
	for i := 0; i < keptPerDigest-10; i++ {
		a.Add([]Event{ev(KindNewTicket, "t", "A")}, nil)
	}
	b.Add([]Event{ev(KindBreached, "u", "B")}, map[string]int{KindBreached: 5, KindAtRisk: 0})
	for range 15 {
		b.Add([]Event{ev(KindAtRisk, "v", "C")}, nil)
	}
	a.Add(b.Events, b.More)
	if a.Total != keptPerDigest-10+21 || len(a.Events) != keptPerDigest || a.More[KindBreached] != 5 || a.More[KindAtRisk] != 6 {
		t.Fatalf("folded: total %d, kept %d, more %v", a.Total, len(a.Events), a.More)
	}
	if m := DigestOf("en", a, "h"); m.Count != a.Total || m.Title != "Mentiondesk: 40 new tickets · 15 tickets due soon · 6 late tickets" {
		t.Fatalf("digest %d %q", m.Count, m.Title)
	}
}
