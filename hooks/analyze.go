package hooks

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	analysis "github.com/mentiondesk/mentiondesk/hooks/analysis"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// textAnalysis is what the pipeline keeps of the text analysis.
type textAnalysis struct {
	lang, label, intent string
	score               float64
}

func analyze(text, hint string) textAnalysis {
	r := analysis.Analyze(text, hint)
	lang := r.Lang
	if lang != "fr" && lang != "en" {
		lang = "other"
	}
	return textAnalysis{lang: lang, label: r.Label, intent: r.Intent, score: r.Score}
}

// keywordMatcher wraps the analysis matcher with what ingest needs.
type keywordMatcher struct {
	m *analysis.Matcher
	// none is true when no brand or product term exists at all: then the
	// source's own query stands in, and without one everything passes.
	none bool
}

type keywordMatch struct {
	terms    []string
	brand    bool   // a brand or product term matched
	excluded string // the exclusion that suppressed the only brand match
}

func (k *keywordMatcher) match(text, lang string) keywordMatch {
	if k.m == nil {
		return keywordMatch{terms: []string{}, brand: true}
	}
	r := k.m.MatchLang(text, lang)
	out := keywordMatch{terms: []string{}, brand: r.Relevant}
	for _, h := range r.Hits {
		if h.Kind != analysis.KindExclude {
			out.terms = append(out.terms, h.Term)
		}
	}
	if !r.Relevant && len(r.Suppressed) > 0 {
		out.excluded = r.Suppressed[0].Term
		for _, h := range r.Hits {
			if h.Kind == analysis.KindExclude {
				out.excluded = h.Term
				break
			}
		}
	}
	return out
}

// loadMatcher builds the keyword matcher for a batch. When the owner has
// not listed brand terms yet, the source's query is the brand.
func loadMatcher(tx core.App, query string) (*keywordMatcher, error) {
	rows, err := tx.FindAllRecords("keywords")
	if err != nil {
		return nil, err
	}
	var kws []analysis.Keyword
	hasBrand := false
	for _, r := range rows {
		kind := r.GetString("kind")
		hasBrand = hasBrand || kind == "brand" || kind == "product"
		kws = append(kws, analysis.Keyword{
			ID: r.Id, Term: r.GetString("term"), Kind: kind,
			CaseSensitive: r.GetBool("case_sensitive"), Lang: r.GetString("language"),
		})
	}
	if !hasBrand {
		q := strings.TrimSpace(query)
		if q == "" {
			return &keywordMatcher{none: true}, nil
		}
		kws = append(kws, analysis.Keyword{ID: "query", Term: q, Kind: "brand"})
	}
	m, err := analysis.NewMatcher(kws)
	if err != nil {
		return nil, err
	}
	return &keywordMatcher{m: m}, nil
}

func loadRules(tx core.App) ([]triage.Rule, error) {
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
