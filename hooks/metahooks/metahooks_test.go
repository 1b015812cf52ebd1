package metahooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/model"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
)

const (
	appSecret   = "meta-app-secret"
	verifyToken = "the-verify-token"
	pageID      = "1061234567890"     // connectors/testdata/facebook/webhook_feed.json
	igAccount   = "17841400000000001" // connectors/testdata/instagram/webhook.json
)

// harness is a migrated PocketBase app (real SQLite) serving the webhook
// routes, with an Ingest that records what it is given.
type harness struct {
	t   *testing.T
	app *tests.TestApp
	srv *httptest.Server

	mu        sync.Mutex
	ingested  map[string][]connectors.Mention // source id → mentions
	failStore bool
	refs      []connectors.InstagramMentionRef
}

func newHarness(t *testing.T, maxBody int64) *harness {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	h := &harness{t: t, app: app, ingested: map[string][]connectors.Mention{}}
	err = Register(app, Deps{
		AppSecret: appSecret, VerifyToken: verifyToken, MaxBody: maxBody,
		Ingest: func(_ context.Context, src *core.Record, b connectors.Batch) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.failStore {
				return errors.New("database is locked")
			}
			if b.Cursor != (connectors.Cursor{}) {
				t.Errorf("a push moved the polling cursor: %+v", b.Cursor)
			}
			h.ingested[src.Id] = append(h.ingested[src.Id], b.Mentions...)
			return nil
		},
		InstagramMention: func(_ context.Context, src *core.Record, ref connectors.InstagramMentionRef) (connectors.Mention, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.refs = append(h.refs, ref)
			return connectors.Mention{ExternalID: "fetched-" + ref.MediaID + ref.CommentID, Text: "@cafelumiere trop bon"}, nil
		},
		WriteError: func(e *core.RequestEvent, status int, msg string, data map[string]any) error {
			body := map[string]any{"status": status, "message": msg}
			if m, _, ok := model.MatchMessage(msg); ok {
				body["code"] = m.Code
			}
			return e.JSON(status, body)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(apptest.Handler(t, app))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) source(kind string, enabled bool, options map[string]string) *core.Record {
	h.t.Helper()
	col, err := h.app.FindCollectionByNameOrId("sources")
	if err != nil {
		h.t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("kind", kind)
	r.Set("name", kind)
	r.Set("enabled", enabled)
	r.Set("interval_sec", 300)
	r.Set("options", options)
	if err := h.app.Save(r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) count(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ingested[id])
}

func (h *harness) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ms := range h.ingested {
		n += len(ms)
	}
	return n
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (h *harness) post(body []byte, signature string) int {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+Path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(connectors.MetaSignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../connectors/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerificationEchoesOnlyWithTheToken(t *testing.T) {
	h := newHarness(t, 0)
	for _, c := range []struct {
		query  string
		status int
		body   string
	}{
		{"hub.mode=subscribe&hub.verify_token=" + verifyToken + "&hub.challenge=1158201444", 200, "1158201444"},
		{"hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444", 403, ""},
		{"hub.mode=unsubscribe&hub.verify_token=" + verifyToken + "&hub.challenge=1158201444", 403, ""},
		{"hub.mode=subscribe&hub.challenge=1158201444", 403, ""},
	} {
		resp, err := http.Get(h.srv.URL + Path + "?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.body != "" && string(b) != c.body) || (c.body == "" && strings.Contains(string(b), "1158201444")) {
			t.Errorf("%s: HTTP %d %q", c.query, resp.StatusCode, b)
		}
	}
}

func TestDeliveryWithAWrongSignatureIsRefused(t *testing.T) {
	h := newHarness(t, 0)
	h.source(model.KindFacebook, true, map[string]string{"page_id": pageID})
	body := fixture(t, "facebook/webhook_feed.json")
	for name, sig := range map[string]string{
		"none":         "",
		"other secret": sign("not-the-secret", body),
		"not hex":      "sha256=zz",
		"sha1":         "sha1=" + strings.TrimPrefix(sign(appSecret, body), "sha256="),
		"another body": sign(appSecret, append([]byte(" "), body...)),
	} {
		if got := h.post(body, sig); got != http.StatusUnauthorized {
			t.Errorf("signature %s: HTTP %d, want 401", name, got)
		}
	}
	if n := h.total(); n != 0 {
		t.Errorf("%d mentions ingested from unsigned deliveries", n)
	}
}

func TestPageDeliveryGoesToItsSource(t *testing.T) {
	h := newHarness(t, 0)
	src := h.source(model.KindFacebook, true, map[string]string{"page_id": pageID})
	other := h.source(model.KindFacebook, true, map[string]string{"page_id": "999"})
	off := h.source(model.KindFacebook, false, map[string]string{"page_id": pageID})
	body := fixture(t, "facebook/webhook_feed.json")
	if got := h.post(body, sign(appSecret, body)); got != http.StatusOK {
		t.Fatalf("HTTP %d", got)
	}
	// Three changes are comments said (added, edited, the Page's own
	// answer); a removal and a reaction are not mentions.
	if n := h.count(src.Id); n != 3 {
		t.Errorf("%d mentions for the Page's source, want 3", n)
	}
	if h.count(other.Id) != 0 || h.count(off.Id) != 0 {
		t.Error("another Page's or a disabled source got the delivery")
	}
}

func TestUnknownPageAndUnreadableBodyAnswer200(t *testing.T) {
	h := newHarness(t, 0)
	body := fixture(t, "facebook/webhook_feed.json")
	if got := h.post(body, sign(appSecret, body)); got != http.StatusOK {
		t.Errorf("unknown Page: HTTP %d, want 200 (Meta retries anything else)", got)
	}
	src := h.source(model.KindFacebook, true, map[string]string{"page_id": pageID})
	for _, b := range []string{`{"object":"page","entry":[{"id":"` + pageID + `","changes":[{"field":"feed","value":"not an object"}]}]}`, `not json`, `{"object":"user","entry":[]}`} {
		if got := h.post([]byte(b), sign(appSecret, []byte(b))); got != http.StatusOK {
			t.Errorf("%s: HTTP %d, want 200", b, got)
		}
	}
	if n := h.count(src.Id); n != 0 {
		t.Errorf("%d mentions from unreadable deliveries", n)
	}
}

func TestOversizedDeliveryIsRefused(t *testing.T) {
	h := newHarness(t, 512)
	h.source(model.KindFacebook, true, map[string]string{"page_id": pageID})
	body := fixture(t, "facebook/webhook_feed.json") // 2 KB
	if got := h.post(body, sign(appSecret, body)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("HTTP %d, want 413", got)
	}
	if h.total() != 0 {
		t.Error("an oversized delivery was ingested")
	}
}

func TestStoreFailureAsksMetaToRetry(t *testing.T) {
	h := newHarness(t, 0)
	h.source(model.KindFacebook, true, map[string]string{"page_id": pageID})
	h.failStore = true
	body := fixture(t, "facebook/webhook_feed.json")
	if got := h.post(body, sign(appSecret, body)); got != http.StatusServiceUnavailable {
		t.Errorf("HTTP %d, want 503", got)
	}
}

func TestInstagramDeliveryFetchesMentions(t *testing.T) {
	h := newHarness(t, 0)
	src := h.source(model.KindInstagram, true, map[string]string{"ig_user_id": igAccount})
	body := fixture(t, "instagram/webhook.json")
	if got := h.post(body, sign(appSecret, body)); got != http.StatusOK {
		t.Fatalf("HTTP %d", got)
	}
	// Two comments arrive whole; two @mentions are fetched by id.
	if n := h.count(src.Id); n != 4 {
		t.Errorf("%d mentions, want 4", n)
	}
	if len(h.refs) != 2 || h.refs[0].CommentID != "17860000000000001" || h.refs[1].MediaID != "17910000000000002" {
		t.Errorf("mentions fetched: %+v", h.refs)
	}
}
