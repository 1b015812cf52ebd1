package records

import (
	"strings"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	prev := ""
	seen := map[string]bool{}
	for i := range 2000 {
		id := NewID()
		if len(id) != 15 || strings.Trim(id, idDigits) != "" {
			t.Fatalf("id %q is not 15 characters of [a-z0-9]", id)
		}
		if id[:9] < prev {
			t.Fatalf("id %d %q sorts before the one made earlier (%q)", i, id, prev)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		prev, seen[id] = id[:9], true
		if i == 1000 {
			time.Sleep(2 * time.Millisecond)
		}
	}
}
