package triage

import (
	"reflect"
	"testing"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	vip := Rule{ID: "r1", Name: "VIP", Author: "@bigcorp", SetPriority: "urgent", AssignTo: "u1", Notify: true}
	spam := Rule{ID: "r2", Name: "Job ads", Text: "on recrute", Ignore: true}
	label := Rule{ID: "r3", Name: "Delivery", Text: "livraison", AddLabel: "delivery"}
	stop := Rule{ID: "r4", Name: "Stop here", SourceKinds: []string{"reddit"}, Stop: true}
	after := Rule{ID: "r5", Name: "After stop", SetPriority: "low"}
	negOnly := Rule{ID: "r6", Name: "Angry bluesky", SourceKinds: []string{"bluesky"}, Sentiments: []string{"negative"}, Keyword: "Café Lune", SetPriority: "urgent"}

	cases := []struct {
		name  string
		in    Input
		rules []Rule
		want  Decision
	}{
		{"a question opens a ticket", Input{Intent: "question", Sentiment: "neutral"}, nil,
			Decision{Action: Ticket, Priority: "normal", Reason: "question"}},
		{"an angry complaint is high priority", Input{Intent: "complaint", Sentiment: "negative"}, nil,
			Decision{Action: Ticket, Priority: "high", Reason: "complaint"}},
		{"a calm complaint is normal", Input{Intent: "complaint", Sentiment: "neutral"}, nil,
			Decision{Action: Ticket, Priority: "normal", Reason: "complaint"}},
		{"negative without a question still opens", Input{Intent: "other", Sentiment: "negative"}, nil,
			Decision{Action: Ticket, Priority: "normal", Reason: "negative"}},
		{"praise is logged", Input{Intent: "praise", Sentiment: "positive"}, nil,
			Decision{Action: Logged, Priority: "low", Labels: []string{"praise"}, Reason: "praise"}},
		{"praise opens when the owner thanks", Input{Intent: "praise", Sentiment: "positive", ThankPraise: true}, nil,
			Decision{Action: Ticket, Priority: "low", Labels: []string{"praise"}, Reason: "praise (thank)"}},
		{"noise is ignored", Input{Intent: "other", Sentiment: "neutral"}, nil,
			Decision{Action: Ignored, Priority: "low", Reason: "noise"}},
		{"neutral mail addressed to us opens", Input{Intent: "other", Sentiment: "neutral", Direct: true}, nil,
			Decision{Action: Ticket, Priority: "normal", Reason: "addressed to us"}},
		{"a rule promotes noise from a VIP", Input{Author: "@BigCorp@mastodon.social", Intent: "other", Sentiment: "neutral"}, []Rule{vip},
			Decision{Action: Ticket, Priority: "urgent", AssignTo: "u1", Notify: true, Reason: "rule: VIP", Rules: []string{"r1"}}},
		{"an ignore rule wins over a complaint", Input{Text: "On recrute ! Pas de réponse attendue", Intent: "complaint", Sentiment: "negative"}, []Rule{label, spam, vip},
			Decision{Action: Ignored, Priority: "high", Reason: "rule: Job ads", Rules: []string{"r2"}}},
		{"labels add up, accents folded", Input{Text: "La LIVRAISON est en retard ?", Intent: "question", Sentiment: "negative"}, []Rule{label},
			Decision{Action: Ticket, Priority: "normal", Labels: []string{"delivery"}, Reason: "question", Rules: []string{"r3"}}},
		{"stop ends the list", Input{SourceKind: "reddit", Intent: "question"}, []Rule{stop, after},
			Decision{Action: Ticket, Priority: "normal", Reason: "question", Rules: []string{"r4"}}},
		{"without stop later rules apply", Input{SourceKind: "mastodon", Intent: "question"}, []Rule{stop, after},
			Decision{Action: Ticket, Priority: "low", Reason: "question", Rules: []string{"r5"}}},
		{"all conditions must hold", Input{SourceKind: "bluesky", Sentiment: "negative", Intent: "complaint", Keywords: []string{"cafe lune"}}, []Rule{negOnly},
			Decision{Action: Ticket, Priority: "urgent", Reason: "complaint", Rules: []string{"r6"}}},
		{"one failing condition skips the rule", Input{SourceKind: "bluesky", Sentiment: "negative", Intent: "complaint", Keywords: []string{"other brand"}}, []Rule{negOnly},
			Decision{Action: Ticket, Priority: "high", Reason: "complaint"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Decide(c.in, c.rules)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Decide =\n %+v\nwant\n %+v", got, c.want)
			}
		})
	}
}
