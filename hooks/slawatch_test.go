package hooks

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// The watcher flags a ticket at risk at 80 % of its target and breached
// past it, each once, and tells the listeners.
func TestSLAWatcher(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	var mu sync.Mutex
	var got []string
	h.bus.Listen(func(e bus.Event) {
		mu.Lock()
		got = append(got, e.Kind)
		mu.Unlock()
	})
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Hook", "enabled": true})
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	ingestAll(t, h, src, connectors.Mention{ExternalID: "w1", Author: "ana", Text: "Où est ma commande ?", Published: start})
	tk := ticketOfMention(t, app, "w1")

	check := func(at time.Time) {
		t.Helper()
		got = nil
		if err := h.slawatch.Check(context.Background(), at); err != nil {
			t.Fatal(err)
		}
	}
	check(start.Add(47 * time.Minute)) // 78 %: nothing yet
	if len(got) != 0 {
		t.Fatalf("events at 78%%: %v", got)
	}
	check(start.Add(48 * time.Minute)) // 80 %
	if strings.Join(got, ",") != "sla_at_risk" {
		t.Fatalf("events at 80%%: %v", got)
	}
	check(start.Add(50 * time.Minute)) // said once
	if len(got) != 0 {
		t.Fatalf("repeated: %v", got)
	}
	check(start.Add(61 * time.Minute))
	if strings.Join(got, ",") != "sla_breached" {
		t.Fatalf("events past due: %v", got)
	}
	check(start.Add(2 * time.Hour))
	if len(got) != 0 {
		t.Fatalf("repeated: %v", got)
	}
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if !tk.GetBool("sla_at_risk") || !tk.GetBool("breached") {
		t.Fatalf("flags: at_risk %v breached %v", tk.GetBool("sla_at_risk"), tk.GetBool("breached"))
	}
}

// With business hours on, a message on Friday evening is due on Monday
// morning, and the business-hours response time counts only open hours.
func TestBusinessHoursDeadline(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	s, _ := app.FindRecordById("settings", pb_migrations.SettingsID)
	s.Set("sla_business_hours", true)
	s.Set("timezone", "Europe/Paris")
	if err := app.Save(s); err != nil { // the migration's hours: Mon–Fri 09:00–18:00
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	friday := time.Date(2026, 11, 20, 17, 30, 0, 0, paris) // a Friday
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Hook", "enabled": true})
	ingestAll(t, h, src, connectors.Mention{ExternalID: "w2", Author: "ben", Text: "Vous livrez le samedi ?", Published: friday})
	tk := ticketOfMention(t, app, "w2")
	want := time.Date(2026, 11, 23, 9, 30, 0, 0, paris) // Monday 09:30
	if due := tk.GetDateTime("sla_due_at").Time(); !due.Equal(want) {
		t.Fatalf("due %s, want %s", due.In(paris), want)
	}
	// Answered Monday at 09:10: 40 business minutes, 63h40 on the wall.
	saveRecord(t, app, "replies", map[string]any{"ticket": tk.Id, "author": agentID, "body": "Oui !", "via": "manual", "status": "sent",
		"sent_at": time.Date(2026, 11, 23, 9, 10, 0, 0, paris)})
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetInt("first_response_bh_sec") != 40*60 || tk.GetInt("first_response_sec") != (63*60+40)*60 || tk.GetBool("breached") {
		t.Fatalf("bh %d s, wall %d s, breached %v", tk.GetInt("first_response_bh_sec"), tk.GetInt("first_response_sec"), tk.GetBool("breached"))
	}
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "overlapping spans are refused", Method: http.MethodPatch, URL: "/api/collections/settings/records/" + pb_migrations.SettingsID,
			Body:    strings.NewReader(`{"business_hours":{"week":{"mon":[["09:00","13:00"],["12:00","18:00"]]}}}`),
			Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"business_hours":{"code":"validation_invalid_business_hours"`, "Overlapping opening spans: Monday 09:00-13:00 and 12:00-18:00."},
		},
		{
			Name: "an unknown zone is refused", Method: http.MethodPatch, URL: "/api/collections/settings/records/" + pb_migrations.SettingsID,
			Body: strings.NewReader(`{"timezone":"Europe/Atlantis"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"timezone":{"code":"validation_invalid_timezone"`},
		},
		{
			Name: "good hours are saved", Method: http.MethodPatch, URL: "/api/collections/settings/records/" + pb_migrations.SettingsID,
			Body:    strings.NewReader(`{"timezone":"America/Toronto","business_hours":{"week":{"sat":[["10:00","16:00"]]},"holidays":["2026-12-25"]}}`),
			Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"timezone":"America/Toronto"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// Resolution time counts only while the ball is in our court: an hour new,
// five hours waiting on the customer after our reply, half an hour open
// again after they answered, then resolved: an hour and a half.
func TestResolutionSkipsWaitingOnCustomer(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "M", "url": "https://m.example", "enabled": true})
	t0 := time.Now().UTC().Add(-10 * time.Hour).Truncate(time.Second)
	ingestAll(t, h, src, connectors.Mention{ExternalID: "r1", Author: "@ana@m.example", Text: "Ma commande n'est jamais arrivée !", Published: t0})
	tk := ticketOfMention(t, app, "r1")
	saveRecord(t, app, "replies", map[string]any{"ticket": tk.Id, "author": agentID, "body": "On regarde", "via": "manual", "status": "sent", "external_id": "rep1", "sent_at": t0.Add(time.Hour)})
	ingestAll(t, h, src, connectors.Mention{ExternalID: "r2", Author: "@ana@m.example", Text: "Toujours rien reçu, vous avez des nouvelles ?", InReplyTo: "rep1", Published: t0.Add(6 * time.Hour)})
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if tk.GetString("status") != "open" {
		t.Fatalf("status %s after the customer came back", tk.GetString("status"))
	}
	tk.Set("status", "resolved")
	tk.Set("resolved_at", t0.Add(6*time.Hour+30*time.Minute))
	if err := app.Save(tk); err != nil {
		t.Fatal(err)
	}
	tk, _ = app.FindRecordById("tickets", tk.Id)
	if got := tk.GetInt("resolution_sec"); got != 90*60 {
		t.Fatalf("resolution %d s, want %d", got, 90*60)
	}
	if tk.GetInt("first_response_sec") != 3600 {
		t.Fatalf("first response %d s", tk.GetInt("first_response_sec"))
	}
}
