// Package analysis is the text analysis of the ingest pipeline: keyword
// matching (brand, product, competitor, exclude), language (fr, en,
// other), lexicon-based sentiment with French and English negation and
// intensifier rules, and intent (question, complaint, praise, other).
// It has no PocketBase import and no state beyond read-only tables built
// once, so every function is safe for concurrent use.
//
// Texts are expected already normalised (see hooks/normalize); analysis
// folds case and accents itself.
package analysis

// Result is the analysis of one post.
type Result struct {
	Lang   string  // fr, en, other
	Score  float64 // sentiment, -1..1
	Label  string  // negative, neutral, positive
	Intent string  // question, complaint, praise, other
}

// Analyze runs language detection, sentiment and intent on text. hint is
// the platform's language tag, if any.
func Analyze(text, hint string) Result {
	lang := DetectLanguage(text, hint)
	score, label := Sentiment(text, lang)
	return Result{Lang: lang, Score: score, Label: label, Intent: Intent(text, lang, label)}
}
