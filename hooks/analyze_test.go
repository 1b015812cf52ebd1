package hooks

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

func TestQueryTerms(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		`"café lune" OR cafelune`:        {"café lune", "cafelune"},
		`Café Lune`:                      {"Café Lune"},
		`#cafelune | "Lune & Co"`:        {"cafelune", "Lune & Co"},
		`"cafe lune" OR lang:fr`:         {"cafe lune"},
		``:                               nil,
		`(lune & co) OR "boulangerie x"`: {"lune & co", "boulangerie x"},
	}
	for in, want := range cases {
		if got := queryTerms(in); !reflect.DeepEqual(got, want) {
			t.Errorf("queryTerms(%q) = %q, want %q", in, got, want)
		}
	}
}

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
