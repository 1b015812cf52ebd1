package demo

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
)

func cut(s string, n int) string { return s[:min(len(s), n)] }

// A month of posts: the same for the same seed, on every channel, none
// from the future, each channel in time order, every follow-up after the
// post it answers, and the press items titled.
func TestMentions(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	gen := func() map[string][]connectors.Mention {
		return mentions(rand.New(rand.NewPCG(333, 0x1e5ca5e)), now, cut)
	}
	got := gen()
	if !reflect.DeepEqual(got, gen()) {
		t.Fatal("two runs with one seed differ")
	}
	total, followUps := 0, 0
	for _, w := range channelWeights {
		if len(got[w.kind]) == 0 {
			t.Errorf("no %s mention", w.kind)
		}
	}
	for kind, ms := range got {
		total += len(ms)
		if !slices.IsSortedFunc(ms, func(a, b connectors.Mention) int { return a.Published.Compare(b.Published) }) {
			t.Errorf("%s: not in time order", kind)
		}
		published := map[string]time.Time{}
		for _, m := range ms {
			if m.Published.After(now) {
				t.Errorf("%s: %s from the future", kind, m.ExternalID)
			}
			if m.InReplyTo != "" {
				followUps++
				at, ok := published[m.InReplyTo]
				if !ok || !m.Published.After(at) {
					t.Errorf("%s: %s answers %s, not before it on its channel", kind, m.ExternalID, m.InReplyTo)
				}
			}
			if kind == "feed" && (m.Title == "" || !strings.HasPrefix(m.Text, m.Title)) {
				t.Errorf("feed item %s titled %q", m.ExternalID, m.Title)
			}
			published[m.ExternalID] = m.Published
		}
	}
	if days := 31; total < 6*days || total > 10*days+followUps {
		t.Errorf("%d mentions over %d days", total, days)
	}
	if followUps == 0 {
		t.Error("no customer came back")
	}
}
