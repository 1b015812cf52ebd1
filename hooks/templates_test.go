package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

func TestTemplates(t *testing.T) {
	t.Parallel()
	withVars := func(t testing.TB) *tests.TestApp {
		app := newTestApp(t)
		s, _ := app.FindRecordById("settings", pb_migrations.SettingsID)
		s.Set("business_name", "Café Lune")
		s.Set("public_url", "https://desk.cafe-lune.example/")
		s.Set("template_vars", map[string]string{"opening_hours": "7h30–18h"})
		if err := app.Save(s); err != nil {
			t.Fatal(err)
		}
		c, _ := app.FindRecordById("contacts", contactID)
		c.Set("display_name", "Claire Dubois")
		if err := app.Save(c); err != nil {
			t.Fatal(err)
		}
		return app
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a misspelt placeholder is refused at save time", Method: http.MethodPost, URL: "/api/collections/templates/records",
			Body:    strings.NewReader(`{"name":"Hi","language":"en","body":"Hi {{frist_name}}, we open at {{opening_hours}}"}`),
			Headers: as(agentID), TestAppFactory: withVars,
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"validation_unknown_placeholder"`, "Unknown placeholder {{frist_name}}", "{{opening_hours}}"},
		},
		{
			Name: "unbalanced braces are refused", Method: http.MethodPost, URL: "/api/collections/templates/records",
			Body: strings.NewReader(`{"name":"Hi","language":"en","body":"Hi {{first_name}"}`), Headers: as(agentID), TestAppFactory: withVars,
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"validation_unbalanced_braces"`},
		},
		{
			Name: "built-in and custom placeholders are accepted", Method: http.MethodPost, URL: "/api/collections/templates/records",
			Body:    strings.NewReader(`{"name":"Hours","language":"fr","body":"Bonjour {{ first_name }}, ouvert {{opening_hours}}. {{agent}}, {{business}}"}`),
			Headers: as(agentID), TestAppFactory: withVars, ExpectedStatus: 200, ExpectedContent: []string{`"name":"Hours"`},
		},
		{
			Name: "preview fills the ticket's values", Method: http.MethodGet, URL: "/api/md/templates/" + templateID + "/preview?ticket=" + ticketID,
			Headers: as(agentID), TestAppFactory: withVars,
			ExpectedStatus: 200, ExpectedContent: []string{`"text":"Bonjour Claire, désolés !"`, `"ticket_link":"https://desk.cafe-lune.example/t/` + ticketID + `"`, `"agent":"Alex"`, `"opening_hours":"7h30–18h"`},
		},
		{
			Name: "template values need a signed-in member", Method: http.MethodGet, URL: "/api/md/tickets/" + ticketID + "/template-values",
			TestAppFactory: withVars, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
