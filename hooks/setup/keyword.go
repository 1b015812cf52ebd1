package setup

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/analysis"
	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/model"
)

// saveBrandKeyword makes the business name the first brand keyword, so the
// first source an owner adds already finds them. One keyword covers the
// forms people write it in: the matcher folds case and accents ("cafe
// lune") and reads glued hashtags and handles (#CafeLune, @cafelune).
func saveBrandKeyword(tx core.App, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	if _, err := analysis.NewMatcher([]analysis.Keyword{{Term: name, Kind: analysis.KindBrand}}); err != nil {
		return nil // no word to match ("!!!"): the owner adds keywords later
	}
	// Already there (the demo's data, a keyword the superuser added):
	// nothing to add, and setup must not fail on it.
	existing, err := tx.FindAllRecords("keywords")
	if err != nil {
		return err
	}
	for _, k := range existing {
		if normalize.Fold(k.GetString("term")) == normalize.Fold(name) {
			return nil
		}
	}
	col, err := tx.FindCollectionByNameOrId("keywords")
	if err != nil {
		return err
	}
	kw := core.NewRecord(col)
	kw.Set("term", name)
	kw.Set("kind", analysis.KindBrand)
	kw.Set("language", model.LangAny)
	return tx.Save(kw)
}
