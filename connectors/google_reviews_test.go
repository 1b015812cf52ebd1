package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	googleTestAccount  = "accounts/118200045219872300091"
	googleTestLocation = "locations/7720395512408151021"
	googleTestToken    = "ya29.good-token"
)

var googleTestNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func googleTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "google", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// googleTestServer fakes the three Business Profile APIs: accounts.list,
// accounts.locations.list and the v4 reviews list / updateReply, paging
// with opaque page tokens and ordering by updateTime desc as documented.
type googleTestServer struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	reviews     map[string]map[string]any // name -> Review resource
	noLocations bool
	unverified  bool // list a second location, whose reviews are refused
	replyPuts   int
	reviewPages int
	fail        func(r *http.Request) (status int, fixture string) // 0: no failure
}

func newGoogleTestServer(t *testing.T) *googleTestServer {
	g := &googleTestServer{t: t, reviews: map[string]map[string]any{}}
	var page struct {
		Reviews []map[string]any `json:"reviews"`
	}
	if err := json.Unmarshal(googleTestdata(t, "reviews_page.json"), &page); err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Reviews {
		g.reviews[r["name"].(string)] = r
	}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *googleTestServer) add(n int, from time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("Gen%05d", len(g.reviews))
		at := from.Add(time.Duration(i) * time.Minute).Format(time.RFC3339Nano)
		g.reviews[googleTestAccount+"/"+googleTestLocation+"/reviews/"+id] = map[string]any{
			"name":       googleTestAccount + "/" + googleTestLocation + "/reviews/" + id,
			"reviewId":   id,
			"reviewer":   map[string]any{"displayName": "Client " + id, "profilePhotoUrl": "https://lh3.googleusercontent.com/a-/" + id},
			"starRating": []string{"ONE", "TWO", "THREE", "FOUR", "FIVE"}[i%5],
			"comment":    "Avis " + id,
			"createTime": at,
			"updateTime": at,
		}
	}
}

func (g *googleTestServer) json(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

func (g *googleTestServer) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil {
		if status, fixture := g.fail(r); status != 0 {
			g.json(w, status, googleTestdata(g.t, fixture))
			return
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+googleTestToken {
		g.json(w, http.StatusUnauthorized, googleTestdata(g.t, "error_401.json"))
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/accounts":
		if ps, _ := strconv.Atoi(q.Get("pageSize")); ps > 20 {
			http.Error(w, `{"error":{"code":400,"message":"pageSize","status":"INVALID_ARGUMENT"}}`, 400)
			return
		}
		g.json(w, 200, googleTestdata(g.t, "accounts.json"))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/locations") && strings.HasPrefix(r.URL.Path, "/v1/accounts/"):
		if q.Get("readMask") == "" {
			g.json(w, 400, []byte(`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`))
			return
		}
		if g.noLocations || r.URL.Path != "/v1/"+googleTestAccount+"/locations" {
			g.json(w, 200, []byte(`{}`)) // an account without locations
			return
		}
		if g.unverified {
			var locs map[string][]map[string]any
			json.Unmarshal(googleTestdata(g.t, "locations.json"), &locs)
			locs["locations"] = append(locs["locations"], map[string]any{"name": "locations/555", "title": "Café Lumière — Mile End (en vérification)"})
			out, _ := json.Marshal(locs)
			g.json(w, 200, out)
			return
		}
		g.json(w, 200, googleTestdata(g.t, "locations.json"))
	case r.Method == http.MethodGet && r.URL.Path == "/v4/"+googleTestAccount+"/"+googleTestLocation+"/reviews":
		g.listReviews(w, q.Get("pageSize"), q.Get("pageToken"), q.Get("orderBy"))
	case r.Method == http.MethodGet && r.URL.Path == "/v4/"+googleTestAccount+"/locations/555/reviews":
		g.json(w, 400, []byte(`{"error":{"code":400,"message":"Precondition check failed.","status":"FAILED_PRECONDITION"}}`))
	case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/reply"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v4/"), "/reply")
		rev, ok := g.reviews[name]
		if !ok {
			g.json(w, 404, []byte(`{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}`))
			return
		}
		var in struct {
			Comment string `json:"comment"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.Comment == "" {
			g.json(w, 400, []byte(`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`))
			return
		}
		g.replyPuts++
		reply := map[string]any{"comment": in.Comment, "updateTime": googleTestNow.Format(time.RFC3339Nano)}
		rev["reviewReply"] = reply // PUT replaces the one reply
		out, _ := json.Marshal(reply)
		g.json(w, 200, out)
	default:
		g.json(w, 404, []byte(`{"error":{"code":404,"message":"Method not found.","status":"NOT_FOUND"}}`))
	}
}

// listReviews serves one page; caller holds g.mu.
func (g *googleTestServer) listReviews(w http.ResponseWriter, pageSize, token, orderBy string) {
	size, _ := strconv.Atoi(pageSize)
	if size < 1 || size > 50 || orderBy != "updateTime desc" {
		g.json(w, 400, []byte(`{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`))
		return
	}
	g.reviewPages++
	all := make([]map[string]any, 0, len(g.reviews))
	for _, r := range g.reviews {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := googleTime(all[i]["updateTime"].(string)), googleTime(all[j]["updateTime"].(string))
		if !a.Equal(b) {
			return a.After(b)
		}
		return all[i]["name"].(string) < all[j]["name"].(string)
	})
	offset := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || !strings.HasPrefix(string(raw), "off:") {
			g.json(w, 400, []byte(`{"error":{"code":400,"message":"Invalid page token.","status":"INVALID_ARGUMENT"}}`))
			return
		}
		offset, _ = strconv.Atoi(strings.TrimPrefix(string(raw), "off:"))
	}
	end := min(offset+size, len(all))
	offset = min(offset, end)
	resp := map[string]any{"reviews": all[offset:end], "averageRating": 4.1, "totalReviewCount": len(all)}
	if end < len(all) {
		resp["nextPageToken"] = base64.RawURLEncoding.EncodeToString([]byte("off:" + strconv.Itoa(end)))
	}
	out, _ := json.Marshal(resp)
	g.json(w, 200, out)
}

func (g *googleTestServer) source(opts map[string]string) Source {
	return Source{ID: "src1", Kind: "google_reviews", URL: g.srv.URL, Options: opts,
		Secrets: map[string]string{"access_token": googleTestToken}}
}

func googleTestConnector() *GoogleReviews {
	return NewGoogleReviews(Config{Now: func() time.Time { return googleTestNow }})
}

func googleTestIDs(ms []Mention) map[string]Mention {
	out := map[string]Mention{}
	for _, m := range ms {
		out[m.ExternalID] = m
	}
	return out
}

func TestGoogleReviewsDiscoversLocationAndReadsReviews(t *testing.T) {
	g := newGoogleTestServer(t)
	c := googleTestConnector()
	b, err := c.Fetch(context.Background(), g.source(nil), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 3 {
		t.Fatalf("got %d mentions", len(b.Mentions))
	}
	byID := googleTestIDs(b.Mentions)
	name := googleTestAccount + "/" + googleTestLocation + "/reviews/AbFvOqk3nXj9Qm2sYcW1"
	m, ok := byID[name+"@2026-11-27T18:04:11.52Z"]
	if !ok {
		t.Fatalf("ids: %v", byID)
	}
	if m.ThreadID != name || m.Meta["stars"] != "2" || m.Author != "Julien Tremblay" || m.Meta["replied"] != "false" ||
		!strings.Contains(m.Text, "froid") || m.URL != "https://maps.google.com/maps?cid=7720395512408151021" ||
		m.Title != "" || m.Meta["location_title"] != "Café Lumière — Plateau" {
		t.Fatalf("mention = %+v", m)
	}
	for _, m := range b.Mentions {
		switch m.Meta["review_id"] {
		case "AbFvOql0pR7tUv3wXyZ2": // stars only, anonymous
			// No text: the stars, as glyphs, are all the subject there is;
			// the name is Google's, not ours.
			if m.Text != "" || m.Meta["stars"] != "5" || m.Meta["anonymous"] != "true" || m.Author != "google-review:AbFvOql0pR7tUv3wXyZ2" ||
				m.Title != "★★★★★" || m.AuthorName != "A Google User" {
				t.Errorf("rating-only review = %+v", m)
			}
		case "AbFvOqm8sT1aBc4dEf5G": // answered, edited after its creation
			if m.Meta["replied"] != "true" || m.Meta["edited"] != "true" || !strings.HasPrefix(m.Meta["reply"], "Merci Marie") {
				t.Errorf("answered review = %+v", m)
			}
		}
	}
	var cur map[string]googleLocationCursor
	if err := json.Unmarshal([]byte(b.Cursor.Since), &cur); err != nil {
		t.Fatal(err)
	}
	if cur[googleTestLocation].Since != "2026-11-27T18:04:11.52Z" || cur[googleTestLocation].Resume != "" {
		t.Fatalf("cursor = %+v", cur)
	}

	// Nothing new: one page, nothing emitted.
	g.reviewPages = 0
	b2, err := c.Fetch(context.Background(), g.source(nil), b.Cursor)
	if err != nil || len(b2.Mentions) != 0 || g.reviewPages != 1 {
		t.Fatalf("quiet poll: %d mentions, %d pages, err %v", len(b2.Mentions), g.reviewPages, err)
	}
}

func TestGoogleReviewsNoLocation(t *testing.T) {
	g := newGoogleTestServer(t)
	g.noLocations = true
	_, err := googleTestConnector().Fetch(context.Background(), g.source(nil), Cursor{})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "the Google account manages no location") {
		t.Fatalf("err = %v", err)
	}
	_, err = googleTestConnector().Fetch(context.Background(), g.source(map[string]string{"location": "999"}), Cursor{})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("unknown location: err = %v", err)
	}
}

func TestGoogleReviewsBacklogIncrementalEditDelete(t *testing.T) {
	g := newGoogleTestServer(t)
	g.add(117, googleTestNow.Add(-72*time.Hour)) // 120 reviews: pages of 50, 50, 20
	c := googleTestConnector()
	src := g.source(map[string]string{"account": "118200045219872300091", "location": googleTestLocation})
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 120 || g.reviewPages != 3 || len(googleTestIDs(b.Mentions)) != 120 {
		t.Fatalf("backlog: %d mentions over %d pages", len(b.Mentions), g.reviewPages)
	}

	// Two new reviews: read from the first page only.
	g.add(2, googleTestNow.Add(-time.Hour))
	g.reviewPages = 0
	b2, err := c.Fetch(context.Background(), src, b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Mentions) != 2 || g.reviewPages != 1 {
		t.Fatalf("incremental: %d mentions, %d pages", len(b2.Mentions), g.reviewPages)
	}

	// An edit keeps the review's name: a new message in the same thread.
	name := googleTestAccount + "/" + googleTestLocation + "/reviews/AbFvOqk3nXj9Qm2sYcW1"
	g.mu.Lock()
	g.reviews[name]["starRating"] = "FOUR"
	g.reviews[name]["comment"] = "Ils m'ont rappelé et offert un café. Merci !"
	g.reviews[name]["updateTime"] = googleTestNow.Add(-10 * time.Minute).Format(time.RFC3339Nano)
	// And a review disappears: deleted by its author.
	delete(g.reviews, googleTestAccount+"/"+googleTestLocation+"/reviews/AbFvOqm8sT1aBc4dEf5G")
	g.mu.Unlock()
	b3, err := c.Fetch(context.Background(), src, b2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b3.Mentions) != 1 {
		t.Fatalf("edit: %d mentions", len(b3.Mentions))
	}
	e := b3.Mentions[0]
	if e.ThreadID != name || e.Meta["stars"] != "4" || e.Meta["edited"] != "true" {
		t.Fatalf("edited = %+v", e)
	}
	if _, dup := googleTestIDs(b.Mentions)[e.ExternalID]; dup {
		t.Fatal("the edit reuses the original's external id: it would be dropped as a duplicate")
	}
	b4, err := c.Fetch(context.Background(), src, b3.Cursor)
	if err != nil || len(b4.Mentions) != 0 {
		t.Fatalf("after delete: %d mentions, err %v", len(b4.Mentions), err)
	}
}

func TestGoogleReviewsLongHistoryOverSeveralPolls(t *testing.T) {
	g := newGoogleTestServer(t)
	g.add(1197, googleTestNow.Add(-2000*time.Hour)) // 1200 reviews, 24 pages
	c := googleTestConnector()
	src := g.source(map[string]string{"account": googleTestAccount, "location": googleTestLocation})
	seen := map[string]bool{}
	cur := Cursor{}
	for poll := 1; poll <= 3; poll++ {
		b, err := c.Fetch(context.Background(), src, cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range b.Mentions {
			seen[m.ExternalID] = true
		}
		cur = b.Cursor
		if poll == 1 {
			// New reviews arrive while the history is being read.
			g.add(3, googleTestNow.Add(-30*time.Minute))
		}
	}
	if len(seen) != 1203 {
		t.Fatalf("read %d distinct reviews of 1203", len(seen))
	}
	lc := googleParseCursor(cur.Since)[googleTestLocation]
	if lc.Resume != "" || lc.Floor != "" {
		t.Fatalf("history not finished: %+v", lc)
	}
}

func TestGoogleReviewsErrors(t *testing.T) {
	g := newGoogleTestServer(t)
	c := googleTestConnector()
	src := g.source(nil)

	expired := src
	expired.Secrets = map[string]string{"access_token": "ya29.expired"}
	if _, err := c.Fetch(context.Background(), expired, Cursor{}); !errors.Is(err, ErrReconnect) || IsRetryable(err) {
		t.Fatalf("401: err = %v", err)
	}
	if _, err := c.Fetch(context.Background(), Source{ID: "x", URL: g.srv.URL}, Cursor{}); !errors.Is(err, ErrReconnect) {
		t.Fatalf("no token: err = %v", err)
	}

	g.fail = func(r *http.Request) (int, string) { return 403, "error_403.json" }
	_, err := c.Fetch(context.Background(), src, Cursor{})
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "does not have permission") {
		t.Fatalf("403: err = %v", err)
	}

	g.fail = func(r *http.Request) (int, string) { return 429, "error_429.json" }
	_, err = c.Fetch(context.Background(), src, Cursor{})
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != googleQuotaBackoff || !strings.Contains(rl.Reason, "Requests per minute") {
		t.Fatalf("429: err = %v", err)
	}
	g.fail = func(r *http.Request) (int, string) { return 429, "error_429_retryinfo.json" }
	_, err = c.Fetch(context.Background(), src, Cursor{})
	if !errors.As(err, &rl) || rl.RetryAfter != 17*time.Second {
		t.Fatalf("429 with RetryInfo: err = %v", err)
	}
	g.fail = func(r *http.Request) (int, string) { return 500, "error_500.json" }
	if _, err = c.Fetch(context.Background(), src, Cursor{}); !IsRetryable(err) {
		t.Fatalf("500: err = %v", err)
	}
}

func TestGoogleReviewsQuotaMidBacklogKeepsWhatWasRead(t *testing.T) {
	g := newGoogleTestServer(t)
	g.add(97, googleTestNow.Add(-72*time.Hour)) // 100 reviews, two pages
	c := googleTestConnector()
	src := g.source(map[string]string{"account": googleTestAccount, "location": googleTestLocation})
	g.fail = func(r *http.Request) (int, string) {
		if r.URL.Query().Get("pageToken") != "" {
			return 429, "error_429.json"
		}
		return 0, ""
	}
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 50 || !b.NextCheck.Equal(googleTestNow.Add(googleQuotaBackoff)) {
		t.Fatalf("%d mentions, next check %v", len(b.Mentions), b.NextCheck)
	}
	g.fail = nil
	b2, err := c.Fetch(context.Background(), src, b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	all := googleTestIDs(append(b.Mentions, b2.Mentions...))
	if len(all) != 100 {
		t.Fatalf("after the quota: %d distinct reviews of 100", len(all))
	}
}

func TestGoogleReviewsReplyExactlyOnce(t *testing.T) {
	g := newGoogleTestServer(t)
	c := googleTestConnector()
	src := g.source(nil)
	b, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	var to Mention
	for _, m := range b.Mentions {
		if m.Meta["stars"] == "2" {
			to = m
		}
	}
	body := "Désolés pour l'attente, Julien. Passez nous voir, le prochain café est offert."
	sent, err := c.Reply(context.Background(), src, to, body, "reply-1")
	if err != nil {
		t.Fatal(err)
	}
	if sent.ExternalID != to.ThreadID+"/reply" {
		t.Fatalf("sent = %+v", sent)
	}
	// The process dies before storing the result; the outbox sends again.
	if _, err := c.Reply(context.Background(), src, to, body, "reply-1"); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	reply := g.reviews[to.ThreadID]["reviewReply"].(map[string]any)
	puts := g.replyPuts
	g.mu.Unlock()
	if reply["comment"] != body || puts != 2 {
		t.Fatalf("reply = %v after %d PUTs", reply, puts)
	}
	// Still one review with one reply: the next poll shows it answered.
	b2, err := c.Fetch(context.Background(), src, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range b2.Mentions {
		if m.ThreadID == to.ThreadID && (m.Meta["replied"] != "true" || m.Meta["reply"] != body) {
			t.Fatalf("after reply: %+v", m)
		}
	}

	gone := to
	gone.Meta = map[string]string{"review_name": googleTestAccount + "/" + googleTestLocation + "/reviews/Deleted"}
	if _, err := c.Reply(context.Background(), src, gone, body, "k"); !errors.Is(err, ErrRejected) {
		t.Fatalf("deleted review: err = %v", err)
	}
	if _, err := c.Reply(context.Background(), src, to, strings.Repeat("é", 2049), "k"); !errors.Is(err, ErrRejected) {
		t.Fatalf("too long: err = %v", err)
	}
	if _, err := c.Reply(context.Background(), src, Mention{}, body, "k"); !errors.Is(err, ErrConfig) {
		t.Fatalf("no review: err = %v", err)
	}
}

func TestGoogleReviewsSkipsAnUnverifiedLocation(t *testing.T) {
	g := newGoogleTestServer(t)
	g.unverified = true
	b, err := googleTestConnector().Fetch(context.Background(), g.source(nil), Cursor{})
	if err != nil || len(b.Mentions) != 3 {
		t.Fatalf("%d mentions, err %v", len(b.Mentions), err)
	}
	// Alone, the refusing location is the source's error.
	_, err = googleTestConnector().Fetch(context.Background(), g.source(map[string]string{"account": googleTestAccount, "location": "555"}), Cursor{})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Precondition") {
		t.Fatalf("err = %v", err)
	}
}

func TestGoogleReviewsStalePageTokenDoesNotWedgeTheSource(t *testing.T) {
	g := newGoogleTestServer(t)
	src := g.source(map[string]string{"account": googleTestAccount, "location": googleTestLocation})
	stale, _ := json.Marshal(map[string]googleLocationCursor{googleTestLocation: {
		Since: googleTestNow.Add(-time.Hour).Format(time.RFC3339Nano), Resume: "not-a-token", Floor: "2020-01-01T00:00:00Z"}})
	c := googleTestConnector()
	b, err := c.Fetch(context.Background(), src, Cursor{Since: string(stale)})
	if err != nil {
		t.Fatal(err)
	}
	if lc := googleParseCursor(b.Cursor.Since)[googleTestLocation]; lc.Resume != "" || lc.Floor != "" {
		t.Fatalf("cursor = %+v", lc)
	}
	if _, err := c.Fetch(context.Background(), src, b.Cursor); err != nil {
		t.Fatal(err)
	}
}

// TestGoogleReviewsWriteNoProseOfTheirOwn: the connector writes nothing a
// French owner would read in English. A review with text has no title (the
// desk takes the subject from the text); one with stars only has its stars
// as glyphs; one with neither has nothing, and the app says "(sans objet)".
func TestGoogleReviewsWriteNoProseOfTheirOwn(t *testing.T) {
	for _, tc := range []struct {
		rating, comment, title string
	}{
		{"ONE", "Café froid, service lent.", ""},
		{"TWO", "", "★★☆☆☆"},
		{"STAR_RATING_UNSPECIFIED", "", ""},
	} {
		r := googleReview{Name: googleTestAccount + "/" + googleTestLocation + "/reviews/R1", ReviewID: "R1",
			StarRating: tc.rating, Comment: tc.comment, UpdateTime: "2026-11-28T10:00:00Z"}
		r.Reviewer.DisplayName = "Julien Tremblay"
		m := googleTestConnector().toMention(r, nil, googleLocation{Account: googleTestAccount, Name: googleTestLocation, Title: "Café Lumière"})
		if m.Title != tc.title {
			t.Errorf("%s %q: title %q, want %q", tc.rating, tc.comment, m.Title, tc.title)
		}
	}
}
