package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/connect"
	"github.com/mentiondesk/mentiondesk/hooks/metahooks"
	"github.com/mentiondesk/mentiondesk/model"
)

// wired is the whole server on a test app, served over HTTP: the OAuth
// callback and Meta's webhooks are reached as the platforms reach them.
type wired struct {
	t   *testing.T
	app *tests.TestApp
	hub *hub
	url string
}

func serveWired(t *testing.T, cfg Config) *wired {
	t.Helper()
	app := newTestAppWith(t, cfg)
	t.Cleanup(app.Cleanup)
	h, _ := hubs.Load(app)
	w := &wired{t: t, app: app, hub: h.(*hub)}
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		if err != nil {
			return err
		}
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		w.url = srv.URL
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// do sends a request as the user with token ("" for none), without
// following redirects, and returns the answer with its body read.
func (w *wired) do(method, path, token string, body []byte, header map[string]string) (*http.Response, []byte) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.url+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// health is a source's stored failure code and whether it is marked
// "reconnect needed".
func (w *wired) health(id string) (code string, reconnect bool) {
	w.t.Helper()
	src, err := w.app.FindRecordById("sources", id)
	if err != nil {
		w.t.Fatal(err)
	}
	info := map[string]any{}
	_ = src.UnmarshalJSONField("last_error_info", &info)
	code, _ = info["code"].(string)
	return code, !src.GetDateTime("reconnect_needed_at").IsZero()
}

// expireSoon moves a connected source's stored token to expire within the
// refresh margin, as an hour of use does.
func (w *wired) expireSoon(id string, in time.Duration) {
	w.t.Helper()
	src, err := w.app.FindRecordById("sources", id)
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := w.hub.secrets.Open(src)
	if err != nil {
		w.t.Fatal(err)
	}
	s["token_expiry"] = time.Now().Add(in).UTC().Format(time.RFC3339)
	w.hub.secrets.Set(src, s)
	if err := w.app.Save(src); err != nil {
		w.t.Fatal(err)
	}
}

func googleConfig(g *fakeGoogle) Config {
	cfg := testConfig()
	cfg.Connect.Google = connect.App{ClientID: fakeGoogleClientID, ClientSecret: fakeGoogleSecret,
		AuthURL: g.srv.URL + "/o/oauth2/v2/auth", TokenURL: g.srv.URL + "/token"}
	return cfg
}

// connectGoogle presses Connect on source as the owner and agrees on
// Google's consent screen; it returns where the browser lands.
func (w *wired) connectGoogle(g *fakeGoogle, sourceID string) string {
	w.t.Helper()
	resp, body := w.do(http.MethodPost, "/api/md/connect/"+sourceID+"/start", tokens[ownerID], nil, nil)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("start: HTTP %d %s", resp.StatusCode, body)
	}
	var start struct {
		URL         string `json:"url"`
		RedirectURL string `json:"redirect_url"`
	}
	if err := json.Unmarshal(body, &start); err != nil {
		w.t.Fatal(err)
	}
	if start.RedirectURL != w.url+connect.CallbackPath(model.ProviderGoogle) {
		w.t.Fatalf("redirect URL %q, want this server's callback", start.RedirectURL)
	}
	back := g.consent(start.URL)
	resp, body = w.do(http.MethodGet, connect.CallbackPath(model.ProviderGoogle)+"?"+back.Encode(), "", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("callback: HTTP %d %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// TestGoogleReviewConnectedPolledAndAnsweredWithFreshTokens follows a
// Google reviews source through the wired server: connected with OAuth,
// polled into a ticket, tested, answered after its token neared expiry
// (refreshed first, the reply sent once with the new token), then revoked
// on Google's side: the poll and the outbox mark it "reconnect needed",
// and its health keeps that code poll after poll.
func TestGoogleReviewConnectedPolledAndAnsweredWithFreshTokens(t *testing.T) {
	t.Parallel()
	g := newFakeGoogle(t)
	w := serveWired(t, googleConfig(g))
	ctx := context.Background()
	src := saveRecord(t, w.app, "sources", map[string]any{"kind": model.KindGoogleReviews, "name": "Avis Google",
		"url": g.srv.URL, "enabled": true, "interval_sec": 300})

	// Not connected yet: the poll says so and asks Google for nothing.
	if _, err := w.hub.sources.PollSource(ctx, src.Id); !errors.Is(err, connect.ErrNotConnected) {
		t.Fatalf("poll before Connect: %v, want ErrNotConnected", err)
	}
	if code, _ := w.health(src.Id); code != "source_config" {
		t.Errorf("health before Connect: %q", code)
	}

	if got := w.connectGoogle(g, src.Id); got != w.url+"/sources/"+src.Id+"?connect=ok" {
		t.Fatalf("the callback sent the browser to %q", got)
	}
	if code, _ := w.health(src.Id); code != "" {
		t.Errorf("health after Connect: %q, want cleared", code)
	}

	review := g.review("AbFvOqk3nXj9Qm2sYcW1", "ONE", "Service horrible, le café était froid et personne ne s'est excusé. Je ne reviendrai pas.",
		"Julien Tremblay", time.Now().Add(-time.Hour))
	res, err := w.hub.sources.PollSource(ctx, src.Id)
	if err != nil || res.New != 1 {
		t.Fatalf("poll: %+v, %v", res, err)
	}
	ms := mentionsOf(t, w.app, src.Id)
	if len(ms) != 1 || ms[0].GetString("triage") != "ticket" || ms[0].GetString("ticket") == "" || ms[0].GetString("language") != "fr" {
		t.Fatalf("mentions: %d, triage %q, ticket %q, language %q", len(ms), ms[0].GetString("triage"), ms[0].GetString("ticket"), ms[0].GetString("language"))
	}
	ticket := ms[0].GetString("ticket")

	// "Test this source" fetches with the connected account, not the form.
	resp, body := w.do(http.MethodPost, "/api/md/sources/preview", tokens[ownerID],
		[]byte(`{"id":"`+src.Id+`","kind":"google_reviews","name":"Avis Google","url":"`+g.srv.URL+`"}`), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"total":1`) {
		t.Errorf("preview of the connected source: HTTP %d %s", resp.StatusCode, body)
	}
	resp, body = w.do(http.MethodPost, "/api/md/sources/preview", tokens[ownerID],
		[]byte(`{"kind":"google_reviews","name":"Unsaved","url":"`+g.srv.URL+`"}`), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"code":"source_config"`) {
		t.Errorf("preview of an unsaved source: HTTP %d %s", resp.StatusCode, body)
	}

	// The token nears its expiry: the outbox refreshes it before the PUT.
	w.expireSoon(src.Id, time.Minute)
	const answer = "Bonjour Julien, nous sommes désolés pour l'attente et le café froid. Revenez, le prochain est offert."
	reply := queueReply(t, w.app, ticket, answer)
	if err := w.hub.outbox.SendReply(ctx, reply.Id); err != nil {
		t.Fatalf("sending the reply: %v", err)
	}
	sent := g.sentReplies()
	if len(sent) != 1 || sent[0].Review != review || sent[0].Comment != answer {
		t.Fatalf("Google received %+v, want one reply to %s", sent, review)
	}
	if g.grantCount("refresh_token") != 1 || sent[0].Token != g.currentAccess() {
		t.Errorf("%d refreshes; the reply used %q, the fresh token is %q", g.grantCount("refresh_token"), sent[0].Token, g.currentAccess())
	}
	if r, _ := w.app.FindRecordById("replies", reply.Id); r.GetString("status") != "sent" {
		t.Errorf("reply status %q", r.GetString("status"))
	}
	// Sending the same reply again finds it sent: nothing more reaches Google.
	if err := w.hub.outbox.SendReply(ctx, reply.Id); err != nil || len(g.sentReplies()) != 1 {
		t.Errorf("second send: %v, %d replies on Google", err, len(g.sentReplies()))
	}

	// The owner removes Mentiondesk's access on Google: the next refresh
	// is refused, the source asks to be connected again, and keeps saying
	// so with its own code however often it is polled.
	g.revoke()
	w.expireSoon(src.Id, -time.Minute)
	for i := range 2 {
		_, err := w.hub.sources.PollSource(ctx, src.Id)
		if !errors.Is(err, connectors.ErrReconnect) {
			t.Fatalf("poll %d after revocation: %v", i, err)
		}
		if code, marked := w.health(src.Id); code != "source_reconnect_needed" || !marked {
			t.Fatalf("poll %d: health %q, marked %v", i, code, marked)
		}
	}
	second := queueReply(t, w.app, ticket, "Une autre réponse")
	if err := w.hub.outbox.SendReply(ctx, second.Id); !errors.Is(err, connectors.ErrReconnect) {
		t.Fatalf("reply after revocation: %v", err)
	}
	if r, _ := w.app.FindRecordById("replies", second.Id); r.GetString("status") != "failed" || len(g.sentReplies()) != 1 {
		t.Errorf("reply after revocation: status %q, %d replies on Google", r.GetString("status"), len(g.sentReplies()))
	}
}

// TestApiRefusalOfAConnectedTokenMarksReconnect: a token Google refuses on
// the API itself (revoked between a refresh and its use) marks the source
// through the poller, with the specific code, and the owner's notification
// target gets one alert (in the owner's French) however often it is polled.
func TestApiRefusalOfAConnectedTokenMarksReconnect(t *testing.T) {
	t.Parallel()
	g := newFakeGoogle(t)
	w := serveWired(t, googleConfig(g))
	receiver := newAlertReceiver(t, w.app)
	src := saveRecord(t, w.app, "sources", map[string]any{"kind": model.KindGoogleReviews, "name": "Avis Google",
		"url": g.srv.URL, "enabled": true, "interval_sec": 300})
	w.connectGoogle(g, src.Id)
	g.revoke() // the stored access token still looks valid for an hour
	for i := range 3 {
		_, err := w.hub.sources.PollSource(context.Background(), src.Id)
		if !errors.Is(err, connectors.ErrReconnect) || g.grantCount("refresh_token") != 0 {
			t.Fatalf("poll %d: %v after %d refreshes", i, err, g.grantCount("refresh_token"))
		}
		if code, marked := w.health(src.Id); code != "source_reconnect_needed" || !marked {
			t.Errorf("poll %d: health %q, marked %v", i, code, marked)
		}
	}
	alerts, _ := receiver.alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts over 3 polls, want 1: %+v", len(alerts), alerts)
	}
	if a := alerts[0]; !strings.HasSuffix(a.URL, "/sources/"+src.Id) || a.Title != "Mentiondesk : reconnectez Avis Google" || !strings.Contains(a.Body, "Google") {
		t.Errorf("alert: %+v", a)
	}
}

// TestConnectSetupNamesTheRedirectURL: the wired routes answer the app's
// question before Connect, for the owner only.
func TestConnectSetupNamesTheRedirectURL(t *testing.T) {
	t.Parallel()
	g := newFakeGoogle(t)
	w := serveWired(t, googleConfig(g))
	resp, body := w.do(http.MethodGet, "/api/md/connect/google/setup", tokens[ownerID], nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"configured":true`) ||
		!strings.Contains(string(body), w.url+"/api/md/connect/google/callback") {
		t.Errorf("setup: HTTP %d %s", resp.StatusCode, body)
	}
	if resp, _ := w.do(http.MethodGet, "/api/md/connect/google/setup", tokens[agentID], nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an agent asked for the setup: HTTP %d", resp.StatusCode)
	}
	resp, body = w.do(http.MethodGet, "/api/md/connect/x/setup", tokens[ownerID], nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"configured":false`) {
		t.Errorf("X without its client: HTTP %d %s", resp.StatusCode, body)
	}
}

// TestMetaWebhookReachesTheDesk: a signed delivery for a watched Page
// becomes mentions and tickets through the ticket desk; a wrong signature
// stores nothing; the verification echoes only with the operator's token.
func TestMetaWebhookReachesTheDesk(t *testing.T) {
	t.Parallel()
	const secret, verify, pageID = "meta-app-secret", "the-verify-token", "1061234567890" // the fixture's Page
	cfg := testConfig()
	cfg.Connect.Meta = connect.App{ClientID: "1234567890", ClientSecret: secret}
	cfg.Connect.MetaVerifyToken = verify
	w := serveWired(t, cfg)
	src := saveRecord(t, w.app, "sources", map[string]any{"kind": model.KindFacebook, "name": "Page Facebook",
		"enabled": true, "interval_sec": 300, "options": map[string]any{"page_id": pageID}})

	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verify}, "hub.challenge": {"1158201444"}}
	if resp, body := w.do(http.MethodGet, metahooks.Path+"?"+q.Encode(), "", nil, nil); resp.StatusCode != 200 || string(body) != "1158201444" {
		t.Errorf("verification: HTTP %d %q", resp.StatusCode, body)
	}
	q.Set("hub.verify_token", "guess")
	if resp, body := w.do(http.MethodGet, metahooks.Path+"?"+q.Encode(), "", nil, nil); resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "1158201444") {
		t.Errorf("verification with a wrong token: HTTP %d %q", resp.StatusCode, body)
	}

	delivery, err := os.ReadFile("../connectors/testdata/facebook/webhook_feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := w.do(http.MethodPost, metahooks.Path, "", delivery, map[string]string{connectors.MetaSignatureHeader: "sha256=" + strings.Repeat("0", 64)}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong signature: HTTP %d", resp.StatusCode)
	}
	if n := len(mentionsOf(t, w.app, src.Id)); n != 0 {
		t.Fatalf("a refused delivery stored %d mentions", n)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(delivery)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if resp, body := w.do(http.MethodPost, metahooks.Path, "", delivery, map[string]string{connectors.MetaSignatureHeader: sig}); resp.StatusCode != http.StatusOK {
		t.Fatalf("a signed delivery: HTTP %d %s", resp.StatusCode, body)
	}
	ms := mentionsOf(t, w.app, src.Id)
	if len(ms) == 0 {
		t.Fatal("the signed delivery stored nothing")
	}
	for _, m := range ms {
		if m.GetString("triage") == "" || m.GetString("channel") != model.KindFacebook {
			t.Errorf("mention %s: triage %q, channel %q: not through the desk", m.GetString("external_id"), m.GetString("triage"), m.GetString("channel"))
		}
	}
	// A complaint under the Page's post names no brand keyword: written to
	// the Page, it is a ticket all the same.
	if m := mentionByExternalID(t, ms, "111_906"); m == nil {
		t.Error("the complaint on the Page's post was not stored")
	} else if m.GetString("triage") != "ticket" || m.GetString("ticket") == "" {
		t.Errorf("the complaint on the Page's post: %s (%s), not a ticket", m.GetString("triage"), m.GetString("triage_reason"))
	}
	// Sophie's edit of that comment (verb "edited") is a new message in its
	// ticket, never a ticket of its own; Marc's removed comment (verb
	// "remove") is no message at all: it would reopen the thread's ticket
	// with no words.
	edits := 0
	for _, m := range ms {
		id, ticket := m.GetString("external_id"), m.GetString("ticket")
		switch {
		case strings.HasPrefix(id, "111_906#edited-"):
			edits++
			if orig := mentionByExternalID(t, ms, "111_906"); orig == nil || ticket != orig.GetString("ticket") {
				t.Errorf("the edit joined ticket %q, not the comment's", ticket)
			}
		case strings.HasPrefix(id, "111_901"):
			t.Errorf("the removed comment was stored as %s (triage %s, ticket %q)", id, m.GetString("triage"), ticket)
		}
	}
	if edits != 1 {
		t.Errorf("%d edits stored, want 1", edits)
	}
	if s, _ := w.app.FindRecordById("sources", src.Id); s.GetString("last_ok_at") == "" {
		t.Error("the source's health does not show the delivery")
	}
	// Meta delivers again when unsure: nothing is stored twice.
	w.do(http.MethodPost, metahooks.Path, "", delivery, map[string]string{connectors.MetaSignatureHeader: sig})
	if again := mentionsOf(t, w.app, src.Id); len(again) != len(ms) {
		t.Errorf("a repeated delivery: %d mentions, then %d", len(ms), len(again))
	}

	// Sophie removes her comment: it and its edit are marked deleted by
	// their author, in the same ticket, which neither reopens nor counts a
	// message more.
	orig := mentionByExternalID(t, ms, "111_906")
	before, err := w.app.FindRecordById("tickets", orig.GetString("ticket"))
	if err != nil {
		t.Fatal(err)
	}
	removal := []byte(`{"object":"page","entry":[{"id":"` + pageID + `","time":1764326000,"changes":[{"value":{"from":{"id":"6012000000003","name":"Sophie Gagnon"},"post_id":"1061234567890_111","comment_id":"111_906","created_time":1764326000,"item":"comment","parent_id":"1061234567890_111","verb":"remove"},"field":"feed"}]}]}`)
	mac = hmac.New(sha256.New, []byte(secret))
	mac.Write(removal)
	if resp, body := w.do(http.MethodPost, metahooks.Path, "", removal, map[string]string{connectors.MetaSignatureHeader: "sha256=" + hex.EncodeToString(mac.Sum(nil))}); resp.StatusCode != http.StatusOK {
		t.Fatalf("the removal: HTTP %d %s", resp.StatusCode, body)
	}
	after := mentionsOf(t, w.app, src.Id)
	if len(after) != len(ms) {
		t.Errorf("the removal stored %d mentions more", len(after)-len(ms))
	}
	for _, m := range after {
		id := m.GetString("external_id")
		ofSophie := id == "111_906" || strings.HasPrefix(id, "111_906#edited-")
		if m.GetBool("deleted") != ofSophie {
			t.Errorf("%s: deleted %v", id, m.GetBool("deleted"))
		}
	}
	if tk, _ := w.app.FindRecordById("tickets", before.Id); tk.GetString("status") != before.GetString("status") || tk.GetInt("mention_count") != before.GetInt("mention_count") {
		t.Errorf("the removal changed the ticket: %s/%d, was %s/%d", tk.GetString("status"), tk.GetInt("mention_count"), before.GetString("status"), before.GetInt("mention_count"))
	}
}

func mentionByExternalID(t *testing.T, ms []*core.Record, id string) *core.Record {
	t.Helper()
	for _, m := range ms {
		if m.GetString("external_id") == id {
			return m
		}
	}
	return nil
}
