package hooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/mentiondesk/mentiondesk/hooks/tickets"
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
		return tickets.IndexMentions(e.App, []string{e.Record.Id})
	})
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/search", h.handleSearch).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return nil
}

// Limits of one search, with room to spare for what a person types: a
// query of 1,000 terms once took 76 s of CPU and ran on after its client
// had left.
const (
	searchMaxChars = 200
	searchMaxTerms = 10
	// A last word shorter than this is matched whole, not as a prefix:
	// "c*" expands to most of the index.
	searchMinPrefix = 3
	// searchWindow is how many results can be paged through, and where
	// counting stops: beyond it the total reads "1,000+" (totalCapped).
	searchWindow = 1000
)

func (h *hub) handleSearch(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	input := q.Get("q")
	if n := utf8.RuneCountInString(input); n > searchMaxChars {
		return apis.NewBadRequestError(fmt.Sprintf("The search is too long (%d characters): use at most %d.", n, searchMaxChars), nil)
	}
	sq := parseSearch(input)
	if len(sq.parts) == 0 && sq.prefix == "" {
		return apis.NewBadRequestError("Type at least one word to search for.", nil)
	}
	if sq.terms > searchMaxTerms {
		return apis.NewBadRequestError(fmt.Sprintf("Search for at most %d words at once (you typed %d).", searchMaxTerms, sq.terms), nil)
	}
	page := clampInt(q.Get("page"), 1, 1, 1000)
	perPage := clampInt(q.Get("perPage"), 30, 1, 100)
	if (page-1)*perPage >= searchWindow {
		return apis.NewBadRequestError(fmt.Sprintf("Search results stop at %d: add a word to narrow the search.", searchWindow), nil)
	}

	// The query dies with the request (the phone went away) or at the
	// time limit, whichever comes first: the driver interrupts SQLite.
	ctx, cancel := context.WithTimeout(e.Request.Context(), h.cfg.SearchTimeout)
	defer cancel()
	res, err := searchMentions(ctx, e.App, sq, q.Get("all") == "1", page, perPage)
	if err != nil {
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return apis.NewApiError(http.StatusServiceUnavailable, "The search took too long: add a word to narrow it.", nil)
			}
			return nil // the client left: nobody to answer
		}
		return apis.NewBadRequestError("The search could not run.", nil)
	}
	recs, err := e.App.FindRecordsByIds("mentions", res.ids)
	if err != nil {
		return err
	}
	byID := make(map[string]*core.Record, len(recs))
	for _, r := range recs {
		byID[r.Id] = r
	}
	items := make([]*core.Record, 0, len(res.ids))
	for _, id := range res.ids {
		if r := byID[id]; r != nil {
			items = append(items, r)
		}
	}
	if err := apis.EnrichRecords(e, items); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"page": page, "perPage": perPage, "totalItems": res.total, "totalCapped": res.capped,
		"totalPages": (res.total + perPage - 1) / perPage, "items": items,
	})
}

func clampInt(s string, def, lo, hi int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return max(lo, min(hi, n))
}
