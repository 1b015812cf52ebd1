package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tWord  tokKind = iota
	tEmoji         // an emoji or an ASCII emoticon such as :( or <3
	tPunct         // ! ? . , ; : ( ) and friends; n counts a run ("???")
)

// token is one unit of a folded text. s is a substring of the folded text
// (no allocation), except for emoji, which are their own rune.
type token struct {
	s    string
	kind tokKind
	tag  byte // '#' or '@' when a word was glued to one, else 0
	n    int  // run length for punctuation
}

// emoticons are matched longest first, only when they stand alone, so that
// "http://" never yields ":/" and "8)" in "(8)" stays a number.
var emoticons = []string{
	// Lowercase: tokenize sees folded text, so ":D" arrives as ":d".
	":'-(", ":'(", ":-)", ":-(", ":-d", ":-/", ":-p", ";-)", ":-|",
	":))", ":((", ":)", ":(", ":d", ":/", ":p", ";)", ":|", ":o",
	"<3", "</3", "xd", "^^", "^_^", "-_-", ":@", "=)", "=(",
}

// tokenize splits an already folded text (see normalize.Fold) into words,
// emoji and punctuation. URLs are skipped: their words are not the author's.
// Apostrophes and hyphens split words ("j'attends" → j, attends; "est-ce"
// → est, ce; "don't" → don, t), the way keyword terms are split too.
func tokenize(s string, dst []token) []token {
	i := 0
	for i < len(s) {
		c := s[i]
		// URLs.
		if (c|0x20 == 'h' || c|0x20 == 'w') && atWordStart(s, i) && isURLStart(s[i:]) {
			for i < len(s) && !isSpaceByte(s[i]) {
				i++
			}
			continue
		}
		// Emoticons.
		if c < utf8.RuneSelf && strings.IndexByte(":;<xX^-=", c) >= 0 && atWordStart(s, i) {
			if e := emoticonAt(s[i:]); e != "" {
				dst = append(dst, token{s: e, kind: tEmoji})
				i += len(e)
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isWordRune(r):
			var tag byte
			if i > 0 && (s[i-1] == '#' || s[i-1] == '@') {
				tag = s[i-1]
			}
			j := i + size
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) && !(tag == '@' && r2 == '_') {
					break
				}
				j += sz
			}
			dst = append(dst, token{s: s[i:j], kind: tWord, tag: tag})
			i = j
		case strings.ContainsRune("!?.,;:()", r):
			j := i + size
			for j < len(s) && rune(s[j]) == r {
				j++
			}
			dst = append(dst, token{s: s[i : i+size], kind: tPunct, n: j - i})
			i = j
		case isEmojiRune(r):
			dst = append(dst, token{s: s[i : i+size], kind: tEmoji})
			i += size
		default:
			i += size
		}
	}
	return dst
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isEmojiRune(r rune) bool {
	if r == 0xFE0F || r == 0x200D || (r >= 0x1F3FB && r <= 0x1F3FF) {
		return false // presentation selector, joiner, skin tones
	}
	return unicode.Is(unicode.So, r) || (r >= 0x1F000 && r <= 0x1FAFF)
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r'
}

func atWordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r) || strings.ContainsRune("(\"'", r)
}

// isURLStart and emoticonAt ignore case: the matcher also tokenizes text
// that kept its case, and both token lists must line up.
func isURLStart(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func emoticonAt(s string) string {
	for _, e := range emoticons {
		if hasPrefixFold(s, e) {
			rest := s[len(e):]
			if rest == "" {
				return s[:len(e)]
			}
			r, _ := utf8.DecodeRuneInString(rest)
			if unicode.IsSpace(r) || strings.ContainsRune("!?.,", r) {
				return s[:len(e)]
			}
		}
	}
	return ""
}

// squeeze shortens letter runs of three or more ("nuuuul", "sooo") to n
// letters, leaving shorter runs alone. It returns "" when no run was long.
func squeeze(w string, n int) string {
	var b strings.Builder
	changed := false
	runes := []rune(w)
	for i := 0; i < len(runes); {
		j := i
		for j < len(runes) && runes[j] == runes[i] {
			j++
		}
		k := j - i
		if k >= 3 {
			k, changed = n, true
		}
		for ; k > 0; k-- {
			b.WriteRune(runes[i])
		}
		i = j
	}
	if !changed {
		return ""
	}
	return b.String()
}
