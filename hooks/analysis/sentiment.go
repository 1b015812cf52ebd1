package analysis

import (
	"math"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// Sentiment labels.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// Tuning constants, in the spirit of VADER (Hutto & Gilbert 2014).
const (
	negScale     = -0.75 // "not good" is milder than "bad"
	negScope     = 3     // words a negation reaches forward
	contrastPre  = 0.5   // weight of the clause before "but"/"mais"
	contrastPost = 1.5   // and after it
	elongation   = 1.2   // "nuuuul", "sooo good"
	exclaimStep  = 0.3   // per '!', up to 4
	alpha        = 15    // normalisation: s / sqrt(s² + alpha)
	// labelCut is the |score| from which a post is not neutral. Short posts
	// carry few words, so a single mild word ("enfin", "wait") should not
	// tip them; chosen on the dev split of testdata/corpus.tsv.
	labelCut = 0.2
)

// Sentiment scores text in lang ("fr", "en"; anything else uses both
// vocabularies) on -1..1 and labels it negative, neutral or positive.
func Sentiment(text, lang string) (score float64, label string) {
	toks := tokenize(normalize.Fold(text), make([]token, 0, 64))
	score = scoreTokens(toks, lang)
	return score, labelFor(score)
}

func labelFor(score float64) string {
	switch {
	case score >= labelCut:
		return Positive
	case score <= -labelCut:
		return Negative
	}
	return Neutral
}

type langRules struct {
	lex      []lexicon
	negators map[string]bool
	contrast map[string]bool
	ne       bool // French "ne ... plus" negation
	nt       bool // English "n't"
}

func rulesFor(lang string) langRules {
	lexicons()
	switch lang {
	case "fr":
		return langRules{lex: []lexicon{lexFR}, negators: negatorsFR, contrast: contrastFR, ne: true}
	case "en":
		return langRules{lex: []lexicon{lexEN}, negators: negatorsEN, contrast: contrastEN, nt: true}
	}
	return rulesOther
}

// rulesOther serves posts in neither language: English first (the lingua
// franca of loanwords), then French.
var rulesOther = langRules{negators: union(negatorsEN, negatorsFR),
	contrast: union(contrastEN, contrastFR), ne: true, nt: true}

func union(a, b map[string]bool) map[string]bool {
	m := make(map[string]bool, len(a)+len(b))
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// lookup tries the word as written, then with elongations squeezed.
func (r langRules) lookup(toks []token, i int) (score float64, n int, ok bool) {
	w := toks[i].s
	for _, l := range r.lex {
		if s, n, ok := l.lookup(toks, i, w); ok {
			return s, n, true
		}
	}
	for _, k := range []int{2, 1} {
		if sq := squeeze(w, k); sq != "" {
			for _, l := range r.lex {
				if s, n, ok := l.lookup(toks, i, sq); ok {
					return s * elongation, n, true
				}
			}
		}
	}
	return 0, 0, false
}

func (r langRules) intensity(w string) (float64, bool) {
	if f, ok := intensifierMap[w]; ok {
		return f, true
	}
	for _, k := range []int{2, 1} {
		if sq := squeeze(w, k); sq != "" {
			if f, ok := intensifierMap[sq]; ok {
				return f * elongation, true
			}
		}
	}
	return 0, false
}

func (r langRules) isNegator(toks []token, i int) bool {
	w := toks[i].s
	if r.negators[w] {
		return true
	}
	if r.nt && w == "t" && i > 0 && ntStems[toks[i-1].s] {
		return true
	}
	// "ne ... plus" / "n'... plus": plus negates only after ne.
	if r.ne && w == "plus" {
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			if toks[j].s == "ne" || toks[j].s == "n" {
				return true
			}
		}
	}
	return false
}

func isBoundary(t token) bool {
	if t.kind != tPunct {
		return false
	}
	switch t.s {
	case ".", "!", "?", ";", ",", ":", "(", ")":
		return true
	}
	return false
}

type hit struct {
	pos      int
	score    float64
	sentence int // index of the sentence the hit is in
}

// sentence describes one sentence of the post.
type sentence struct {
	words    int
	question bool
	ellipsis bool // ends with "..." (often sarcasm after a complaint: "bravo...")
}

func scoreTokens(toks []token, lang string) float64 {
	r := rulesFor(lang)
	var hits []hit
	sents := []sentence{{}}
	lastContrast := -1
	exclaim := 0
	for i := 0; i < len(toks); {
		t := toks[i]
		cur := len(sents) - 1
		switch t.kind {
		case tPunct:
			switch t.s {
			case "!":
				exclaim += t.n
			case "?":
				sents[cur].question = true
			case ".":
				sents[cur].ellipsis = t.n >= 3
			}
			if t.s == "!" || t.s == "?" || t.s == "." {
				sents = append(sents, sentence{})
			}
			i++
			continue
		case tEmoji:
			if s, ok := emojiScores[t.s]; ok {
				hits = append(hits, hit{i, s, cur})
			}
			i++
			continue
		}
		sents[cur].words++
		if t.tag == '@' {
			i++ // a handle is a name, not an opinion
			continue
		}
		if r.contrast[t.s] && !(t.s == "contre" && (i == 0 || toks[i-1].s != "par")) {
			lastContrast = i
		}
		// An intensifier before an opinion word modifies it and has no score
		// of its own ("super lent"); alone it may be an opinion ("super !").
		if _, ok := r.intensity(t.s); ok && r.opinionAhead(toks, i) {
			i++
			continue
		}
		s, n, ok := r.lookup(toks, i)
		// "won't", "can't": the stem before the split "t" is not the word
		// "won" or "can"; only a phrase through the "t" ("don't like") counts.
		if ok && r.nt && n == 1 && ntStems[t.s] && i+1 < len(toks) && toks[i+1].s == "t" {
			ok = false
		}
		if !ok || s == 0 {
			i++
			continue
		}
		startsNeg := r.isNegator(toks, i)
		mult := 1.0
		negated := false
		// Look back within the clause for intensifiers and negations.
		for j, words := i-1, 0; j >= 0 && words < negScope; j-- {
			p := toks[j]
			if isBoundary(p) || p.kind == tEmoji {
				break
			}
			words++
			if f, ok := r.intensity(p.s); ok && words <= 2 {
				mult *= f
			}
			if !startsNeg && r.isNegator(toks, j) {
				negated = !negated
			}
		}
		// "can't recommend them enough": the negation is rhetorical.
		if negated && r.nt {
			for j := i + n; j < len(toks) && j < i+n+3 && !isBoundary(toks[j]); j++ {
				if toks[j].s == "enough" {
					negated = false
				}
			}
		}
		s *= mult
		if negated {
			s *= negScale
		}
		hits = append(hits, hit{i, s, cur})
		i += n
	}
	firstNeg := -1 // position of the first clearly negative word
	for _, h := range hits {
		if h.score <= -1 {
			firstNeg = h.pos
			break
		}
	}
	negative := firstNeg >= 0
	total := 0.0
	for _, h := range hits {
		st := sents[h.sentence]
		if h.score > 0 {
			switch {
			case negative && (st.ellipsis || (st.words <= 2 && h.pos > firstNeg)):
				// "Toujours rien reçu. Génial." or "bravo..." in a complaint
				// is sarcasm, not praise. A short praise before the complaint
				// ("Délicieux. Mais trop cher.") is sincere.
				h.score *= negScale
			case st.question:
				// Questions for information are full of words the lexicons
				// like ("free", "available", "any chance") without meaning them.
				h.score *= 0.5
			}
		}
		w := 1.0
		if lastContrast >= 0 {
			if h.pos < lastContrast {
				w = contrastPre
			} else {
				w = contrastPost
			}
		}
		total += h.score * w
	}
	if total != 0 && exclaim > 0 {
		total += math.Copysign(exclaimStep*float64(min(exclaim, 4)), total)
	}
	return total / math.Sqrt(total*total+alpha)
}

// opinionAhead tells whether an opinion word follows within two words.
func (r langRules) opinionAhead(toks []token, i int) bool {
	for j := i + 1; j < len(toks) && j <= i+2; j++ {
		if toks[j].kind != tWord {
			return false
		}
		if _, ok := r.intensity(toks[j].s); ok {
			continue
		}
		if s, _, ok := r.lookup(toks, j); ok && s != 0 {
			return true
		}
	}
	return false
}
