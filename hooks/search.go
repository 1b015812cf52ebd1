package hooks

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Full-text search over mentions (FTS5, accents folded by the tokenizer):
// GET /api/md/search?q=&page=&perPage=, answered in PocketBase's list shape
// so the SPA's list code reads it unchanged. Dropped mentions (no brand
// keyword) are left out unless all=1.
func (h *hub) registerSearch() error {
	// Ingest indexes its batches itself (indexBatch); a mention created
	// through a Save (a superuser in the admin UI) is indexed as it is
	// saved, in the same transaction.
	h.app.OnRecordCreate("mentions").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		_, err := e.App.DB().NewQuery(`INSERT INTO mentions_fts(mention_id, author, title, text) VALUES ({:id}, {:author}, {:title}, {:text})`).
			Bind(dbx.Params{"id": e.Record.Id, "author": e.Record.GetString("author") + " " + e.Record.GetString("author_name"),
				"title": e.Record.GetString("title"), "text": e.Record.GetString("text")}).Execute()
		return err
	})
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/search", h.handleSearch).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return nil
}

func (h *hub) handleSearch(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	match := ftsQuery(q.Get("q"))
	if match == "" {
		return apis.NewBadRequestError("Type at least one word to search for.", nil)
	}
	page := clampInt(q.Get("page"), 1, 1, 1000)
	perPage := clampInt(q.Get("perPage"), 30, 1, 100)

	where := dbx.NewExp("mentions_fts MATCH {:q}", dbx.Params{"q": match})
	base := func() *dbx.SelectQuery {
		sq := e.App.DB().Select().From("mentions_fts").
			InnerJoin("mentions m", dbx.NewExp("m.id = mentions_fts.mention_id")).Where(where)
		if q.Get("all") != "1" {
			sq = sq.AndWhere(dbx.NewExp("m.triage != 'dropped'"))
		}
		return sq
	}
	var total int
	if err := base().Select("count(*)").Row(&total); err != nil {
		return apis.NewBadRequestError("The search could not run.", nil)
	}
	var ids []string
	err := base().Select("m.id").OrderBy("bm25(mentions_fts, 0, 1.0, 2.0, 1.0)", "m.published_at DESC").
		Limit(int64(perPage)).Offset(int64((page - 1) * perPage)).Column(&ids)
	if err != nil {
		return err
	}
	recs, err := e.App.FindRecordsByIds("mentions", ids)
	if err != nil {
		return err
	}
	byID := make(map[string]*core.Record, len(recs))
	for _, r := range recs {
		byID[r.Id] = r
	}
	items := make([]*core.Record, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			items = append(items, r)
		}
	}
	if err := apis.EnrichRecords(e, items); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"page": page, "perPage": perPage, "totalItems": total,
		"totalPages": (total + perPage - 1) / perPage, "items": items,
	})
}

// ftsQuery turns what a user typed into a safe FTS5 query over the text
// columns: every word quoted (so AND, NEAR, quotes and column filters are
// plain text), all words required, the last one as a prefix so results
// come while typing. Quoted phrases stay phrases.
func ftsQuery(input string) string {
	var terms []string
	for i, part := range strings.Split(input, `"`) {
		if i%2 == 1 { // inside quotes: a phrase
			if p := strings.Join(strings.FieldsFunc(part, notWordRune), " "); p != "" {
				terms = append(terms, `"`+p+`"`)
			}
			continue
		}
		for _, w := range strings.FieldsFunc(part, notWordRune) {
			terms = append(terms, `"`+w+`"`)
		}
	}
	if len(terms) == 0 {
		return ""
	}
	if last := terms[len(terms)-1]; !strings.Contains(last, " ") && !strings.HasSuffix(input, `"`) {
		terms[len(terms)-1] = last + "*"
	}
	return "{author title text} : " + strings.Join(terms, " ")
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '@' && r != '_'
}

func clampInt(s string, def, lo, hi int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return max(lo, min(hi, n))
}
