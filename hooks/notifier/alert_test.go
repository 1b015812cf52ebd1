package notifier

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

var testAlert = Alert{
	Tag:   "disk-full",
	Title: map[string]string{"en": "Mentiondesk: the disk is full", "fr": "Mentiondesk : le disque est plein"},
	Body:  map[string]string{"en": "Free some space.", "fr": "Libérez de la place."},
}

// An alert about the server goes to the owners' enabled targets only, in
// each owner's language, once: a failing channel is not retried.
func TestAlertOwners(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	env.target(t, ownerID, "discord", "/owner", []string{"new_ticket"}, nil)
	env.target(t, ownerID, "discord", "/owner-off", nil, map[string]any{"enabled": false})
	env.target(t, ownerID, "slack", "/owner-limited", nil, nil)
	env.f.Answer("/owner-limited", http.StatusTooManyRequests)
	env.target(t, agent2ID, "discord", "/agent2", nil, nil)

	env.n.AlertOwners(t.Context(), testAlert)

	got := env.f.At("/owner")
	if len(got) != 1 || !strings.Contains(got[0].Body, "le disque est plein") || !strings.Contains(got[0].Body, "https://desk.cafe-lune.example/sources") {
		t.Fatalf("the French owner's alert: %v", got)
	}
	if n := len(env.f.At("/owner-limited")); n != 1 || len(env.waits) != 0 {
		t.Fatalf("a rate-limited channel got %d requests and %d waits, want one try", n, len(env.waits))
	}
	if len(env.f.At("/owner-off")) != 0 || len(env.f.At("/agent2")) != 0 || len(env.f.At("/fixture-ntfy")) != 0 {
		t.Fatal("an alert reached a disabled target or a member who is not an owner")
	}

	// An alert without the owner's language (French here) is read in English.
	env.n.AlertOwners(t.Context(), Alert{Tag: "x", Title: map[string]string{"en": "Server alert"}, Body: map[string]string{"en": "Something."}})
	if got := env.f.At("/owner"); len(got) != 2 || !strings.Contains(got[1].Body, "Server alert") {
		t.Fatalf("English fallback: %v", got)
	}
}
