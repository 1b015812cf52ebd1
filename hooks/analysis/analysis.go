// Package analysis is the text analysis of the ingest pipeline: keyword
// matching (brand, product, competitor, exclude), language (fr, en,
// other), sentiment (negative, neutral, positive) and intent (complaint,
// question, praise, other).
//
// Sentiment and intent come from a small trained model (model.go): two
// multinomial logistic regressions over hashed word n-grams of the folded
// text (character n-grams are supported; cross-validation preferred none),
// words in scare quotes, and post-level signals (the platform's stars,
// emoji, capitals, punctuation), decided together. The hand-written lexicon rules (sentiment.go,
// intent.go: French and English negation scope, "mais"/"but" contrast,
// intensifiers, question forms, complaint vocabulary) are features of that
// model, not the verdict: it learns where they are right.
//
// The model is trained from the labelled posts in training/*.tsv by
//
//	GOTOOLCHAIN=go1.27.3 go run ./tools/train          # writes hooks/analysis/model.bin
//	GOTOOLCHAIN=go1.27.3 go run ./tools/train -check   # CI: the committed model is what the data gives
//	GOTOOLCHAIN=go1.27.3 go run ./tools/train -cv      # cross-validation report and hyper-parameter search
//
// and embedded in the binary (go:embed). Training is deterministic: files
// in name order, lines in file order, a fixed seed, no map iteration.
//
// It has no PocketBase import and no state beyond read-only tables built
// once, so every function is safe for concurrent use.
//
// Texts are expected already normalised (see hooks/normalize); analysis
// folds case and accents itself.
package analysis

import "sync"

// Result is the analysis of one post.
type Result struct {
	Lang   string  // fr, en, other
	Score  float64 // sentiment, -1..1: P(positive) − P(negative)
	Label  string  // negative, neutral, positive
	Intent string  // question, complaint, praise, other
}

// Post is what the analysis reads of a mention.
type Post struct {
	Text     string
	LangHint string // the platform's language tag, if any ("fr-CA", "en")
	Stars    int    // 1..5 when the platform gives a rating (a Google review), else 0
}

// Analyze runs language detection, sentiment and intent on text. hint is
// the platform's language tag, if any.
func Analyze(text, hint string) Result {
	return AnalyzePost(Post{Text: text, LangHint: hint})
}

// AnalyzePost runs language detection, sentiment and intent on a post with
// the embedded model. It panics if the embedded model is corrupt, which
// TestEmbeddedModel rules out before a build ships.
func AnalyzePost(p Post) Result {
	m, err := DefaultModel()
	if err != nil {
		panic(err)
	}
	return m.Analyze(p)
}

// Analyze is AnalyzePost with this model.
func (m *Model) Analyze(p Post) Result {
	lang := DetectLanguage(p.Text, p.LangHint)
	r := m.classify(p.Text, lang, p.Stars)
	r.Lang = lang
	return r
}

// classify gives sentiment and intent for a post in a known language.
func (m *Model) classify(text, lang string, stars int) Result {
	e := extractors.Get().(*extractor)
	e.cfg = m.cfg
	pr, s, in := m.predict(e.features(text, lang, stars))
	extractors.Put(e)
	return Result{
		Score:  float64(pr.sentiment[2] - pr.sentiment[0]),
		Label:  sentimentClasses[s],
		Intent: intentClasses[in],
	}
}

var extractors = sync.Pool{New: func() any { return new(extractor) }}
