package search

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// result is one page of a search: mention ids best first, and how
// many matched, counted up to resultWindow (capped says there are more).
type result struct {
	ids    []string
	total  int
	capped bool
}

// scoredHit is a match in the window, with the indexed text to rank it.
type scoredHit struct {
	ID     string `db:"id"`
	At     string `db:"at"`
	Author string `db:"author"`
	Title  string `db:"title"`
	Text   string `db:"text"`
	score  float64
}

// findMentions reads the newest resultWindow+1 matches — FTS5 walks its
// doclists backwards by rowid, ingest order, and stops there — and ranks
// those (rankHits). Its cost is bounded by the window, not by the number
// of matches: "cafe lune" matches most of a million mentions and costs
// what a rare word costs. The count stops at the window too. SQLite's own
// bm25() is not used: it reads the whole doclist of every term for its
// statistics (80 ms for "cafe" at a million mentions), and in a window
// where every hit holds every word its IDF is the same for all.
func (s *Searcher) findMentions(ctx context.Context, app core.App, q query, all bool, page, perPage int) (result, error) {
	var expansions []string
	if q.prefix != "" {
		var err error
		if expansions, err = s.expansions.expand(ctx, app, q.prefix); err != nil {
			return result{}, err
		}
		if len(expansions) == 0 {
			return result{}, nil // no word starts so: nothing matches
		}
	}
	var hits []scoredHit
	err := app.DB().NewQuery(windowSQL(all)).
		Bind(dbx.Params{"q": q.match(expansions), "lim": resultWindow + 1}).WithContext(ctx).All(&hits)
	if err != nil {
		return result{}, err
	}
	res := result{total: len(hits)}
	if len(hits) > resultWindow {
		hits, res.total, res.capped = hits[:resultWindow], resultWindow, true
	}
	rankHits(hits, q)
	lo := min(len(hits), (page-1)*perPage)
	for _, hit := range hits[lo:min(len(hits), lo+perPage)] {
		res.ids = append(res.ids, hit.ID)
	}
	return res, nil
}

// windowSQL reads the newest matches with what ranking needs. The join
// reads idx_mentions_search alone (id, triage, published_at), never the
// mentions table: one B-tree descent per match instead of two.
func windowSQL(all bool) string {
	dropped := " AND m.triage != 'dropped'"
	if all {
		dropped = ""
	}
	return `
		SELECT m.id AS id, m.published_at AS at, f.author AS author, f.title AS title, f.text AS text
		FROM mentions_fts f JOIN mentions m INDEXED BY idx_mentions_search ON m.id = f.mention_id
		WHERE mentions_fts MATCH {:q}` + dropped + `
		ORDER BY f.rowid DESC LIMIT {:lim}`
}

// BM25 parameters (Robertson's usual values, SQLite's too) and column
// weights: a word in the title counts twice.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

var columnWeights = [3]float64{1, 2, 1} // author, title, text

// rankHits orders hits best first: BM25 term saturation and length
// normalisation per column over the window, newest first on a tie. Every
// hit holds every word, so each word's IDF would be the same for all.
func rankHits(hits []scoredHit, q query) {
	if len(hits) == 0 {
		return
	}
	words := q.words
	if q.prefix != "" {
		words = slices.DeleteFunc(slices.Clone(words), func(w string) bool { return w == q.prefix })
	}
	// tf[i][c] counts the query's words (the prefix's terms as one) in
	// column c of hit i; lens[i][c] its length in terms.
	type counts struct {
		tf  [maxTerms + 1]int
		len int
	}
	cols := make([][3]counts, len(hits))
	var avg [3]float64
	for i := range hits {
		for c, s := range [3]string{hits[i].Author, hits[i].Title, hits[i].Text} {
			cc := &cols[i][c]
			forEachTerm(normalize.Fold(s), func(tok string) {
				cc.len++
				if k := slices.Index(words, tok); k >= 0 && k < maxTerms {
					cc.tf[k]++
				} else if q.prefix != "" && strings.HasPrefix(tok, q.prefix) {
					cc.tf[maxTerms]++
				}
			})
			avg[c] += float64(cc.len)
		}
	}
	for c := range avg {
		avg[c] = max(avg[c]/float64(len(hits)), 1)
	}
	for i := range hits {
		var score float64
		for c := range 3 {
			cc := &cols[i][c]
			norm := bm25K1 * (1 - bm25B + bm25B*float64(cc.len)/avg[c])
			for _, n := range cc.tf {
				if n > 0 {
					score += columnWeights[c] * float64(n) * (bm25K1 + 1) / (float64(n) + norm)
				}
			}
		}
		hits[i].score = score
	}
	slices.SortStableFunc(hits, func(a, b scoredHit) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.At, a.At))
	})
}

// forEachTerm calls fn for each term of s as unicode61 cuts them (runs of
// letters and digits), without allocating.
func forEachTerm(s string, fn func(string)) {
	start := -1
	for i, r := range s {
		if notTermRune(r) {
			if start >= 0 {
				fn(s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		fn(s[start:])
	}
}
