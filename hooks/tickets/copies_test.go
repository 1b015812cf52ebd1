package tickets

import "testing"

func TestPersonKey(t *testing.T) {
	t.Parallel()
	same := [][4]string{
		{"@anne_martin@mastodon.social", "Anne Martin", "annemartin.bsky.social", "anne martin"},
		{"annemartin@example.org", "Anne Martin", "@anne-martin", "Anne Mártin"},
	}
	for _, c := range same {
		if a, b := personKey(c[0], c[1]), personKey(c[2], c[3]); a == "" || a != b {
			t.Errorf("%q/%q and %q/%q should be one person: %q vs %q", c[0], c[1], c[2], c[3], a, b)
		}
	}
	apart := [][4]string{
		{"@anne@m.example", "Anne", "@anne@m.example", "Annie"},
		{"@anne@m.example", "Anne", "@anna@m.example", "Anne"},
	}
	for _, c := range apart {
		if a, b := personKey(c[0], c[1]), personKey(c[2], c[3]); a == b {
			t.Errorf("%q/%q and %q/%q should be two people", c[0], c[1], c[2], c[3])
		}
	}
	// Too thin to tell people apart: no cross-channel identity.
	for _, c := range [][2]string{{"@al@m.example", "Al"}, {"@zoe@m.example", ""}} {
		if k := personKey(c[0], c[1]); k != "" {
			t.Errorf("personKey(%q, %q) = %q, want none", c[0], c[1], k)
		}
	}
}

func TestSubjectSkipsLeadingHandles(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"@brulerie @paul vous êtes ouverts dimanche ?": "vous êtes ouverts dimanche ?",
		"@brulerie@piaille.fr\nOuverts ?":              "Ouverts ?",
		"Merci @brulerie !":                            "Merci @brulerie !",
		"@brulerie @paul":                              "@brulerie @paul",
	} {
		if got := withoutLeadingHandles(in); got != want {
			t.Errorf("withoutLeadingHandles(%q) = %q, want %q", in, got, want)
		}
	}
}
