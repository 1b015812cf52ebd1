package notifier

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notifier/notifiertest"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// notifyEnv is a test app with a hand-driven notifier, a settable clock
// and recorded back-off waits.
type notifyEnv struct {
	app   *tests.TestApp
	n     *Notifier
	bus   *bus.Bus
	f     *notifiertest.Targets
	clock time.Time
	// waits are the back-off and cool-down waits asked for, from the
	// lanes' goroutines (waitsMu).
	waitsMu sync.Mutex
	waits   []time.Duration
}

func newNotifyEnv(t *testing.T, at time.Time) *notifyEnv {
	t.Helper()
	app, n, b := testApp(t)
	env := &notifyEnv{app: app, n: n, bus: b, f: notifiertest.NewTargets(t), clock: at}
	env.n.now = func() time.Time { return env.clock }
	env.n.sleep = func(_ context.Context, d time.Duration) error {
		env.waitsMu.Lock()
		defer env.waitsMu.Unlock()
		env.waits = append(env.waits, d)
		return nil
	}
	s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		t.Fatal(err)
	}
	s.Set("public_url", "https://desk.cafe-lune.example/")
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	// The fixture's ntfy target points at a real host name: aim it here.
	fx, _ := app.FindRecordById("notifications", notifID)
	fx.Set("target", env.f.URL+"/fixture-ntfy")
	if err := app.Save(fx); err != nil {
		t.Fatal(err)
	}
	return env
}

func (e *notifyEnv) target(t *testing.T, user, kind, path string, events []string, extra map[string]any) *core.Record {
	t.Helper()
	fields := map[string]any{"user": user, "kind": kind, "target": e.f.URL + path, "enabled": true, "events": events}
	for k, v := range extra {
		fields[k] = v
	}
	return saveRecord(t, e.app, "notifications", fields)
}

// restart replaces the notifier with a new one, nothing in memory, on
// the same clock: the server started again. The bus still feeds the
// first one, so a restarted env drains, it does not emit.
func (e *notifyEnv) restart() {
	n := newNotifier(e.app, e.n.d)
	n.now, n.sleep = e.n.now, e.n.sleep
	e.n = n
}

func (e *notifyEnv) emit(events ...bus.Event) {
	e.bus.Emit(events)
	e.n.Drain(context.Background())
}

func (e *notifyEnv) user(t *testing.T, id string, fields map[string]any) {
	t.Helper()
	u, err := e.app.FindRecordById("users", id)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		u.Set(k, v)
	}
	if err := e.app.Save(u); err != nil {
		t.Fatal(err)
	}
}

func (e *notifyEnv) ticket(t *testing.T, fields map[string]any) string {
	t.Helper()
	base := map[string]any{"subject": "Question", "status": "new", "priority": "normal", "channel": "bluesky", "first_mention_at": "2026-11-20 10:00:00.000Z"}
	for k, v := range fields {
		base[k] = v
	}
	return saveRecord(t, e.app, "tickets", base).Id
}

var allEvents = []string{"new_ticket", "negative", "sla_at_risk", "sla_breached", "assigned"}

func ntfyTitle(t *testing.T, h notifiertest.Hit) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Header.Get("X-Title"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNotifyEveryoneOnceWithSenderAndPreview(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.target(t, ownerID, "ntfy", "/owner-ntfy", []string{"new_ticket"}, nil)
	env.target(t, agent2ID, "slack", "/agent2-slack", allEvents, nil)
	// Same channel twice for one person: one message.
	env.target(t, agent2ID, "slack", "/agent2-slack", allEvents, nil)
	env.target(t, agent2ID, "discord", "/agent2-sla-only", []string{"sla_breached"}, nil)
	// A negative new ticket is emitted as two events: one message each.
	env.emit(bus.Event{Kind: "new_ticket", TicketID: ticketID}, bus.Event{Kind: "negative", TicketID: ticketID})

	owner := env.f.At("/owner-ntfy")
	if len(owner) != 1 {
		t.Fatalf("owner got %d", len(owner))
	}
	if got := ntfyTitle(t, owner[0]); got != "Nouveau ticket · Mastodon" {
		t.Errorf("owner (fr) title %q", got)
	}
	if owner[0].Body != "Claire (@claire@mastodon.example) : Ma commande n'est jamais arrivée, j'attends toujours" {
		t.Errorf("owner body %q", owner[0].Body)
	}
	if got := owner[0].Header.Get("X-Click"); got != "https://desk.cafe-lune.example/t/"+ticketID {
		t.Errorf("X-Click %q", got)
	}
	// The fixture target (agent, events unset = everything) has a token.
	fx := env.f.At("/fixture-ntfy")
	if len(fx) != 1 || fx[0].Header.Get("Authorization") != "Bearer ntfy_SECRET_value" || ntfyTitle(t, fx[0]) != "New ticket · Mastodon" {
		t.Fatalf("fixture target: %d hits %v", len(fx), fx)
	}
	slack := env.f.At("/agent2-slack")
	if len(slack) != 1 || !strings.Contains(slack[0].Body, `"text":"*\u003chttps://desk.cafe-lune.example/t/`+ticketID+`|New ticket · Mastodon\u003e*\nClaire (@claire@mastodon.example): Ma commande`) {
		t.Fatalf("slack: %v", slack)
	}
	if n := len(env.f.At("/agent2-sla-only")); n != 0 {
		t.Fatalf("a target not subscribed to new tickets got %d", n)
	}
	r, _ := env.app.FindRecordById("notifications", notifID)
	if r.GetDateTime("last_sent_at").Time() != env.clock || r.GetString("last_error") != "" {
		t.Fatalf("last_sent_at %v last_error %q", r.GetDateTime("last_sent_at"), r.GetString("last_error"))
	}
}

func TestNotifyAssigneeOnly(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.target(t, ownerID, "discord", "/owner", allEvents, nil)
	env.target(t, agent2ID, "discord", "/agent2", allEvents, nil)
	assigned := env.ticket(t, map[string]any{"assignee": agent2ID})
	open := env.ticket(t, nil)

	env.emit(bus.Event{Kind: "new_ticket", TicketID: assigned}, bus.Event{Kind: "sla_breached", TicketID: assigned})
	if len(env.f.At("/owner")) != 0 || len(env.f.At("/fixture-ntfy")) != 0 || len(env.f.At("/agent2")) != 2 {
		t.Fatalf("owner %d agent %d agent2 %d", len(env.f.At("/owner")), len(env.f.At("/fixture-ntfy")), len(env.f.At("/agent2")))
	}
	// An unassigned breach goes to everyone subscribed.
	env.emit(bus.Event{Kind: "sla_breached", TicketID: open})
	if len(env.f.At("/owner")) != 1 || len(env.f.At("/fixture-ntfy")) != 1 || len(env.f.At("/agent2")) != 3 {
		t.Fatal("unassigned breach not sent to everyone")
	}
	var msg struct{ Content string }
	_ = json.Unmarshal([]byte(env.f.At("/owner")[0].Body), &msg)
	if !strings.HasPrefix(msg.Content, "En retard : toujours sans réponse · Bluesky\nQuelqu'un : Question\nhttps://desk.cafe-lune.example/t/"+open) {
		t.Fatalf("breach content %q", msg.Content)
	}
	if fx := env.f.At("/fixture-ntfy")[0]; fx.Header.Get("X-Priority") != "5" || fx.Header.Get("X-Tags") != "rotating_light" {
		t.Fatalf("breach priority %q tags %q", fx.Header.Get("X-Priority"), fx.Header.Get("X-Tags"))
	}
}

func TestNotifyRuleAlwaysNotifies(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.target(t, ownerID, "discord", "/owner-sla-only", []string{"sla_breached"}, nil)
	env.emit(bus.Event{Kind: "new_ticket", TicketID: ticketID})
	if len(env.f.At("/owner-sla-only")) != 0 {
		t.Fatal("unsubscribed event sent")
	}
	tk := env.ticket(t, nil)
	env.emit(bus.Event{Kind: "new_ticket", TicketID: tk, Notify: true})
	if len(env.f.At("/owner-sla-only")) != 1 {
		t.Fatal("a rule's notify did not reach the owner")
	}
}

func TestNotifyQuietHoursDigest(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	toronto, _ := time.LoadLocation("America/Toronto")
	// 23:30 in Paris is 17:30 in Toronto.
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 23, 30, 0, 0, paris).UTC())
	env.user(t, ownerID, map[string]any{"timezone": "Europe/Paris", "quiet_start": "22:00", "quiet_end": "07:00"})
	env.user(t, agent2ID, map[string]any{"timezone": "America/Toronto", "quiet_start": "22:00", "quiet_end": "07:00"})
	env.target(t, ownerID, "discord", "/owner", allEvents, nil)
	env.target(t, agent2ID, "discord", "/agent2", allEvents, nil)

	ids := []string{ticketID, env.ticket(t, nil), env.ticket(t, nil)}
	for i, id := range ids {
		env.clock = env.clock.Add(time.Duration(i) * 20 * time.Minute)
		env.emit(bus.Event{Kind: "new_ticket", TicketID: id})
	}
	if len(env.f.At("/owner")) != 0 {
		t.Fatal("owner woken up during quiet hours")
	}
	if len(env.f.At("/agent2")) != 3 {
		t.Fatalf("Toronto agent (daytime) got %d", len(env.f.At("/agent2")))
	}
	env.clock = time.Date(2026, 11, 21, 6, 59, 0, 0, paris).UTC()
	env.n.Drain(context.Background())
	if len(env.f.At("/owner")) != 0 {
		t.Fatal("digest before the end of quiet hours")
	}
	env.clock = time.Date(2026, 11, 21, 7, 0, 0, 0, paris).UTC()
	env.n.Drain(context.Background())
	env.n.Drain(context.Background())
	got := env.f.At("/owner")
	if len(got) != 1 {
		t.Fatalf("owner got %d messages after quiet hours, want one digest", len(got))
	}
	var msg struct{ Content string }
	_ = json.Unmarshal([]byte(got[0].Body), &msg)
	if msg.Content != "Mentiondesk : 3 nouveaux tickets\nClaire\nhttps://desk.cafe-lune.example" {
		t.Fatalf("digest %q", msg.Content)
	}

	// Toronto's night: 23:00 there; the Paris owner is awake (05:00 is
	// still quiet for her, so use 13:00 Paris = 07:00 Toronto next).
	env.clock = time.Date(2026, 11, 21, 23, 0, 0, 0, toronto).UTC()
	env.emit(bus.Event{Kind: "sla_breached", TicketID: ids[1]})
	if len(env.f.At("/agent2")) != 3 {
		t.Fatal("Toronto agent woken up at 23:00")
	}
	env.clock = time.Date(2026, 11, 22, 7, 0, 0, 0, toronto).UTC()
	env.n.Drain(context.Background())
	last := env.f.At("/agent2")
	if len(last) != 4 || !strings.Contains(last[3].Body, "Late: still no answer · Bluesky") {
		t.Fatalf("single held event should go out as itself: %v", last[len(last)-1].Body)
	}
}

// A restart during someone's quiet hours does not lose their morning
// digest: what was held is kept in notification_holds and taken back.
func TestNotifyHeldDigestSurvivesARestart(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 23, 30, 0, 0, paris).UTC())
	env.user(t, ownerID, map[string]any{"timezone": "Europe/Paris", "quiet_start": "22:00", "quiet_end": "07:00"})
	env.target(t, ownerID, "discord", "/owner", allEvents, nil)
	ids := []string{ticketID, env.ticket(t, nil), env.ticket(t, nil)}
	for _, id := range ids {
		env.emit(bus.Event{Kind: "new_ticket", TicketID: id})
	}
	if len(env.f.At("/owner")) != 0 || env.n.batch.Held() == 0 {
		t.Fatalf("owner got %d messages, %d held, during quiet hours", len(env.f.At("/owner")), env.n.batch.Held())
	}

	// The server restarts: a new notifier, nothing in memory.
	env.restart()
	env.clock = time.Date(2026, 11, 21, 6, 59, 0, 0, paris).UTC()
	env.n.Drain(context.Background())
	if len(env.f.At("/owner")) != 0 {
		t.Fatal("digest before the end of quiet hours")
	}
	env.clock = time.Date(2026, 11, 21, 7, 0, 0, 0, paris).UTC()
	env.n.Drain(context.Background())
	got := env.f.At("/owner")
	if len(got) != 1 || !strings.Contains(got[0].Body, "3 nouveaux tickets") {
		t.Fatalf("owner got %d messages after the restart, want the digest of 3: %v", len(got), got)
	}
	// Delivered, and no longer kept: another restart sends nothing again.
	env.restart()
	env.n.Drain(context.Background())
	if len(env.f.At("/owner")) != 1 || env.n.batch.Held() != 0 {
		t.Fatalf("a second restart: %d messages, %d held", len(env.f.At("/owner")), env.n.batch.Held())
	}
}

func TestNotifyBurstDigest(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	env.target(t, agent2ID, "discord", "/agent2", allEvents, nil)
	for i := 0; i < 8; i++ {
		env.clock = env.clock.Add(30 * time.Second)
		env.emit(bus.Event{Kind: "new_ticket", TicketID: env.ticket(t, nil)})
	}
	if n := len(env.f.At("/agent2")); n != notify.DefaultBurst {
		t.Fatalf("sent %d during the burst, want %d", n, notify.DefaultBurst)
	}
	env.clock = env.clock.Add(notify.DefaultBurstWindow)
	env.n.Drain(context.Background())
	got := env.f.At("/agent2")
	if len(got) != notify.DefaultBurst+1 || !strings.Contains(got[len(got)-1].Body, `"content":"Mentiondesk: 3 new tickets`) {
		t.Fatalf("burst digest: %d messages, last %s", len(got), got[len(got)-1].Body)
	}
}

func TestNotifyRetriesRateLimit(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	tg := env.target(t, agent2ID, "slack", "/limited", allEvents, nil)
	env.f.Answer("/limited", http.StatusTooManyRequests, http.StatusOK)
	env.emit(bus.Event{Kind: "new_ticket", TicketID: ticketID})
	if n := len(env.f.At("/limited")); n != 2 || len(env.waits) != 1 || env.waits[0] != 3*time.Second {
		t.Fatalf("requests %d waits %v", n, env.waits)
	}
	r, _ := env.app.FindRecordById("notifications", tg.Id)
	if r.GetString("last_error") != "" || r.GetString("last_sent_at") == "" {
		t.Fatalf("after retry: %q %q", r.GetString("last_error"), r.GetString("last_sent_at"))
	}
	// A refusal is recorded where the user sees it.
	env.f.Answer("/refused", http.StatusForbidden)
	bad := env.target(t, agent2ID, "discord", "/refused", allEvents, nil)
	env.emit(bus.Event{Kind: "sla_at_risk", TicketID: ticketID})
	b, _ := env.app.FindRecordById("notifications", bad.Id)
	if !strings.Contains(b.GetString("last_error"), "refused (HTTP 403)") || len(env.f.At("/refused")) != 1 {
		t.Fatalf("refusal: %q", b.GetString("last_error"))
	}
}

func TestNotifyWorkerDeliversInBackground(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.n.now = func() time.Time { return time.Now().UTC() }
	env.target(t, agent2ID, "discord", "/bg", allEvents, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { env.n.run(ctx); close(done) }()
	env.bus.Emit([]bus.Event{{Kind: "new_ticket", TicketID: ticketID}})
	// Both targets' lanes send at once: stopping as soon as one message
	// arrived could cut the other's request (it did, now and then).
	deadline := time.Now().Add(5 * time.Second)
	for (len(env.f.At("/bg")) == 0 || len(env.f.At("/fixture-ntfy")) == 0) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done // run waits for the lanes it started
	if len(env.f.At("/bg")) != 1 || len(env.f.At("/fixture-ntfy")) != 1 {
		t.Fatalf("background delivery: %d, %d", len(env.f.At("/bg")), len(env.f.At("/fixture-ntfy")))
	}
	if !env.lanesEmpty() {
		t.Fatal("run returned with lanes still running")
	}
}

func TestNotifyDailyDigest(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	env := newNotifyEnv(t, time.Date(2026, 11, 21, 6, 0, 0, 0, paris).UTC())
	env.user(t, ownerID, map[string]any{"timezone": "Europe/Paris", "quiet_start": "22:00", "quiet_end": "07:00"})
	env.target(t, ownerID, "discord", "/daily", []string{"digest"}, nil)
	env.ticket(t, map[string]any{"needs_answer": true, "first_mention_at": "2026-11-21 04:00:00.000Z"})
	env.ticket(t, map[string]any{"needs_answer": true, "breached": true, "first_mention_at": "2026-11-20 04:00:00.000Z"})
	env.ticket(t, map[string]any{"needs_answer": true, "status": "resolved", "first_mention_at": "2026-11-21 01:00:00.000Z"})
	env.n.Drain(context.Background())
	if len(env.f.At("/daily")) != 0 {
		t.Fatal("daily digest before the end of quiet hours")
	}
	env.clock = time.Date(2026, 11, 21, 7, 1, 0, 0, paris).UTC()
	env.n.Drain(context.Background())
	env.clock = env.clock.Add(time.Minute)
	env.n.Drain(context.Background())
	// A restart inside the quarter of an hour does not send it again.
	env.restart()
	env.clock = env.clock.Add(time.Minute)
	env.n.Drain(context.Background())
	got := env.f.At("/daily")
	if len(got) != 1 || !strings.Contains(got[0].Body, `"content":"Mentiondesk : résumé du jour\n2 nouveaux tickets en 24 h · 2 en attente de réponse · 1 en retard\nhttps://desk.cafe-lune.example/"`) {
		t.Fatalf("daily: %v", got)
	}
	// Other targets (events without "digest") get no daily message.
	if len(env.f.At("/fixture-ntfy")) != 0 {
		t.Fatal("daily digest sent to a target that did not ask")
	}
	env.clock = time.Date(2026, 11, 22, 7, 5, 0, 0, paris).UTC()
	env.n.Drain(context.Background())
	if len(env.f.At("/daily")) != 2 {
		t.Fatal("no daily digest the next morning")
	}
}

// BenchmarkNotifyEvent measures one event from the listener to every
// target: loading the ticket, first mention, contact, users and targets,
// routing, message building, and the HTTP posts to a local fake service
// (10 users × 2 channels). The SLA watcher emits up to 500 such events in
// one round.
func BenchmarkNotifyEvent(b *testing.B) {
	app, n, bs := testApp(b)
	var hits atomicCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hits.add()
	}))
	defer srv.Close()
	fx, _ := app.FindRecordById("notifications", notifID)
	fx.Set("enabled", false)
	_ = app.Save(fx)
	for i := 0; i < 10; i++ {
		u := saveRecord(b, app, "users", map[string]any{"email": "bench" + string(rune('a'+i)) + "@example.com", "password": "1234567890", "name": "Bench", "role": "agent", "language": "fr"})
		for _, kind := range []string{"slack", "discord"} {
			saveRecord(b, app, "notifications", map[string]any{"user": u.Id, "kind": kind, "target": srv.URL + "/" + kind, "enabled": true, "events": allEvents})
		}
	}
	n.batch = notify.NewBatcher(1<<30, time.Minute) // measure delivery, not the burst guard
	clock := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	n.now = func() time.Time { return clock }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clock = clock.Add(notifyDedupeWindow + time.Second) // each round is a fresh event
		bs.Emit([]bus.Event{{Kind: "sla_at_risk", TicketID: ticketID}})
		n.Drain(context.Background())
	}
	b.StopTimer()
	if got := hits.get(); got != 20*b.N {
		b.Fatalf("%d posts for %d events", got, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*20), "µs/message")
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }

func (c *atomicCounter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
