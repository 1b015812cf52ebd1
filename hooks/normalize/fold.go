package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold lowercases s and folds it for matching and search: accents dropped
// (é→e, ç→c), ligatures and special letters spelled out (œ→oe, æ→ae, ß→ss,
// ø→o, ł→l), compatibility forms unified (ﬁ→fi, full-width Ａ→a), curly
// quotes and apostrophes made straight, dashes made '-', non-breaking and
// other exotic spaces made ' ', '…' made "...". French users type "cafe" as
// often as "café", and phones insert ’ where keyboards type '.
func Fold(s string) string {
	return fold(s, true)
}

// FoldAccents is Fold without lowercasing, for case-sensitive matching.
func FoldAccents(s string) string {
	return fold(s, false)
}

func fold(s string, lower bool) string {
	if isPlainASCII(s) {
		if lower {
			return strings.ToLower(s)
		}
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if r < utf8.RuneSelf {
			if lower {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
			continue
		}
		if r < latinEnd {
			if lower {
				b.WriteString(latinLower[r-utf8.RuneSelf])
			} else {
				b.WriteString(latinCased[r-utf8.RuneSelf])
			}
			continue
		}
		if rep, ok := special[r]; ok {
			if lower {
				rep = strings.ToLower(rep)
			}
			b.WriteString(rep)
			continue
		}
		if unicode.IsSpace(r) {
			b.WriteByte(' ')
			continue
		}
		if lower {
			r = unicode.ToLower(r)
		}
		// NFKD splits é into e + U+0301 and ﬁ into f i; the combining marks
		// are then dropped. Emoji and CJK pass through unchanged.
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		for _, d := range norm.NFKD.String(string(buf[:n])) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if lower {
				d = unicode.ToLower(d)
			}
			b.WriteRune(d)
		}
	}
	return b.String()
}

// latinEnd bounds the table of precomputed folds: Latin-1 Supplement and
// Latin Extended-A/B, where nearly every accented letter of French and its
// neighbours lives. It spares NFKD for the common case.
const latinEnd = 0x250

var latinLower, latinCased = func() (lo, ca [latinEnd - utf8.RuneSelf]string) {
	for r := rune(utf8.RuneSelf); r < latinEnd; r++ {
		lo[r-utf8.RuneSelf] = foldRune(r, true)
		ca[r-utf8.RuneSelf] = foldRune(r, false)
	}
	return
}()

// foldRune folds one rune the slow way (for the table and the rest).
func foldRune(r rune, lower bool) string {
	if rep, ok := special[r]; ok {
		if lower {
			return strings.ToLower(rep)
		}
		return rep
	}
	if unicode.IsSpace(r) {
		return " "
	}
	if lower {
		r = unicode.ToLower(r)
	}
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if lower {
			d = unicode.ToLower(d)
		}
		b.WriteRune(d)
	}
	return b.String()
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// special holds what NFKD does not decompose, or decomposes unhelpfully.
var special = map[rune]string{
	'œ': "oe", 'Œ': "OE", 'æ': "ae", 'Æ': "AE", 'ß': "ss", 'ẞ': "SS",
	'ø': "o", 'Ø': "O", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D",
	'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "TH", 'ı': "i",
	'‘': "'", '’': "'", '‚': "'", '‛': "'", 'ʼ': "'", '′': "'", '´': "'", '`': "'",
	'“': `"`, '”': `"`, '„': `"`, '‟': `"`, '«': `"`, '»': `"`, '″': `"`,
	'‹': "'", '›': "'",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
	'…': "...",
}
