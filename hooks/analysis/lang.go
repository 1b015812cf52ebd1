package analysis

import (
	"strings"
	"unicode"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// Languages DetectLanguage returns.
const (
	LangFR    = "fr"
	LangEN    = "en"
	LangOther = "other"
)

// Function words, folded (no accents, lowercase). Words common to French
// and English ("a", "on", "me", "son", "place") are left out of both.
// The other languages are there only so that their posts come out as
// "other" instead of being forced into fr or en.
var stopwords = map[string][]string{
	"fr": strings.Fields(`le la les l un une des du de d et est c ce cet cette ces je j tu il elle
		nous vous ils elles m se s mon ma mes ton ta tes sa ses notre nos votre vos leur leurs
		que qu qui quoi dont ou au aux avec pour par sur dans pas ne n plus tres mais donc car y
		ai avons avez ont ete etre suis sommes etes sont fait faire chez merci bonjour toujours
		encore deja aussi bien trop peu tout tous toute toutes rien jamais comme quand comment
		pourquoi depuis avant apres alors ca cela voila ici oui non mois semaine jour ce soir
		matin demain hier aujourd hui vraiment franchement sans livraison commande boutique
		magasin pain gateau gateaux avoir va vais peut quelqu est-ce c'est une`),
	"en": strings.Fields(`the an and is are was were be been being i you he she it we they my your
		our their this that these those of to in for with at by from not no do does did have has
		had will would can could just so but or if what when where why how who there here all any
		some still again thanks thank about up out get got very really too its as into after
		before than then them him her his am today tomorrow yesterday week month ever never
		always been order shop store delivery bread cake every lunch nothing everything
		anyone best good great love new wait waited`),
	"es": strings.Fields(`el los las y muy pero por para con una del es esta fue nunca gracias que
		como donde cuando porque hoy manana tambien mas este estos`),
	"de": strings.Fields(`der die das und ist nicht ein eine ich du wir sie mit von zu den dem auf
		fur auch noch schon sehr war wird haben sind kein keine danke nie`),
	"it": strings.Fields(`il lo gli della di che non per con una sono molto grazie oggi anche
		questo questa ma ancora sempre piu`),
	"pt": strings.Fields(`nao nunca muito obrigado obrigada com uma para voce tambem isso esse
		essa mais foi`),
	"nl": strings.Fields(`het een van niet met ook maar nog wel dat deze die zijn naar bij heel`),
	"pl": strings.Fields(`czy jest nie sie na ze to jak ale dla juz w`),
}

var stopIndex = func() map[string][]string {
	idx := map[string][]string{}
	for lang, ws := range stopwords {
		for _, w := range ws {
			idx[w] = append(idx[w], lang)
		}
	}
	return idx
}()

// Letters that only other languages use in practice.
func otherLetter(r rune) bool {
	return strings.ContainsRune("ñ¿¡ßäöãõąęłśźżćńåøìòĳğışőű", r)
}

func frenchLetter(r rune) bool {
	return strings.ContainsRune("éèêàçùûôîïëœâ", r)
}

// DetectLanguage tells whether a short post is French, English or
// something else, from function words, the opinion vocabularies and
// accented letters. hint is the platform's language tag (Mastodon
// "language", Bluesky "langs", an email's Content-Language): it decides
// only when the text itself is not conclusive, because platforms report
// the author's default setting, not the post's language. See BENCHMARKS.md
// for how this compares with whatlanggo and lingua-go.
func DetectLanguage(text, hint string) string {
	h := normHint(hint)
	scores := map[string]float64{}
	letters, latin := 0, 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.Is(unicode.Latin, r) {
			latin++
		}
		lr := unicode.ToLower(r)
		switch {
		case frenchLetter(lr):
			scores["fr"] += 0.5
		case otherLetter(lr):
			scores["other"] += 1
		}
	}
	if letters > 0 && latin*2 < letters {
		return LangOther // Cyrillic, Arabic, CJK...
	}
	lexicons()
	toks := tokenize(normalize.Fold(text), make([]token, 0, 64))
	for i, t := range toks {
		if t.kind != tWord || t.tag != 0 {
			continue
		}
		for _, l := range stopIndex[t.s] {
			if l == "fr" || l == "en" {
				scores[l]++
			} else {
				scores["x"+l]++
			}
		}
		// Opinion words tell the language of posts too short for function
		// words ("Délicieux !", "Awesome").
		if _, n, ok := lexFR.lookup(toks, i, t.s); ok && n > 0 {
			scores["fr"] += 0.5
		}
		if _, n, ok := lexEN.lookup(toks, i, t.s); ok && n > 0 {
			scores["en"] += 0.5
		}
	}
	// The best single other language competes, plus the letter evidence.
	other := 0.0
	for k, v := range scores {
		if strings.HasPrefix(k, "x") && v > other {
			other = v
		}
	}
	if other > 0 || scores["other"] > 0 {
		other += scores["other"]
	}
	fr, en := scores["fr"], scores["en"]
	best, bestScore, second := LangFR, fr, max(en, other)
	if en > bestScore {
		best, bestScore, second = LangEN, en, max(fr, other)
	}
	if other > bestScore {
		best, bestScore, second = LangOther, other, max(fr, en)
	}
	switch {
	case bestScore == 0:
		if h != "" {
			return h
		}
		return LangOther
	case bestScore-second < 1 && h != "" && (h == LangOther || scores[h] > 0):
		// Too close to call from the text: the author's setting breaks the tie.
		return h
	}
	return best
}

// normHint maps a platform language tag ("fr", "fr-CA", "en_US", "es") to
// fr, en or other; "" when there is none.
func normHint(hint string) string {
	h := strings.ToLower(strings.TrimSpace(hint))
	if h == "" || h == "und" {
		return ""
	}
	if i := strings.IndexAny(h, "-_"); i > 0 {
		h = h[:i]
	}
	switch h {
	case "fr", "fra", "fre":
		return LangFR
	case "en", "eng":
		return LangEN
	}
	return LangOther
}
