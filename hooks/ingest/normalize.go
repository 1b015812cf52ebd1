package ingest

// What a platform sent, made safe to store: sanitised HTML, plain text,
// valid UTF-8, capped sizes, UTC times, real http(s) URLs.

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/records"
)

// Normalized is a Mention made safe to store and display.
type Normalized struct {
	ExternalID, URL, Author, AuthorName, AuthorURL string
	Title, Text, HTML, InReplyTo, ThreadID         string
	ContentHash                                    string
	Published                                      time.Time
	Meta                                           map[string]string
}

// Normalize sanitises what a platform sent: display HTML through
// the UGC policy, plain text, valid UTF-8, capped sizes, UTC times, and
// URLs that are really http(s) URLs.
func Normalize(m connectors.Mention, fetchedAt time.Time) Normalized {
	n := Normalized{
		URL:       normalize.URL(m.URL),
		Author:    records.Clip(normalize.Text(m.Author), 300),
		AuthorURL: normalize.URL(m.AuthorURL),
		Title:     records.Clip(normalize.Text(m.Title), 1000),
		InReplyTo: records.Clip(strings.TrimSpace(m.InReplyTo), 1000),
		ThreadID:  records.Clip(strings.TrimSpace(m.ThreadID), 1000),
		Meta:      m.Meta,
	}
	n.AuthorName = records.Clip(normalize.Text(m.AuthorName), 300)
	if m.HTML != "" {
		n.HTML, n.Text = normalize.HTML(m.HTML)
	}
	if strings.TrimSpace(m.Text) != "" {
		n.Text = normalize.Text(m.Text)
	}
	n.Text = records.Clip(n.Text, 40000)
	n.HTML = records.Clip(n.HTML, 200000) // already under normalize's cap; belt and braces
	n.ExternalID = ExternalID(m)
	if n.ExternalID == "" {
		sum := sha256.Sum256([]byte(m.URL + "\x00" + m.Title + "\x00" + n.Text))
		n.ExternalID = "sha256:" + hex.EncodeToString(sum[:])
	}
	n.Published = m.Published.UTC()
	// A post cannot come from the future, and a missing date is the
	// moment we first saw it.
	if n.Published.IsZero() || n.Published.After(fetchedAt.Add(5*time.Minute)) {
		n.Published = fetchedAt
	}
	if len([]rune(n.Text)) >= 20 {
		n.ContentHash = normalize.ContentHash(n.Text)
	}
	return n
}

// ExternalID is the platform's id of a mention, cleaned; "" when it has
// none (Normalize then derives one from its content).
func ExternalID(m connectors.Mention) string {
	return records.Clip(strings.TrimSpace(strings.ToValidUTF8(m.ExternalID, "")), 1000)
}

// Fill sets the mention row's content fields.
func (n Normalized) Fill(rec *core.Record, bc *Context) {
	rec.Set("source", bc.Src.Id)
	rec.Set("channel", bc.Kind)
	rec.Set("external_id", n.ExternalID)
	rec.Set("url", n.URL)
	rec.Set("author", n.Author)
	rec.Set("author_name", n.AuthorName)
	rec.Set("author_url", n.AuthorURL)
	rec.Set("title", n.Title)
	rec.Set("text", n.Text)
	rec.Set("html", n.HTML)
	rec.Set("in_reply_to", n.InReplyTo)
	rec.Set("content_hash", n.ContentHash)
	rec.Set("published_at", n.Published)
	rec.Set("fetched_at", bc.FetchedAt)
	if len(n.Meta) > 0 {
		rec.Set("meta", n.Meta)
	}
}
