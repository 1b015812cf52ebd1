package connectors

// YouTube comments, through the YouTube Data API v3.
//
// Source settings:
//   - Secrets["access_token"]: a valid OAuth access token with the
//     youtube.force-ssl scope; the caller refreshes it before each poll.
//   - Options["channel"]: the channel id (UC...). Without it, the token's
//     own channel (channels.list?mine=true).
//   - Options["video"]: watch one video's comments instead of the whole
//     channel's (any channel's video).
//   - Source.Query: optional search terms (commentThreads.list
//     searchTerms): only comments containing them are returned.
//   - Source.URL: overrides https://www.googleapis.com (tests, proxies).
//
// Quota: the default 10,000 units a day; commentThreads.list with
// part=snippet,replies costs 5 units (1 + 2 per part), comments.list with
// part=snippet 3, comments.insert 50 (+2). A quiet poll is one list call.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	youtubeHost = "https://www.googleapis.com"
	// youtubePageSize is maxResults' documented maximum.
	youtubePageSize = 100
	// youtubeMaxPages bounds one poll; a first poll reads this many
	// pages of history (500 threads) and starts from there.
	youtubeMaxPages = 5
	// youtubeMaxReplyLists bounds the comments.list calls one poll makes
	// for threads whose replies the thread listing did not all include.
	youtubeMaxReplyLists = 20
	// youtubeReplyCheckPages bounds the replies read before a reply is
	// sent (500 replies).
	youtubeReplyCheckPages = 5
	// youtubeReplyDedupWindow is how far back an identical reply of ours
	// counts as the one a crashed attempt already posted. Retries come
	// within hours (a quota stop lasts until the next Pacific midnight);
	// an identical sentence the owner posts in the same thread days later
	// is a new reply.
	youtubeReplyDedupWindow = 72 * time.Hour
	// youtubeRescanEvery is how often the threads a poll reads have their
	// replies read even though no count moved: a reply deleted while
	// another was written leaves totalReplyCount as it was. At most
	// youtubeMaxReplyLists lists (3 units each) per rescan.
	youtubeRescanEvery = 6 * time.Hour
)

// YouTubeSetupNote is what the source form tells the owner to set up on
// Google's side.
const YouTubeSetupNote = "In a Google Cloud project: enable the YouTube Data API v3 and create an OAuth client of type \"Web application\" with the redirect URL shown here (the same client can serve Google reviews), and set the OAuth consent screen to \"In production\" (in Testing, refresh tokens expire after 7 days). The default quota is 10,000 units a day: about 2,000 quiet polls, or 180 replies; it resets at midnight Pacific time."

// YouTube reads the comments of a channel's videos and replies as the
// channel.
type YouTube struct {
	cfg Config

	mu       sync.Mutex
	channels map[string]string // token key -> the token's own channel id
}

// NewYouTube returns a YouTube comments connector.
func NewYouTube(cfg Config) *YouTube {
	return &YouTube{cfg: cfg, channels: make(map[string]string)}
}

var (
	_ Fetcher = (*YouTube)(nil)
	_ Replier = (*YouTube)(nil)
)

// youtubeComment is a comment resource ("Comments" resource
// representation).
type youtubeComment struct {
	ID      string `json:"id"`
	Snippet struct {
		AuthorDisplayName string `json:"authorDisplayName"`
		AuthorChannelURL  string `json:"authorChannelUrl"`
		AuthorChannelID   struct {
			Value string `json:"value"`
		} `json:"authorChannelId"`
		ChannelID    string `json:"channelId"`
		VideoID      string `json:"videoId"`
		TextDisplay  string `json:"textDisplay"`
		TextOriginal string `json:"textOriginal"`
		ParentID     string `json:"parentId"`
		PublishedAt  string `json:"publishedAt"`
		UpdatedAt    string `json:"updatedAt"`
	} `json:"snippet"`
}

// youtubeThread is a commentThread resource.
type youtubeThread struct {
	ID      string `json:"id"`
	Snippet struct {
		ChannelID       string         `json:"channelId"`
		VideoID         string         `json:"videoId"`
		TopLevelComment youtubeComment `json:"topLevelComment"`
		CanReply        bool           `json:"canReply"`
		TotalReplyCount int            `json:"totalReplyCount"`
	} `json:"snippet"`
	Replies struct {
		Comments []youtubeComment `json:"comments"`
	} `json:"replies"`
}

// youtubeError interprets a YouTube error answer. The errors[].reason
// values come from the API's error documentation.
func (y *YouTube) youtubeError(reply bool) func(googleAPIError, http.Header) error {
	return func(e googleAPIError, h http.Header) error {
		now := y.cfg.now()
		switch {
		case e.has("quotaExceeded") || e.has("dailyLimitExceeded"):
			reset := youtubeQuotaReset(now)
			return &RateLimitedError{RetryAfter: reset.Sub(now), Status: e.HTTPStatus,
				Reason: "youtube: the daily quota is spent; it resets at midnight Pacific time"}
		case e.has("commentsDisabled"):
			if reply {
				return fmt.Errorf("%w: youtube: comments are disabled on this video", ErrRejected)
			}
			return fmt.Errorf("%w: youtube: comments are disabled on this video or channel", ErrConfig)
		}
		if err, ok := googleCommonError("youtube", e, h, now); ok {
			return err
		}
		switch {
		case reply && (e.HTTPStatus == http.StatusBadRequest || e.HTTPStatus == http.StatusNotFound):
			return fmt.Errorf("%w: youtube: %s", ErrRejected, e.text())
		case e.HTTPStatus == http.StatusBadRequest || e.HTTPStatus == http.StatusNotFound:
			return fmt.Errorf("%w: youtube: %s", ErrConfig, e.text())
		}
		return &HTTPError{Status: e.HTTPStatus, Body: "youtube: " + e.text()}
	}
}

// ownChannel returns the token's channel id, asking once per token.
func (y *YouTube) ownChannel(ctx context.Context, base *url.URL, token string) (string, error) {
	key := tokenKey(base.String(), token)
	y.mu.Lock()
	id, ok := y.channels[key]
	y.mu.Unlock()
	if ok {
		return id, nil
	}
	var res struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	q := url.Values{"part": {"id"}, "mine": {"true"}}
	if err := googleCall(ctx, y.cfg, http.MethodGet, googleURL(base, "/youtube/v3/channels", q), token, nil, &res, y.youtubeError(false)); err != nil {
		return "", err
	}
	if len(res.Items) == 0 || res.Items[0].ID == "" {
		return "", fmt.Errorf("%w: youtube: the Google account has no YouTube channel", ErrConfig)
	}
	y.mu.Lock()
	y.channels[key] = res.Items[0].ID
	y.mu.Unlock()
	return res.Items[0].ID, nil
}

// Fetch reads comment threads newest first, down to the cursor. Thread
// order is by time, so a new reply to a thread older than the pages read
// is not seen: that is the cost of a quiet poll being a single call. A
// deleted comment is simply no longer listed.
func (y *YouTube) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	token, err := googleToken(src)
	if err != nil {
		return Batch{}, err
	}
	base, err := googleBase(src.URL, youtubeHost, "youtube")
	if err != nil {
		return Batch{}, err
	}
	self, err := y.ownChannel(ctx, base, token)
	if err != nil {
		return Batch{}, err
	}
	q := url.Values{
		"part":       {"snippet,replies"},
		"maxResults": {strconv.Itoa(youtubePageSize)},
		"order":      {"time"},
		"textFormat": {"plainText"},
	}
	if v := strings.TrimSpace(src.Opt("video", "")); v != "" {
		q.Set("videoId", v)
	} else {
		q.Set("allThreadsRelatedToChannelId", src.Opt("channel", self))
	}
	if terms := strings.TrimSpace(src.Query); terms != "" {
		q.Set("searchTerms", terms)
	}

	state := youtubeParseCursor(cur.Since)
	since := googleTime(state.Since)
	newest := since
	batch := Batch{Cursor: cur}
	now := y.cfg.now()
	p := youtubePoll{y: y, base: base, token: token, self: self, since: since,
		known: state.Replies, counts: map[string]int{},
		rescan: now.Sub(googleTime(state.Scanned)) >= youtubeRescanEvery,
		seen:   youtubeParseSeen(state.Seen), seenNow: map[string]time.Time{}}
	for page := 0; page < youtubeMaxPages; page++ {
		mentions, more, next, err := p.page(ctx, q)
		batch.Mentions = append(batch.Mentions, mentions...)
		var rl *RateLimitedError
		if errors.As(err, &rl) && len(batch.Mentions) > 0 {
			// Keep what was read but not the cursor: the next poll reads
			// these pages again (deduplicated) and goes on.
			slog.Warn("youtube: quota reached, stopping early", "source_id", src.ID, "error", err)
			batch.NextCheck = y.cfg.now().Add(rl.RetryAfter)
			return batch, nil
		}
		if err != nil {
			return Batch{}, err
		}
		for _, m := range mentions {
			if at := m.Published; at.After(newest) {
				newest = at
			}
		}
		if !more || next == "" {
			break
		}
		q.Set("pageToken", next)
	}
	if newest.After(since) {
		state.Since = newest.Format(time.RFC3339Nano)
	}
	state.Replies = youtubeMergeCounts(state.Replies, p.counts)
	state.Seen = youtubeMergeSeen(state.Seen, p.seenNow)
	if p.rescan {
		state.Scanned = now.Format(time.RFC3339)
	}
	enc, err := json.Marshal(state)
	if err != nil {
		return Batch{}, fmt.Errorf("connectors: youtube: encoding cursor: %w", err)
	}
	batch.Cursor.Since = string(enc)
	return batch, nil
}

// youtubePoll is one Fetch's state across pages.
type youtubePoll struct {
	y                 *YouTube
	base              *url.URL
	token, self       string
	since             time.Time
	replyListsPerPoll int
	known             map[string]int       // reply counts from the cursor
	counts            map[string]int       // reply counts read this poll
	rescan            bool                 // read replies even where counts did not move
	seen              map[string]time.Time // newest reply read per thread, from the cursor
	seenNow           map[string]time.Time // newest reply read per thread, this poll
}

// page reads one page of threads and returns the comments newer than the
// cursor, whether the next page may hold more, and its token.
func (p *youtubePoll) page(ctx context.Context, q url.Values) (out []Mention, more bool, next string, err error) {
	var res struct {
		Items         []youtubeThread `json:"items"`
		NextPageToken string          `json:"nextPageToken"`
	}
	if err := googleCall(ctx, p.y.cfg, http.MethodGet, googleURL(p.base, "/youtube/v3/commentThreads", q), p.token, nil, &res, p.y.youtubeError(false)); err != nil {
		return nil, false, "", err
	}
	for _, th := range res.Items {
		replies := th.Replies.Comments
		// The thread carries only some of its replies: read them all when
		// the thread may hold something new.
		total := th.Snippet.TotalReplyCount
		partial := total > len(replies)
		if partial {
			switch {
			case total == p.known[th.ID] && !youtubeActive(th, p.since) && !p.rescan:
				p.counts[th.ID] = total // nothing new in it
			case p.replyListsPerPoll < youtubeMaxReplyLists:
				p.replyListsPerPoll++
				if replies, err = p.y.listReplies(ctx, p.base, p.token, th.Snippet.TopLevelComment.ID, youtubeReplyCheckPages, false); err != nil {
					return out, false, "", err
				}
				p.counts[th.ID] = total
			case p.since.IsZero():
				// History beyond the first poll's budget: not worth a
				// call per thread on every later poll.
				p.counts[th.ID] = total
			}
			// Otherwise the count stays unrecorded and the next poll
			// reads that thread's replies.
		}
		top := th.Snippet.TopLevelComment
		if top.ID != "" && youtubeActivity(top).After(p.since) {
			more = true
			out = append(out, youtubeMention(top, th, p.self))
		}
		// A thread whose replies are all listed shows a new one at the next
		// poll; one that shows only some keeps its own position, since its
		// new replies may be read later than the cursor moved.
		from, ok := p.seen[th.ID]
		if !ok {
			from = p.since
		}
		for _, c := range replies {
			at := youtubeActivity(c)
			if c.ID == "" {
				continue
			}
			if partial && at.After(p.seenNow[th.ID]) {
				p.seenNow[th.ID] = at
			}
			if !at.After(from) {
				continue
			}
			more = true
			out = append(out, youtubeMention(c, th, p.self))
		}
	}
	// Threads come newest first: once a page reaches a thread begun
	// before the cursor, the following pages hold older threads only.
	if n := len(res.Items); n > 0 && !p.since.IsZero() &&
		!googleTime(res.Items[n-1].Snippet.TopLevelComment.Snippet.PublishedAt).After(p.since) {
		more = false
	}
	return out, more, res.NextPageToken, nil
}

// youtubeActivity is when a comment last changed.
func youtubeActivity(c youtubeComment) time.Time {
	if t := googleTime(c.Snippet.UpdatedAt); !t.IsZero() {
		return t
	}
	return googleTime(c.Snippet.PublishedAt)
}

// youtubeActive reports whether a thread may hold something newer than
// since: its top-level comment or an included reply is newer, or the
// cursor is empty.
func youtubeActive(th youtubeThread, since time.Time) bool {
	if since.IsZero() || youtubeActivity(th.Snippet.TopLevelComment).After(since) {
		return true
	}
	for _, c := range th.Replies.Comments {
		if youtubeActivity(c).After(since) {
			return true
		}
	}
	return false
}

// listReplies reads a top-level comment's replies (comments.list with
// parentId), at most maxPages pages. forReply says the look is the one
// before a reply: a comment refused or not found then means this reply
// cannot go (its author deleted the comment), not that the source is
// misconfigured.
func (y *YouTube) listReplies(ctx context.Context, base *url.URL, token, parent string, maxPages int, forReply bool) ([]youtubeComment, error) {
	q := url.Values{
		"part":       {"snippet"},
		"parentId":   {parent},
		"maxResults": {strconv.Itoa(youtubePageSize)},
		"textFormat": {"plainText"},
	}
	var out []youtubeComment
	for page := 0; page < maxPages; page++ {
		var res struct {
			Items         []youtubeComment `json:"items"`
			NextPageToken string           `json:"nextPageToken"`
		}
		if err := googleCall(ctx, y.cfg, http.MethodGet, googleURL(base, "/youtube/v3/comments", q), token, nil, &res, y.youtubeError(forReply)); err != nil {
			return nil, err
		}
		out = append(out, res.Items...)
		if res.NextPageToken == "" {
			break
		}
		q.Set("pageToken", res.NextPageToken)
	}
	return out, nil
}

// youtubeMention makes a comment a message of its thread. An edited
// comment keeps its id and gets a new updatedAt: its ExternalID carries the
// update time so the edit arrives as a new message in the same thread.
func youtubeMention(c youtubeComment, th youtubeThread, self string) Mention {
	published := googleTime(c.Snippet.PublishedAt)
	updated := youtubeActivity(c)
	video := th.Snippet.VideoID
	if video == "" {
		video = c.Snippet.VideoID
	}
	m := Mention{
		ExternalID: c.ID,
		Author:     c.Snippet.AuthorChannelID.Value,
		AuthorName: c.Snippet.AuthorDisplayName,
		AuthorURL:  c.Snippet.AuthorChannelURL,
		Text:       c.Snippet.TextDisplay,
		Published:  published,
		ThreadID:   th.ID,
		Own:        self != "" && c.Snippet.AuthorChannelID.Value == self,
		Meta: map[string]string{
			"comment_id": c.ID,
			"thread_id":  th.ID,
			// comments.insert wants the top-level comment's id as parentId.
			"top_comment_id": th.Snippet.TopLevelComment.ID,
			"video_id":       video,
			"channel_id":     th.Snippet.ChannelID,
			"can_reply":      strconv.FormatBool(th.Snippet.CanReply),
		},
	}
	if m.Author == "" {
		m.Author = c.Snippet.AuthorDisplayName
	}
	if m.Text == "" {
		m.Text = c.Snippet.TextOriginal
	}
	if updated.After(published) && !published.IsZero() {
		m.ExternalID = c.ID + "@" + updated.Format(time.RFC3339Nano)
		m.Published = updated
		m.Meta["edited"] = "true"
	}
	if c.Snippet.ParentID != "" {
		m.InReplyTo = c.Snippet.ParentID
	}
	if video != "" {
		m.URL = "https://www.youtube.com/watch?v=" + url.QueryEscape(video) + "&lc=" + url.QueryEscape(c.ID)
	}
	return m
}

// youtubeSameText compares reply texts the way YouTube may have stored
// them: trimmed, with line endings and runs of spaces normalised.
func youtubeSameText(a, b string) bool {
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return norm(a) == norm(b)
}

// Reply answers a comment with comments.insert (snippet.parentId must be a
// top-level comment, so a reply to a reply goes to its thread).
//
// YouTube takes no idempotency key, so a crash between the insert and the
// outbox storing its result would post the reply twice on the retry.
// Before inserting, the thread's replies are read (comments.list, 3 units
// against the insert's 52) and a reply of our channel carrying the same
// text, posted within youtubeReplyDedupWindow, is taken as the one already
// sent: the retry returns it instead of posting again.
func (y *YouTube) Reply(ctx context.Context, src Source, to Mention, body, _ string) (Sent, error) {
	token, err := googleToken(src)
	if err != nil {
		return Sent{}, err
	}
	base, err := googleBase(src.URL, youtubeHost, "youtube")
	if err != nil {
		return Sent{}, err
	}
	parent := to.Meta["top_comment_id"]
	if parent == "" {
		parent = to.Meta["thread_id"]
	}
	if parent == "" {
		parent = to.ThreadID
	}
	if parent == "" {
		return Sent{}, fmt.Errorf("%w: youtube: the mention names no comment thread", ErrConfig)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Sent{}, fmt.Errorf("%w: youtube: empty reply", ErrRejected)
	}
	self, err := y.ownChannel(ctx, base, token)
	if err != nil {
		return Sent{}, err
	}
	existing, err := y.listReplies(ctx, base, token, parent, youtubeReplyCheckPages, true)
	if err != nil {
		return Sent{}, err
	}
	cutoff := y.cfg.now().Add(-youtubeReplyDedupWindow)
	for _, c := range existing {
		text := c.Snippet.TextOriginal // returned to the comment's author: us
		if text == "" {
			text = c.Snippet.TextDisplay
		}
		if c.Snippet.AuthorChannelID.Value == self && youtubeSameText(text, body) && googleTime(c.Snippet.PublishedAt).After(cutoff) {
			return youtubeSent(c, to), nil
		}
	}
	in := map[string]any{"snippet": map[string]string{"parentId": parent, "textOriginal": body}}
	var created youtubeComment
	q := url.Values{"part": {"snippet"}}
	if err := googleCall(ctx, y.cfg, http.MethodPost, googleURL(base, "/youtube/v3/comments", q), token, in, &created, y.youtubeError(true)); err != nil {
		return Sent{}, err
	}
	if created.ID == "" {
		return Sent{}, fmt.Errorf("%w: youtube: reply accepted but its id is missing", ErrBadFeed)
	}
	return youtubeSent(created, to), nil
}

func youtubeSent(c youtubeComment, to Mention) Sent {
	s := Sent{ExternalID: c.ID}
	if v := to.Meta["video_id"]; v != "" {
		s.URL = "https://www.youtube.com/watch?v=" + url.QueryEscape(v) + "&lc=" + url.QueryEscape(c.ID)
	}
	return s
}
