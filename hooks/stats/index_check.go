package stats

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// ErrIndexNotLoaded is CheckIndex's answer before the index was loaded:
// there is nothing kept to compare yet.
var ErrIndexNotLoaded = errors.New("stats: the index is not loaded")

// CheckIndex compares the index the record hooks kept with one rebuilt
// from the tables now, and says where they differ: a write that went
// around PocketBase's hooks (raw SQL on tickets or mentions, a bulk writer
// that forgot to fire them) shows here. Hours whose count fell back to
// zero, and deleted tickets, are absent from a rebuild and not compared.
func (r *Reporter) CheckIndex(app core.App) error {
	fresh := newIndex()
	if err := fresh.ensureLoaded(app); err != nil {
		return err
	}
	kept := r.index
	kept.mu.RLock()
	defer kept.mu.RUnlock()
	if !kept.loaded {
		return ErrIndexNotLoaded
	}
	var diffs []string
	if len(kept.byID) != len(fresh.byID) {
		diffs = append(diffs, fmt.Sprintf("%d tickets kept, %d rebuilt", len(kept.byID), len(fresh.byID)))
	}
	for id, i := range fresh.byID {
		j, ok := kept.byID[id]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("ticket %s: missing, rebuilt %+v", id, fresh.facts[i]))
		case kept.facts[j] != fresh.facts[i]:
			diffs = append(diffs, fmt.Sprintf("ticket %s: kept %+v, rebuilt %+v", id, kept.facts[j], fresh.facts[i]))
		}
	}
	for k, n := range kept.hours {
		if n != fresh.hours[k] {
			diffs = append(diffs, fmt.Sprintf("mentions of %+v: %d kept, %d rebuilt", k, n, fresh.hours[k]))
		}
	}
	for k, n := range fresh.hours {
		if _, ok := kept.hours[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("mentions of %+v: none kept, %d rebuilt", k, n))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("stats: the index differs from a rebuild:\n%s", strings.Join(diffs, "\n"))
	}
	return nil
}
