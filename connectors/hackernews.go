package connectors

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
	"time"
)

// DefaultHackerNewsBaseURL is Algolia's Hacker News search API.
const DefaultHackerNewsBaseURL = "https://hn.algolia.com/api/v1"

const (
	hnHitsPerPage = 100
	// hnMaxPages bounds one poll to 1,000 hits, which is also where
	// Algolia stops paging: we move a created_at_i window forward instead
	// of paging deep.
	hnMaxPages = 10
	// hnFirstWindow is how far back the first poll of a new source looks.
	hnFirstWindow = 24 * time.Hour
	// hnOverlap re-reads a few minutes before the newest item seen: items
	// reach the index a little after created_at, and the pipeline dedupes
	// by ExternalID, so overlap costs nothing and loses nothing.
	hnOverlap = 10 * time.Minute
)

// HackerNews searches stories and comments through Algolia's
// search_by_date endpoint. Source.Query holds the search terms;
// Options["tags"] may narrow the default "(story,comment)". Cursor.Since
// is the newest created_at_i seen, as decimal seconds.
type HackerNews struct {
	cfg Config
}

// NewHackerNews returns a Hacker News fetcher.
func NewHackerNews(cfg Config) *HackerNews {
	return &HackerNews{cfg: cfg}
}

// hnResponse is search_by_date's answer; nullable fields decode to zero.
type hnResponse struct {
	Hits        []json.RawMessage `json:"hits"`
	NbHits      int               `json:"nbHits"`
	Page        int               `json:"page"`
	NbPages     int               `json:"nbPages"`
	HitsPerPage int               `json:"hitsPerPage"`
}

type hnHit struct {
	ObjectID    string   `json:"objectID"`
	CreatedAtI  int64    `json:"created_at_i"`
	Title       string   `json:"title"`
	URL         string   `json:"url"`
	Author      string   `json:"author"`
	StoryText   string   `json:"story_text"`
	CommentText string   `json:"comment_text"`
	StoryID     int64    `json:"story_id"`
	StoryTitle  string   `json:"story_title"`
	StoryURL    string   `json:"story_url"`
	ParentID    int64    `json:"parent_id"`
	Tags        []string `json:"_tags"`
}

// Fetch returns stories and comments matching src.Query created after the
// cursor (the last 24 h on the first poll), newest first, following pages
// up to 1,000 hits.
func (h *HackerNews) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	query := strings.TrimSpace(src.Query)
	if query == "" {
		return Batch{}, fmt.Errorf("%w: a Hacker News source needs search terms", ErrConfig)
	}
	now := h.cfg.now()
	since := now.Add(-hnFirstWindow).Unix()
	if cur.Since != "" {
		s, err := strconv.ParseInt(cur.Since, 10, 64)
		if err != nil || s <= 0 {
			// A corrupt cursor must not turn into a full-history crawl.
			slog.Warn("hackernews: ignoring unreadable cursor", "source_id", src.ID, "since", cur.Since)
		} else {
			since = s - int64(hnOverlap/time.Second)
		}
	}
	// The source's URL, when the owner gives one, is the API's base (a
	// mirror, a proxy); the public Algolia API otherwise.
	base := strings.TrimRight(strings.TrimSpace(src.URL), "/")
	if base == "" {
		base = DefaultHackerNewsBaseURL
	}
	tags := src.Opt("tags", "(story,comment)")

	newest := int64(0)
	if s, err := strconv.ParseInt(cur.Since, 10, 64); err == nil {
		newest = s
	}
	var out []Mention
	// New items shift Algolia's pages while we read them: the same hit can
	// come back on the next page.
	seen := map[string]bool{}
	for page := 0; page < hnMaxPages; page++ {
		q := url.Values{}
		q.Set("query", query)
		q.Set("tags", tags)
		q.Set("numericFilters", "created_at_i>"+strconv.FormatInt(since, 10))
		q.Set("hitsPerPage", strconv.Itoa(hnHitsPerPage))
		if page > 0 {
			q.Set("page", strconv.Itoa(page))
		}
		resp, err := h.page(ctx, base+"/search_by_date?"+q.Encode())
		if err != nil {
			var rl *RateLimitedError
			if errors.As(err, &rl) {
				return Batch{NextCheck: now.Add(rl.RetryAfter)}, err
			}
			return Batch{}, err
		}
		for _, raw := range resp.Hits {
			m, created, ok := hnMention(raw)
			if !ok || seen[m.ExternalID] {
				continue
			}
			seen[m.ExternalID] = true
			newest = max(newest, created)
			if m.Published.After(now) {
				m.Published = now.UTC()
			}
			out = append(out, m)
		}
		if len(resp.Hits) == 0 || page+1 >= resp.NbPages {
			break
		}
		if page+1 == hnMaxPages {
			slog.Warn("hackernews: more matches than one poll reads; older ones in this window are skipped",
				"source_id", src.ID, "matches", resp.NbHits, "read", len(out))
		}
	}
	b := Batch{Mentions: out, Cursor: cur}
	if newest > 0 {
		b.Cursor.Since = strconv.FormatInt(newest, 10)
	}
	return b, nil
}

func (h *HackerNews) page(ctx context.Context, u string) (*hnResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, redactURLError(err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.cfg.do(req)
	if err != nil {
		return nil, transportError(u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, h.cfg.statusError(resp)
	}
	body, err := h.cfg.readBody(resp)
	if err != nil {
		return nil, err
	}
	var r hnResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: hacker news search: %v", ErrBadFeed, err)
	}
	return &r, nil
}

// hnMention maps one hit. A hit that cannot be read is skipped rather than
// failing the batch: one odd record must not hide the others.
func hnMention(raw json.RawMessage) (Mention, int64, bool) {
	var hit hnHit
	if err := json.Unmarshal(raw, &hit); err != nil || hit.ObjectID == "" {
		return Mention{}, 0, false
	}
	if _, err := strconv.ParseInt(hit.ObjectID, 10, 64); err != nil {
		return Mention{}, 0, false
	}
	m := Mention{
		ExternalID: hit.ObjectID,
		URL:        "https://news.ycombinator.com/item?id=" + hit.ObjectID,
		Author:     hit.Author,
		AuthorName: hit.Author,
		Title:      hit.Title,
		HTML:       hit.StoryText,
		Raw:        raw,
	}
	if hit.Author != "" {
		m.AuthorURL = "https://news.ycombinator.com/user?id=" + url.QueryEscape(hit.Author)
	}
	if hit.CommentText != "" {
		m.HTML = hit.CommentText
	}
	if m.Title == "" {
		m.Title = hit.StoryTitle
	}
	if hit.CreatedAtI > 0 {
		m.Published = time.Unix(hit.CreatedAtI, 0).UTC()
	}
	if hit.ParentID > 0 {
		m.InReplyTo = strconv.FormatInt(hit.ParentID, 10)
	}
	if hit.StoryID > 0 {
		m.ThreadID = strconv.FormatInt(hit.StoryID, 10)
	}
	link := hit.URL
	if link == "" {
		link = hit.StoryURL
	}
	if link = safeLink(link); link != "" {
		m.Meta = map[string]string{"link": link}
	}
	return m, hit.CreatedAtI, true
}
