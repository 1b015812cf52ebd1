package analysis

import (
	"strings"
	"testing"
)

func TestSentimentRules(t *testing.T) {
	tests := []struct {
		lang, text, want string
	}{
		// French negation.
		{"fr", "pas terrible", Negative},
		{"fr", "C'est pas terrible du tout", Negative},
		{"fr", "pas mal", Positive},
		{"fr", "pas mal du tout ce gâteau", Positive},
		{"fr", "ce n'est pas bon", Negative},
		{"fr", "ce n'est pas mauvais", Positive},
		{"fr", "jamais reçu ma commande", Negative},
		{"fr", "toujours pas reçu", Negative},
		{"fr", "je n'ai jamais été déçue", Positive},
		{"fr", "Ce café n'est plus bon", Negative},
		{"fr", "je ne reviendrai plus, trop déçu", Negative},
		{"fr", "plus de choix, plus de goût", Neutral}, // "plus" without ne is "more"
		{"fr", "sans hésiter", Positive},               // hésiter is negative; "without hesitation" recommends
		// English negation.
		{"en", "not bad", Positive},
		{"en", "not bad at all", Positive},
		{"en", "not good", Negative},
		{"en", "the coffee isn't good", Negative},
		{"en", "I don't like it", Negative},
		{"en", "wasn't disappointed at all", Positive},
		{"en", "never had a bad coffee here", Positive},
		{"en", "can't recommend them enough", Positive},
		{"en", "never arrived", Negative},
		{"en", "still waiting for my refund", Negative},
		// Intensifiers and elongation.
		{"fr", "vraiment nul", Negative},
		{"fr", "super lent", Negative},
		{"fr", "trop bon", Positive},
		{"fr", "nuuuul", Negative},
		{"en", "sooo good", Positive},
		{"en", "really bad", Negative},
		// Contrast.
		{"fr", "Le pain est bon mais le service est vraiment nul", Negative},
		{"fr", "Un peu lent mais vraiment délicieux", Positive},
		{"en", "The staff is nice but the coffee is awful", Negative},
		{"en", "Slow service but the cake was amazing", Positive},
		// Emoji and emoticons.
		{"fr", "commande reçue 😡", Negative},
		{"fr", "commande reçue 🙏❤️", Positive},
		{"en", "order arrived :(", Negative},
		{"en", "order arrived :)", Positive},
		{"en", "order arrived :D", Positive},
		// Customer-service vocabulary and sarcasm after a complaint.
		{"fr", "Aucune réponse du SAV", Negative},
		{"fr", "Colis perdu. Génial.", Negative},
		{"fr", "Délicieux. Un peu cher.", Positive}, // sincere praise first
		{"en", "No answer to my emails", Negative},
		{"en", "Thanks for nothing", Negative},
		{"en", "we won't be back", Neutral}, // "won" is not a victory here
		{"en", "the app won't load", Neutral},
		{"other", "merci beaucoup", Positive}, // unknown language: both vocabularies
		{"other", "worst coffee", Negative},
		// Neutral questions stay neutral despite friendly words.
		{"en", "Do you have free parking?", Neutral},
		{"fr", "Vous êtes ouverts dimanche ?", Neutral},
		// Links and handles carry no opinion.
		{"en", "@worstcafe https://bad.example/terrible", Neutral},
		{"fr", "", Neutral},
	}
	for _, tt := range tests {
		score, got := Sentiment(tt.text, tt.lang)
		if got != tt.want {
			t.Errorf("Sentiment(%q, %s) = %s (%.2f), want %s", tt.text, tt.lang, got, score, tt.want)
		}
		if score < -1 || score > 1 {
			t.Errorf("score %.2f out of range", score)
		}
	}
}

func TestSentimentIntensity(t *testing.T) {
	pairs := []struct{ lang, weak, strong string }{
		{"fr", "nul", "vraiment nul"},
		{"fr", "bon", "très bon !!!"},
		{"en", "good", "really good"},
		{"en", "bad", "baaaad"},
		{"en", "bad", "bad!!"},
	}
	for _, p := range pairs {
		w, _ := Sentiment(p.weak, p.lang)
		s, _ := Sentiment(p.strong, p.lang)
		if abs(s) <= abs(w) {
			t.Errorf("%q (%.3f) should be stronger than %q (%.3f)", p.strong, s, p.weak, w)
		}
	}
	// "not bad" is milder than "good".
	nb, _ := Sentiment("not bad", "en")
	g, _ := Sentiment("good", "en")
	if nb >= g {
		t.Errorf("not bad %.2f should be below good %.2f", nb, g)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestIntent(t *testing.T) {
	tests := []struct{ lang, text, want string }{
		{"fr", "Vous êtes ouverts le dimanche ?", IntentQuestion},
		{"fr", "vous êtes ouverts demain", IntentQuestion},
		{"fr", "Est-ce que vous livrez à Lyon", IntentQuestion},
		{"fr", "Bonjour, à quelle heure ouvrez-vous", IntentQuestion},
		{"fr", "J'attends toujours mon remboursement", IntentComplaint},
		{"fr", "Pourquoi ma commande n'est toujours pas arrivée ???", IntentComplaint},
		{"fr", "Merci pour l'accueil, c'était parfait", IntentPraise},
		{"fr", "Fermeture exceptionnelle lundi", IntentOther},
		{"en", "How do I change my address?", IntentQuestion},
		{"en", "how do I change my address", IntentQuestion},
		{"en", "Still waiting for my refund", IntentComplaint},
		{"en", "Why does the app keep crashing?", IntentComplaint},
		{"en", "Best croissant in town", IntentPraise},
		{"en", "Love your bread! Do you deliver to Leeds?", IntentQuestion},
		{"en", "New shop opening on Main Street", IntentOther},
		{"en", "", IntentOther},
	}
	for _, tt := range tests {
		_, label := Sentiment(tt.text, tt.lang)
		if got := Intent(tt.text, tt.lang, label); got != tt.want {
			t.Errorf("Intent(%q) = %s (sentiment %s), want %s", tt.text, got, label, tt.want)
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ text, hint, want string }{
		{"Toujours pas reçu ma commande", "", LangFR},
		{"Délicieux !", "", LangFR},
		{"Still waiting for my order", "", LangEN},
		{"Awesome", "", LangEN},
		{"El pedido nunca llegó", "", LangOther},
		{"Das ist nicht gut", "", LangOther},
		{"Спасибо за кофе", "", LangOther},
		{"美味しいコーヒー", "fr", LangOther},
		{"👍👍", "fr", LangFR},           // no words: the hint decides
		{"👍👍", "", LangOther},          // and without one, we cannot tell
		{"@cafelune", "en-GB", LangEN}, // handles are not words
		// A wrong hint does not beat clear text.
		{"Je suis très déçue par la livraison", "en", LangFR},
		{"I am very disappointed with the delivery", "fr", LangEN},
		{"Top", "fr", LangFR}, // one ambiguous word: the hint breaks the tie
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.text, tt.hint); got != tt.want {
			t.Errorf("DetectLanguage(%q, %q) = %s, want %s", tt.text, tt.hint, got, tt.want)
		}
	}
}

func TestAnalyze(t *testing.T) {
	r := Analyze("J'attends toujours mon remboursement 😡", "")
	if r.Lang != LangFR || r.Label != Negative || r.Intent != IntentComplaint || r.Score >= 0 {
		t.Errorf("Analyze = %+v", r)
	}
	r = Analyze("Best flat white in town ❤️", "fr")
	if r.Lang != LangEN || r.Label != Positive || r.Intent != IntentPraise {
		t.Errorf("Analyze = %+v", r)
	}
	// Hostile input: huge, binary, markup. Must not panic and must stay in range.
	big := strings.Repeat("nul \xff\x00 <script> 😡 pas ", 5000)
	r = Analyze(big, "xx")
	if r.Score < -1 || r.Score > 1 {
		t.Errorf("score out of range: %+v", r)
	}
}

func TestSqueeze(t *testing.T) {
	for in, want := range map[string][2]string{
		"nuuuul":    {"nuul", "nul"},
		"trooop":    {"troop", "trop"},
		"reallyyyy": {"reallyy", "really"},
		"good":      {"", ""},
	} {
		if a, b := squeeze(in, 2), squeeze(in, 1); a != want[0] || b != want[1] {
			t.Errorf("squeeze(%q) = %q %q, want %q", in, a, b, want)
		}
	}
}

var benchPosts = []string{
	"Commande passée il y a 10 jours et toujours pas reçue. Super le service client...",
	"Best flat white in town, hands down ❤️",
	"Vous êtes ouverts le dimanche matin ?",
	"Not bad at all, the new sourdough is actually really good",
}

// BenchmarkAnalyze is the product's path: language, then the model.
func BenchmarkAnalyze(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Analyze(benchPosts[i%len(benchPosts)], "")
		i++
	}
}

// BenchmarkAnalyzeRules is the analyser before the model (language, then
// the lexicon rules), for the speed ratio in BENCHMARKS.md.
func BenchmarkAnalyzeRules(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		text := benchPosts[i%len(benchPosts)]
		lang := DetectLanguage(text, "")
		_, label := Sentiment(text, lang)
		Intent(text, lang, label)
		i++
	}
}

// BenchmarkAnalyzeCorpus runs the model over every post of corpus.tsv and
// fresh.tsv (tweets to short e-mails); ns/op is per post.
func BenchmarkAnalyzeCorpus(b *testing.B) {
	var texts []string
	for _, s := range append(loadCorpus(b), loadFresh(b)...) {
		texts = append(texts, s.text)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Analyze(texts[i%len(texts)], "")
		i++
	}
}
