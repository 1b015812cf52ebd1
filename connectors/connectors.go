// Package connectors fetches mentions from the places people talk about a
// business and posts replies back there. It knows nothing of PocketBase: each
// connector is plain I/O and parsing, so it can be tested against httptest
// servers that replay the platforms' real wire shapes from testdata/.
package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Source is what a connector needs to know about one configured source. The
// hooks package builds it from a `sources` record; secrets arrive decrypted.
type Source struct {
	ID    string
	Kind  string
	Name  string
	URL   string // feed URL, instance base URL, IMAP address...
	Query string // search terms, hashtag, subreddit...
	// Options holds kind-specific, non-secret settings (e.g. "mode":
	// "hashtag" for Mastodon, "account" for the business handle).
	Options map[string]string
	// Secrets holds kind-specific credentials (tokens, app passwords).
	Secrets map[string]string
}

// Opt returns an option or def when it is unset.
func (s Source) Opt(key, def string) string {
	if v, ok := s.Options[key]; ok && v != "" {
		return v
	}
	return def
}

// Mention is one post, comment or message found on a platform.
type Mention struct {
	ExternalID string    `json:"external_id"` // stable per source
	URL        string    `json:"url"`
	Author     string    `json:"author"`      // handle / address, stable
	AuthorName string    `json:"author_name"` // display name
	AuthorURL  string    `json:"author_url"`
	Title      string    `json:"title"`
	Text       string    `json:"text"` // plain text if the platform gives it
	HTML       string    `json:"html"` // raw HTML if the platform gives it; sanitised later
	Lang       string    `json:"lang"` // platform's language hint, may be empty
	Published  time.Time `json:"published"`
	InReplyTo  string    `json:"in_reply_to"` // external id of the parent, if any
	ThreadID   string    `json:"thread_id"`   // external id of the thread root, if any
	// Repost marks a plain boost/repost/retweet: it never opens a ticket.
	Repost bool `json:"repost"`
	// Own marks a post written by the connected business account itself
	// (our own replies coming back): it never opens a ticket.
	Own bool `json:"own"`
	// Direct marks a post addressed to the business on a source that also
	// reads the world (an @mention of its X account beside a brand
	// search): it need not name the brand to count.
	Direct bool `json:"direct,omitempty"`
	// Meta carries what a Replier needs later (Bluesky cid and root,
	// Mastodon visibility, e-mail Message-ID and References...).
	Meta map[string]string `json:"meta,omitempty"`
	Raw  json.RawMessage   `json:"raw,omitempty"`
}

// Cursor is a connector's opaque position, stored on the source between
// polls. ETag and LastModified serve conditional GETs; Since is free-form
// (a min_id, a created_at_i, an IMAP UID, a paging cursor).
type Cursor struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Since        string `json:"since,omitempty"`
}

// Batch is the result of one Fetch.
type Batch struct {
	Mentions []Mention
	Cursor   Cursor
	// NextCheck, when non-zero, is the earliest time the platform wants us
	// back (Cache-Control max-age, rate-limit reset). The poller uses it as a
	// floor, never as a ceiling.
	NextCheck time.Time
	// Hub and Topic are set when a feed advertises a WebSub hub.
	Hub, Topic string
	// MovedTo is the feed's new address when every redirect on the way
	// was permanent (301, 308): the poller stores it on the source.
	MovedTo string
}

// Fetcher reads new mentions from a source since cursor.
type Fetcher interface {
	Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error)
}

// Sent describes a reply the platform accepted.
type Sent struct {
	ExternalID string
	URL        string
}

// Replier posts body as an answer to a mention, on the mention's platform.
// idempotencyKey is stable per reply: a retry after a crash must not post
// twice, so implementations pass it to the platform or check before sending.
type Replier interface {
	Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error)
}

// Errors are values: the poller turns them into the source's health.
var (
	// ErrNotModified means the platform had nothing new (HTTP 304 or an
	// unchanged validator). It is success, not failure.
	ErrNotModified = errors.New("connectors: not modified")
	// ErrAuth means the credentials were refused (401/403).
	ErrAuth = errors.New("connectors: credentials refused")
	// ErrBadFeed means the body could not be parsed as what it claims to be.
	ErrBadFeed = errors.New("connectors: unreadable feed")
	// ErrTooLarge means the body exceeded the configured cap.
	ErrTooLarge = errors.New("connectors: response too large")
	// ErrBlockedAddress means the outbound guard refused the destination.
	// Its text is the whole story users see at dial time: never what a
	// name resolved to.
	ErrBlockedAddress = errors.New("connectors: the address is not allowed")
	// ErrConfig means the source is missing something it needs.
	ErrConfig = errors.New("connectors: source misconfigured")
	// ErrNoReply means the platform offers no API to reply: the agent
	// answers on the platform by hand and marks the reply sent.
	ErrNoReply = errors.New("connectors: platform does not accept replies through an API")
	// ErrRejected means the platform refused this reply's content (too
	// long, validation failed, recipient refused). Sending it again
	// unchanged cannot help; editing it may.
	ErrRejected = errors.New("connectors: the platform refused the reply")
	// ErrReconnect means an OAuth grant was revoked or expired past
	// refreshing: only the owner, connecting the account again, can fix it.
	// Wrap it with the platform's reason ("the token lacks the
	// pages_read_user_content permission").
	ErrReconnect = errors.New("connectors: the account must be connected again")
)

// RateLimitedError asks the caller to come back after RetryAfter.
type RateLimitedError struct {
	RetryAfter time.Duration
	Status     int
	Reason     string
}

func (e *RateLimitedError) Error() string {
	msg := fmt.Sprintf("connectors: rate limited (HTTP %d), retry after %s", e.Status, e.RetryAfter.Round(time.Second))
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// HTTPError is an unexpected HTTP status with the start of the body, so the
// owner sees what the platform said.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("connectors: HTTP %d", e.Status)
	}
	return fmt.Sprintf("connectors: HTTP %d: %s", e.Status, e.Body)
}
