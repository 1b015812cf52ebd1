package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// Only the operator's flag opens the outbound guard: an owner who writes
// allow_private_urls into the settings (the field existed until issue 13)
// changes nothing, and agents still cannot aim notifications or previews
// at the server's own network.
func TestPrivateURLsAreTheOperatorsChoice(t *testing.T) {
	t.Parallel()
	ownerOpensGuard := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
		if err != nil {
			t.Fatal(err)
		}
		s.Set("allow_private_urls", true)
		if err := app.Save(s); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "the settings no longer carry the switch", Method: http.MethodPatch,
			URL: "/api/collections/settings/records/" + pb_migrations.SettingsID, Headers: as(ownerID),
			Body:           strings.NewReader(`{"allow_private_urls":true}`),
			TestAppFactory: guardedAppFactory, ExpectedStatus: 200,
			NotExpectedContent: []string{`allow_private_urls`},
		},
		{
			Name: "a notification to a private address stays refused", Method: http.MethodPost,
			URL: "/api/collections/notifications/records", Headers: as(agentID),
			Body:           strings.NewReader(`{"user":"` + agentID + `","kind":"webhook","target":"http://127.0.0.1:9999/hook","enabled":true}`),
			BeforeTestFunc: ownerOpensGuard, TestAppFactory: guardedAppFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"target":{"code":"validation_invalid_url"`},
		},
		{
			Name: "a preview of a private address stays refused", Method: http.MethodPost,
			URL: "/api/md/sources/preview", Headers: as(ownerID),
			Body:           strings.NewReader(`{"kind":"feed","name":"Intranet","url":"http://10.0.0.5/feed.xml"}`),
			BeforeTestFunc: ownerOpensGuard, TestAppFactory: guardedAppFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`not allowed`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
