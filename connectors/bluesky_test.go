package connectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const bskyOwnDID = "did:plc:cafelumiere000000000000"

// fakePDS is an httptest PDS: it issues sessions, expires them on demand,
// stores created records by rkey (failing a duplicate create with a 500, as
// the reference PDS did) and serves searchPosts from testdata.
type fakePDS struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	requests []acctRequest
	issued   int
	access   map[string]bool // valid access tokens
	refresh  map[string]bool // valid refresh tokens
	records  map[string]string
	search   func(w http.ResponseWriter, r *http.Request)
	override func(w http.ResponseWriter, r *http.Request) bool
	// failCreateAfterStore makes createRecord store the record, then fail
	// with a 502 as if the answer was lost on the way.
	failCreateAfterStore bool
}

func newFakePDS(t *testing.T) *fakePDS {
	f := &fakePDS{t: t, access: map[string]bool{}, refresh: map[string]bool{}, records: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePDS) source() Source {
	return Source{ID: "bsky1", Kind: "bluesky", URL: f.srv.URL, Query: "\"café lumière\" OR cafelumiere",
		Secrets: map[string]string{"identifier": "cafelumiere.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}}
}

func (f *fakePDS) writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// expireAll makes every access token issued so far answer ExpiredToken.
func (f *fakePDS) expireAll() {
	f.mu.Lock()
	f.access = map[string]bool{}
	f.mu.Unlock()
}

func (f *fakePDS) revokeRefresh() {
	f.mu.Lock()
	f.refresh = map[string]bool{}
	f.mu.Unlock()
}

func (f *fakePDS) newSession() []byte {
	f.issued++
	a, r := fmt.Sprintf("access-%d", f.issued), fmt.Sprintf("refresh-%d", f.issued)
	f.access[a], f.refresh[r] = true, true
	s := strings.Replace(string(acctTestdata(f.t, "bluesky", "create_session.json")), `"ACCESS"`, `"`+a+`"`, 1)
	return []byte(strings.Replace(s, `"REFRESH"`, `"`+r+`"`, 1))
}

func (f *fakePDS) count(nsid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Path == "/xrpc/"+nsid {
			n++
		}
	}
	return n
}

func (f *fakePDS) last(nsid string) acctRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.requests) - 1; i >= 0; i-- {
		if f.requests[i].Path == "/xrpc/"+nsid {
			return f.requests[i]
		}
	}
	f.t.Fatalf("no %s request", nsid)
	return acctRequest{}
}

func (f *fakePDS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, acctRequest{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), string(body)})
	override := f.override
	f.mu.Unlock()
	if override != nil && override(w, r) {
		return
	}
	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/xrpc/com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		json.Unmarshal(body, &in)
		if r.Method != http.MethodPost || in.Identifier != "cafelumiere.bsky.social" || in.Password != "abcd-efgh-ijkl-mnop" {
			f.writeJSON(w, 401, acctTestdata(f.t, "bluesky", "error_bad_password.json"))
			return
		}
		f.writeJSON(w, 200, f.newSession())
		return
	case "/xrpc/com.atproto.server.refreshSession":
		if !f.refresh[bearer] {
			f.writeJSON(w, 400, acctTestdata(f.t, "bluesky", "error_expired.json"))
			return
		}
		delete(f.refresh, bearer)
		f.writeJSON(w, 200, f.newSession())
		return
	}
	if !f.access[bearer] {
		f.writeJSON(w, 400, acctTestdata(f.t, "bluesky", "error_expired.json"))
		return
	}
	switch r.URL.Path {
	case "/xrpc/app.bsky.feed.searchPosts":
		if f.search != nil {
			f.search(w, r)
			return
		}
		f.writeJSON(w, 200, acctTestdata(f.t, "bluesky", "search_posts.json"))
	case "/xrpc/com.atproto.repo.createRecord":
		var in struct {
			Repo, Collection, Rkey string
			Record                 json.RawMessage
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Repo != bskyOwnDID || in.Collection != "app.bsky.feed.post" {
			f.writeJSON(w, 400, []byte(`{"error":"InvalidRequest","message":"bad input"}`))
			return
		}
		if _, dup := f.records[in.Rkey]; dup {
			f.writeJSON(w, 500, acctTestdata(f.t, "bluesky", "error_internal.json"))
			return
		}
		f.records[in.Rkey] = string(in.Record)
		if f.failCreateAfterStore {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		f.writeJSON(w, 200, []byte(strings.Replace(string(acctTestdata(f.t, "bluesky", "create_record.json")), "RKEY", in.Rkey, 1)))
	case "/xrpc/com.atproto.repo.getRecord":
		rkey := r.URL.Query().Get("rkey")
		if _, ok := f.records[rkey]; !ok || r.URL.Query().Get("repo") != bskyOwnDID {
			f.writeJSON(w, 400, []byte(strings.Replace(string(acctTestdata(f.t, "bluesky", "error_record_not_found.json")), "RKEY", rkey, 1)))
			return
		}
		f.writeJSON(w, 200, []byte(strings.Replace(string(acctTestdata(f.t, "bluesky", "get_record.json")), "RKEY", rkey, 1)))
	default:
		f.writeJSON(w, 501, []byte(`{"error":"MethodNotImplemented","message":"Method Not Implemented"}`))
	}
}

func TestBlueskyFetch(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	batch, err := b.Fetch(context.Background(), f.source(), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Mentions) != 3 {
		t.Fatalf("got %d mentions", len(batch.Mentions))
	}
	m := batch.Mentions[0]
	if m.ExternalID != "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbx7qsd2ks2c" ||
		m.URL != "https://bsky.app/profile/marie.bsky.social/post/3lbx7qsd2ks2c" ||
		m.Author != "marie.bsky.social" || m.AuthorName != "Marie 🌿" || m.Lang != "fr" ||
		m.Text != "Toujours pas de réponse de Café Lumière pour ma commande 😤" ||
		!m.Published.Equal(time.Date(2026, 11, 23, 9, 14, 2, 321e6, time.UTC)) || m.Own || m.InReplyTo != "" {
		t.Errorf("first = %+v", m)
	}
	if m.Meta["cid"] != "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a" || m.Meta["root_uri"] != m.ExternalID || m.Meta["root_cid"] != m.Meta["cid"] {
		t.Errorf("a top-level post is its own root: %v", m.Meta)
	}
	reply := batch.Mentions[1]
	if reply.InReplyTo != "at://did:plc:yk4dd2qkboz2yv6tpubpc6co/app.bsky.feed.post/3lbx6ybnfok2x" ||
		reply.ThreadID != "at://did:plc:yk4dd2qkboz2yv6tpubpc6co/app.bsky.feed.post/3lbx5kqk4ds2c" ||
		reply.Meta["root_cid"] != "bafyreiarootcidrootcidrootcidrootcidrootcidrootcid0000" {
		t.Errorf("reply = %+v", reply)
	}
	if own := batch.Mentions[2]; !own.Own {
		t.Errorf("own post not marked: %+v", own)
	}
	if batch.Cursor.Since != "2026-11-23T09:14:02.321Z" {
		t.Errorf("cursor = %q (the newest sortAt: createdAt, earlier than indexedAt)", batch.Cursor.Since)
	}
	req := f.last("app.bsky.feed.searchPosts")
	if req.Query.Get("q") != "\"café lumière\" OR cafelumiere" || req.Query.Get("sort") != "latest" ||
		req.Query.Get("limit") != "100" || req.Query.Has("since") || req.Header.Get("Authorization") != "Bearer access-1" {
		t.Errorf("search request = %v %v", req.Query, req.Header)
	}
	if f.count("app.bsky.feed.searchPosts") != 1 {
		t.Error("a first poll reads one page only")
	}

	// The next poll reuses the session and sends since.
	if _, err := b.Fetch(context.Background(), f.source(), batch.Cursor); err != nil {
		t.Fatal(err)
	}
	if got := f.last("app.bsky.feed.searchPosts").Query.Get("since"); got != "2026-11-23T09:14:02.321Z" {
		t.Errorf("since = %q", got)
	}
	if n := f.count("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession called %d times, want 1", n)
	}
}

func TestBlueskyExpiredTokenRefreshes(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	if _, err := b.Fetch(context.Background(), f.source(), Cursor{}); err != nil {
		t.Fatal(err)
	}
	f.expireAll()
	if _, err := b.Fetch(context.Background(), f.source(), Cursor{}); err != nil {
		t.Fatal(err)
	}
	if n := f.count("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession = %d, want 1: an expired access token is refreshed, not re-logged", n)
	}
	ref := f.last("com.atproto.server.refreshSession")
	if ref.Method != http.MethodPost || ref.Header.Get("Authorization") != "Bearer refresh-1" {
		t.Errorf("refresh request = %s %v", ref.Method, ref.Header)
	}
	if got := f.last("app.bsky.feed.searchPosts").Header.Get("Authorization"); got != "Bearer access-2" {
		t.Errorf("retried with %q", got)
	}

	// Both tokens dead: log in again as a last resort.
	f.expireAll()
	f.revokeRefresh()
	if _, err := b.Fetch(context.Background(), f.source(), Cursor{}); err != nil {
		t.Fatal(err)
	}
	if n := f.count("com.atproto.server.createSession"); n != 2 {
		t.Errorf("createSession = %d, want 2", n)
	}
}

func TestBlueskyBadPassword(t *testing.T) {
	f := newFakePDS(t)
	src := f.source()
	src.Secrets["app_password"] = "wrong"
	_, err := NewBluesky(acctConfig()).Fetch(context.Background(), src, Cursor{})
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "Invalid identifier or password") || IsRetryable(err) {
		t.Errorf("err = %v", err)
	}
	src.Secrets = nil
	if _, err := NewBluesky(acctConfig()).Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrConfig) {
		t.Errorf("no secrets: %v", err)
	}
}

func TestBlueskyRateLimited(t *testing.T) {
	f := newFakePDS(t)
	reset := acctNow.Add(4 * time.Minute)
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/xrpc/app.bsky.feed.searchPosts" {
			return false
		}
		w.Header().Set("RateLimit-Limit", "3000")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", fmt.Sprint(reset.Unix()))
		w.Header().Set("RateLimit-Policy", "3000;w=300")
		f.writeJSON(w, 429, acctTestdata(t, "bluesky", "error_rate_limit.json"))
		return true
	}
	_, err := NewBluesky(acctConfig()).Fetch(context.Background(), f.source(), Cursor{})
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 4*time.Minute || !strings.Contains(rl.Reason, "RateLimitExceeded") {
		t.Errorf("err = %#v", err)
	}
}

func TestBlueskyServerError(t *testing.T) {
	f := newFakePDS(t)
	f.search = func(w http.ResponseWriter, r *http.Request) {
		f.writeJSON(w, 500, acctTestdata(t, "bluesky", "error_internal.json"))
	}
	_, err := NewBluesky(acctConfig()).Fetch(context.Background(), f.source(), Cursor{})
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 500 || !IsRetryable(err) {
		t.Errorf("err = %v", err)
	}
}

func TestBlueskyPaging(t *testing.T) {
	f := newFakePDS(t)
	var page map[string]json.RawMessage
	json.Unmarshal(acctTestdata(t, "bluesky", "search_posts.json"), &page)
	var posts []map[string]any
	json.Unmarshal(page["posts"], &posts)
	base := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)
	f.search = func(w http.ResponseWriter, r *http.Request) {
		start := 0
		fmt.Sscan(r.URL.Query().Get("cursor"), &start)
		var out []map[string]any
		for i := start; i < start+100 && i < 250; i++ {
			b, _ := json.Marshal(posts[0])
			var p map[string]any
			json.Unmarshal(b, &p)
			p["uri"] = fmt.Sprintf("at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbx7qsd%05d", i)
			ts := base.Add(-time.Duration(i) * time.Second).Format(bskySinceLayout)
			p["indexedAt"] = ts
			p["record"].(map[string]any)["createdAt"] = ts
			out = append(out, p)
		}
		resp := map[string]any{"posts": out}
		if start+100 < 250 {
			resp["cursor"] = fmt.Sprint(start + 100)
		}
		b, _ := json.Marshal(resp)
		f.writeJSON(w, 200, b)
	}
	batch, err := NewBluesky(acctConfig()).Fetch(context.Background(), f.source(), Cursor{Since: "2026-11-23T10:00:00.000Z"})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Mentions) != 250 || f.count("app.bsky.feed.searchPosts") != 3 {
		t.Errorf("got %d mentions over %d pages", len(batch.Mentions), f.count("app.bsky.feed.searchPosts"))
	}
	if batch.Cursor.Since != "2026-11-23T11:00:00.000Z" {
		t.Errorf("cursor = %q", batch.Cursor.Since)
	}
	if got := f.last("app.bsky.feed.searchPosts").Query.Get("cursor"); got != "200" {
		t.Errorf("last page cursor = %q", got)
	}
}

func bskyMentionFixture(t *testing.T, f *fakePDS, b *Bluesky, i int) Mention {
	t.Helper()
	batch, err := b.Fetch(context.Background(), f.source(), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	return batch.Mentions[i]
}

func TestBlueskyReply(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	to := bskyMentionFixture(t, f, b, 1) // a reply inside someone's thread
	src := f.source()
	src.Options = map[string]string{"lang": "en"}
	body := "Thanks @tom.example.com! Menu: https://cafelumiere.example/menu."
	sent, err := b.Reply(context.Background(), src, to, body, "reply-7")
	if err != nil {
		t.Fatal(err)
	}
	rkey := replyTID("reply-7", to, acctNow)
	wantURI := "at://" + bskyOwnDID + "/app.bsky.feed.post/" + rkey
	if sent.ExternalID != wantURI || sent.URL != "https://bsky.app/profile/cafelumiere.bsky.social/post/"+rkey {
		t.Errorf("sent = %+v", sent)
	}
	req := f.last("com.atproto.repo.createRecord")
	if req.Method != http.MethodPost || req.Header.Get("Authorization") != "Bearer access-1" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %s %v", req.Method, req.Header)
	}
	var in struct {
		Repo       string `json:"repo"`
		Collection string `json:"collection"`
		Rkey       string `json:"rkey"`
		Record     struct {
			Type      string   `json:"$type"`
			Text      string   `json:"text"`
			CreatedAt string   `json:"createdAt"`
			Langs     []string `json:"langs"`
			Reply     struct {
				Root, Parent bskyStrongRef
			} `json:"reply"`
			Facets []bskyFacet `json:"facets"`
		} `json:"record"`
	}
	if err := json.Unmarshal([]byte(req.Body), &in); err != nil {
		t.Fatal(err)
	}
	rec := in.Record
	if in.Repo != bskyOwnDID || in.Collection != "app.bsky.feed.post" || in.Rkey != rkey ||
		rec.Type != "app.bsky.feed.post" || rec.Text != body || rec.CreatedAt != "2026-11-23T12:00:00.000Z" ||
		len(rec.Langs) != 1 || rec.Langs[0] != "en" {
		t.Errorf("createRecord body = %s", req.Body)
	}
	if rec.Reply.Parent != (bskyStrongRef{to.ExternalID, to.Meta["cid"]}) ||
		rec.Reply.Root != (bskyStrongRef{"at://did:plc:yk4dd2qkboz2yv6tpubpc6co/app.bsky.feed.post/3lbx5kqk4ds2c", "bafyreiarootcidrootcidrootcidrootcidrootcidrootcid0000"}) {
		t.Errorf("reply refs = %+v", rec.Reply)
	}
	if len(rec.Facets) != 2 {
		t.Fatalf("facets = %+v", rec.Facets)
	}
	mention, link := rec.Facets[0], rec.Facets[1]
	if body[mention.Index.ByteStart:mention.Index.ByteEnd] != "@tom.example.com" || mention.Features[0]["did"] != "did:plc:4lx3fsg2ycsi3cnxbxqmbjgd" {
		t.Errorf("mention facet = %+v", mention)
	}
	if body[link.Index.ByteStart:link.Index.ByteEnd] != "https://cafelumiere.example/menu" || link.Features[0]["uri"] != "https://cafelumiere.example/menu" {
		t.Errorf("link facet = %+v", link)
	}

	// A retry with the same key finds the record and does not post again.
	again, err := NewBluesky(acctConfig()).Reply(context.Background(), f.source(), to, body, "reply-7")
	if err != nil {
		t.Fatal(err)
	}
	if again.ExternalID != sent.ExternalID || f.count("com.atproto.repo.createRecord") != 1 {
		t.Errorf("retry = %+v, creates = %d", again, f.count("com.atproto.repo.createRecord"))
	}
	// Another reply (another key) gets another record.
	other, err := b.Reply(context.Background(), f.source(), to, "And welcome!", "reply-8")
	if err != nil || other.ExternalID == sent.ExternalID {
		t.Errorf("second reply = %+v, %v", other, err)
	}
}

func TestBlueskyReplyLostAnswerIsRecovered(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	to := bskyMentionFixture(t, f, b, 0)
	f.failCreateAfterStore = true
	sent, err := b.Reply(context.Background(), f.source(), to, "On regarde ça !", "k-lost")
	if err != nil {
		t.Fatalf("the record landed; Reply should find it: %v", err)
	}
	if !strings.HasSuffix(sent.ExternalID, "/"+replyTID("k-lost", to, acctNow)) {
		t.Errorf("sent = %+v", sent)
	}
	if f.count("com.atproto.repo.createRecord") != 1 {
		t.Error("created twice")
	}
}

func TestBlueskyReplyTooLong(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	to := bskyMentionFixture(t, f, b, 0)
	// 300 family emoji are 300 graphemes but 7,500 bytes; 301 "é" (as e +
	// combining accent) are 301 graphemes.
	cases := map[string]string{
		"graphemes": strings.Repeat("e\u0301", 301),
		"bytes":     strings.Repeat("👨‍👩‍👧", 300),
	}
	for name, text := range cases {
		_, err := b.Reply(context.Background(), f.source(), to, text, "k-"+name)
		if !errors.Is(err, ErrRejected) || IsRetryable(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := b.Reply(context.Background(), f.source(), to, strings.Repeat("e\u0301", 300), "k-ok"); err != nil {
		t.Errorf("300 graphemes must pass: %v", err)
	}
	if f.count("com.atproto.repo.createRecord") != 1 {
		t.Errorf("creates = %d", f.count("com.atproto.repo.createRecord"))
	}
}

func TestBlueskyReplyRefreshesExpiredToken(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	to := bskyMentionFixture(t, f, b, 0)
	f.expireAll()
	if _, err := b.Reply(context.Background(), f.source(), to, "Merci !", "k"); err != nil {
		t.Fatal(err)
	}
	if f.count("com.atproto.server.refreshSession") != 1 || f.count("com.atproto.server.createSession") != 1 {
		t.Errorf("refresh=%d create=%d", f.count("com.atproto.server.refreshSession"), f.count("com.atproto.server.createSession"))
	}
}

func TestTIDFormat(t *testing.T) {
	// Examples from the atproto TID spec and @atcute/tid.
	if got := encodeTID(0, 0); got != "2222222222222" {
		t.Errorf("zero = %q", got)
	}
	if got := encodeTID(1724171495793000, 512); got != "3l25zusnsfck2" {
		t.Errorf("encodeTID = %q, want 3l25zusnsfck2", got)
	}
	to := Mention{Meta: map[string]string{"indexed_at": "2026-11-23T09:14:03.104Z"}}
	a, b := replyTID("k1", to, acctNow), replyTID("k1", to, acctNow.Add(time.Hour))
	if a != b {
		t.Errorf("TID must not depend on the clock: %q vs %q", a, b)
	}
	if c := replyTID("k2", to, acctNow); c == a {
		t.Error("different keys, same TID")
	}
	if len(a) != 13 || !strings.ContainsRune("234567abcdefghij", rune(a[0])) {
		t.Errorf("bad TID %q", a)
	}
	for _, c := range a {
		if !strings.ContainsRune(tidAlphabet, c) {
			t.Errorf("bad char in %q", a)
		}
	}
	// The timestamp is within a second after the mention was indexed.
	var v uint64
	for _, c := range a {
		v = v<<5 | uint64(strings.IndexRune(tidAlphabet, c))
	}
	ts := time.UnixMicro(int64(v >> 10)).UTC()
	if ts.Before(time.Date(2026, 11, 23, 9, 14, 3, 0, time.UTC)) || ts.After(time.Date(2026, 11, 23, 9, 14, 4, 0, time.UTC)) {
		t.Errorf("TID time = %v", ts)
	}
}

func TestBlueskyAppViewIsNotAPDS(t *testing.T) {
	f := newFakePDS(t)
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/xrpc/com.atproto.server.createSession" {
			f.writeJSON(w, 501, []byte(`{"error":"MethodNotImplemented","message":"Method Not Implemented"}`))
			return true
		}
		return false
	}
	_, err := NewBluesky(acctConfig()).Fetch(context.Background(), f.source(), Cursor{})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "does not accept logins") {
		t.Errorf("err = %v", err)
	}
}

func TestBlueskyConcurrentPollsShareOneSession(t *testing.T) {
	f := newFakePDS(t)
	b := NewBluesky(acctConfig())
	if _, err := b.Fetch(context.Background(), f.source(), Cursor{}); err != nil {
		t.Fatal(err)
	}
	f.expireAll()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.Fetch(context.Background(), f.source(), Cursor{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.count("com.atproto.server.refreshSession"); n != 1 {
		t.Errorf("refreshSession = %d, want 1 for 8 concurrent polls", n)
	}
	if n := f.count("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession = %d, want 1", n)
	}
}

func TestBlueskyBadBodies(t *testing.T) {
	f := newFakePDS(t)
	f.search = func(w http.ResponseWriter, r *http.Request) {
		f.writeJSON(w, 200, []byte(`{"posts":[{"uri":"at://x/app.bsky.feed.post/1","cid":`))
	}
	if _, err := NewBluesky(acctConfig()).Fetch(context.Background(), f.source(), Cursor{}); !errors.Is(err, ErrBadFeed) {
		t.Errorf("truncated JSON: %v", err)
	}
	f.search = func(w http.ResponseWriter, r *http.Request) {
		f.writeJSON(w, 200, []byte(`{"posts":[`+strings.Repeat(`{"uri":""},`, 1000)+`{"uri":""}]}`))
	}
	cfg := acctConfig()
	cfg.MaxBody = 4096
	if _, err := NewBluesky(cfg).Fetch(context.Background(), f.source(), Cursor{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge body: %v", err)
	}
	// Posts without a uri or with garbage fields are skipped, not fatal.
	f.search = func(w http.ResponseWriter, r *http.Request) {
		f.writeJSON(w, 200, []byte(`{"posts":[{"uri":""},{"uri":"at://did:plc:a/app.bsky.feed.post/3k","cid":"c","author":{"did":"did:plc:a","handle":"handle.invalid"},"record":{"text":"hi","createdAt":"not a date"},"indexedAt":"2026-11-23T10:00:00.000Z"}]}`))
	}
	b, err := NewBluesky(acctConfig()).Fetch(context.Background(), f.source(), Cursor{})
	if err != nil || len(b.Mentions) != 1 {
		t.Fatalf("%v %+v", err, b)
	}
	m := b.Mentions[0]
	if m.URL != "https://bsky.app/profile/did:plc:a/post/3k" || !m.Published.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("handle.invalid / bad createdAt: %+v", m)
	}
}
