// Package search answers the members' full-text searches over mentions
// (FTS5, accents folded by the tokenizer), bounded in words, characters,
// results and time: what a person types must never cost the server more
// than a person waits for.
package search

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Deps is what a search needs from the rest of the server.
type Deps struct {
	// Timeout bounds one search (Config.SearchTimeout): past it the query
	// is interrupted and the member asked to narrow it.
	Timeout time.Duration
}

// Searcher answers the members' searches. It reads the full-text index and
// never writes it: ingest fills mentions_fts as it stores mentions, so what
// a search sees of a mention is decided in one place.
type Searcher struct {
	timeout    time.Duration
	expansions expansions
}

// Register binds GET /api/md/search?q=&page=&perPage= into app, answered
// in PocketBase's list shape so the SPA's list code reads it unchanged.
// Dropped mentions (no brand keyword) are left out unless all=1.
func Register(app core.App, d Deps) (*Searcher, error) {
	if d.Timeout <= 0 {
		return nil, errors.New("search: a timeout is required")
	}
	s := &Searcher{timeout: d.Timeout}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/search", s.handle).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return s, nil
}

// Limits of one search, with room to spare for what a person types: a
// query of 1,000 terms once took 76 s of CPU and ran on after its client
// had left.
const (
	maxChars = 200
	maxTerms = 10
	// A last word shorter than this is matched whole, not as a prefix:
	// "c*" expands to most of the index.
	minPrefix = 3
	// resultWindow is how many results can be paged through, and where
	// counting stops: beyond it the total reads "1,000+" (totalCapped).
	resultWindow = 1000
)

func (s *Searcher) handle(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	input := q.Get("q")
	if n := utf8.RuneCountInString(input); n > maxChars {
		return apis.NewBadRequestError(fmt.Sprintf("The search is too long (%d characters): use at most %d.", n, maxChars), nil)
	}
	sq := parse(input)
	if len(sq.parts) == 0 && sq.prefix == "" {
		return apis.NewBadRequestError("Type at least one word to search for.", nil)
	}
	if sq.terms > maxTerms {
		return apis.NewBadRequestError(fmt.Sprintf("Search for at most %d words at once (you typed %d).", maxTerms, sq.terms), nil)
	}
	page := clampInt(q.Get("page"), 1, 1, 1000)
	perPage := clampInt(q.Get("perPage"), 30, 1, 100)
	if (page-1)*perPage >= resultWindow {
		return apis.NewBadRequestError(fmt.Sprintf("Search results stop at %d: add a word to narrow the search.", resultWindow), nil)
	}

	// The query dies with the request (the phone went away) or at the
	// time limit, whichever comes first: the driver interrupts SQLite.
	ctx, cancel := context.WithTimeout(e.Request.Context(), s.timeout)
	defer cancel()
	res, err := s.findMentions(ctx, e.App, sq, q.Get("all") == "1", page, perPage)
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
