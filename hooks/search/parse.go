package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// query is what a member typed, made safe for FTS5.
type query struct {
	// parts are the required words and phrases, each quoted, so AND, NEAR,
	// quotes and column filters are plain text.
	parts []string
	// prefix is the last word, folded, when it is matched as a prefix
	// (results come while typing): expanded into the indexed terms it
	// starts (expand.go), since FTS5 would otherwise merge the
	// doclists of every such term in memory — 700 ms for "lune*" in a
	// million mentions.
	prefix string
	// words are every word, folded, for ranking.
	words []string
	// terms counts the words typed, phrases' words included.
	terms int
}

// parse reads input: words, "quoted phrases", all required; the last
// word is a prefix when it has minPrefix letters and is not closed by
// a quote.
func parse(input string) query {
	var q query
	for i, part := range strings.Split(input, `"`) {
		words := strings.FieldsFunc(part, notWordRune)
		q.terms += len(words)
		for _, w := range words {
			q.words = append(q.words, strings.FieldsFunc(normalize.Fold(w), notTermRune)...)
		}
		if i%2 == 1 { // inside quotes: a phrase
			if p := strings.Join(words, " "); p != "" {
				q.parts = append(q.parts, `"`+p+`"`)
			}
			continue
		}
		for _, w := range words {
			q.parts = append(q.parts, `"`+w+`"`)
		}
	}
	if len(q.parts) == 0 {
		return q
	}
	last := q.parts[len(q.parts)-1]
	word := strings.Trim(last, `"`)
	if !strings.Contains(word, " ") && !strings.HasSuffix(input, `"`) && utf8.RuneCountInString(word) >= minPrefix {
		// One indexed term, as the tokenizer (unicode61, diacritics
		// removed) makes it; a word it would split stays a plain word.
		if t := strings.FieldsFunc(normalize.Fold(word), notTermRune); len(t) == 1 {
			q.prefix = t[0]
			q.parts = q.parts[:len(q.parts)-1]
		}
	}
	return q
}

// match is the FTS5 expression over the text columns; expansions are the
// indexed terms the prefix starts (none: no prefix).
func (q query) match(expansions []string) string {
	all := append([]string(nil), q.parts...)
	if len(expansions) > 0 {
		quoted := make([]string, len(expansions))
		for i, t := range expansions {
			quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		}
		all = append(all, "("+strings.Join(quoted, " OR ")+")")
	}
	return "{author title text} : (" + strings.Join(all, " AND ") + ")"
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '@' && r != '_'
}

// notTermRune splits as FTS5's unicode61 tokenizer does: letters and
// digits make terms, everything else separates them.
func notTermRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
