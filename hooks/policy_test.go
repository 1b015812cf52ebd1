package hooks

import (
	"fmt"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// The policy is cached between batches; a committed change to the rules
// or the keywords is in force for the very next batch.
func TestPolicyChangesReachTheNextBatch(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": "Alerts", "url": "https://alerts.example/feed", "enabled": true})
	n := 0
	question := func() (string, string) {
		t.Helper()
		n++
		ext := fmt.Sprintf("p%d", n)
		ingestAll(t, h, src, connectors.Mention{ExternalID: ext, Author: fmt.Sprintf("@u%d@m.example", n),
			Text: fmt.Sprintf("Est-ce que Café Lune livre à domicile le samedi ? Demande express n°%d", n), Published: time.Now().UTC()})
		m, err := app.FindFirstRecordByData("mentions", "external_id", ext)
		if err != nil {
			t.Fatal(err)
		}
		if m.GetString("ticket") == "" {
			return "", m.GetString("triage")
		}
		return ticketOfMention(t, app, ext).GetString("priority"), m.GetString("triage")
	}

	if p, _ := question(); p != "normal" {
		t.Fatalf("before the rule: priority %q", p)
	}
	rule := saveRecord(t, app, "rules", map[string]any{"name": "Urgent", "position": 2, "enabled": true, "when_text": "express", "set_priority": "urgent"})
	if p, _ := question(); p != "urgent" {
		t.Fatalf("after the rule was added: priority %q", p)
	}
	if err := app.Delete(rule); err != nil {
		t.Fatal(err)
	}
	if p, _ := question(); p != "normal" {
		t.Fatalf("after the rule was deleted: priority %q", p)
	}
	saveRecord(t, app, "keywords", map[string]any{"term": "Café Lune livre", "kind": "exclude"})
	if p, triage := question(); p != "" || triage != "dropped" {
		t.Fatalf("after the exclusion was added: priority %q, triage %s", p, triage)
	}
}
