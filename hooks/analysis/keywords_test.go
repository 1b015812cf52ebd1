package analysis

import (
	"errors"
	"fmt"
	"github.com/mentiondesk/mentiondesk/model"
	"slices"
	"strings"
	"testing"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

func TestMatcher(t *testing.T) {
	kws := []Keyword{
		{ID: "k1", Term: "Café Lune", Kind: KindBrand},
		{ID: "k2", Term: "apple", Kind: KindBrand},
		{ID: "k3", Term: `"apple pie"`, Kind: KindExclude},
		{ID: "k4", Term: "croissant*", Kind: KindProduct},
		{ID: "k5", Term: "Starbucks", Kind: KindCompetitor},
		{ID: "k6", Term: "LUNE", Kind: KindBrand, CaseSensitive: true},
		{ID: "k7", Term: "pain au chocolat", Kind: KindProduct, Lang: "fr"},
		{ID: "k8", Term: "click-and-collect", Kind: KindProduct},
		{ID: "k9", Term: "l'épicerie", Kind: KindBrand},
	}
	m, err := NewMatcher(kws)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text       string
		want       []string // kept hit IDs (excludes included)
		suppressed []string
		relevant   bool
		excluded   bool
	}{
		{"Merci au café lune!", []string{"k1"}, nil, true, false},
		{"CAFE LUNE, toujours au top", []string{"k1", "k6"}, nil, true, false}, // k6: LUNE as written
		// Matching is by words: punctuation between them does not break a
		// phrase, so "café, lune" matches "Café Lune". Posts rarely split a
		// brand name with a comma; a missed brand costs more than this.
		{"Un café, lune de miel", []string{"k1"}, nil, true, false},
		{"#CafeLune c'est le meilleur", []string{"k1"}, nil, true, false},  // hashtag glued
		{"merci @cafelune pour tout", []string{"k1"}, nil, true, false},    // handle glued
		{"cc @cafelune@mastodon.social", []string{"k1"}, nil, true, false}, // fediverse handle
		{"merci @Cafe_Lune", []string{"k1"}, nil, true, false},             // underscores in handles
		{"cafelune sans dièse", nil, nil, false, false},                    // glued only counts as a tag
		{"#CafeLuneParis ouvre", nil, nil, false, false},                   // extra words: not the term
		{"le cafe de la lune", nil, nil, false, false},                     // not adjacent
		{"pineapple juice", nil, nil, false, false},                        // word boundary
		{"Apple's new laptop", []string{"k2"}, nil, true, false},           // apostrophe splits
		{"best apple pie recipe", []string{"k3"}, []string{"k2"}, false, true},
		{"apple pie... also my Apple laptop broke", []string{"k2", "k3"}, nil, true, true},
		{"Deux croissants svp", []string{"k4"}, nil, true, false}, // prefix
		{"un croissant", []string{"k4"}, nil, true, false},
		{"starbucks vs café lune", []string{"k1", "k5"}, nil, true, false},
		{"STARBUCKS only", []string{"k5"}, nil, false, false}, // competitor is not relevant
		{"LUNE festival", []string{"k6"}, nil, true, false},   // case-sensitive hit
		{"lune festival", nil, nil, false, false},             // case-sensitive miss
		{"un pain au chocolat", []string{"k7"}, nil, true, false},
		{"Click and collect dispo", []string{"k8"}, nil, true, false}, // hyphen = space
		{"vive l’Épicerie !", []string{"k9"}, nil, true, false},       // curly apostrophe, accent
		{"", nil, nil, false, false},
	}
	for _, tt := range tests {
		got := m.Match(tt.text)
		var ids, sup []string
		for _, h := range got.Hits {
			ids = append(ids, h.ID)
		}
		for _, h := range got.Suppressed {
			sup = append(sup, h.ID)
		}
		if !slices.Equal(ids, tt.want) || !slices.Equal(sup, tt.suppressed) ||
			got.Relevant != tt.relevant || got.Excluded != tt.excluded {
			t.Errorf("Match(%q) = hits %v suppressed %v relevant %v excluded %v; want %v %v %v %v",
				tt.text, ids, sup, got.Relevant, got.Excluded, tt.want, tt.suppressed, tt.relevant, tt.excluded)
		}
	}
}

func TestMatcherCountsAndLang(t *testing.T) {
	m, err := NewMatcher([]Keyword{
		{ID: "a", Term: "apple", Kind: KindBrand},
		{ID: "x", Term: "apple pie", Kind: KindExclude},
		{ID: "fr", Term: "pain", Kind: KindProduct, Lang: "fr"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Match("apple, apple pie and apple again")
	if len(got.Hits) != 2 || got.Hits[0].ID != "a" || got.Hits[0].Count != 2 {
		t.Errorf("counts: %+v", got.Hits)
	}
	if ids := got.IDs(); !slices.Equal(ids, []string{"a"}) {
		t.Errorf("IDs() = %v, want excludes left out", ids)
	}
	if terms := got.Terms(KindExclude); !slices.Equal(terms, []string{"apple pie"}) {
		t.Errorf("Terms(exclude) = %v", terms)
	}
	if h := m.MatchLang("such pain", "en").Hits; len(h) != 0 {
		t.Errorf("fr keyword matched an en text: %+v", h)
	}
	if h := m.MatchLang("du pain", "fr").Hits; len(h) != 1 {
		t.Errorf("fr keyword missed a fr text: %+v", h)
	}
	if h := m.Match("such pain").Hits; len(h) != 1 {
		t.Errorf("Match must ignore Lang: %+v", h)
	}
}

// The app's keyword form saves "any" for a keyword of every language: it
// must match texts of every language, as an unset language does.
func TestMatcherLangAny(t *testing.T) {
	for _, lang := range model.KeywordLanguages {
		m, err := NewMatcher([]Keyword{{ID: "b", Term: "Café Lune", Kind: KindBrand, Lang: lang}})
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range model.MentionLanguages {
			want := lang == model.LangAny || lang == text
			if got := m.MatchLang("Vu chez Café Lune", text).Relevant; got != want {
				t.Errorf("keyword language %q, text language %q: relevant %v, want %v", lang, text, got, want)
			}
		}
	}
}

func TestNewMatcherErrors(t *testing.T) {
	for _, kws := range [][]Keyword{
		{{ID: "1", Term: "x", Kind: "hashtag"}},
		{{ID: "2", Term: `"  "`, Kind: KindBrand}},
		{{ID: "3", Term: "!!!", Kind: KindBrand}},
	} {
		if _, err := NewMatcher(kws); !errors.Is(err, ErrBadKeyword) {
			t.Errorf("NewMatcher(%+v) err = %v, want ErrBadKeyword", kws, err)
		}
	}
	if m, err := NewMatcher(nil); err != nil || m.Match("anything").Relevant {
		t.Errorf("empty matcher: %v", err)
	}
}

func BenchmarkMatch(b *testing.B) {
	// 300 keywords, a realistic post.
	var kws []Keyword
	for i := 0; i < 100; i++ {
		kws = append(kws,
			Keyword{ID: fmt.Sprint("b", i), Term: fmt.Sprintf("Brand%d Café", i), Kind: KindBrand},
			Keyword{ID: fmt.Sprint("p", i), Term: fmt.Sprintf("produit%d*", i), Kind: KindProduct},
			Keyword{ID: fmt.Sprint("x", i), Term: fmt.Sprintf("\"exclu%d total\"", i), Kind: KindExclude},
		)
	}
	kws = append(kws, Keyword{ID: "lune", Term: "Café Lune", Kind: KindBrand})
	m, err := NewMatcher(kws)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("Toujours pas reçu ma commande chez #CafeLune depuis lundi, produit42 manquant, c'est long… ", 2)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if !m.Match(text).Relevant {
			b.Fatal("no match")
		}
	}
}

// The case-kept token list must line up with the folded one, or exclusions
// of case-sensitive terms would overlap the wrong words.
func TestTokenAlignment(t *testing.T) {
	texts := []string{"ŒUVRE Straße ÇA xD XD :D HTTPS://X.EXAMPLE/A WWW.X.EXAMPLE #CaféLune @Cafe_Lune ǅemal İstanbul"}
	for _, c := range loadCorpus(t) {
		texts = append(texts, c.text)
	}
	for _, s := range texts {
		a := wordTokens(normalize.Fold(s))
		b := wordTokens(normalize.FoldAccents(s))
		if len(a) != len(b) {
			t.Errorf("%q: %d folded words, %d case-kept words", s, len(a), len(b))
			continue
		}
		for i := range a {
			if !strings.EqualFold(a[i].s, b[i].s) && normalize.Fold(b[i].s) != a[i].s {
				t.Errorf("%q: word %d is %q vs %q", s, i, a[i].s, b[i].s)
			}
		}
	}
}
