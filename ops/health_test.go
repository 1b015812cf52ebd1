package ops

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/internal/apptest"
)

type healthBody struct {
	Code int                        `json:"code"`
	Data map[string]json.RawMessage `json:"data"`
}

func getHealth(t *testing.T, h http.Handler, token string) (int, healthBody) {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/health", nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var b healthBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("health body: %v\n%s", err, rec.Body)
	}
	return rec.Code, b
}

func TestHealthTellsMembersOnly(t *testing.T) {
	app, _ := apptest.New(t)
	bindHealth(app)
	h := apptest.Handler(t, app)
	now := time.Now().UTC()

	apptest.Save(t, app, "sources", map[string]any{"kind": "feed", "name": "Secret supplier feed", "enabled": true,
		"error_count": 3, "last_error": "401 from https://intranet.example/feed?token=abc"})
	apptest.Save(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Ours", "enabled": true})
	ticket := apptest.Save(t, app, "tickets", map[string]any{"status": "open", "priority": "normal"})
	apptest.Save(t, app, "replies", map[string]any{"ticket": ticket.Id, "body": "x", "via": "platform",
		"status": "queued", "next_attempt_at": now.Add(-time.Hour)})
	agent := apptest.Save(t, app, "users", map[string]any{"email": "agent@example.com", "password": "a-long-password", "name": "A", "role": "agent"})
	su := apptest.Save(t, app, core.CollectionNameSuperusers, map[string]any{"email": "root@example.com", "password": "a-long-password"})

	code, anon := getHealth(t, h, "")
	if code != http.StatusOK || len(anon.Data) != 0 {
		t.Fatalf("anonymous: %d %v, want 200 and an empty data object", code, anon.Data)
	}
	for name, tok := range map[string]string{"agent": apptest.Token(t, agent), "superuser": apptest.Token(t, su)} {
		code, b := getHealth(t, h, tok)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", name, code)
		}
		var r healthReport
		if err := json.Unmarshal(b.Data["mentiondesk"], &r); err != nil {
			t.Fatalf("%s: data.mentiondesk: %v (%s)", name, err, b.Data["mentiondesk"])
		}
		if r.Status != "degraded" || r.SourcesFailing != 1 || r.OutboxStuck != 1 || r.OutboxQueued != 1 {
			t.Errorf("%s: %+v, want degraded with 1 failing source and 1 stuck reply", name, r)
		}
		if string(b.Data["mentiondesk"]) == "" || containsAny(string(b.Data["mentiondesk"]), "Secret", "intranet", "token=") {
			t.Errorf("%s: health leaks source details: %s", name, b.Data["mentiondesk"])
		}
		_, pbData := b.Data["canBackup"]
		if name == "superuser" && !pbData {
			t.Errorf("superuser: PocketBase's own health data is gone: %v", b.Data)
		}
	}
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func TestVersionRouteIsForMembers(t *testing.T) {
	app, _ := apptest.New(t)
	bindVersionRoute(app)
	h := apptest.Handler(t, app)
	agent := apptest.Save(t, app, "users", map[string]any{"email": "agent@example.com", "password": "a-long-password", "name": "A", "role": "agent"})
	for tok, want := range map[string]int{"": http.StatusUnauthorized, apptest.Token(t, agent): http.StatusOK} {
		req := httptest.NewRequest("GET", "/api/md/version", nil)
		req.Header.Set("Authorization", tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("signed in %v: %d, want %d", tok != "", rec.Code, want)
		}
		if want == http.StatusOK && !strings.Contains(rec.Body.String(), `"version":"dev"`) {
			t.Fatalf("version body: %s", rec.Body)
		}
	}
}
