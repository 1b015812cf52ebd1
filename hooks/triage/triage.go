// Package triage decides what a mention deserves: a ticket, a line in the
// log, or nothing. Choose your battles: questions and complaints are
// answered, praise is logged, noise is ignored — then the owner's rules,
// in order, adjust that default.
package triage

import (
	"slices"
	"strings"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
)

// Actions.
const (
	Ticket  = "ticket"  // opens or joins a ticket that needs an answer
	Logged  = "logged"  // kept, with a resolved ticket that needs no answer
	Ignored = "ignored" // kept as a mention, no ticket
)

// Rule is one row of the rules collection. Empty conditions match anything;
// all given conditions must hold.
type Rule struct {
	ID, Name    string
	SourceKinds []string // any of
	Sentiments  []string // any of: negative, neutral, positive
	Intents     []string // any of: question, complaint, praise, other
	Keyword     string   // one of the matched keywords
	Author      string   // the author's handle or name contains this
	Text        string   // the text contains this (case and accents folded)

	SetPriority string
	AddLabel    string
	AssignTo    string
	Ignore      bool
	Notify      bool
	Stop        bool // later rules are not looked at
}

// Input is what triage knows about a mention.
type Input struct {
	SourceKind string
	Author     string
	Text       string
	Sentiment  string
	Intent     string
	Keywords   []string
	// Direct is true when the mention was addressed to the business (an
	// e-mail, a Mastodon mention, a webhook): it deserves an answer even
	// when it reads as neutral.
	Direct bool
	// ThankPraise opens tickets for praise, for owners who answer every
	// compliment.
	ThankPraise bool
}

// Decision is what the pipeline does with the mention.
type Decision struct {
	Action   string
	Priority string
	Labels   []string
	AssignTo string
	Notify   bool
	Reason   string   // why, in words the owner reads in the log
	Rules    []string // ids of the rules that matched
}

// Decide applies the default policy, then rules in their given order.
func Decide(in Input, rules []Rule) Decision {
	d := defaults(in)
	for _, r := range rules {
		if !r.matches(in) {
			continue
		}
		d.Rules = append(d.Rules, r.ID)
		if r.Ignore {
			d.Action, d.Reason = Ignored, "rule: "+r.Name
			return d
		}
		// A rule that sets something means the owner cares about these
		// mentions: it brings noise or praise into the inbox.
		if d.Action != Ticket && (r.SetPriority != "" || r.AssignTo != "" || r.Notify || r.AddLabel != "") {
			d.Action, d.Reason = Ticket, "rule: "+r.Name
		}
		if r.SetPriority != "" {
			d.Priority = r.SetPriority
		}
		if r.AddLabel != "" && !slices.Contains(d.Labels, r.AddLabel) {
			d.Labels = append(d.Labels, r.AddLabel)
		}
		if r.AssignTo != "" {
			d.AssignTo = r.AssignTo
		}
		d.Notify = d.Notify || r.Notify
		if r.Stop {
			break
		}
	}
	return d
}

func defaults(in Input) Decision {
	switch {
	case in.Intent == "complaint":
		p := "normal"
		if in.Sentiment == "negative" {
			p = "high"
		}
		return Decision{Action: Ticket, Priority: p, Reason: "complaint"}
	case in.Intent == "question":
		return Decision{Action: Ticket, Priority: "normal", Reason: "question"}
	case in.Sentiment == "negative":
		return Decision{Action: Ticket, Priority: "normal", Reason: "negative"}
	case in.Intent == "praise" || in.Sentiment == "positive":
		if in.ThankPraise {
			return Decision{Action: Ticket, Priority: "low", Labels: []string{"praise"}, Reason: "praise (thank)"}
		}
		return Decision{Action: Logged, Priority: "low", Labels: []string{"praise"}, Reason: "praise"}
	case in.Direct:
		return Decision{Action: Ticket, Priority: "normal", Reason: "addressed to us"}
	}
	return Decision{Action: Ignored, Priority: "low", Reason: "noise"}
}

func (r Rule) matches(in Input) bool {
	if len(r.SourceKinds) > 0 && !slices.Contains(r.SourceKinds, in.SourceKind) {
		return false
	}
	if len(r.Sentiments) > 0 && !slices.Contains(r.Sentiments, in.Sentiment) {
		return false
	}
	if len(r.Intents) > 0 && !slices.Contains(r.Intents, in.Intent) {
		return false
	}
	if r.Keyword != "" {
		want := normalize.Fold(strings.TrimSpace(r.Keyword))
		if !slices.ContainsFunc(in.Keywords, func(k string) bool { return normalize.Fold(k) == want }) {
			return false
		}
	}
	if r.Author != "" && !strings.Contains(normalize.Fold(in.Author), normalize.Fold(strings.TrimSpace(r.Author))) {
		return false
	}
	if r.Text != "" && !strings.Contains(normalize.Fold(in.Text), normalize.Fold(strings.TrimSpace(r.Text))) {
		return false
	}
	return true
}
