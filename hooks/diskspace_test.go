package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// alertReceiver is an owner's webhook notification target (of the given
// events; none: all of them), keeping what it receives.
type alertReceiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []notify.WebhookPayload
	last string // the newest body as sent
}

func newAlertReceiver(t testing.TB, app core.App, events ...string) *alertReceiver {
	a := &alertReceiver{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		var p notify.WebhookPayload
		_ = json.Unmarshal(b, &p)
		a.mu.Lock()
		a.got, a.last = append(a.got, p), string(b)
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(a.srv.Close)
	target := map[string]any{"user": ownerID, "kind": "webhook", "target": a.srv.URL + "/alerts", "enabled": true}
	if len(events) > 0 {
		target["events"] = events
	}
	saveRecord(t, app, "notifications", target)
	return a
}

// alerts returns what came so far and the newest body.
func (a *alertReceiver) alerts() ([]notify.WebhookPayload, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.got), a.last
}

func (a *alertReceiver) wait(t testing.TB, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got, _ := a.alerts(); len(got) >= n {
			break
		}
	}
	time.Sleep(50 * time.Millisecond) // and no more than n
	if got, _ := a.alerts(); len(got) != n {
		t.Fatalf("the owner got %d alerts, want %d", len(got), n)
	}
}

// When the data directory's filesystem runs short, polling, pushes and the
// outbox pause, the sources say why, the owner is alerted once, and it all
// resumes when space is back. The free-space reading is faked here;
// TestDiskFullOnARealFilesystem (.ci/diskfull.sh) fills a real one.
func TestDiskShortPausesAndResumes(t *testing.T) {
	t.Parallel()
	app, h, fake, tk := outboxCase(t)
	defer app.Cleanup()
	alerts := newAlertReceiver(t, app, "new_ticket")
	var free atomic.Uint64
	free.Store(1 << 30)
	h.disk.SetFreeSpace(func(string) (uint64, error) { return free.Load(), nil }, 32<<20)
	r := queueReply(t, app, tk.Id, "On regarde ça.")

	free.Store(1 << 20) // 1 MiB left
	for range 5 {
		if !h.disk.Short() {
			t.Fatal("1 MiB free is not short of a 32 MiB reserve")
		}
	}
	alerts.wait(t, 1)
	if _, msg := alerts.alerts(); !strings.Contains(msg, "le disque est plein") { // in the owner's French
		t.Fatalf("alert %q does not say the disk is full in French", msg)
	}
	src, _ := app.FindRecordById("sources", sourceID)
	if src.GetString("last_error") != diskguard.HealthMessage {
		t.Fatalf("source health %q", src.GetString("last_error"))
	}
	h.outbox.SendDue(context.Background())
	if fake.Created != 0 {
		t.Fatal("the outbox sent a reply it could not record")
	}
	mux := benchMux(t, app)
	call := func(method, path, user string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", tokens[user])
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	if rec := call(http.MethodPost, "/api/md/sources/"+sourceID+"/check", ownerID); rec.Code != 503 || !strings.Contains(rec.Body.String(), "Le disque qui contient les données de Mentiondesk est plein") { // the owner reads French
		t.Fatalf("check now while full: %d %s", rec.Code, rec.Body.String())
	}
	if rec := call(http.MethodGet, "/api/collections/tickets/records/"+tk.Id, agentID); rec.Code != 200 {
		t.Fatalf("the app is not readable while full: %d %s", rec.Code, rec.Body.String())
	}

	free.Store(40 << 20) // above the reserve, below twice it: still paused
	if !h.disk.Short() {
		t.Fatal("resumed at the edge of the reserve")
	}
	free.Store(1 << 30)
	if h.disk.Short() {
		t.Fatal("still paused with 1 GiB free")
	}
	src, _ = app.FindRecordById("sources", sourceID)
	if src.GetString("last_error") != "" {
		t.Fatalf("source health %q after recovery", src.GetString("last_error"))
	}
	h.outbox.SendDue(context.Background())
	r, _ = app.FindRecordById("replies", r.Id)
	if fake.Created != 1 || r.GetString("status") != "sent" {
		t.Fatalf("after recovery: %d posts, reply %s", fake.Created, r.GetString("status"))
	}
	alerts.wait(t, 1)

	// A second episode alerts again.
	free.Store(1 << 20)
	h.disk.Short()
	alerts.wait(t, 2)
}

// A webhook push while the disk is full is answered 503 with Retry-After:
// the caller keeps the mention and tries again.
func TestDiskShortRefusesPushes(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	h.disk.SetFreeSpace(func(string) (uint64, error) { return 0, nil }, 32<<20)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Zapier", "enabled": true})
	src, _ = app.FindRecordById("sources", src.Id)
	secret, err := h.vault.Open(src.GetString("webhook_secret"))
	if err != nil || secret == "" {
		t.Fatalf("webhook secret: %v", err)
	}
	(&tests.ApiScenario{
		Name: "webhook push", Method: http.MethodPost, URL: "/api/md/hooks/" + src.Id,
		Headers: map[string]string{"Authorization": "Bearer " + secret}, Body: strings.NewReader(`{"text":"Café Lune, où est ma commande ?"}`),
		TestAppFactory: func(testing.TB) *tests.TestApp { return app }, DisableTestAppCleanup: true,
		ExpectedStatus: 503, ExpectedContent: []string{"disk is full"},
		AfterTestFunc: expectHeader("Retry-After", "300"),
	}).Test(t)
	if n, _ := app.CountRecords("mentions"); n != 1 { // the fixture's
		t.Fatalf("%d mentions stored", n)
	}
}

// The disk fills between the platform accepting a reply and the database
// recording it: the reply is neither lost nor posted again. It stays
// "sending" (no worker picks that up), nothing else leaves meanwhile, and
// it is recorded sent once the database takes writes again.
func TestSentReplyIsRecordedOnceTheDiskTakesWrites(t *testing.T) {
	t.Parallel()
	app, h, fake, tk := outboxCase(t)
	defer app.Cleanup()
	var full atomic.Bool
	app.OnRecordUpdate("replies").BindFunc(func(e *core.RecordEvent) error {
		if full.Load() && e.Record.GetString("status") == "sent" {
			return errors.New("database or disk is full (13)") // SQLite's SQLITE_FULL text
		}
		return e.Next()
	})
	h.disk.SetFreeSpace(func(string) (uint64, error) { return 1 << 30, nil }, 32<<20)
	first := queueReply(t, app, tk.Id, "On regarde ça.")
	full.Store(true)
	if err := h.outbox.SendReply(context.Background(), first.Id); err == nil {
		t.Fatal("the failed save went unnoticed")
	}
	if fake.Created != 1 {
		t.Fatalf("%d posts", fake.Created)
	}
	if r, _ := app.FindRecordById("replies", first.Id); r.GetString("status") != "sending" {
		t.Fatalf("reply %s in the database, want it held as sending", r.GetString("status"))
	}
	second := queueReply(t, app, tk.Id, "Et voici la suite.")
	for range 3 {
		h.outbox.SendDue(context.Background())
	}
	if fake.Created != 1 {
		t.Fatalf("%d posts while a sent reply was not recorded", fake.Created)
	}

	full.Store(false) // SQLite's error marked the disk full; the free space says it is back
	h.outbox.SendDue(context.Background())
	r1, _ := app.FindRecordById("replies", first.Id)
	r2, _ := app.FindRecordById("replies", second.Id)
	if r1.GetString("status") != "sent" || r2.GetString("status") != "sent" || fake.Created != 2 {
		t.Fatalf("after recovery: first %s, second %s, %d posts (want 2: each reply once)", r1.GetString("status"), r2.GetString("status"), fake.Created)
	}
}
