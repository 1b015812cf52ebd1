package analysis

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// featureVersion names the feature extraction below. A model file records
// the version it was trained with and is refused by code extracting
// anything else: a hashed model silently reads garbage otherwise. Bump it
// with any change to what features produces, then retrain.
const featureVersion = 2

// FeatureConfig is the shape of the feature space, chosen by
// cross-validation (tools/train -cv) and stored in the model file.
type FeatureConfig struct {
	HashBits uint8 // the feature space has 1<<HashBits buckets
	WordN    uint8 // word n-grams from 1 to WordN (1..3)
	CharMin  uint8 // character n-grams from CharMin to CharMax bytes of
	CharMax  uint8 // the folded words; CharMax 0 means none
}

func (c FeatureConfig) valid() bool {
	return c.HashBits >= 10 && c.HashBits <= 22 && c.WordN >= 1 && c.WordN <= 3 &&
		(c.CharMax == 0 || (c.CharMin >= 1 && c.CharMin <= c.CharMax && c.CharMax <= 6))
}

// feature is one non-zero input of the linear model.
type feature struct {
	idx uint32
	val float32
}

// Feature namespaces: a word and a character n-gram with the same bytes
// must not share a bucket on purpose.
const (
	nsWord byte = iota + 1
	nsNeg       // a word inside a negation's scope ("pas [cher]")
	nsPost      // a word after the last contrast word ("mais [froid]")
	nsChar
	nsSignal
	nsQuote // a word in short quotation marks: the "quick" delivery
)

// Post signals, hashed by name. They carry what the n-grams cannot see: the
// platform's stars, the rules' verdict, letter case, punctuation runs.
var (
	sigBias       = "bias"
	sigStars      = [6]string{"stars:none", "stars:1", "stars:2", "stars:3", "stars:4", "stars:5"}
	sigLang       = map[string]string{LangFR: "lang:fr", LangEN: "lang:en", LangOther: "lang:other"}
	sigRuleLabel  = map[string]string{Negative: "rule:neg", Neutral: "rule:neu", Positive: "rule:pos"}
	sigRuleIntent = map[string]string{IntentComplaint: "rule:complaint", IntentQuestion: "rule:question",
		IntentPraise: "rule:praise", IntentOther: "rule:other"}
	// The rules' score, cut in bins: the model learns how far to trust
	// each strength instead of one slope.
	sigScoreBins = []string{"score<-.6", "score<-.3", "score<-.1", "score~0", "score>.1", "score>.3", "score>.6"}
	sigLength    = []string{"words:1-3", "words:4-10", "words:11-25", "words:26+"}
)

// extractor holds the scratch buffers of one extraction, so that a post
// costs no allocation beyond its folded text once the buffers have grown.
type extractor struct {
	cfg   FeatureConfig
	toks  []token
	words []string // the word stream: words, emoji, ? and !, with markers
	buf   []byte
	keys  []uint64
	out   []feature
}

// features returns the sorted, merged feature vector of a post; lang is
// the post's language (detected, or the labelled one in training) and
// stars 1..5 or 0 when the platform gives none. The slice is reused by
// the next call.
func (e *extractor) features(text, lang string, stars int) []feature {
	e.out = e.out[:0]
	folded := normalize.Fold(text)
	e.toks = tokenize(folded, e.toks[:0])
	r := rulesFor(lang)

	e.wordFeatures(r)
	e.quoteFeatures(text)
	e.charFeatures()
	e.signals(text, folded, lang, stars)

	// Sorted by index, then value, so that equal indexes are summed in one
	// order, always. Packed in integers: a sort without a comparison
	// function runs several times faster.
	keys := e.keys[:0]
	for _, f := range e.out {
		keys = append(keys, uint64(f.idx)<<32|uint64(sortableBits(f.val)))
	}
	slices.Sort(keys)
	for i, k := range keys {
		e.out[i] = feature{uint32(k >> 32), fromSortableBits(uint32(k))}
	}
	e.keys = keys
	return mergeFeatures(e.out)
}

// sortableBits maps a float32 to bits that sort as the floats do.
func sortableBits(v float32) uint32 {
	b := math.Float32bits(v)
	if b>>31 == 1 {
		return ^b
	}
	return b | 1<<31
}

func fromSortableBits(b uint32) float32 {
	if b>>31 == 1 {
		return math.Float32frombits(b &^ (1 << 31))
	}
	return math.Float32frombits(^b)
}

// mergeFeatures sums the values of equal indexes in a sorted vector.
func mergeFeatures(fs []feature) []feature {
	w := 0
	for i := 0; i < len(fs); i++ {
		if w > 0 && fs[w-1].idx == fs[i].idx {
			fs[w-1].val += fs[i].val
			continue
		}
		fs[w] = fs[i]
		w++
	}
	return fs[:w]
}

// wordFeatures adds word n-grams, and the unigrams seen through the
// negation and contrast rules of the lexicon analyser: "pas cher" gives
// the word "cher" and the negated word "¬cher", which the model learns to
// weigh apart from "cher".
func (e *extractor) wordFeatures(r langRules) {
	e.words = append(e.words[:0], "<s>")
	start := len(e.out)
	lastContrast := -1
	for i, t := range e.toks {
		if t.kind == tWord && r.contrast[t.s] {
			lastContrast = i
		}
	}
	negLeft := 0 // words the current negation still reaches
	for i, t := range e.toks {
		switch t.kind {
		case tPunct:
			negLeft = 0
			switch {
			case t.s == "?" || t.s == "!":
				if t.n > 1 {
					e.words = append(e.words, t.s+t.s)
				} else {
					e.words = append(e.words, t.s)
				}
			case isBoundary(t):
				e.words = append(e.words, "|")
			}
			continue
		case tEmoji:
			e.words = append(e.words, t.s)
			continue
		}
		w := t.s
		if t.tag == '@' {
			w = "@user"
		} else if isDigits(w) {
			w = "0"
		}
		e.words = append(e.words, w)
		switch {
		case r.isNegator(e.toks, i):
			negLeft = negScope
		case negLeft > 0:
			negLeft--
			e.add(nsNeg, w, "", 1)
		}
		if lastContrast >= 0 && i > lastContrast {
			e.add(nsPost, w, "", 1)
		}
	}
	e.words = append(e.words, "</s>")
	ws := e.words
	for i := range ws {
		if i > 0 && i < len(ws)-1 {
			e.add(nsWord, ws[i], "", 1)
		}
		if e.cfg.WordN >= 2 && i+1 < len(ws) {
			e.add2(nsWord, ws[i], ws[i+1], "", 1)
		}
		if e.cfg.WordN >= 3 && i+2 < len(ws) {
			e.add2(nsWord, ws[i], ws[i+1], ws[i+2], 1)
		}
	}
	normalizeGroup(e.out[start:])
}

// quoteFeatures marks the words of short quotations, the scare quotes of
// sarcasm: thanks for the "quick" delivery, le « service » client.
func (e *extractor) quoteFeatures(raw string) {
	for rest := raw; ; {
		i := strings.IndexAny(rest, "\"“«")
		if i < 0 {
			return
		}
		rest = rest[i:]
		_, size := utf8.DecodeRuneInString(rest)
		rest = rest[size:]
		j := strings.IndexAny(rest, "\"”»")
		if j < 0 {
			return
		}
		inside := rest[:j]
		_, size = utf8.DecodeRuneInString(rest[j:])
		rest = rest[j+size:]
		words := strings.FieldsFunc(inside, func(r rune) bool { return !isWordRune(r) })
		if len(words) == 0 || len(words) > 3 || len(inside) > 40 {
			continue
		}
		e.sig("quoted", 1)
		for _, w := range words {
			e.add(nsQuote, normalize.Fold(w), "", 1)
		}
	}
}

// charFeatures adds byte n-grams of the folded words, spaces between and
// around them: they catch spelling variants, missing accents, SMS
// spellings and word forms the training posts never used ("remboursee",
// "rembourser").
func (e *extractor) charFeatures() {
	if e.cfg.CharMax == 0 {
		return
	}
	b := append(e.buf[:0], ' ')
	for _, t := range e.toks {
		if t.kind == tWord && t.tag != '@' {
			b = append(b, t.s...)
			b = append(b, ' ')
		}
	}
	e.buf = b
	start := len(e.out)
	for n := int(e.cfg.CharMin); n <= int(e.cfg.CharMax); n++ {
		for i := 0; i+n <= len(b); i++ {
			e.out = append(e.out, feature{e.index(nsChar, b[i:i+n]), 1})
		}
	}
	normalizeGroup(e.out[start:])
}

// signals adds the post-level features: the rules' verdict, stars, emoji,
// capitals, punctuation, length and language.
func (e *extractor) signals(raw, folded, lang string, stars int) {
	e.sig(sigBias, 1)
	if stars < 0 || stars > 5 {
		stars = 0
	}
	e.sig(sigStars[stars], 1)
	if s, ok := sigLang[lang]; ok {
		e.sig(s, 1)
	}

	score := scoreTokens(e.toks, lang)
	label := labelFor(score)
	e.sig(sigRuleLabel[label], 1)
	// Rounded: the rules' arithmetic may round differently on another
	// architecture (fused multiply-adds), the model file must not.
	e.sig("rule:score", float32(math.Round(score*64)/64))
	e.sig(sigScoreBins[scoreBin(score)], 1)
	padded := " " + wordsOnly(folded) + " "
	complaintVocab := containsAny(padded, complaintMarkers)
	question := isQuestion(raw, padded, lang)
	e.sig(sigRuleIntent[intentOf(label, complaintVocab, question)], 1)
	if complaintVocab {
		e.sig("rule:complaint-vocab", 1)
	}
	if question {
		e.sig("rule:question-form", 1)
	}

	var emojiPos, emojiNeg, words, exclaim, asks int
	for _, t := range e.toks {
		switch t.kind {
		case tEmoji:
			if s := emojiScores[t.s]; s > 0.5 {
				emojiPos++
			} else if s < -0.5 {
				emojiNeg++
			}
		case tWord:
			words++
		case tPunct:
			switch t.s {
			case "!":
				exclaim += t.n
			case "?":
				asks += t.n
			}
		}
	}
	if emojiPos > 0 {
		e.sig("emoji:pos", float32(min(emojiPos, 3)))
	}
	if emojiNeg > 0 {
		e.sig("emoji:neg", float32(min(emojiNeg, 3)))
	}
	if emojiPos+emojiNeg > 0 && words == 0 {
		e.sig("emoji:only", 1)
	}
	if exclaim > 0 {
		e.sig("exclaim", float32(min(exclaim, 4)))
	}
	if asks > 0 {
		e.sig("asks", float32(min(asks, 4)))
		if strings.HasSuffix(strings.TrimRightFunc(raw, notEndOfQuestion), "?") {
			e.sig("asks:end", 1)
		}
	}
	switch caps := capsShare(raw); {
	case caps >= 0.6:
		e.sig("caps:most", 1)
	case caps > 0:
		e.sig("caps:some", 1)
	}
	switch {
	case words <= 3:
		e.sig(sigLength[0], 1)
	case words <= 10:
		e.sig(sigLength[1], 1)
	case words <= 25:
		e.sig(sigLength[2], 1)
	default:
		e.sig(sigLength[3], 1)
	}
}

func scoreBin(s float64) int {
	for i, cut := range []float64{-0.6, -0.3, -0.1, 0.1, 0.3, 0.6} {
		if s < cut {
			return i
		}
	}
	return 6
}

// notEndOfQuestion trims what may follow a final question mark: spaces
// and emoji ("Ouvert dimanche ? 🙏").
func notEndOfQuestion(r rune) bool {
	return unicode.IsSpace(r) || isEmojiRune(r) || r == 0xFE0F || r == 0x200D
}

// capsShare is the share of words of three letters or more written in
// capitals ("STILL NOTHING"), among such words; 0 when fewer than two are.
func capsShare(raw string) float64 {
	total, caps := 0, 0
	for w := range strings.FieldsFuncSeq(raw, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) < 3 {
			continue
		}
		total++
		if strings.ToUpper(w) == w && strings.ToLower(w) != w {
			caps++
		}
	}
	if caps < 2 {
		return 0
	}
	return float64(caps) / float64(total)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// normalizeGroup scales a group of features to unit length, so that a long
// e-mail and a tweet weigh the same against the post-level signals.
func normalizeGroup(fs []feature) {
	var ss float64
	for _, f := range fs {
		ss += float64(f.val) * float64(f.val)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range fs {
		fs[i].val *= inv
	}
}

func (e *extractor) sig(name string, val float32) {
	e.add(nsSignal, name, "", val)
}

func (e *extractor) add(ns byte, a, b string, val float32) {
	h := hashByte(fnvOffset, ns)
	h = hashString(h, a)
	if b != "" {
		h = hashByte(h, 0)
		h = hashString(h, b)
	}
	e.out = append(e.out, feature{e.bucket(h), val})
}

func (e *extractor) add2(ns byte, a, b, c string, val float32) {
	h := hashByte(fnvOffset, ns)
	h = hashString(h, a)
	h = hashByte(h, 0)
	h = hashString(h, b)
	if c != "" {
		h = hashByte(h, 0)
		h = hashString(h, c)
	}
	e.out = append(e.out, feature{e.bucket(h), val})
}

func (e *extractor) index(ns byte, s []byte) uint32 {
	h := hashByte(fnvOffset, ns)
	for _, c := range s {
		h = hashByte(h, c)
	}
	return e.bucket(h)
}

// bucket folds a 64-bit hash into the feature space, high bits mixed in.
func (e *extractor) bucket(h uint64) uint32 {
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return uint32(h) & (1<<e.cfg.HashBits - 1)
}

// FNV-1a, 64 bits: fixed, so a model file means the same on every machine
// and in every run (hash/maphash is seeded per process).
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func hashByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = hashByte(h, s[i])
	}
	return h
}
