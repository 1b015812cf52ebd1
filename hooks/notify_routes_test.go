package hooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/notifier/notifiertest"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

func TestNotifyRoutesAndValidation(t *testing.T) {
	f := notifiertest.NewTargets(t)
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
	f.Answer("/broken", http.StatusUnauthorized)
	body := func(s string) io.Reader { return strings.NewReader(s) }
	sub, _ := json.Marshal(notifiertest.BrowserSubscription(t, "https://fcm.googleapis.com/fcm/send/abc"))
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
				if len(f.At("/fixture")) != 0 {
					tb.Fatal("sent to another user's target")
				}
			},
		},
		{
			Name: "a test message reaches the owner's target", Method: http.MethodPost, URL: "/api/md/notifications/" + notifID + "/test",
			Headers: as(agentID), TestAppFactory: pointFixture("/fixture"), ExpectedStatus: 200, ExpectedContent: []string{`"ok":true`},
			AfterTestFunc: func(tb testing.TB, _ *tests.TestApp, _ *http.Response) {
				got := f.At("/fixture")
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
				hubOf(tb, app).notifier.Drain(context.Background())
				got := f.At("/assigned")
				if len(got) != 1 || !strings.Contains(got[0].Body, `"content":"Assigned to you · Mastodon · by Alex\nClaire`) || len(f.At("/owner-assigned")) != 0 {
					tb.Fatalf("assigned: %v owner %d", got, len(f.At("/owner-assigned")))
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
