package hooks

import (
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/model"
)

// The database, migrated from scratch, accepts exactly the values of the
// vocabulary the server and the app use: a value one of them saves is one
// the others know.
func TestSchemaSpeaksTheModel(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	for _, c := range []struct {
		collection, field string
		want              []string
	}{
		{"sources", "kind", model.SourceKinds},
		{"keywords", "kind", model.KeywordKinds},
		{"keywords", "language", model.KeywordLanguages},
		{"tickets", "status", model.TicketStatuses},
		{"tickets", "priority", model.Priorities},
		{"mentions", "language", model.MentionLanguages},
		{"mentions", "sentiment_label", model.SentimentLabels},
		{"mentions", "intent", model.Intents},
		{"mentions", "triage", model.TriageActions},
		{"templates", "language", model.TemplateLanguages},
		{"replies", "via", model.ReplyVias},
		{"replies", "status", model.ReplyStatuses},
		{"rules", "set_priority", model.Priorities},
		{"notifications", "kind", model.NotificationKinds},
	} {
		col, err := app.FindCollectionByNameOrId(c.collection)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := col.Fields.GetByName(c.field).(*core.SelectField)
		if !ok {
			t.Errorf("%s.%s is not a select field", c.collection, c.field)
			continue
		}
		if !slices.Equal(f.Values, c.want) {
			t.Errorf("%s.%s accepts %v; the model says %v", c.collection, c.field, f.Values, c.want)
		}
	}
	// Every polled kind has a connector, and only webhooks are pushed.
	set := connectors.NewSet(connectors.Config{})
	for _, k := range model.SourceKinds {
		if _, err := set.Fetcher(k); (err == nil) == (k == model.KindWebhook) {
			t.Errorf("source kind %s: fetcher error %v", k, err)
		}
	}
}
