package tickets

// The ticketing rules, as pure functions over plain values: which ticket a
// customer's message joins, what joining does to its status and clock,
// which complaints a later kind word wins back. The batch code (thread.go,
// contacts.go) reads rows, asks these, and writes what they say; the
// table tests in rules_test.go hold them without a database.

import (
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/triage"
	"github.com/mentiondesk/mentiondesk/model"
)

// joinWindow is how long after a customer's last message a new message of
// theirs on the same channel joins the open ticket instead of opening one.
const joinWindow = 24 * time.Hour

// ticketHit is a ticket found by a lookup, with the time the lookup
// compares (the last customer message, a copy's or the first message's).
type ticketHit struct {
	ticket string
	at     time.Time
}

// recent: a ticket last heard of at hit.at may take a message published at
// published.
func recent(hit ticketHit, published time.Time) bool {
	return !hit.at.Before(published.Add(-joinWindow))
}

// nearbyCopy picks, among the tickets the same person's copies of a text
// joined, the one a message published at published joins: the latest copy
// posted within the join window of it, before or after (a slow feed may
// bring the earlier post last). Copies further apart are the same words
// said again, a conversation of their own.
func nearbyCopy(hits []ticketHit, published time.Time) (ticketHit, bool) {
	var best ticketHit
	found := false
	for _, h := range hits {
		if d := h.at.Sub(published).Abs(); d <= joinWindow && (!found || h.at.After(best.at)) {
			best, found = h, true
		}
	}
	return best, found
}

// candidates lists, in the order to try them, the tickets a mention may
// join: its thread's; then, when it needs a ticket, its author's open one
// on the channel heard from within the join window; then the tickets the
// same person's nearby copies of its text joined (nearbyCopy). The first
// that still exists wins; none opens a ticket.
func candidates(thread string, open *ticketHit, copies []ticketHit, published time.Time) []string {
	if thread != "" {
		return []string{thread}
	}
	var out []string
	if open != nil && recent(*open, published) {
		out = append(out, open.ticket)
	}
	for _, c := range copies {
		out = append(out, c.ticket)
	}
	return out
}

// opening is the state a new ticket starts in: praise (a logged
// mention) is kept resolved and needs no answer; anything else is new and
// waits for one.
func opening(action string) (status string, needsAnswer bool) {
	if action == triage.Logged {
		return model.StatusResolved, false
	}
	return model.StatusNew, true
}

// statusOnJoin is what a customer's message does to the status of the
// ticket it joins. A message that needs an answer reopens a resolved or
// ignored ticket (a reopening, counted) and makes a pending one open
// again; a thank-you in the thread changes nothing.
func statusOnJoin(status string, needsAnswer bool) (to string, reopened bool) {
	if !needsAnswer {
		return status, false
	}
	switch status {
	case model.StatusResolved, model.StatusIgnored:
		return model.StatusOpen, true
	case model.StatusPending:
		return model.StatusOpen, false
	}
	return status, false
}

// restartsClock: a message that needs an answer sets a new deadline when
// the ticket has none, or when we had answered and the message came after
// our last reply (the next-response clock). Unanswered, the first-response
// clock keeps running from the first message.
func restartsClock(hasDeadline, answered bool, published, lastReply time.Time) bool {
	return !hasDeadline || (answered && published.After(lastReply))
}

// isLatest: a message sets the ticket's mood and inbox row only if it is
// not older than the last one it has (a slow feed delivers late).
func isLatest(published, lastCustomer time.Time) bool {
	return !published.Before(lastCustomer)
}

// wonBack splits a contact's negative tickets into the ones a message of
// theirs at `at` that is not negative wins back (opened before it) and
// the ones it does not.
func wonBack(negative []ticketHit, at time.Time) (won, rest []ticketHit) {
	for _, hit := range negative {
		if hit.at.Before(at) {
			won = append(won, hit)
		} else {
			rest = append(rest, hit)
		}
	}
	return won, rest
}

// negativeStart: a ticket whose first message scored under this starts a
// complaint a later kind word may win back.
const negativeStart = -0.05
