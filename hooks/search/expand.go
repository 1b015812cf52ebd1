package search

import (
	"bytes"
	"context"
	"sync"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// maxPrefixTerms bounds a prefix's expansion: a prefix that starts more
// terms than this is too short to mean much, and its first terms stand
// for it.
const maxPrefixTerms = 30

// maxCachedPrefixes bounds the expansion cache; past it, it starts over.
const maxCachedPrefixes = 512

// expansions finds the indexed terms a prefix starts, and remembers them
// while the index is unchanged.
//
// mentions_fts_terms (fts5vocab) counts every document of every term it
// lists, so a prefix that starts a common word reads that word's whole
// doclist: "lune", in nearly every mention, costs 16 ms in SQLite's C
// build at a million mentions and more in the pure-Go one, and "cafe lune"
// — the business's name, what its owner searches most — was the slowest
// search of the load test. The terms a prefix starts change only when the
// index does, and FTS5 rewrites its structure record (rowid 10 of
// mentions_fts_data, 63 bytes at a million mentions) with every write:
// while it reads the same, the answer is the same. The structure record's
// place is part of FTS5's file format, which SQLite keeps compatible.
type expansions struct {
	mu        sync.Mutex
	structure []byte              // the index's structure record when terms were read
	terms     map[string][]string // by prefix
}

// expand returns the terms prefix starts, at most maxPrefixTerms, in order.
func (x *expansions) expand(ctx context.Context, app core.App, prefix string) ([]string, error) {
	var structure []byte
	// A failed read only means no cache for this search.
	_ = app.DB().NewQuery(`SELECT block FROM mentions_fts_data WHERE id = 10`).WithContext(ctx).Row(&structure)
	if structure != nil {
		x.mu.Lock()
		if !bytes.Equal(x.structure, structure) {
			x.structure, x.terms = structure, nil
		}
		terms, ok := x.terms[prefix]
		x.mu.Unlock()
		if ok {
			return terms, nil
		}
	}

	// mentions_fts_terms is an fts5vocab table: the index's terms in
	// order, read from the index itself.
	var terms []string
	err := app.DB().NewQuery(`SELECT term FROM mentions_fts_terms WHERE term >= {:lo} AND term < {:hi} ORDER BY term LIMIT {:n}`).
		Bind(dbx.Params{"lo": prefix, "hi": prefix + string(utf8.MaxRune), "n": maxPrefixTerms}).
		WithContext(ctx).Column(&terms)
	if err != nil || structure == nil {
		return terms, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	// Read under the structure seen above or a newer one: keep the terms
	// only if the index has not changed since (else the next search reads
	// them again).
	if bytes.Equal(x.structure, structure) {
		if x.terms == nil || len(x.terms) >= maxCachedPrefixes {
			x.terms = make(map[string][]string)
		}
		x.terms[prefix] = terms
	}
	return terms, nil
}
