package connect

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/model"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
)

// harness is a migrated PocketBase app (real SQLite) serving this
// package's routes over HTTP, with an owner, an agent, and Deps that do
// what the hooks package's do: a real vault, errors with their codes,
// alerts counted.
type harness struct {
	t      *testing.T
	app    *tests.TestApp
	srv    *httptest.Server
	svc    *Service
	vault  *vault.Vault
	owner  string // auth tokens
	agent  string
	public string // what Deps.PublicURL answers

	mu     sync.Mutex
	alerts []Alert
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	h := &harness{t: t, app: app, vault: vault.New("test-key")}
	h.svc = New(Deps{
		Config:      cfg,
		SealSecrets: h.seal,
		OpenSecrets: h.open,
		WriteError:  writeError,
		PublicURL:   func(*core.RequestEvent) string { return h.public },
		Alert: func(a Alert) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.alerts = append(h.alerts, a)
		},
	})
	if err := h.svc.Register(app); err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(apptest.Handler(t, app))
	t.Cleanup(h.srv.Close)
	h.public = h.srv.URL
	h.owner = h.user("owner@example.com", "owner")
	h.agent = h.user("agent@example.com", "agent")
	return h
}

func (h *harness) user(email, role string) string {
	h.t.Helper()
	col, err := h.app.FindCollectionByNameOrId("users")
	if err != nil {
		h.t.Fatal(err)
	}
	u := core.NewRecord(col)
	u.Set("email", email)
	u.Set("name", role)
	u.Set("role", role)
	u.Set("verified", true)
	u.SetPassword("a long test password")
	if err := h.app.Save(u); err != nil {
		h.t.Fatal(err)
	}
	tok, err := u.NewAuthToken()
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// source saves a source of kind with secrets and options.
func (h *harness) source(kind string, options, secrets map[string]string) *core.Record {
	h.t.Helper()
	col, err := h.app.FindCollectionByNameOrId("sources")
	if err != nil {
		h.t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("kind", kind)
	r.Set("name", "Café Lune on "+kind)
	r.Set("enabled", true)
	r.Set("interval_sec", 300)
	if options != nil {
		r.Set("options", options)
	}
	h.seal(r, secrets)
	if err := h.app.Save(r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// reload reads a source again, with its secrets opened.
func (h *harness) reload(id string) (*core.Record, map[string]string) {
	h.t.Helper()
	r, err := h.app.FindRecordById("sources", id)
	if err != nil {
		h.t.Fatal(err)
	}
	s, err := h.open(r)
	if err != nil {
		h.t.Fatal(err)
	}
	return r, s
}

func (h *harness) seal(r *core.Record, m map[string]string) {
	sealed := map[string]string{}
	for k, v := range m {
		sealed[k] = h.vault.Seal(v)
	}
	r.Set("credentials", sealed)
}

func (h *harness) open(r *core.Record) (map[string]string, error) {
	sealed := map[string]string{}
	_ = r.UnmarshalJSONField("credentials", &sealed)
	out := map[string]string{}
	for k, v := range sealed {
		plain, err := h.vault.Open(v)
		if err != nil {
			return nil, err
		}
		out[k] = plain
	}
	return out, nil
}

func (h *harness) alertCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.alerts)
}

// do sends a request to the app as token ("" for none) and does not
// follow redirects.
func (h *harness) do(method, path, token string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// decode reads a JSON body.
func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decoding the body: %v", err)
	}
	return v
}

// writeError answers as hooks' writeError does: the English message, its
// code, the data.
func writeError(e *core.RequestEvent, status int, msg string, data map[string]any) error {
	body := map[string]any{"status": status, "message": msg, "data": data}
	if m, _, ok := model.MatchMessage(msg); ok {
		body["code"] = m.Code
	}
	return e.JSON(status, body)
}
