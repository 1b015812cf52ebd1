package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
)

// Every collection's API rules, as an anonymous caller, an agent and an
// owner see them. PocketBase answers a list whose rule excludes the caller
// with 200 and no items, a view or update with 404, and a superuser-only
// action with 403; the scenarios pin both the status and what leaks.
func TestCollectionRules(t *testing.T) {
	t.Parallel()
	anon := map[string]string{}
	collections := []struct{ name, id string }{
		{"users", agentID}, {"settings", "mdsettings00001"}, {"sources", sourceID},
		{"keywords", keywordID}, {"rules", ruleID}, {"contacts", contactID},
		{"tickets", ticketID}, {"mentions", mentionID}, {"templates", templateID},
		{"replies", replyID}, {"ticket_events", eventID}, {"notifications", notifID},
	}
	var scenarios []tests.ApiScenario
	for _, c := range collections {
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name: "anonymous lists nothing in " + c.name, Method: http.MethodGet,
				URL: "/api/collections/" + c.name + "/records", Headers: anon,
				ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`, `"items":[]`},
				NotExpectedContent: []string{c.id},
			},
			tests.ApiScenario{
				Name: "anonymous cannot view " + c.name, Method: http.MethodGet,
				URL: "/api/collections/" + c.name + "/records/" + c.id, Headers: anon,
				ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
			},
		)
	}

	// What an agent may read and write.
	agentReads := []string{"users", "settings", "sources", "keywords", "rules", "contacts", "tickets", "mentions", "templates", "replies", "ticket_events", "notifications"}
	for _, name := range agentReads {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "agent lists " + name, Method: http.MethodGet,
			URL:            "/api/collections/" + name + "/records",
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":`},
			NotExpectedContent: []string{`"totalItems":0`, fixtureToken, "SECRET", `"credentials"`, `"webhook_secret"`, `"vapid_private"`, `"websub_secret"`},
		})
	}
	for i := range scenarios[len(scenarios)-len(agentReads):] {
		scenarios[len(scenarios)-len(agentReads)+i].Headers = as(agentID)
	}

	more := []tests.ApiScenario{
		{
			Name: "held notifications are the server's alone, even for the owner", Method: http.MethodGet,
			URL:            "/api/collections/notification_holds/records",
			ExpectedStatus: 403, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent sees which credentials a source has, never their values", Method: http.MethodGet,
			URL:            "/api/collections/sources/records/" + sourceID,
			ExpectedStatus: 200, ExpectedContent: []string{`"credential_keys":["token"]`},
			NotExpectedContent: []string{fixtureToken, "enc:v1:", `"credentials"`},
		},
		{
			Name: "agent cannot change settings", Method: http.MethodPatch,
			URL:  "/api/collections/settings/records/mdsettings00001",
			Body: strings.NewReader(`{"first_response_target_min":5}`), ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "owner changes settings", Method: http.MethodPatch,
			URL:  "/api/collections/settings/records/mdsettings00001",
			Body: strings.NewReader(`{"first_response_target_min":30}`), ExpectedStatus: 200,
			ExpectedContent: []string{`"first_response_target_min":30`}, NotExpectedContent: []string{"vapid_SECRET"},
		},
		{
			Name: "nobody creates a second settings row", Method: http.MethodPost,
			URL: "/api/collections/settings/records", Body: strings.NewReader(`{"timezone":"UTC"}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent cannot create a source", Method: http.MethodPost,
			URL: "/api/collections/sources/records", Body: strings.NewReader(`{"kind":"feed","name":"x","url":"https://example.com/feed"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent cannot edit a source", Method: http.MethodPatch,
			URL: "/api/collections/sources/records/" + sourceID, Body: strings.NewReader(`{"name":"mine now"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent cannot make itself owner", Method: http.MethodPatch,
			URL: "/api/collections/users/records/" + agentID, Body: strings.NewReader(`{"role":"owner"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent edits its own name", Method: http.MethodPatch,
			URL: "/api/collections/users/records/" + agentID, Body: strings.NewReader(`{"name":"Alex A."}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"Alex A."`, `"role":"agent"`},
		},
		{
			Name: "agent cannot edit another agent", Method: http.MethodPatch,
			URL: "/api/collections/users/records/" + agent2ID, Body: strings.NewReader(`{"name":"hacked"}`),
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent cannot create users", Method: http.MethodPost,
			URL:            "/api/collections/users/records",
			Body:           strings.NewReader(`{"email":"x@example.com","password":"1234567890","passwordConfirm":"1234567890","role":"owner"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent updates a ticket", Method: http.MethodPatch,
			URL: "/api/collections/tickets/records/" + ticketID, Body: strings.NewReader(`{"status":"open"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"open"`},
		},
		{
			Name: "agent cannot delete a ticket", Method: http.MethodDelete,
			URL: "/api/collections/tickets/records/" + ticketID, ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent cannot write mentions", Method: http.MethodPost,
			URL: "/api/collections/mentions/records", Body: strings.NewReader(`{"external_id":"x"}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent cannot post a reply as someone else", Method: http.MethodPost,
			URL:            "/api/collections/replies/records",
			Body:           strings.NewReader(`{"ticket":"` + ticketID + `","author":"` + agent2ID + `","body":"hi","via":"note","status":"sent"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "agent writes a note as itself", Method: http.MethodPost,
			URL:            "/api/collections/replies/records",
			Body:           strings.NewReader(`{"ticket":"` + ticketID + `","author":"` + agentID + `","body":"internal","via":"note","status":"sent"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"body":"internal"`},
		},
		{
			Name: "agent cannot read another user's notification targets", Method: http.MethodGet,
			URL: "/api/collections/notifications/records/" + notifID, ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "owner reads sources, credentials stay hidden", Method: http.MethodGet,
			URL:            "/api/collections/sources/records/" + sourceID,
			ExpectedStatus: 200, ExpectedContent: []string{`"credential_keys":["token"]`},
			NotExpectedContent: []string{fixtureToken, "enc:v1:", `"credentials"`, `"webhook_secret"`},
		},
		{
			Name: "owner creates a source with write-only credentials", Method: http.MethodPost,
			URL:            "/api/collections/sources/records",
			Body:           strings.NewReader(`{"kind":"bluesky","name":"Bluesky search","query":"cafe lune","enabled":true,"secrets":{"identifier":"cafelune.bsky.social","app_password":"abcd-efgh-ijkl-mnop"}}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"credential_keys":["app_password","identifier"]`},
			NotExpectedContent: []string{"abcd-efgh", "enc:v1:"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r, err := app.FindFirstRecordByData("sources", "name", "Bluesky search")
				if err != nil {
					t.Fatal(err)
				}
				stored := r.GetString("credentials")
				if strings.Contains(stored, "abcd-efgh") {
					t.Fatalf("credentials stored in clear: %s", stored)
				}
				creds, err := secrets.New(vault.New(testKey)).Open(r)
				if err != nil || creds["app_password"] != "abcd-efgh-ijkl-mnop" {
					t.Fatalf("openCredentials = %v, %v", creds, err)
				}
				if r.GetString("webhook_secret") == "" {
					t.Fatal("every source gets a webhook secret")
				}
			},
		},
		{
			Name: "owner removes one credential and keeps the other", Method: http.MethodPatch,
			URL:            "/api/collections/sources/records/" + sourceID,
			Body:           strings.NewReader(`{"secrets":{"token":"","extra":"x"}}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"credential_keys":["extra"]`},
		},
		{
			Name: "owner deletes an agent", Method: http.MethodDelete,
			URL: "/api/collections/users/records/" + agent2ID, ExpectedStatus: 204,
		},
		{
			Name: "owner cannot delete itself", Method: http.MethodDelete,
			URL: "/api/collections/users/records/" + ownerID, ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
	}
	ownerScenarios := map[string]bool{
		"owner changes settings": true, "owner reads sources, credentials stay hidden": true,
		"owner creates a source with write-only credentials": true, "owner removes one credential and keeps the other": true,
		"owner deletes an agent": true, "owner cannot delete itself": true,
		"held notifications are the server's alone, even for the owner": true,
	}
	for i := range more {
		s := &more[i]
		user := agentID
		if ownerScenarios[s.Name] {
			user = ownerID
		}
		if s.Name == "agent cannot read another user's notification targets" {
			user = agent2ID
		}
		s.Headers = as(user)
	}
	scenarios = append(scenarios, more...)
	for i := range scenarios {
		if scenarios[i].TestAppFactory == nil {
			scenarios[i].TestAppFactory = appFactory
		}
		scenarios[i].Test(t)
	}
}

func appFactory(t testing.TB) *tests.TestApp { return newTestApp(t) }
