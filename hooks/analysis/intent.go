package analysis

import (
	"strings"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// Intents.
const (
	IntentQuestion  = "question"
	IntentComplaint = "complaint"
	IntentPraise    = "praise"
	IntentOther     = "other"
)

// Question openers, folded, matched at the start of a sentence. Spoken
// French asks with intonation ("vous êtes ouverts ?"), which the question
// mark catches; these catch the questions typed without one.
var questionStartsFR = []string{
	"est ce que", "est ce qu", "est il possible", "est elle", "est il", "comment", "pourquoi",
	"quand", "ou puis je", "ou est", "ou se trouve", "ou peut on", "combien", "quel", "quelle",
	"quels", "quelles", "qui sait", "qui peut", "y a t il", "y a t", "vous avez", "vous faites",
	"vous etes", "vous livrez", "vous acceptez", "vous prenez", "vous vendez", "vous recrutez",
	"avez vous", "faites vous", "etes vous", "pouvez vous", "puis je", "peut on", "peux tu",
	"c est possible", "c est ou", "savez vous", "quelqu un sait", "il reste", "a quelle heure",
	"les commandes", "les chiens sont",
}

var questionStartsEN = []string{
	"how", "what", "when", "where", "why", "who", "which", "is there", "is it", "are you",
	"are there", "are dogs", "do you", "does", "did you", "can i", "can you", "can we",
	"could you", "could i", "will", "would you", "any chance", "anyone know", "is the",
	"should i", "may i", "have you",
}

// Complaint markers that make a post a complaint even when the lexicon
// scores it near neutral: the customer is telling us something went wrong.
var complaintMarkers = []string{
	// fr
	"toujours pas", "jamais recu", "jamais recue", "pas recu", "pas recue", "j attends",
	"rembourse", "remboursement", "aucune reponse", "pas de reponse", "sans reponse",
	"injoignable", "personne ne repond", "personne ne decroche", "en retard", "commande annulee",
	"colis perdu", "arnaque", "inadmissible", "facture deux fois", "ne fonctionne", "ne marche",
	"ca plante", "bloquee", "je veux etre", "sav", "service client",
	// en
	"still waiting", "still haven t", "never arrived", "never received", "never got",
	"no answer", "no reply", "no response", "refund", "charged twice", "on hold",
	"doesn t work", "does not work", "not working", "keeps crashing", "wrong item",
	"wrong order", "stuck on", "nobody answers", "nobody picks up", "scam",
}

// Intent classifies a post as a question, a complaint, praise or other.
// A negative post is a complaint even when it asks something ("why is my
// order still not here?"): what the customer needs is the fix, not the
// answer. A question that is not negative is a question. Then the
// sentiment label decides: positive is praise; neutral is a complaint only
// with explicit complaint vocabulary ("still waiting", "remboursement").
func Intent(text, lang, sentimentLabel string) string {
	folded := " " + wordsOnly(normalize.Fold(text)) + " "
	return intentOf(sentimentLabel, containsAny(folded, complaintMarkers), isQuestion(text, folded, lang))
}

// intentOf is Intent once the text has been read: whether it uses
// complaint vocabulary and whether it asks something.
func intentOf(sentimentLabel string, complaintVocab, question bool) string {
	if sentimentLabel == Negative {
		return IntentComplaint
	}
	if question {
		if complaintVocab && sentimentLabel != Positive {
			return IntentComplaint
		}
		return IntentQuestion
	}
	switch {
	case sentimentLabel == Positive:
		return IntentPraise
	case complaintVocab:
		return IntentComplaint
	}
	return IntentOther
}

func isQuestion(raw, folded, lang string) bool {
	if strings.ContainsAny(raw, "?¿？") {
		return true
	}
	var starts []string
	switch lang {
	case LangFR:
		starts = questionStartsFR
	case LangEN:
		starts = questionStartsEN
	default:
		starts = append(append([]string(nil), questionStartsFR...), questionStartsEN...)
	}
	// The opener may follow a greeting: "Bonjour, à quelle heure...".
	body := strings.TrimSpace(folded)
	for _, g := range []string{"bonjour", "bonsoir", "salut", "coucou", "hello", "hi", "hey"} {
		if strings.HasPrefix(body, g+" ") {
			body = strings.TrimSpace(body[len(g):])
		}
	}
	for _, s := range starts {
		if strings.HasPrefix(body, s+" ") {
			return true
		}
	}
	return false
}

// wordsOnly keeps letters and digits, one space between words, so that
// phrases match across punctuation and apostrophes ("j'attends" → "j
// attends", "doesn't" → "doesn t").
func wordsOnly(s string) string {
	toks := tokenize(s, make([]token, 0, 64))
	var b strings.Builder
	for _, t := range toks {
		if t.kind != tWord {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.s)
	}
	return b.String()
}

func containsAny(padded string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(padded, " "+p+" ") {
			return true
		}
	}
	return false
}
