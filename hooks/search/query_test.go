package search

import (
	"strings"
	"testing"
)

// The best match comes first within the window: a title outweighs the
// text, two occurrences outweigh one, and a tie goes to the newest.
func TestSearchRanking(t *testing.T) {
	t.Parallel()
	q := parse("remboursement")
	hits := []scoredHit{
		{ID: "plain", At: "2026-11-20", Text: "Toujours pas de remboursement pour ma commande"},
		{ID: "title", At: "2026-11-19", Title: "Remboursement", Text: "Toujours pas de remboursement pour ma commande"},
		{ID: "twice", At: "2026-11-18", Text: "Remboursement ? Quel remboursement ?"},
		{ID: "newer", At: "2026-11-21", Text: "Toujours pas de remboursement pour ma commande"},
		{ID: "prefix", At: "2026-11-22", Text: "Remboursée enfin"},
	}
	rankHits(hits, q)
	var got []string
	for _, h := range hits {
		got = append(got, h.ID)
	}
	if want := "title,twice,newer,plain,prefix"; strings.Join(got, ",") != want {
		t.Fatalf("ranked %v, want %s", got, want)
	}
}
