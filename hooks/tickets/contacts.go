package tickets

// Contacts: one per platform handle, with the latest display name, profile
// URL and mood, kept by ingest; and the win-backs their mood reveals.

import (
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/ingest"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// contactRef is what ingest needs of a contact: its id, and what it last
// knew of them, to write only what changed.
type contactRef struct {
	ID, handle string
	name, url  string
	sentiment  float64
	newTickets int  // tickets the batch opened for them
	created    bool // not in the database yet
	changed    bool // name, URL or mood to write
}

// upsertContact keeps one contact per platform handle, with the latest
// display name, profile URL and mood; what changes is written once, at the
// end of the batch (saveContact).
func (bc *batchContext) upsertContact(n ingest.Normalized, sentiment float64) *contactRef {
	if n.Author == "" {
		return nil
	}
	c := bc.contacts[n.Author]
	if c == nil {
		c = &contactRef{ID: records.NewID(), handle: n.Author, name: n.AuthorName, url: n.AuthorURL, sentiment: sentiment, created: true}
		bc.contacts[n.Author] = c
		return c
	}
	name, url := n.AuthorName, n.AuthorURL
	if name == "" {
		name = c.name
	}
	if url == "" {
		url = c.url
	}
	if name != c.name || url != c.url || sentiment != c.sentiment {
		c.name, c.url, c.sentiment, c.changed = name, url, sentiment, true
	}
	return c
}

func (bc *batchContext) saveContact(tx core.App, c *contactRef) error {
	if c.created {
		col, err := tx.FindCachedCollectionByNameOrId("contacts")
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Id = c.ID
		r.Set("platform", bc.Kind)
		r.Set("handle", c.handle)
		r.Set("display_name", c.name)
		r.Set("url", c.url)
		r.Set("last_sentiment", c.sentiment)
		r.Set("tickets_count", c.newTickets)
		bc.created = append(bc.created, r)
		return bc.insertRecord(tx, r)
	}
	// What changes of a known contact (name, mood, ticket count) is
	// written in place and not announced: no screen follows a contact live.
	if !c.changed && c.newTickets == 0 {
		return nil // nothing new about them
	}
	_, err := bc.query(tx, `UPDATE contacts SET display_name = {:n}, url = {:u}, last_sentiment = {:s},
		tickets_count = tickets_count + {:t}, updated = {:now} WHERE id = {:id}`).
		Bind(dbx.Params{"n": c.name, "u": c.url, "s": c.sentiment, "t": c.newTickets, "now": types.NowDateTime().String(), "id": c.ID}).Execute()
	return err
}

// markWinBack flags the contact's earlier negative tickets once they post
// something neutral or positive: the complaint was turned around. The
// tickets are saved with the batch's others, so realtime and the stats
// index see the change.
func (bc *batchContext) markWinBack(tx core.App, contactID string, at time.Time) error {
	hits := bc.negative[contactID]
	if len(hits) == 0 {
		return nil
	}
	won, rest := wonBack(hits, at)
	for _, hit := range won {
		t, err := bc.ticket(tx, hit.ticket)
		if err != nil {
			return err
		}
		if t != nil {
			t.Set("win_back", true)
			bc.touch(t)
		}
	}
	bc.negative[contactID] = rest
	return nil
}
