package connectors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultRedditBaseURL is where Reddit serves its public Atom feeds.
const DefaultRedditBaseURL = "https://www.reddit.com"

// Back-off when Reddit refuses a feed reader. Reddit rarely says for how
// long, and hammering a blocked IP only extends the block.
const (
	redditRateLimitBackoff = 30 * time.Minute
	redditBlockedBackoff   = 2 * time.Hour
)

// RedditBlockedReason is shown on the source when Reddit answers 403/429.
const RedditBlockedReason = "Reddit blocked anonymous access; use your private feed URL from reddit.com/prefs/feeds"

// Reddit reads Reddit's Atom feeds: a site-wide search, a subreddit's new
// posts, a search inside a subreddit, or any Reddit feed URL the owner
// pastes (typically the private one from reddit.com/prefs/feeds, whose
// feed= and user= parameters get through where anonymous readers are
// refused).
//
// Source fields:
//   - URL: a full Reddit feed URL; when set it wins and is used as is.
//   - Query: search terms (search.rss?q=...&sort=new).
//   - Options["subreddit"]: a subreddit name ("golang" or "r/golang"); alone
//     it reads /r/<sub>/new/.rss, with Query it searches inside it.
//   - Options["reddit_user"]: the owner's Reddit user name, for the
//     User-Agent Reddit requires and, with Secrets["feed_token"], for the
//     private feed parameters added to generated URLs.
type Reddit struct {
	cfg Config
	// BaseURL replaces https://www.reddit.com for generated URLs (tests).
	BaseURL string
}

// NewReddit returns a Reddit fetcher.
func NewReddit(cfg Config) *Reddit { return &Reddit{cfg: cfg, BaseURL: DefaultRedditBaseURL} }

var subredditName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_]{1,20}$`)

// FeedURL returns the URL Fetch will read for src (with its private
// parameters: do not log it).
func (r *Reddit) FeedURL(src Source) (string, error) {
	if raw := strings.TrimSpace(src.URL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", fmt.Errorf("%w: the Reddit feed URL is not an http(s) URL", ErrConfig)
		}
		return raw, nil
	}
	base := strings.TrimRight(r.BaseURL, "/")
	if base == "" {
		base = DefaultRedditBaseURL
	}
	sub := strings.TrimSpace(src.Opt("subreddit", ""))
	sub = strings.TrimPrefix(strings.TrimPrefix(sub, "/"), "r/")
	query := strings.TrimSpace(src.Query)
	q := url.Values{}
	var path string
	switch {
	case sub != "":
		if !subredditName.MatchString(sub) {
			return "", fmt.Errorf("%w: %q is not a subreddit name", ErrConfig, sub)
		}
		if query == "" {
			path = "/r/" + sub + "/new/.rss"
		} else {
			path = "/r/" + sub + "/search.rss"
			q.Set("q", query)
			q.Set("restrict_sr", "on")
			q.Set("sort", "new")
		}
	case query != "":
		path = "/search.rss"
		q.Set("q", query)
		q.Set("sort", "new")
	default:
		return "", fmt.Errorf("%w: a Reddit source needs search terms, a subreddit or a feed URL", ErrConfig)
	}
	if tok, user := src.Secrets["feed_token"], src.Opt("reddit_user", ""); tok != "" && user != "" {
		q.Set("feed", tok)
		q.Set("user", user)
	}
	u := base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u, nil
}

// redditUserAgent follows Reddit's required form
// <platform>:<app ID>:<version> (by /u/<username>).
func redditUserAgent(user string) string {
	user = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(user), "/u/"), "u/")
	if user != "" {
		return "server:mentiondesk:1.0 (by /u/" + user + ")"
	}
	// Without a user we say who we are rather than inventing an account.
	return "server:mentiondesk:1.0 (self-hosted; +https://github.com/mentiondesk/mentiondesk)"
}

// Fetch reads the feed and maps entries to mentions: ExternalID is the
// t3_ (post) or t1_ (comment) id, Author the user name without "/u/", a
// comment's ThreadID its post's t3_ id, Meta["subreddit"] the subreddit.
// It follows Feed.Fetch's conventions (ErrNotModified with a Batch); 403
// and 429 become a *RateLimitedError with RedditBlockedReason and a long
// back-off, and so does the HTML block page Reddit sometimes serves with
// status 200.
func (r *Reddit) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	feedURL, err := r.FeedURL(src)
	if err != nil {
		return Batch{}, err
	}
	private := false
	if u, err := url.Parse(feedURL); err == nil {
		private = u.Query().Get("feed") != ""
	}
	ua := redditUserAgent(src.Opt("reddit_user", ""))
	setup := func(req *http.Request) { req.Header.Set("User-Agent", ua) }
	statusErr := func(resp *http.Response) error {
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			wait := max(RetryAfter(resp.Header, r.cfg.now()), redditRateLimitBackoff)
			return &RateLimitedError{RetryAfter: wait, Status: resp.StatusCode, Reason: RedditBlockedReason}
		case http.StatusForbidden:
			if private {
				return fmt.Errorf("%w (HTTP 403): Reddit refused the private feed; copy the URL again from reddit.com/prefs/feeds", ErrAuth)
			}
			wait := max(RetryAfter(resp.Header, r.cfg.now()), redditBlockedBackoff)
			return &RateLimitedError{RetryAfter: wait, Status: resp.StatusCode, Reason: RedditBlockedReason}
		}
		return r.cfg.statusError(resp)
	}
	batch, p, err := fetchFeed(ctx, r.cfg, feedURL, cur, setup, statusErr)
	if errors.Is(err, errWebPage) {
		return Batch{NextCheck: r.cfg.now().Add(redditBlockedBackoff)},
			&RateLimitedError{RetryAfter: redditBlockedBackoff, Status: http.StatusOK, Reason: RedditBlockedReason}
	}
	if err != nil {
		return batch, err
	}
	// Reddit advertises no hub; never subscribe on its behalf.
	batch.Hub, batch.Topic = "", ""
	for i := range batch.Mentions {
		var cats []string
		if i < len(p.categories) {
			cats = p.categories[i]
		}
		redditMention(&batch.Mentions[i], cats)
	}
	return batch, nil
}

// Reddit permalinks: /r/<sub>/comments/<post id>/<slug>/[<comment id>/]
var redditPermalink = regexp.MustCompile(`/comments/([a-z0-9]+)(?:/[^/]*/([a-z0-9]+))?`)

func redditMention(m *Mention, categories []string) {
	name := strings.TrimSpace(m.AuthorName)
	name = strings.TrimPrefix(strings.TrimPrefix(name, "/u/"), "u/")
	if name != "" {
		m.Author, m.AuthorName = name, name
		if m.AuthorURL == "" {
			m.AuthorURL = "https://www.reddit.com/user/" + url.PathEscape(name)
		}
	}
	var postID, commentID string
	if u, err := url.Parse(m.URL); err == nil {
		if sm := redditPermalink.FindStringSubmatch(u.Path); sm != nil {
			postID, commentID = sm[1], sm[2]
		}
	}
	if !strings.HasPrefix(m.ExternalID, "t3_") && !strings.HasPrefix(m.ExternalID, "t1_") {
		switch {
		case commentID != "":
			m.ExternalID = "t1_" + commentID
		case postID != "":
			m.ExternalID = "t3_" + postID
		}
	}
	if strings.HasPrefix(m.ExternalID, "t1_") && postID != "" {
		m.ThreadID = "t3_" + postID
	}
	// Self posts and comments wrap their text in SC_OFF/SC_ON markers,
	// followed by "submitted by /u/x [link] [comments]" boilerplate that
	// would only add noise to the ticket; link posts have no text and keep
	// the whole block.
	if i := strings.Index(m.HTML, "<!-- SC_OFF -->"); i >= 0 {
		if j := strings.Index(m.HTML[i:], "<!-- SC_ON -->"); j > 0 {
			m.HTML = strings.TrimSpace(m.HTML[i+len("<!-- SC_OFF -->") : i+j])
		}
	}
	// gofeed gives the category's label ("r/Lyon") when there is one.
	if len(categories) > 0 {
		if sub := strings.TrimPrefix(strings.TrimSpace(categories[0]), "r/"); sub != "" {
			if m.Meta == nil {
				m.Meta = map[string]string{}
			}
			m.Meta["subreddit"] = sub
		}
	}
}
