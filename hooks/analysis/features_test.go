package analysis

import (
	"slices"
	"testing"
)

var testConfig = FeatureConfig{HashBits: 18, WordN: 2, CharMin: 2, CharMax: 5}

// has tells whether the post's features include the named one.
func has(t *testing.T, text, lang string, stars int, ns byte, a, b string) bool {
	t.Helper()
	e := &extractor{cfg: testConfig}
	fs := slices.Clone(e.features(text, lang, stars))
	probe := &extractor{cfg: testConfig}
	probe.add(ns, a, b, 1)
	want := probe.out[0].idx
	return slices.ContainsFunc(fs, func(f feature) bool { return f.idx == want })
}

func TestFeaturesReadTheRules(t *testing.T) {
	tests := []struct {
		name, text, lang string
		stars            int
		ns               byte
		feature          string
		want             bool
	}{
		{"negation scope", "c'est pas cher du tout", "fr", 0, nsNeg, "cher", true},
		{"ends at punctuation", "pas de souci. cher", "fr", 0, nsNeg, "cher", false},
		{"n't", "the staff wasn't friendly", "en", 0, nsNeg, "friendly", true},
		{"after mais", "bon accueil mais facture salée", "fr", 0, nsPost, "salee", true},
		{"before mais", "bon accueil mais facture salée", "fr", 0, nsPost, "accueil", false},
		{"stars", "ok", "fr", 1, nsSignal, "stars:1", true},
		{"no stars", "ok", "fr", 0, nsSignal, "stars:none", true},
		{"stars out of range", "ok", "fr", 9, nsSignal, "stars:none", true},
		{"angry emoji", "commande 😡😡", "fr", 0, nsSignal, "emoji:neg", true},
		{"emoji only", "👍👍", "fr", 0, nsSignal, "emoji:only", true},
		{"all caps", "STILL NO REFUND AFTER THREE WEEKS", "en", 0, nsSignal, "caps:most", true},
		{"one acronym", "the SMS never came", "en", 0, nsSignal, "caps:some", false},
		{"question", "vous livrez à Lyon ?", "fr", 0, nsSignal, "asks:end", true},
		{"rules verdict", "nul, froid et en retard", "fr", 0, nsSignal, "rule:neg", true},
		{"complaint vocabulary", "still waiting for my refund", "en", 0, nsSignal, "rule:complaint-vocab", true},
		{"handle is not a word", "@cafelune merci", "fr", 0, nsWord, "cafelune", false},
		{"handle placeholder", "@cafelune merci", "fr", 0, nsWord, "@user", true},
		{"scare quotes", `thanks for the "quick" delivery`, "en", 0, nsQuote, "quick", true},
		{"guillemets", "le « Service » client, bravo", "fr", 0, nsQuote, "service", true},
		{"a long quotation is not scare quotes", `he said "we will call you back tomorrow for sure"`, "en", 0, nsQuote, "call", false},
		{"accents folded", "Remboursée", "fr", 0, nsWord, "remboursee", true},
	}
	for _, tt := range tests {
		if got := has(t, tt.text, tt.lang, tt.stars, tt.ns, tt.feature, ""); got != tt.want {
			t.Errorf("%s: feature %q in %q = %v, want %v", tt.name, tt.feature, tt.text, got, tt.want)
		}
	}
}

func TestFeaturesSortedAndReused(t *testing.T) {
	e := &extractor{cfg: testConfig}
	a := slices.Clone(e.features("Super, 45 minutes d'attente pour un café tiède. Bravo.", "fr", 0))
	e.features("something else entirely, much longer than the first post was", "en", 3)
	b := e.features("Super, 45 minutes d'attente pour un café tiède. Bravo.", "fr", 0)
	if !slices.Equal(a, b) {
		t.Error("the same post gives other features after another post")
	}
	for i := 1; i < len(a); i++ {
		if a[i-1].idx >= a[i].idx {
			t.Fatalf("features not sorted and merged at %d", i)
		}
	}
}

func TestCapsShare(t *testing.T) {
	for text, want := range map[string]float64{
		"STILL NO REFUND":           1,
		"still no refund":           0,
		"the SMS never came":        0, // one capitalised word is an acronym
		"WORST SERVICE ever, avoid": 0.5,
		"":                          0,
	} {
		if got := capsShare(text); got != want {
			t.Errorf("capsShare(%q) = %v, want %v", text, got, want)
		}
	}
}

// The trained model weighs the platform's stars: the same lukewarm words
// read worse under one star than under five.
func TestStarsWeighIn(t *testing.T) {
	for _, text := range []string{"Service correct, sans plus.", "It was ok I guess."} {
		one := AnalyzePost(Post{Text: text, Stars: 1})
		five := AnalyzePost(Post{Text: text, Stars: 5})
		if one.Score >= five.Score {
			t.Errorf("%q: score %.2f with 1 star, %.2f with 5", text, one.Score, five.Score)
		}
	}
}

func TestSortableBits(t *testing.T) {
	vals := []float32{-3.5, -1, -0.25, 0, 1e-9, 0.2, 1, 7}
	for i, v := range vals {
		if back := fromSortableBits(sortableBits(v)); back != v {
			t.Errorf("%v comes back as %v", v, back)
		}
		if i > 0 && sortableBits(vals[i-1]) >= sortableBits(v) {
			t.Errorf("%v does not sort before %v", vals[i-1], v)
		}
	}
}
