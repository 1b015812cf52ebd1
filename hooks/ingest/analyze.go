package ingest

import (
	"fmt"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	analysis "github.com/mentiondesk/mentiondesk/hooks/analysis"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// Analysis is what the pipeline keeps of the text analysis.
type Analysis struct {
	Lang, Label, Intent string
	Score               float64
}

// Analyze runs the text analysis of a mention. A platform's rating (a
// Google review's stars, as connectors put them in Meta["stars"]) weighs in:
// "Délicieux." under one star is not praise.
func Analyze(text, hint string, meta map[string]string) Analysis {
	stars, _ := strconv.Atoi(meta["stars"])
	if stars < 1 || stars > 5 {
		stars = 0
	}
	r := analysis.AnalyzePost(analysis.Post{Text: text, LangHint: hint, Stars: stars})
	lang := r.Lang
	if lang != "fr" && lang != "en" {
		lang = "other"
	}
	return Analysis{Lang: lang, Label: r.Label, Intent: r.Intent, Score: r.Score}
}

// Matcher wraps the analysis matcher with what ingest needs.
type Matcher struct {
	m *analysis.Matcher
	// none is true when no brand or product term exists at all: then the
	// source's own query stands in, and without one everything passes.
	none bool
}

// Match is what a mention's text matched of the owner's keywords.
type Match struct {
	Terms    []string
	Brand    bool   // a brand or product term matched
	Excluded string // the exclusion that suppressed the only brand match
}

// Match matches text, in lang, against the keywords.
func (k *Matcher) Match(text, lang string) Match {
	if k.m == nil {
		return Match{Terms: []string{}, Brand: true}
	}
	r := k.m.MatchLang(text, lang)
	out := Match{Terms: []string{}, Brand: r.Relevant}
	for _, h := range r.Hits {
		if h.Kind != analysis.KindExclude {
			out.Terms = append(out.Terms, h.Term)
		}
	}
	if !r.Relevant && len(r.Suppressed) > 0 {
		out.Excluded = r.Suppressed[0].Term
		for _, h := range r.Hits {
			if h.Kind == analysis.KindExclude {
				out.Excluded = h.Term
				break
			}
		}
	}
	return out
}

// LoadMatcher builds the keyword matcher for a batch. When the owner has
// not listed brand terms yet, the source's query is the brand. A keyword
// the matcher cannot read is skipped, not allowed to stop every poll (the
// keywords API refuses such terms; this covers rows written another way).
func LoadMatcher(tx core.App, query string) (*Matcher, error) {
	rows, err := tx.FindAllRecords("keywords")
	if err != nil {
		return nil, err
	}
	var kws []analysis.Keyword
	hasBrand := false
	for _, r := range rows {
		kw := keywordOf(r)
		if _, err := analysis.NewMatcher([]analysis.Keyword{kw}); err != nil {
			tx.Logger().Warn("keywords: skipping unreadable term", "keyword_id", r.Id, "term", kw.Term, "error", err)
			continue
		}
		hasBrand = hasBrand || kw.Kind == analysis.KindBrand || kw.Kind == analysis.KindProduct
		kws = append(kws, kw)
	}
	if !hasBrand {
		terms := queryTerms(query)
		if len(terms) == 0 {
			return &Matcher{none: true}, nil
		}
		for i, t := range terms {
			kws = append(kws, analysis.Keyword{ID: fmt.Sprintf("query%d", i), Term: t, Kind: analysis.KindBrand})
		}
	}
	m, err := analysis.NewMatcher(kws)
	if err != nil {
		return nil, err
	}
	return &Matcher{m: m}, nil
}

func keywordOf(r *core.Record) analysis.Keyword {
	return analysis.Keyword{
		ID: r.Id, Term: r.GetString("term"), Kind: r.GetString("kind"),
		CaseSensitive: r.GetBool("case_sensitive"), Lang: r.GetString("language"),
	}
}

// queryTerms reads a search query the way the platforms do — `"café lune"
// OR cafelune` — into the terms a mention must contain: alternatives split
// on OR or |, quotes and search operators dropped.
func queryTerms(query string) []string {
	var out []string
	for _, alt := range strings.FieldsFunc(query, func(r rune) bool { return r == '|' }) {
		for _, part := range strings.Split(alt, " OR ") {
			t := strings.Trim(strings.TrimSpace(part), `"'()`)
			t = strings.TrimPrefix(t, "#")
			if t != "" && !strings.ContainsAny(t, ":") {
				out = append(out, t)
			}
		}
	}
	return out
}

// Keywords are checked when saved, so a term the matcher cannot read is a
// 400 the owner sees, not a silent gap in matching.
func registerKeywordChecks(app core.App) {
	check := func(e *core.RecordRequestEvent) error {
		if strings.TrimSpace(e.Record.GetString("term")) == "" {
			return e.Next() // the required-field check says it better
		}
		if _, err := analysis.NewMatcher([]analysis.Keyword{keywordOf(e.Record)}); err != nil {
			return apis.NewBadRequestError("This keyword cannot be used.", validation.Errors{
				"term": validation.NewError("validation_invalid_keyword", strings.TrimPrefix(err.Error(), "analysis: ")),
			})
		}
		return e.Next()
	}
	app.OnRecordCreateRequest("keywords").BindFunc(check)
	app.OnRecordUpdateRequest("keywords").BindFunc(check)
}

// LoadRules reads the owner's enabled triage rules, in order.
func LoadRules(tx core.App) ([]triage.Rule, error) {
	rows, err := tx.FindRecordsByFilter("rules", "enabled = true", "position", 0, 0)
	if err != nil {
		return nil, err
	}
	out := make([]triage.Rule, 0, len(rows))
	for _, r := range rows {
		out = append(out, triage.Rule{
			ID: r.Id, Name: r.GetString("name"),
			SourceKinds: r.GetStringSlice("when_source_kind"),
			Sentiments:  r.GetStringSlice("when_sentiment"),
			Intents:     r.GetStringSlice("when_intent"),
			Keyword:     r.GetString("when_keyword"),
			Author:      r.GetString("when_author"),
			Text:        r.GetString("when_text"),
			SetPriority: r.GetString("set_priority"),
			AddLabel:    r.GetString("add_label"),
			AssignTo:    r.GetString("assign_to"),
			Ignore:      r.GetBool("ignore"),
			Notify:      r.GetBool("notify"),
			Stop:        r.GetBool("stop"),
		})
	}
	return out, nil
}
