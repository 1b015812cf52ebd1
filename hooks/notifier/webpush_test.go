package notifier

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/notifier/notifiertest"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

func TestNotifyWebPushAndGoneSubscription(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	live := env.target(t, agent2ID, "webpush", "/push/live", allEvents, map[string]any{"subscription": notifiertest.BrowserSubscription(t, env.f.URL+"/push/live")})
	gone := env.target(t, agent2ID, "webpush", "/push/gone", allEvents, map[string]any{"subscription": notifiertest.BrowserSubscription(t, env.f.URL+"/push/gone")})
	env.f.Answer("/push/live", http.StatusCreated)
	env.f.Answer("/push/gone", http.StatusGone)
	env.emit(bus.Event{Kind: "sla_breached", TicketID: ticketID})

	s, _ := env.app.FindRecordById("settings", pb_migrations.SettingsID)
	pub := s.GetString("vapid_public")
	if pub == "" || !strings.HasPrefix(s.GetString("vapid_private"), "enc:v1:") {
		t.Fatalf("VAPID keys not generated and sealed: %q %q", pub, s.GetString("vapid_private"))
	}
	h := env.f.At("/push/live")
	if len(h) != 1 {
		t.Fatalf("live push: %d", len(h))
	}
	hd := h[0].Header
	if hd.Get("Content-Encoding") != "aes128gcm" || hd.Get("TTL") != "3600" || hd.Get("Urgency") != "high" ||
		!strings.HasPrefix(hd.Get("Authorization"), "vapid t=") || !strings.HasSuffix(hd.Get("Authorization"), ", k="+pub) {
		t.Fatalf("push headers %v", hd)
	}
	l, _ := env.app.FindRecordById("notifications", live.Id)
	g, _ := env.app.FindRecordById("notifications", gone.Id)
	if !l.GetBool("enabled") || l.GetString("last_error") != "" {
		t.Fatalf("live target: %v %q", l.GetBool("enabled"), l.GetString("last_error"))
	}
	if g.GetBool("enabled") || !strings.Contains(g.GetString("last_error"), "expired or was removed (HTTP 410)") {
		t.Fatalf("gone target: enabled %v, %q", g.GetBool("enabled"), g.GetString("last_error"))
	}
	// Switched off: the next event does not try it again.
	env.emit(bus.Event{Kind: "new_ticket", TicketID: env.ticket(t, nil)})
	if len(env.f.At("/push/gone")) != 1 || len(env.f.At("/push/live")) != 2 {
		t.Fatal("a gone subscription was tried again")
	}
}
