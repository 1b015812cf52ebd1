package connectors

// Google Business Profile reviews.
//
// Source settings:
//   - Secrets["access_token"]: a valid OAuth access token with the
//     business.manage scope; the caller refreshes it before each poll.
//   - Options["account"], Options["location"]: "accounts/123" and
//     "locations/456" (bare ids are accepted). Without them every location
//     of every account the token manages is watched.
//   - Source.URL: overrides the three API hosts (tests, the owner's proxy).
//
// Wire formats: Account Management API accounts.list, Business Information
// API accounts.locations.list (readMask is required), and the v4
// accounts.locations.reviews list and updateReply methods.

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
	googleReviewsHost  = "https://mybusiness.googleapis.com"
	googleAccountsHost = "https://mybusinessaccountmanagement.googleapis.com"
	googleInfoHost     = "https://mybusinessbusinessinformation.googleapis.com"

	// Documented page-size maxima: 50 reviews, 20 accounts, 100 locations.
	googleReviewsPageSize   = 50
	googleAccountsPageSize  = 20
	googleLocationsPageSize = 100
	// googleReviewsMaxPages bounds one poll of one location (500 reviews):
	// a long history is read over several polls (see googleLocationCursor).
	googleReviewsMaxPages = 10
	// googleDiscoveryMaxPages bounds the account and location listings.
	googleDiscoveryMaxPages = 10
	// googleLocationsTTL is how long discovered locations are reused: they
	// change when the owner adds a shop, not between two polls.
	googleLocationsTTL = 6 * time.Hour
)

// GoogleReviewsSetupNote is what the source form tells the owner to set up
// on Google's side ("Basic setup" and "Quota limits" of the Business
// Profile APIs).
const GoogleReviewsSetupNote = "In a Google Cloud project: enable the My Business Account Management API, the My Business Business Information API and the Google My Business API; create an OAuth client of type \"Web application\" with the redirect URL shown here; set the OAuth consent screen to \"In production\" (while it is in Testing, Google's refresh tokens expire after 7 days); then request Business Profile API access with Google's application form (until it is granted the quota is 0 and every request is refused as over quota)."

// ErrGoogleNoLocation is the health message of a Google account that
// manages no Business Profile.
var ErrGoogleNoLocation = fmt.Errorf("%w: the Google account manages no location", ErrConfig)

// GoogleReviews reads the reviews of Google Business Profile locations and
// answers them as the owner.
type GoogleReviews struct {
	cfg Config

	mu        sync.Mutex
	locations map[string]googleLocationCache // key: source id + base URL
}

// NewGoogleReviews returns a Google Business Profile reviews connector.
func NewGoogleReviews(cfg Config) *GoogleReviews {
	return &GoogleReviews{cfg: cfg, locations: make(map[string]googleLocationCache)}
}

var (
	_ Fetcher = (*GoogleReviews)(nil)
	_ Replier = (*GoogleReviews)(nil)
)

type googleLocation struct {
	Account string // accounts/123
	Name    string // locations/456
	Title   string
	MapsURI string
}

// reviewsParent is the v4 parent of the location's reviews.
func (l googleLocation) reviewsParent() string { return l.Account + "/" + l.Name }

type googleLocationCache struct {
	locs    []googleLocation
	expires time.Time
}

// googleReview is a Review resource ("REST Resource:
// accounts.locations.reviews").
type googleReview struct {
	Name     string `json:"name"` // accounts/{a}/locations/{l}/reviews/{r}
	ReviewID string `json:"reviewId"`
	Reviewer struct {
		DisplayName     string `json:"displayName"`
		ProfilePhotoURL string `json:"profilePhotoUrl"`
		IsAnonymous     bool   `json:"isAnonymous"`
	} `json:"reviewer"`
	StarRating  string `json:"starRating"` // ONE..FIVE, STAR_RATING_UNSPECIFIED
	Comment     string `json:"comment"`    // may be empty: a rating alone
	CreateTime  string `json:"createTime"`
	UpdateTime  string `json:"updateTime"`
	ReviewReply *struct {
		Comment    string `json:"comment"`
		UpdateTime string `json:"updateTime"`
	} `json:"reviewReply"`
}

var googleStars = map[string]int{"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}

// googleLocationCursor is one location's position. Reviews are listed
// newest update first, so Since (the newest updateTime read) is where the
// next poll stops. When a poll runs out of pages before reaching the old
// position, Resume keeps the next page token and Floor the old Since, and
// the following polls continue there until Floor: a long history arrives
// over several polls instead of being dropped. Page tokens may shift when
// reviews arrive meanwhile; that re-reads a few reviews, which the ingest
// deduplicates by ExternalID.
type googleLocationCursor struct {
	Since  string `json:"since,omitempty"`
	Resume string `json:"resume,omitempty"`
	Floor  string `json:"floor,omitempty"`
}

func googleParseCursor(s string) map[string]googleLocationCursor {
	out := map[string]googleLocationCursor{}
	if s != "" && json.Unmarshal([]byte(s), &out) != nil {
		// An unreadable cursor restarts from the top; dedup absorbs it.
		return map[string]googleLocationCursor{}
	}
	return out
}

func (g *GoogleReviews) bases(src Source) (reviews, accounts, info *url.URL, err error) {
	if reviews, err = googleBase(src.URL, googleReviewsHost, "google reviews"); err != nil {
		return
	}
	if accounts, err = googleBase(src.URL, googleAccountsHost, "google reviews"); err != nil {
		return
	}
	info, err = googleBase(src.URL, googleInfoHost, "google reviews")
	return
}

func googleToken(src Source) (string, error) {
	t := strings.TrimSpace(src.Secrets["access_token"])
	if t == "" {
		return "", fmt.Errorf("%w: google: connect the Google account first (no access token)", ErrReconnect)
	}
	return t, nil
}

// googleReviewsError interprets a Business Profile error answer.
func (g *GoogleReviews) googleReviewsError(reply bool) func(googleAPIError, http.Header) error {
	return func(e googleAPIError, h http.Header) error {
		if err, ok := googleCommonError("google", e, h, g.cfg.now()); ok {
			return err
		}
		switch {
		case reply && e.HTTPStatus == http.StatusNotFound:
			return fmt.Errorf("%w: google: the review no longer exists: %s", ErrRejected, e.text())
		case reply && e.HTTPStatus == http.StatusBadRequest:
			return fmt.Errorf("%w: google: %s", ErrRejected, e.text())
		case e.HTTPStatus == http.StatusNotFound:
			return fmt.Errorf("%w: google: not found (check the account and location ids): %s", ErrConfig, e.text())
		case e.HTTPStatus == http.StatusBadRequest:
			return fmt.Errorf("%w: google: %s", ErrConfig, e.text())
		}
		return &HTTPError{Status: e.HTTPStatus, Body: "google: " + e.text()}
	}
}

func googleWithPrefix(id, prefix string) string {
	id = strings.Trim(strings.TrimSpace(id), "/")
	if id == "" || strings.HasPrefix(id, prefix) {
		return id
	}
	return prefix + id
}

// locationsFor returns the configured location, or discovers them: list
// the accounts, then each account's locations. An account without
// locations (typically the personal one, listed first) is skipped.
func (g *GoogleReviews) locationsFor(ctx context.Context, src Source, token string, accountsBase, infoBase *url.URL) ([]googleLocation, error) {
	account := googleWithPrefix(src.Opt("account", ""), "accounts/")
	location := googleWithPrefix(src.Opt("location", ""), "locations/")
	if account != "" && location != "" {
		return []googleLocation{{Account: account, Name: location, Title: src.Opt("location_title", "")}}, nil
	}
	key := src.ID + "\x00" + infoBase.String() + "\x00" + account
	g.mu.Lock()
	c, ok := g.locations[key]
	g.mu.Unlock()
	if ok && g.cfg.now().Before(c.expires) {
		return c.locs, nil
	}
	accounts := []string{account}
	if account == "" {
		var err error
		if accounts, err = g.listAccounts(ctx, token, accountsBase); err != nil {
			return nil, err
		}
	}
	var locs []googleLocation
	for _, a := range accounts {
		found, err := g.listLocations(ctx, token, infoBase, a)
		if err != nil {
			return nil, err
		}
		for _, l := range found {
			if location == "" || l.Name == location {
				locs = append(locs, l)
			}
		}
	}
	if len(locs) == 0 {
		if location != "" {
			return nil, fmt.Errorf("%w: google: %s is not among the account's locations", ErrConfig, location)
		}
		return nil, ErrGoogleNoLocation
	}
	g.mu.Lock()
	g.locations[key] = googleLocationCache{locs: locs, expires: g.cfg.now().Add(googleLocationsTTL)}
	g.mu.Unlock()
	return locs, nil
}

func (g *GoogleReviews) listAccounts(ctx context.Context, token string, base *url.URL) ([]string, error) {
	var out []string
	q := url.Values{"pageSize": {strconv.Itoa(googleAccountsPageSize)}}
	for page := 0; page < googleDiscoveryMaxPages; page++ {
		var res struct {
			Accounts []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"accounts"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := googleCall(ctx, g.cfg, http.MethodGet, googleURL(base, "/v1/accounts", q), token, nil, &res, g.googleReviewsError(false)); err != nil {
			return nil, err
		}
		for _, a := range res.Accounts {
			if strings.HasPrefix(a.Name, "accounts/") {
				out = append(out, a.Name)
			}
		}
		if res.NextPageToken == "" {
			break
		}
		q.Set("pageToken", res.NextPageToken)
	}
	return out, nil
}

func (g *GoogleReviews) listLocations(ctx context.Context, token string, base *url.URL, account string) ([]googleLocation, error) {
	var out []googleLocation
	q := url.Values{
		"pageSize": {strconv.Itoa(googleLocationsPageSize)},
		"readMask": {"name,title,metadata.mapsUri"}, // required by locations.list
	}
	for page := 0; page < googleDiscoveryMaxPages; page++ {
		var res struct {
			Locations []struct {
				Name     string `json:"name"`
				Title    string `json:"title"`
				Metadata struct {
					MapsURI string `json:"mapsUri"`
				} `json:"metadata"`
			} `json:"locations"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := googleCall(ctx, g.cfg, http.MethodGet, googleURL(base, "/v1/"+account+"/locations", q), token, nil, &res, g.googleReviewsError(false)); err != nil {
			return nil, err
		}
		for _, l := range res.Locations {
			if strings.HasPrefix(l.Name, "locations/") {
				out = append(out, googleLocation{Account: account, Name: l.Name, Title: l.Title, MapsURI: l.Metadata.MapsURI})
			}
		}
		if res.NextPageToken == "" {
			break
		}
		q.Set("pageToken", res.NextPageToken)
	}
	return out, nil
}

// Fetch reads the reviews created or edited since the cursor, for each
// location. A review that disappeared (deleted by its author or removed by
// Google) is simply no longer listed: nothing refers to it by position.
func (g *GoogleReviews) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	token, err := googleToken(src)
	if err != nil {
		return Batch{}, err
	}
	reviewsBase, accountsBase, infoBase, err := g.bases(src)
	if err != nil {
		return Batch{}, err
	}
	locs, err := g.locationsFor(ctx, src, token, accountsBase, infoBase)
	if err != nil {
		return Batch{}, err
	}
	state := googleParseCursor(cur.Since)
	batch := Batch{}
	var skipped error
	read := 0 // locations read in full
	for _, loc := range locs {
		lc, mentions, err := g.fetchLocation(ctx, reviewsBase, token, loc, state[loc.Name])
		if err != nil && len(locs) > 1 && errors.Is(err, ErrConfig) {
			// One location refuses (reviews are only listed for verified
			// locations): watch the others, report it if all refuse.
			slog.Warn("google reviews: skipping a location", "source_id", src.ID, "location", loc.Name, "error", err)
			if skipped == nil {
				skipped = err
			}
			continue
		}
		if err != nil {
			var rl *RateLimitedError
			if errors.As(err, &rl) && len(batch.Mentions)+len(mentions) > 0 {
				// Keep what was read; the cursor covers exactly that.
				batch.Mentions = append(batch.Mentions, mentions...)
				state[loc.Name] = lc
				batch.NextCheck = g.cfg.now().Add(rl.RetryAfter)
				slog.Warn("google reviews: quota reached, stopping early", "source_id", src.ID, "error", err)
				read++
				break
			}
			return Batch{}, err
		}
		batch.Mentions = append(batch.Mentions, mentions...)
		state[loc.Name] = lc
		read++
	}
	if read == 0 && skipped != nil {
		return Batch{}, skipped
	}
	enc, err := json.Marshal(state)
	if err != nil {
		return Batch{}, fmt.Errorf("connectors: google: encoding cursor: %w", err)
	}
	batch.Cursor = Cursor{Since: string(enc)}
	return batch, nil
}

// fetchLocation reads one location's new reviews, then continues an
// unfinished history with the pages left. On a rate limit it returns what
// it read with the cursor covering exactly that.
func (g *GoogleReviews) fetchLocation(ctx context.Context, base *url.URL, token string, loc googleLocation, lc googleLocationCursor) (googleLocationCursor, []Mention, error) {
	var out []Mention
	budget := googleReviewsMaxPages

	// Top pass: newest first, down to the previous position.
	top, newest, next, used, err := g.readReviews(ctx, base, token, loc, "", lc.Since, budget)
	out = append(out, top...)
	budget -= used
	if newest != "" {
		if lc.Since != "" && next != "" {
			// Out of pages before reaching the old position: a gap. It
			// replaces an older unfinished one (only a burst of more than
			// 500 new reviews between two polls gets here twice).
			if lc.Resume != "" {
				slog.Warn("google reviews: dropping an unfinished history", "location", loc.Name)
			}
			lc.Resume, lc.Floor = next, lc.Since
		} else if lc.Since == "" && next != "" {
			lc.Resume, lc.Floor = next, "" // first poll: the rest of the history
		}
		lc.Since = newest
	}
	if err != nil {
		return lc, out, err
	}

	// History pass: continue an unfinished page sequence down to Floor.
	// A gap made just now means the budget is spent: it waits for the
	// next poll.
	if lc.Resume != "" && budget > 0 {
		older, _, next, _, err := g.readReviews(ctx, base, token, loc, lc.Resume, lc.Floor, budget)
		out = append(out, older...)
		if errors.Is(err, ErrConfig) {
			// A page token Google no longer accepts: give the rest of the
			// history up rather than fail every poll from now on.
			slog.Warn("google reviews: abandoning an unfinished history", "location", loc.Name, "error", err)
			lc.Resume, lc.Floor = "", ""
			return lc, out, nil
		}
		if err != nil {
			if next != "" {
				lc.Resume = next // the page that failed
			}
			return lc, out, err
		}
		lc.Resume = next
		if next == "" {
			lc.Floor = ""
		}
	}
	return lc, out, nil
}

// readReviews pages from pageToken (empty: the newest) until a review not
// newer than stop, the last page, or maxPages. It returns the mentions,
// the newest updateTime read, the token of the page not read yet ("" when
// the listing or the stop position was reached), and the pages used.
func (g *GoogleReviews) readReviews(ctx context.Context, base *url.URL, token string, loc googleLocation, pageToken, stop string, maxPages int) (mentions []Mention, newest, next string, used int, err error) {
	stopAt := googleTime(stop)
	q := url.Values{
		"pageSize": {strconv.Itoa(googleReviewsPageSize)},
		"orderBy":  {"updateTime desc"},
	}
	next = pageToken
	for used < maxPages {
		if next != "" {
			q.Set("pageToken", next)
		} else {
			q.Del("pageToken")
		}
		var res struct {
			Reviews       []json.RawMessage `json:"reviews"`
			NextPageToken string            `json:"nextPageToken"`
		}
		err = googleCall(ctx, g.cfg, http.MethodGet, googleURL(base, "/v4/"+loc.reviewsParent()+"/reviews", q), token, nil, &res, g.googleReviewsError(false))
		if err != nil {
			return mentions, newest, next, used, err
		}
		used++
		reached := false
		for _, raw := range res.Reviews {
			var r googleReview
			if json.Unmarshal(raw, &r) != nil || r.Name == "" {
				continue
			}
			updated := googleTime(r.UpdateTime)
			if !stopAt.IsZero() && !updated.After(stopAt) {
				reached = true
				break
			}
			if newest == "" || updated.After(googleTime(newest)) {
				newest = updated.Format(time.RFC3339Nano)
			}
			mentions = append(mentions, g.toMention(r, raw, loc))
		}
		next = res.NextPageToken
		if reached {
			next = ""
		}
		if next == "" {
			break
		}
	}
	return mentions, newest, next, used, nil
}

// toMention makes a review a message of the thread named after the review.
// An edited review keeps its name and gets a new updateTime, so the
// ExternalID carries the update time: the edit arrives as a new message in
// the same thread, and the unchanged review is deduplicated.
func (g *GoogleReviews) toMention(r googleReview, raw json.RawMessage, loc googleLocation) Mention {
	updated := googleTime(r.UpdateTime)
	created := googleTime(r.CreateTime)
	stars := googleStars[r.StarRating]
	m := Mention{
		ExternalID: r.Name + "@" + updated.Format(time.RFC3339Nano),
		URL:        loc.MapsURI,
		Author:     r.Reviewer.DisplayName,
		AuthorName: r.Reviewer.DisplayName,
		Text:       strings.TrimSpace(r.Comment),
		Published:  updated,
		ThreadID:   r.Name,
		Raw:        raw,
		Meta: map[string]string{
			"review_name": r.Name,
			"review_id":   r.ReviewID,
			"location":    loc.Name,
			"replied":     strconv.FormatBool(r.ReviewReply != nil),
			"anonymous":   strconv.FormatBool(r.Reviewer.IsAnonymous),
			"edited":      strconv.FormatBool(!created.IsZero() && updated.After(created)),
		},
	}
	if m.Published.IsZero() {
		m.Published = created
	}
	if r.Reviewer.IsAnonymous || m.Author == "" {
		// No stable id: the review itself is the author. The name stays
		// the displayName Google gives, never words of ours in one
		// language.
		m.Author = "google-review:" + r.ReviewID
	}
	if stars > 0 {
		// Stars carry the sentiment when the comment is empty.
		m.Meta["stars"] = strconv.Itoa(stars)
	}
	if m.Text == "" {
		// The desk makes a ticket's subject from the text; a rating
		// without one gets its stars as glyphs, which read the same in
		// every language the app speaks. No title otherwise: connectors
		// write no prose of their own.
		m.Title = googleStarGlyphs(stars)
	}
	if loc.Title != "" {
		m.Meta["location_title"] = loc.Title
	}
	if r.ReviewReply != nil {
		m.Meta["reply"] = r.ReviewReply.Comment
		m.Meta["reply_time"] = r.ReviewReply.UpdateTime
	}
	return m
}

// googleStarGlyphs writes a rating as five stars, filled up to stars
// ("★★☆☆☆" for TWO), or nothing for an unspecified rating.
func googleStarGlyphs(stars int) string {
	if stars < 1 || stars > 5 {
		return ""
	}
	return strings.Repeat("★", stars) + strings.Repeat("☆", 5-stars)
}

// Reply answers a review as the owner: PUT {review}/reply with the comment
// (reviews.updateReply). A review has one owner reply, and PUT replaces it
// rather than adding another, so sending the same reply again after a
// crash between send and store leaves exactly one reply, with this text:
// the operation is idempotent by nature and needs no key. (It does replace
// a reply the owner wrote meanwhile in Google's own app.)
func (g *GoogleReviews) Reply(ctx context.Context, src Source, to Mention, body, _ string) (Sent, error) {
	token, err := googleToken(src)
	if err != nil {
		return Sent{}, err
	}
	base, _, _, err := g.bases(src)
	if err != nil {
		return Sent{}, err
	}
	name := to.Meta["review_name"]
	if name == "" {
		name = to.ThreadID
	}
	if !strings.HasPrefix(name, "accounts/") || strings.Count(name, "/") != 5 {
		return Sent{}, fmt.Errorf("%w: google: the mention names no review (%q)", ErrConfig, name)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Sent{}, fmt.Errorf("%w: google: empty reply", ErrRejected)
	}
	// ReviewReply.comment: "The maximum length is 4096 bytes."
	if len(body) > 4096 {
		return Sent{}, fmt.Errorf("%w: google: a review reply holds at most 4096 bytes, this one has %d", ErrRejected, len(body))
	}
	var res struct {
		Comment    string `json:"comment"`
		UpdateTime string `json:"updateTime"`
	}
	in := map[string]string{"comment": body}
	if err := googleCall(ctx, g.cfg, http.MethodPut, googleURL(base, "/v4/"+name+"/reply", nil), token, in, &res, g.googleReviewsError(true)); err != nil {
		return Sent{}, err
	}
	return Sent{ExternalID: name + "/reply", URL: to.URL}, nil
}
