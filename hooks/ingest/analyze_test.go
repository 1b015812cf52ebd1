package ingest

import (
	"reflect"
	"testing"
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
