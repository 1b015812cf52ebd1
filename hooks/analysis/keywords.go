package analysis

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/model"
)

// Keyword kinds.
const (
	KindBrand      = "brand"
	KindProduct    = "product"
	KindCompetitor = "competitor"
	KindExclude    = "exclude"
)

// ErrBadKeyword is wrapped by NewMatcher for a keyword it cannot use.
var ErrBadKeyword = errors.New("analysis: bad keyword")

// Keyword is one watched term, as stored in the keywords collection.
//
// Term semantics:
//   - A term matches whole words only: "cafe" matches "Café!" but not
//     "cafeteria". Words are runs of letters and digits; apostrophes,
//     hyphens and punctuation separate words, in terms and texts alike, so
//     "click-and-collect" matches "click and collect".
//   - A term of several words is a phrase: its words must follow each other.
//     Surrounding double quotes ("apple pie") are allowed and mean the same.
//   - A trailing * matches any word starting with the last word of the term
//     ("croissant*" matches "croissants").
//   - Case and accents are folded ("Café Lune" = "cafe lune") unless
//     CaseSensitive, which keeps case (accents still fold: "Lune" matches
//     "Lune" and "Lüne", not "lune").
//   - A hashtag or @handle that glues the term's words together matches the
//     term: "Café Lune" matches #CafeLune, @cafelune, @cafe_lune and
//     @cafelune@mastodon.social. A handle is one word, underscores included,
//     so the term "cafe" does not match @cafe_lune. A hashtag that adds words
//     (#CafeLuneParis) does not: say so with another keyword.
//   - Exclude terms suppress other matches only where they overlap them:
//     with brand "apple" and exclude "apple pie", "apple pie recipe" is not
//     a brand match, "apple pie, and my Apple laptop broke" still is.
//   - Lang, when fr or en, limits the keyword to texts of that language
//     in MatchLang; empty or model.LangAny (what the app saves for "any
//     language") apply to all. Match ignores it.
type Keyword struct {
	ID            string
	Term          string
	Kind          string // brand, product, competitor, exclude
	CaseSensitive bool
	Lang          string
}

// Hit is a keyword found in a text.
type Hit struct {
	ID    string
	Term  string
	Kind  string
	Count int // occurrences not covered by an exclude term
}

// Match is what a Matcher found in one text.
type Match struct {
	Hits       []Hit // kept matches of every kind, excludes included, in keyword order
	Suppressed []Hit // brand/product/competitor matches fully covered by excludes
	Relevant   bool  // a brand or product term matched outside any exclude
	Excluded   bool  // an exclude term matched somewhere
}

// Terms returns the terms of the kept hits of one kind.
func (m Match) Terms(kind string) []string {
	var out []string
	for _, h := range m.Hits {
		if h.Kind == kind {
			out = append(out, h.Term)
		}
	}
	return out
}

// IDs returns the keyword IDs of all kept hits (excludes left out), for the
// mention's matched-keywords relation.
func (m Match) IDs() []string {
	var out []string
	for _, h := range m.Hits {
		if h.Kind != KindExclude {
			out = append(out, h.ID)
		}
	}
	return out
}

type pattern struct {
	kw     int      // index into Matcher.kws
	words  []string // folded words of the term
	prefix bool     // last word matches as a prefix
	cased  bool
}

// Matcher finds keywords in texts. Build it once per keyword set; it is
// safe for concurrent use.
type Matcher struct {
	kws []Keyword
	// first word → patterns starting with it; separate tables for folded
	// and case-kept matching.
	first, firstCased map[string][]*pattern
	// patterns whose single word is a prefix (croissant*), by their first
	// three bytes; shorter prefixes are checked against every word.
	prefixes      map[string][]*pattern
	shortPrefixes []*pattern
	// glued form of multi-word terms, for hashtags and handles.
	glued, gluedCased map[string][]*pattern
	hasCased          bool
}

// NewMatcher compiles keywords. It fails on an unknown kind or a term with
// no word in it.
func NewMatcher(kws []Keyword) (*Matcher, error) {
	m := &Matcher{
		kws:        append([]Keyword(nil), kws...),
		first:      map[string][]*pattern{},
		firstCased: map[string][]*pattern{},
		glued:      map[string][]*pattern{},
		gluedCased: map[string][]*pattern{},
		prefixes:   map[string][]*pattern{},
	}
	for i, k := range m.kws {
		switch k.Kind {
		case KindBrand, KindProduct, KindCompetitor, KindExclude:
		default:
			return nil, fmt.Errorf("%w: %q has unknown kind %q", ErrBadKeyword, k.Term, k.Kind)
		}
		term := strings.TrimSpace(k.Term)
		term = strings.Trim(term, `"“”«» `)
		p := &pattern{kw: i, cased: k.CaseSensitive}
		if strings.HasSuffix(term, "*") {
			p.prefix = true
			term = strings.TrimRight(term, "*")
		}
		var folded string
		if k.CaseSensitive {
			folded = normalize.FoldAccents(term)
		} else {
			folded = normalize.Fold(term)
		}
		for _, t := range tokenize(folded, nil) {
			if t.kind == tWord {
				p.words = append(p.words, t.s)
			}
		}
		if len(p.words) == 0 {
			return nil, fmt.Errorf("%w: %q has no word to match", ErrBadKeyword, k.Term)
		}
		first, glued := m.first, m.glued
		if k.CaseSensitive {
			first, glued = m.firstCased, m.gluedCased
			m.hasCased = true
		}
		if p.prefix && len(p.words) == 1 {
			if w := p.words[0]; len(w) >= prefixKey {
				m.prefixes[w[:prefixKey]] = append(m.prefixes[w[:prefixKey]], p)
			} else {
				m.shortPrefixes = append(m.shortPrefixes, p)
			}
		} else {
			first[p.words[0]] = append(first[p.words[0]], p)
		}
		if len(p.words) > 1 && !p.prefix {
			g := strings.Join(p.words, "")
			glued[g] = append(glued[g], p)
		}
	}
	return m, nil
}

// Match finds every keyword in text, whatever its Lang.
func (m *Matcher) Match(text string) Match {
	return m.MatchLang(text, "")
}

const prefixKey = 3

type span struct{ kw, from, to int } // word positions [from, to)

// MatchLang finds keywords in text, skipping those whose Lang is set and
// differs from lang (an empty lang skips none).
func (m *Matcher) MatchLang(text, lang string) Match {
	var spans []span
	words := wordTokens(normalize.Fold(text))
	spans = m.scan(words, false, lang, spans)
	if m.hasCased {
		// Folding only changes letters inside words and the tokenizer
		// ignores case, so both token lists line up word for word and the
		// exclusion overlaps computed on positions stay meaningful.
		spans = m.scan(wordTokens(normalize.FoldAccents(text)), true, lang, spans)
	}
	return m.resolve(spans)
}

func wordTokens(folded string) []token {
	toks := tokenize(folded, make([]token, 0, 64))
	n := 0
	for _, t := range toks {
		if t.kind == tWord {
			toks[n] = t
			n++
		}
	}
	return toks[:n]
}

func (m *Matcher) scan(words []token, cased bool, lang string, spans []span) []span {
	first, glued := m.first, m.glued
	if cased {
		first, glued = m.firstCased, m.gluedCased
	}
	ok := func(p *pattern) bool {
		return model.AppliesTo(m.kws[p.kw].Lang, lang)
	}
	for i, w := range words {
		for _, p := range first[w.s] {
			if ok(p) && p.matchAt(words, i) {
				spans = append(spans, span{p.kw, i, i + len(p.words)})
			}
		}
		if w.tag != 0 {
			key := w.s
			if strings.IndexByte(key, '_') >= 0 {
				key = strings.ReplaceAll(key, "_", "") // @cafe_lune
			}
			for _, p := range glued[key] {
				if ok(p) {
					spans = append(spans, span{p.kw, i, i + 1})
				}
			}
		}
		if len(w.s) >= prefixKey {
			for _, p := range m.prefixes[w.s[:prefixKey]] {
				if p.cased == cased && ok(p) && strings.HasPrefix(w.s, p.words[0]) {
					spans = append(spans, span{p.kw, i, i + 1})
				}
			}
		}
		for _, p := range m.shortPrefixes {
			if p.cased == cased && ok(p) && strings.HasPrefix(w.s, p.words[0]) {
				spans = append(spans, span{p.kw, i, i + 1})
			}
		}
	}
	return spans
}

func (p *pattern) matchAt(words []token, i int) bool {
	if i+len(p.words) > len(words) {
		return false
	}
	last := len(p.words) - 1
	for j, pw := range p.words {
		w := words[i+j].s
		if j == last && p.prefix {
			if !strings.HasPrefix(w, pw) {
				return false
			}
			continue
		}
		if w != pw {
			return false
		}
	}
	return true
}

func (m *Matcher) resolve(spans []span) Match {
	var res Match
	var excl []span
	for _, s := range spans {
		if m.kws[s.kw].Kind == KindExclude {
			excl = append(excl, s)
			res.Excluded = true
		}
	}
	kept := make(map[int]int)
	hit := make(map[int]bool)
	for _, s := range spans {
		hit[s.kw] = true
		if m.kws[s.kw].Kind == KindExclude {
			kept[s.kw]++
			continue
		}
		covered := false
		for _, e := range excl {
			if s.from < e.to && e.from < s.to {
				covered = true
				break
			}
		}
		if !covered {
			kept[s.kw]++
		}
	}
	order := make([]int, 0, len(hit))
	for i := range hit {
		order = append(order, i)
	}
	slices.Sort(order)
	for _, i := range order {
		k := m.kws[i]
		h := Hit{ID: k.ID, Term: k.Term, Kind: k.Kind, Count: kept[i]}
		if h.Count == 0 {
			res.Suppressed = append(res.Suppressed, h)
			continue
		}
		res.Hits = append(res.Hits, h)
		if k.Kind == KindBrand || k.Kind == KindProduct {
			res.Relevant = true
		}
	}
	return res
}
