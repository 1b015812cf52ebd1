package connect

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mentiondesk/mentiondesk/connectors/oauth"
	"github.com/mentiondesk/mentiondesk/model"
)

type startAnswer struct {
	URL         string `json:"url"`
	Provider    string `json:"provider"`
	RedirectURL string `json:"redirect_url"`
}

type errorAnswer struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}

// start presses "Connect" on a source as the owner.
func (h *harness) start(id string) startAnswer {
	h.t.Helper()
	resp := h.do(http.MethodPost, "/api/md/connect/"+id+"/start", h.owner)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("start: HTTP %d: %+v", resp.StatusCode, decode[errorAnswer](h.t, resp))
	}
	return decode[startAnswer](h.t, resp)
}

// callback plays the platform's redirect back, and returns where the app
// sends the browser.
func (h *harness) callback(provider string, q url.Values) *url.URL {
	h.t.Helper()
	resp := h.do(http.MethodGet, "/api/md/connect/"+provider+"/callback?"+q.Encode(), "")
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("callback: HTTP %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	return loc
}

func TestConnectGoogleStoresSealedTokens(t *testing.T) {
	as := newFakeAS(t, false, false, oauth.ScopeBusinessManage)
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindGoogleReviews, nil, map[string]string{"note": "kept"})

	st := h.start(src.Id)
	if st.RedirectURL != h.public+"/api/md/connect/google/callback" || st.Provider != "google" {
		t.Fatalf("start answered %+v", st)
	}
	auth, _ := url.Parse(st.URL)
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("access_type") != "offline" || q.Get("scope") != oauth.ScopeBusinessManage {
		t.Errorf("authorization URL lacks PKCE, offline access or the reviews scope: %v", q)
	}
	back := as.consent(t, st.URL)

	loc := h.callback("google", back)
	if loc.Path != "/sources/"+src.Id || loc.Query().Get("connect") != "ok" || !strings.HasPrefix(loc.String(), h.public) {
		t.Fatalf("callback sent the browser to %s", loc)
	}
	r, secrets := h.reload(src.Id)
	if secrets["access_token"] == "" || secrets["refresh_token"] == "" || secrets["token_expiry"] == "" || secrets["note"] != "kept" {
		t.Errorf("stored secrets: %v", secrets)
	}
	if raw := r.GetString("credentials"); strings.Contains(raw, secrets["access_token"]) || strings.Contains(raw, secrets["refresh_token"]) {
		t.Errorf("tokens stored in clear: %s", raw)
	}
	if r.GetDateTime("connected_at").IsZero() {
		t.Error("connected_at not set")
	}
	if n, _ := h.app.CountRecords(flowsCollection); n != 0 {
		t.Errorf("%d connect attempts left after the callback", n)
	}

	// The same callback again (a reload, a replay): the state is spent.
	loc = h.callback("google", back)
	if loc.Query().Get("connect") != "connect_state_mismatch" {
		t.Errorf("replayed callback: %s", loc)
	}
	if n := as.grants("authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
}

func TestConnectRefusesAnotherState(t *testing.T) {
	as := newFakeAS(t, true, true, "")
	h := newHarness(t, Config{X: as.app()})
	src := h.source(model.KindX, nil, nil)
	st := h.start(src.Id)
	back := as.consent(t, st.URL)

	forged := url.Values{"code": back["code"], "state": {"not-" + back.Get("state")}}
	if loc := h.callback("x", forged); loc.Query().Get("connect") != "connect_state_mismatch" || loc.Path != "/sources" {
		t.Errorf("forged state: sent to %s", loc)
	}
	// The right state, on another provider's callback.
	if loc := h.callback("google", back); loc.Query().Get("connect") != "connect_state_mismatch" {
		t.Errorf("state of an X attempt on Google's callback: sent to %s", loc)
	}
	if n := as.grants("authorization_code"); n != 0 {
		t.Errorf("a refused callback spent the code (%d exchanges)", n)
	}
	if _, secrets := h.reload(src.Id); len(secrets) != 0 {
		t.Errorf("secrets stored from a refused callback: %v", secrets)
	}
}

func TestConnectXWithPKCEAndBasicAuth(t *testing.T) {
	as := newFakeAS(t, true, true, "tweet.read tweet.write users.read offline.access")
	h := newHarness(t, Config{X: as.app()})
	src := h.source(model.KindX, nil, nil)
	st := h.start(src.Id)
	if loc := h.callback("x", as.consent(t, st.URL)); loc.Query().Get("connect") != "ok" {
		t.Fatalf("callback: %s", loc)
	}
	if _, s := h.reload(src.Id); s["access_token"] == "" || s["refresh_token"] == "" {
		t.Errorf("stored secrets: %v", s)
	}
}

func TestConnectDeniedOnConsentScreen(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindYouTube, nil, nil)
	st := h.start(src.Id)
	back := as.consent(t, st.URL)
	denied := url.Values{"error": {"access_denied"}, "state": back["state"]}
	loc := h.callback("google", denied)
	if loc.Query().Get("connect") != "connect_denied" || loc.Query().Get("provider") != "Google" {
		t.Errorf("denied consent: sent to %s", loc)
	}
}

func TestConnectNeedsTheGrantedScope(t *testing.T) {
	// The owner unticked the YouTube permission on Google's screen.
	as := newFakeAS(t, false, false, "openid")
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindYouTube, nil, nil)
	st := h.start(src.Id)
	loc := h.callback("google", as.consent(t, st.URL))
	if loc.Query().Get("connect") != "connect_failed" || !strings.Contains(loc.Query().Get("detail"), oauth.ScopeYouTubeForceSSL) {
		t.Errorf("missing scope: sent to %s", loc)
	}
	if _, s := h.reload(src.Id); s["access_token"] != "" {
		t.Error("a token without the needed scope was stored")
	}
}

func TestStartRefusals(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	h := newHarness(t, Config{Google: as.app()})
	google := h.source(model.KindGoogleReviews, nil, nil)
	x := h.source(model.KindX, nil, nil)
	feed := h.source(model.KindFeed, nil, nil)

	if resp := h.do(http.MethodPost, "/api/md/connect/"+google.Id+"/start", h.agent); resp.StatusCode != http.StatusForbidden {
		t.Errorf("agent: HTTP %d, want 403", resp.StatusCode)
	}
	if resp := h.do(http.MethodPost, "/api/md/connect/"+google.Id+"/start", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: HTTP %d, want 401", resp.StatusCode)
	}
	for _, c := range []struct {
		id, code string
	}{
		{x.Id, "connect_not_configured"},
		{feed.Id, "connect_not_oauth"},
	} {
		resp := h.do(http.MethodPost, "/api/md/connect/"+c.id+"/start", h.owner)
		got := decode[errorAnswer](t, resp)
		if resp.StatusCode != http.StatusBadRequest || got.Code != c.code {
			t.Errorf("start: HTTP %d %+v, want 400 %s", resp.StatusCode, got, c.code)
		}
	}
	resp := h.do(http.MethodPost, "/api/md/connect/"+x.Id+"/start", h.owner)
	if got := decode[errorAnswer](t, resp); !strings.Contains(got.Message, EnvXClientID) {
		t.Errorf("not configured says %q: it should name %s", got.Message, EnvXClientID)
	}
	h.public = ""
	if got := decode[errorAnswer](t, h.do(http.MethodPost, "/api/md/connect/"+google.Id+"/start", h.owner)); got.Code != "connect_no_public_url" {
		t.Errorf("no public URL: %+v", got)
	}
}

func TestSetupSaysWhatToRegister(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	h := newHarness(t, Config{Google: as.app()})
	got := decode[map[string]any](t, h.do(http.MethodGet, "/api/md/connect/google/setup", h.owner))
	if got["configured"] != true || got["redirect_url"] != h.public+"/api/md/connect/google/callback" {
		t.Errorf("google setup: %v", got)
	}
	got = decode[map[string]any](t, h.do(http.MethodGet, "/api/md/connect/meta/setup", h.owner))
	if got["configured"] != false {
		t.Errorf("meta setup: %v", got)
	}
}

func TestConnectExpiredAttempt(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindGoogleReviews, nil, nil)
	st := h.start(src.Id)
	back := as.consent(t, st.URL)
	// The owner left the consent screen open past oauth.FlowTTL.
	if _, err := h.app.DB().NewQuery("UPDATE oauth_flows SET expires_at = '2020-01-01 00:00:00.000Z'").Execute(); err != nil {
		t.Fatal(err)
	}
	if loc := h.callback("google", back); loc.Query().Get("connect") != "connect_expired" || loc.Path != "/sources/"+src.Id {
		t.Errorf("late callback: sent to %s", loc)
	}
	if n := as.grants("authorization_code"); n != 0 {
		t.Errorf("a late callback spent the code (%d exchanges)", n)
	}

	// Expired attempts of any source are swept when another starts.
	other := h.source(model.KindYouTube, nil, nil)
	h.start(src.Id)
	if _, err := h.app.DB().NewQuery("UPDATE oauth_flows SET expires_at = '2020-01-01 00:00:00.000Z'").Execute(); err != nil {
		t.Fatal(err)
	}
	h.start(other.Id)
	if n, _ := h.app.CountRecords(flowsCollection); n != 1 {
		t.Errorf("%d attempts kept, want only the live one", n)
	}
}
