package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// Errors reach French-speaking users in French: our own messages, the
// field messages, and PocketBase's.
func TestErrorsInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "setup form in French from the browser's language", Method: http.MethodPost, URL: "/api/md/setup",
			Headers: map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"}, Body: strings.NewReader(`{"email":"x","password":"court"}`),
			TestAppFactory: emptyAppFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"message":"Vérifiez les champs signalés."`, `"email":{"code":"validation_is_email","message":"Adresse e-mail invalide."}`, `"message":"Entre 10 et 71 caractères."`, `"name":{"code":"validation_required","message":"Obligatoire."}`},
		},
		{
			Name: "the same in English", Method: http.MethodPost, URL: "/api/md/setup",
			Headers: map[string]string{"Accept-Language": "en-GB"}, Body: strings.NewReader(`{"email":"x"}`),
			TestAppFactory: emptyAppFactory, ExpectedStatus: 400, ExpectedContent: []string{`"message":"Please check the highlighted fields."`, `"message":"Cannot be blank."`},
		},
		{
			Name: "a French owner's record error", Method: http.MethodPost, URL: "/api/collections/keywords/records",
			Headers: as(ownerID), Body: strings.NewReader(`{"kind":"brand"}`), TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"message":"Impossible d’enregistrer."`, `"term":{"code":"validation_required","message":"Obligatoire."}`},
		},
		{
			Name: "a dynamic message", Method: http.MethodPost, URL: "/api/collections/replies/records",
			Headers: as(ownerID), TestAppFactory: appFactory, ExpectedStatus: 400,
			Body:            strings.NewReader(`{"ticket":"` + ticketID + `","author":"` + ownerID + `","body":"` + strings.Repeat("x", 501) + `","via":"platform","status":"queued"}`),
			ExpectedContent: []string{"Trop long pour mastodon : 501 caractères, la limite est 500."},
		},
		{
			Name: "the user's setting wins over the browser", Method: http.MethodGet, URL: "/api/md/templates/nope/preview",
			Headers: map[string]string{"Authorization": tokens[agentID], "Accept-Language": "fr"}, TestAppFactory: appFactory,
			ExpectedStatus: 404, ExpectedContent: []string{`"message":"Template not found."`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
