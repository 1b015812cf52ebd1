package hooks

import (
	"cmp"
	"context"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// searchResult is one page of a search: mention ids best first, and how
// many matched, counted up to searchWindow (capped says there are more).
type searchResult struct {
	ids    []string
	total  int
	capped bool
}

type searchHit struct {
	ID    string  `db:"id"`
	Score float64 `db:"score"`
	At    string  `db:"at"`
}

// searchMentions reads the newest searchWindow+1 matches — FTS5 walks its
// doclists backwards by rowid, ingest order, and stops there — and ranks
// those by BM25 (title twice the weight of author and text), newest first
// on a tie. Its cost is bounded by the window, not by the number of
// matches: "cafe lune" matches most of a million mentions and costs what
// a rare word costs. The count stops at the window too.
func searchMentions(ctx context.Context, app core.App, match string, all bool, page, perPage int) (searchResult, error) {
	dropped := " AND m.triage != 'dropped'"
	if all {
		dropped = ""
	}
	var hits []searchHit
	err := app.DB().NewQuery(`
		SELECT m.id AS id, bm25(mentions_fts, 0, 1.0, 2.0, 1.0) AS score, m.published_at AS at
		FROM mentions_fts JOIN mentions m ON m.id = mentions_fts.mention_id
		WHERE mentions_fts MATCH {:q}` + dropped + `
		ORDER BY mentions_fts.rowid DESC LIMIT {:lim}`).
		Bind(dbx.Params{"q": match, "lim": searchWindow + 1}).WithContext(ctx).All(&hits)
	if err != nil {
		return searchResult{}, err
	}
	res := searchResult{total: len(hits)}
	if len(hits) > searchWindow {
		hits, res.total, res.capped = hits[:searchWindow], searchWindow, true
	}
	slices.SortStableFunc(hits, func(a, b searchHit) int {
		// bm25() is lower for better matches.
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(b.At, a.At))
	})
	lo := min(len(hits), (page-1)*perPage)
	for _, hit := range hits[lo:min(len(hits), lo+perPage)] {
		res.ids = append(res.ids, hit.ID)
	}
	return res, nil
}
