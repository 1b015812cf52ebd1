package hooks

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// browserSubscription makes a real PushSubscription JSON (P-256 key and
// auth secret) for endpoint.
func browserSubscription(t *testing.T, endpoint string) map[string]any {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return map[string]any{"endpoint": endpoint, "expirationTime": nil, "keys": map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(auth),
	}}
}

func TestNotifyWebPushAndGoneSubscription(t *testing.T) {
	env := newNotifyEnv(t, time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC))
	live := env.target(t, agent2ID, "webpush", "/push/live", allEvents, map[string]any{"subscription": browserSubscription(t, env.f.URL+"/push/live")})
	gone := env.target(t, agent2ID, "webpush", "/push/gone", allEvents, map[string]any{"subscription": browserSubscription(t, env.f.URL+"/push/gone")})
	env.f.statuses["/push/live"] = []int{http.StatusCreated}
	env.f.statuses["/push/gone"] = []int{http.StatusGone}
	env.emit(bus.Event{Kind: "sla_breached", TicketID: ticketID})

	s, _ := env.app.FindRecordById("settings", pb_migrations.SettingsID)
	pub := s.GetString("vapid_public")
	if pub == "" || !strings.HasPrefix(s.GetString("vapid_private"), "enc:v1:") {
		t.Fatalf("VAPID keys not generated and sealed: %q %q", pub, s.GetString("vapid_private"))
	}
	h := env.f.at("/push/live")
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
	if len(env.f.at("/push/gone")) != 1 || len(env.f.at("/push/live")) != 2 {
		t.Fatal("a gone subscription was tried again")
	}
}

func TestNotifyRoutesAndValidation(t *testing.T) {
	f := newFakeTargets(t)
	pointFixture := func(path string) func(testing.TB) *tests.TestApp {
		return func(tb testing.TB) *tests.TestApp {
			app := newTestApp(tb)
			fx, _ := app.FindRecordById("notifications", notifID)
			fx.Set("target", f.URL+path)
			if err := app.Save(fx); err != nil {
				tb.Fatal(err)
			}
			return app
		}
	}
	f.statuses["/broken"] = []int{http.StatusUnauthorized}
	body := func(s string) io.Reader { return strings.NewReader(s) }
	sub, _ := json.Marshal(browserSubscription(t, "https://fcm.googleapis.com/fcm/send/abc"))
	scenarios := []tests.ApiScenario{
		{
			Name: "the push key needs a signed-in member", Method: http.MethodGet, URL: "/api/md/push/key",
			TestAppFactory: appFactory, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
		{
			Name: "the push key is generated once and served", Method: http.MethodGet, URL: "/api/md/push/key", Headers: as(agentID),
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`"public_key":"B`},
			AfterTestFunc: func(tb testing.TB, app *tests.TestApp, res *http.Response) {
				s, _ := app.FindRecordById("settings", pb_migrations.SettingsID)
				b, _ := io.ReadAll(res.Body)
				if !strings.Contains(string(b), s.GetString("vapid_public")) || len(s.GetString("vapid_public")) != 87 {
					tb.Fatalf("served %s, stored %q", b, s.GetString("vapid_public"))
				}
			},
		},
		{
			Name: "another user's target is not found", Method: http.MethodPost, URL: "/api/md/notifications/" + notifID + "/test",
			Headers: as(agent2ID), TestAppFactory: pointFixture("/fixture"), ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
			AfterTestFunc: func(tb testing.TB, _ *tests.TestApp, _ *http.Response) {
				if len(f.at("/fixture")) != 0 {
					tb.Fatal("sent to another user's target")
				}
			},
		},
		{
			Name: "a test message reaches the owner's target", Method: http.MethodPost, URL: "/api/md/notifications/" + notifID + "/test",
			Headers: as(agentID), TestAppFactory: pointFixture("/fixture"), ExpectedStatus: 200, ExpectedContent: []string{`"ok":true`},
			AfterTestFunc: func(tb testing.TB, _ *tests.TestApp, _ *http.Response) {
				got := f.at("/fixture")
				if len(got) != 1 || got[0].Header.Get("X-Title") != "Mentiondesk test" || got[0].Header.Get("Authorization") != "Bearer ntfy_SECRET_value" {
					tb.Fatalf("test message: %v", got)
				}
			},
		},
		{
			Name: "a failing test answers the error", Method: http.MethodPost, URL: "/api/md/notifications/" + notifID + "/test",
			Headers: as(agentID), TestAppFactory: pointFixture("/broken"), ExpectedStatus: 200,
			ExpectedContent: []string{`"ok":false`, `"status":401`, `refused (HTTP 401): check the token or secret.`},
		},
		{
			Name: "a metadata address is refused", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"webhook","target":"http://169.254.169.254/latest/meta-data/","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"target":{"code":"validation_invalid_url"`, "link-local"},
		},
		{
			Name: "a non-http URL is refused", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"slack","target":"javascript:alert(1)","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"code":"validation_invalid_url"`},
		},
		{
			Name: "a phone number needs its country code", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"sms","target":"06 12 34 56 78","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"code":"validation_invalid_phone"`},
		},
		{
			Name: "an e-mail target is one address", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"email","target":"Bob <bob@example.com>, eve@example.com","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"code":"validation_invalid_email"`},
		},
		{
			Name: "e-mail alerts without SMTP on the server are refused at once", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"email","target":"bob@example.com","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"kind":{"code":"validation_no_smtp"`},
		},
		{
			Name: "text-message alerts without an SMS provider are refused at once", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"sms","target":"+33612345678","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"kind":{"code":"validation_no_sms"`},
		},
		{
			Name: "forgot password without SMTP says so", Method: http.MethodPost, URL: "/api/collections/users/request-password-reset",
			Body:           body(`{"email":"owner@example.com"}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"code":"no_smtp_reset"`},
		},
		{
			Name: "a push subscription with broken keys is refused", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"webpush","subscription":{"endpoint":"https://fcm.googleapis.com/x","keys":{"p256dh":"AAAA","auth":"x"}},"enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"subscription":{"code":"validation_invalid_subscription"`},
		},
		{
			Name: "a browser subscription is accepted and its endpoint becomes the target", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"webpush","name":"Android","subscription":` + string(sub) + `,"enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 200, ExpectedContent: []string{`"target":"https://fcm.googleapis.com/fcm/send/abc"`},
		},
		{
			Name: "a webhook secret is sealed and never returned", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"webhook","target":"https://hooks.example.com/md","secret":"whsec_TOPSECRET","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 200, ExpectedContent: []string{`"has_secret":true`},
			NotExpectedContent: []string{"whsec_TOPSECRET", "enc:v1:"},
			AfterTestFunc: func(tb testing.TB, app *tests.TestApp, _ *http.Response) {
				r, err := app.FindFirstRecordByData("notifications", "target", "https://hooks.example.com/md")
				if err != nil {
					tb.Fatal(err)
				}
				plain, err := vault.New(testKey).Open(r.GetString("secret"))
				if !strings.HasPrefix(r.GetString("secret"), "enc:v1:") || err != nil || plain != "whsec_TOPSECRET" {
					tb.Fatalf("stored secret %q → %q %v", r.GetString("secret"), plain, err)
				}
			},
		},
		{
			Name: "an edit without the secret keeps it", Method: http.MethodPatch, URL: "/api/collections/notifications/records/" + notifID, Headers: as(agentID),
			Body: body(`{"name":"Phone"}`), TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`"has_secret":true`, `"name":"Phone"`},
			NotExpectedContent: []string{"ntfy_SECRET_value"},
		},
		{
			Name: "a blank secret removes it", Method: http.MethodPatch, URL: "/api/collections/notifications/records/" + notifID, Headers: as(agentID),
			Body: body(`{"secret":""}`), TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`"has_secret":false`},
			AfterTestFunc: func(tb testing.TB, app *tests.TestApp, _ *http.Response) {
				r, _ := app.FindRecordById("notifications", notifID)
				if r.GetString("secret") != "" {
					tb.Fatalf("secret still %q", r.GetString("secret"))
				}
			},
		},
		{
			Name: "another user cannot edit a target", Method: http.MethodPatch, URL: "/api/collections/notifications/records/" + notifID, Headers: as(agent2ID),
			Body: body(`{"secret":"stolen"}`), TestAppFactory: appFactory, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
			AfterTestFunc: func(tb testing.TB, app *tests.TestApp, _ *http.Response) {
				r, _ := app.FindRecordById("notifications", notifID)
				if r.GetString("secret") != "ntfy_SECRET_value" {
					tb.Fatalf("secret changed to %q", r.GetString("secret"))
				}
			},
		},
		{
			Name: "a bare ntfy topic is accepted", Method: http.MethodPost, URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           body(`{"user":"` + agentID + `","kind":"ntfy","target":"cafe-lune-alerts","enabled":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 200, ExpectedContent: []string{`"target":"cafe-lune-alerts"`},
		},
		{
			Name: "assigning a ticket to someone else notifies them", Method: http.MethodPatch, URL: "/api/collections/tickets/records/" + ticketID, Headers: as(agentID),
			Body: body(`{"assignee":"` + agent2ID + `"}`), ExpectedStatus: 200, ExpectedContent: []string{`"assignee":"` + agent2ID + `"`},
			TestAppFactory: func(tb testing.TB) *tests.TestApp {
				app := newTestApp(tb)
				saveRecord(tb, app, "notifications", map[string]any{"user": agent2ID, "kind": "discord", "target": f.URL + "/assigned", "enabled": true, "events": []string{"assigned"}})
				saveRecord(tb, app, "notifications", map[string]any{"user": ownerID, "kind": "discord", "target": f.URL + "/owner-assigned", "enabled": true, "events": []string{"assigned"}})
				return app
			},
			AfterTestFunc: func(tb testing.TB, app *tests.TestApp, _ *http.Response) {
				hubOf(tb, app).notifier.drain(context.Background())
				got := f.at("/assigned")
				if len(got) != 1 || !strings.Contains(got[0].Body, `"content":"Assigned to you · Mastodon · by Alex\nClaire`) || len(f.at("/owner-assigned")) != 0 {
					tb.Fatalf("assigned: %v owner %d", got, len(f.at("/owner-assigned")))
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
