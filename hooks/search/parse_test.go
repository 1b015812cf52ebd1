package search

import "testing"

func TestSearchQueryParsing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, match, prefix string }{
		{"cafe c", `{author title text} : ("cafe" AND "c")`, ""},                                // too short to be a prefix
		{"cafe lu", `{author title text} : ("cafe" AND "lu")`, ""},                              // likewise
		{"Café Lun", `{author title text} : ("Café")`, "lun"},                                   // expanded by expand.go
		{`"cafe lune"`, `{author title text} : ("cafe lune")`, ""},                              // a phrase is never a prefix
		{`text: NEAR("a" OR`, `{author title text} : ("text" AND "NEAR" AND "a" AND "OR")`, ""}, // OR is a word
	} {
		q := parse(c.in)
		if got := q.match(nil); got != c.match || q.prefix != c.prefix {
			t.Errorf("parse(%q): match %s prefix %q, want %s and %q", c.in, got, q.prefix, c.match, c.prefix)
		}
	}
	q := parse("cafe lun")
	if got := q.match([]string{"lundi", "lune"}); got != `{author title text} : ("cafe" AND ("lundi" OR "lune"))` {
		t.Errorf("expanded: %s", got)
	}
}
