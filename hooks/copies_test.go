package hooks

import (
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// Two customers who write the same words are two conversations; the same
// customer cross-posting is one.
func TestCopiesJoinOnlyTheSamePerson(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	hook := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Zapier", "enabled": true})
	masto := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": "https://m.example", "enabled": true})
	mail := saveRecord(t, app, "sources", map[string]any{"kind": "email", "name": "Inbox", "url": "imap.example:993", "enabled": true})
	now := time.Now().UTC()
	question := "Vous êtes ouverts le dimanche matin ?"

	ingestAll(t, h, hook,
		connectors.Mention{ExternalID: "w1", Author: "paul@example.net", AuthorName: "Paul", Text: question, Published: now.Add(-40 * time.Minute)},
		connectors.Mention{ExternalID: "w2", Author: "marie@example.net", AuthorName: "Marie", Text: question, Published: now.Add(-30 * time.Minute)},
	)
	if a, b := ticketOfMention(t, app, "w1"), ticketOfMention(t, app, "w2"); a == nil || b == nil || a.Id == b.Id {
		t.Fatalf("two authors, same words: tickets %v and %v, want two different ones", a, b)
	}

	complaint := "Ma commande n'est jamais arrivée et personne ne répond."
	ingestAll(t, h, masto, connectors.Mention{ExternalID: "m1", Author: "@anne_martin@mastodon.social", AuthorName: "Anne Martin", Text: complaint, Published: now.Add(-20 * time.Minute)})
	// The same person, by e-mail: joins her ticket.
	ingestAll(t, h, mail, connectors.Mention{ExternalID: "e1", Author: "annemartin@example.org", AuthorName: "Anne  MARTIN", Text: complaint, Published: now.Add(-10 * time.Minute)})
	// Someone else with the same words, and someone of the same name but
	// another handle: their own tickets.
	ingestAll(t, h, masto, connectors.Mention{ExternalID: "m2", Author: "@bob@m.example", AuthorName: "Bob", Text: complaint, Published: now.Add(-5 * time.Minute)})
	ingestAll(t, h, mail, connectors.Mention{ExternalID: "e2", Author: "a.dupont@example.org", AuthorName: "Anne Martin", Text: complaint, Published: now.Add(-4 * time.Minute)})

	anne := ticketOfMention(t, app, "m1")
	if got := ticketOfMention(t, app, "e1"); got == nil || got.Id != anne.Id {
		t.Errorf("Anne's e-mail copy of her toot opened ticket %v, want hers (%s)", got, anne.Id)
	}
	for _, ext := range []string{"m2", "e2"} {
		if got := ticketOfMention(t, app, ext); got == nil || got.Id == anne.Id {
			t.Errorf("%s (another person, same words) joined Anne's ticket", ext)
		}
	}
	anne, _ = app.FindRecordById("tickets", anne.Id)
	if anne.GetInt("mention_count") != 2 {
		t.Errorf("Anne's ticket has %d messages, want 2", anne.GetInt("mention_count"))
	}
}

// A slow feed may bring the first post last: a copy posted the day before
// the one already stored joins its ticket across the date line; the same
// words two days apart open their own. Either way round: which copies
// share a ticket does not depend on which feed came first (the lookup used
// to take any later copy, so the same posts made one ticket or two by the
// order they arrived in).
func TestCopiesJoinWithinADayEitherSide(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	masto := saveRecord(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": "https://m.example", "enabled": true})
	mail := saveRecord(t, app, "sources", map[string]any{"kind": "email", "name": "Inbox", "url": "imap.example:993", "enabled": true})
	midnight := time.Now().UTC().Truncate(24 * time.Hour)
	complaint := "Ma commande n'est jamais arrivée et personne ne répond."

	ingestAll(t, h, masto, connectors.Mention{ExternalID: "m1", Author: "@anne_martin@mastodon.social", AuthorName: "Anne Martin", Text: complaint, Published: midnight.Add(-2 * time.Hour)})
	ingestAll(t, h, mail,
		// The e-mail she sent the evening before: 23 hours earlier, another UTC day.
		connectors.Mention{ExternalID: "e1", Author: "annemartin@example.org", AuthorName: "Anne Martin", Text: complaint, Published: midnight.Add(-25 * time.Hour)},
	)
	ingestAll(t, h, mail,
		// The same words two days before the toot.
		connectors.Mention{ExternalID: "e0", Author: "annemartin@example.org", AuthorName: "Anne Martin", Text: complaint, Published: midnight.Add(-50 * time.Hour)},
	)
	anne := ticketOfMention(t, app, "m1")
	if got := ticketOfMention(t, app, "e1"); got == nil || got.Id != anne.Id {
		t.Errorf("the e-mail posted 23 hours before her toot opened ticket %v, want hers (%s)", got, anne.Id)
	}
	if got := ticketOfMention(t, app, "e0"); got == nil || got.Id == anne.Id {
		t.Errorf("the same words two days earlier joined her ticket, want a ticket of their own")
	}
}
