package connectors

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// feedAccept is what we tell servers we can read, feeds first; the last
// entry keeps servers that only know */* happy.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// maxCacheFloor caps what Cache-Control, Expires or <ttl> can ask for: a
// feed that says "max-age=31536000" must not go quiet for a year.
const maxCacheFloor = 24 * time.Hour

// Feed fetches RSS 0.9x/1.0/2.0, Atom and JSON Feed documents, including
// Google Alerts feeds. Source.URL is the feed; optional Secrets "username"
// and "password" are sent as HTTP basic auth (private feeds).
type Feed struct {
	cfg Config
}

// NewFeed returns a feed fetcher using cfg's client, clock and body cap.
func NewFeed(cfg Config) *Feed { return &Feed{cfg: cfg} }

// Fetch polls src.URL with a conditional GET.
//
// Convention for "nothing new": Fetch returns ErrNotModified together with a
// Batch whose Cursor carries the validators to store (a 304 may send a new
// Last-Modified, RFC 9111 §4.3.4) and whose NextCheck honours the cache
// headers. Callers should save Batch.Cursor and Batch.NextCheck before
// treating ErrNotModified as success. On every other error the Batch is
// empty except for NextCheck, and the stored cursor must be kept.
//
// Mentions come in feed order. ExternalID is the item's GUID (Atom id),
// else its link, else a hash of title and date; Published is the item's
// published date, else its updated date, else zero, and never later than
// now. Batch.Hub and Batch.Topic are set when the feed advertises a WebSub
// hub (Link headers first, then the document).
func (f *Feed) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	if strings.TrimSpace(src.URL) == "" {
		return Batch{}, fmt.Errorf("%w: the feed URL is empty", ErrConfig)
	}
	user, pass := src.Secrets["username"], src.Secrets["password"]
	setup := func(req *http.Request) {
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
	}
	b, _, err := fetchFeed(ctx, f.cfg, strings.TrimSpace(src.URL), cur, setup, f.cfg.statusError)
	return b, err
}

// ParseBody parses a feed document that arrived without a poll (a WebSub
// push) through the same code as Fetch. baseURL resolves relative links;
// pass the topic URL.
func (f *Feed) ParseBody(body []byte, contentType, baseURL string) ([]Mention, error) {
	if int64(len(body)) > f.cfg.maxBody() {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.cfg.maxBody())
	}
	p, err := parseFeed(body, contentType, baseURL, f.cfg.now())
	if err != nil {
		return nil, err
	}
	return p.mentions, nil
}

// parsedFeed is a document reduced to what the connectors use.
type parsedFeed struct {
	title    string
	mentions []Mention
	// categories[i] holds the categories of mentions[i] (Reddit puts the
	// subreddit there).
	categories [][]string
	hub, self  string
	ttl        time.Duration
}
