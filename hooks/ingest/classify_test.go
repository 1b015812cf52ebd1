package ingest

import (
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/analysis"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// On a source that searches the world (an X brand search), a post that
// does not name the brand is dropped — unless the platform says it is
// addressed to the business (an @mention of its account).
func TestBroadSourceKeepsWhatIsAddressedToUs(t *testing.T) {
	t.Parallel()
	m, err := analysis.NewMatcher([]analysis.Keyword{{ID: "k", Term: "Café Lumière", Kind: analysis.KindBrand}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	c := &Context{Kind: "x", Broad: true, Matcher: &Matcher{m: m}, FetchedAt: now}
	text := "Ma commande n'est jamais arrivée et personne ne répond"
	for _, tc := range []struct {
		name   string
		direct bool
		want   string
	}{
		{"a search find without the brand", false, "dropped"},
		{"an @mention of the account", true, triage.Ticket},
	} {
		post := connectors.Mention{ExternalID: "1", Author: "@claire", Text: text, Published: now, Direct: tc.direct}
		v := c.Classify(post, Normalize(post, now))
		if v.D.Action != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, v.D.Action, v.D.Reason, tc.want)
		}
	}
}
