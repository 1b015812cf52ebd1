package connect

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mentiondesk/mentiondesk/model"
)

// fakeGraph speaks the Graph API steps of Facebook Login ("Manually Build
// a Login Flow": the code exchanged at /oauth/access_token for
// {"access_token", "token_type", "expires_in"}; "Long-Lived Access
// Tokens": grant_type=fb_exchange_token on the same path; "Page Access
// Tokens": /me/accounts with data[] of id, name, access_token, tasks,
// instagram_business_account{id}) and the Page webhook install
// (POST /{page-id}/subscribed_apps → {"success": true}).
type fakeGraph struct {
	srv   *httptest.Server
	pages string // /me/accounts data[] as JSON

	mu         sync.Mutex
	subscribed []string
}

func newFakeGraph(t *testing.T, pages string) *fakeGraph {
	g := &fakeGraph{pages: pages}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = r.ParseForm()
	fail := func() {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"Ab1"}}`))
	}
	switch {
	case r.URL.Path == "/oauth/access_token" && r.Form.Get("code") != "":
		if r.Form.Get("client_id") != "meta-app" || r.Form.Get("client_secret") != "meta-secret" || r.Form.Get("redirect_uri") == "" {
			fail()
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"short-user","token_type":"bearer","expires_in":5183944}`))
	case r.URL.Path == "/oauth/access_token" && r.Form.Get("grant_type") == "fb_exchange_token":
		if r.Form.Get("fb_exchange_token") != "short-user" || r.Form.Get("client_secret") != "meta-secret" {
			fail()
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"long-user","token_type":"bearer","expires_in":5183944}`))
	case r.URL.Path == "/me/accounts":
		if r.Form.Get("access_token") != "long-user" {
			fail()
			return
		}
		_, _ = w.Write([]byte(`{"data":` + g.pages + `,"paging":{"cursors":{"before":"QVFI1","after":"QVFI1"}}}`))
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/subscribed_apps"):
		g.mu.Lock()
		g.subscribed = append(g.subscribed, r.URL.Path+" "+r.Form.Get("subscribed_fields")+" "+r.Form.Get("access_token"))
		g.mu.Unlock()
		_, _ = w.Write([]byte(`{"success":true}`))
	default:
		http.NotFound(w, r)
	}
}

const (
	onePage    = `[{"access_token":"page-token","category":"Café","name":"Café Lumière","id":"1061234567890","tasks":["MODERATE","MANAGE"],"instagram_business_account":{"id":"17841400000000001"}}]`
	threePages = `[{"access_token":"page-token","category":"Café","name":"Café Lumière","id":"1061234567890","tasks":["MANAGE"],"instagram_business_account":{"id":"17841400000000001"}},` +
		`{"access_token":"page-token-2","category":"Salon","name":"Salon Élise","id":"1069999999999","tasks":["MODERATE"]},` +
		`{"access_token":"page-token-3","category":"Shop","name":"Lune & Co","id":"1065555555555","tasks":["MANAGE"]}]`
)

func metaHarness(t *testing.T, pages string, verifyToken string) (*harness, *fakeGraph) {
	g := newFakeGraph(t, pages)
	h := newHarness(t, Config{
		Meta: App{ClientID: "meta-app", ClientSecret: "meta-secret", AuthURL: "https://consent.example/dialog/oauth", TokenURL: g.srv.URL + "/oauth/access_token"},
		// The fake Graph host serves every version.
		MetaGraphURL:    g.srv.URL,
		MetaVerifyToken: verifyToken,
	})
	return h, g
}

// metaConsent plays Facebook's dialog: it sends back a code with the state.
func metaConsent(t *testing.T, h *harness, sourceID string) map[string][]string {
	st := h.start(sourceID)
	if !strings.HasPrefix(st.URL, "https://consent.example/dialog/oauth?") || st.Provider != model.ProviderMeta {
		t.Fatalf("start: %+v", st)
	}
	state := st.URL[strings.Index(st.URL, "state=")+len("state="):]
	if i := strings.IndexByte(state, '&'); i >= 0 {
		state = state[:i]
	}
	return map[string][]string{"code": {"fb-code"}, "state": {state}}
}

func TestConnectFacebookStoresThePageToken(t *testing.T) {
	h, g := metaHarness(t, onePage, "verify-me")
	src := h.source(model.KindFacebook, nil, nil)
	loc := h.callback("meta", metaConsent(t, h, src.Id))
	if loc.Query().Get("connect") != "ok" {
		t.Fatalf("callback: %s", loc)
	}
	r, s := h.reload(src.Id)
	opts := map[string]string{}
	_ = r.UnmarshalJSONField("options", &opts)
	if s["access_token"] != "page-token" || s["refresh_token"] != "" || opts["page_id"] != "1061234567890" || r.GetString("connected_as") != "Café Lumière" {
		t.Errorf("stored secrets %v, options %v, connected as %q", s, opts, r.GetString("connected_as"))
	}
	if len(g.subscribed) != 1 || g.subscribed[0] != "/1061234567890/subscribed_apps feed page-token" {
		t.Errorf("webhook install: %v", g.subscribed)
	}
}

func TestConnectInstagramFindsTheLinkedAccount(t *testing.T) {
	h, g := metaHarness(t, threePages, "")
	src := h.source(model.KindInstagram, nil, nil)
	if loc := h.callback("meta", metaConsent(t, h, src.Id)); loc.Query().Get("connect") != "ok" {
		t.Fatalf("callback: %s", loc)
	}
	r, s := h.reload(src.Id)
	opts := map[string]string{}
	_ = r.UnmarshalJSONField("options", &opts)
	if s["access_token"] != "page-token" || opts["ig_user_id"] != "17841400000000001" {
		t.Errorf("stored secrets %v, options %v", s, opts)
	}
	if len(g.subscribed) != 0 {
		t.Errorf("an Instagram source installed the Page webhook: %v", g.subscribed)
	}
}

func TestConnectFacebookAsksWhichPage(t *testing.T) {
	h, _ := metaHarness(t, threePages, "")
	src := h.source(model.KindFacebook, nil, nil)
	loc := h.callback("meta", metaConsent(t, h, src.Id))
	if loc.Query().Get("connect") != "connect_choose_page" || !strings.Contains(loc.Query().Get("pages"), "Salon Élise: 1069999999999") {
		t.Fatalf("several Pages: sent to %s", loc)
	}
	if _, s := h.reload(src.Id); len(s) != 0 {
		t.Errorf("secrets stored without a Page chosen: %v", s)
	}

	// The owner types the id and connects again.
	chosen := h.source(model.KindFacebook, map[string]string{"page_id": "1069999999999"}, nil)
	if loc := h.callback("meta", metaConsent(t, h, chosen.Id)); loc.Query().Get("connect") != "ok" {
		t.Fatalf("with page_id: %s", loc)
	}
	if _, s := h.reload(chosen.Id); s["access_token"] != "page-token-2" {
		t.Errorf("stored %v, want Salon Élise's Page token", s)
	}

	unknown := h.source(model.KindFacebook, map[string]string{"page_id": "42"}, nil)
	if loc := h.callback("meta", metaConsent(t, h, unknown.Id)); loc.Query().Get("connect") != "connect_page_not_granted" || loc.Query().Get("id") != "42" {
		t.Errorf("unknown page_id: %s", loc)
	}
}

func TestConnectInstagramWithoutLinkedAccount(t *testing.T) {
	h, _ := metaHarness(t, `[{"access_token":"p","name":"Salon Élise","id":"1069999999999","tasks":["MANAGE"]}]`, "")
	src := h.source(model.KindInstagram, nil, nil)
	if loc := h.callback("meta", metaConsent(t, h, src.Id)); loc.Query().Get("connect") != "connect_no_instagram" {
		t.Errorf("no Instagram account: %s", loc)
	}
}
