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
	h.listeners = append(h.listeners, func(e ingestEvent) {
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
		if err := h.checkSLA(context.Background(), at); err != nil {
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
