package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

func TestKeywordValidation(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "a term with no word is refused", Method: http.MethodPost, URL: "/api/collections/keywords/records",
			Body: strings.NewReader(`{"term":"!!!","kind":"brand"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 400, ExpectedContent: []string{`"term":{"code":"validation_invalid_keyword"`, "ne contient aucun mot"}, // the owner reads French
		},
		{
			Name: "a phrase is accepted", Method: http.MethodPost, URL: "/api/collections/keywords/records",
			Body: strings.NewReader(`{"term":"Lune & Co","kind":"brand"}`), Headers: as(ownerID), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"term":"Lune & Co"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
