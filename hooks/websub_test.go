package hooks

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

const (
	websubSourceID = "websubsource001"
	websubTopic    = "https://blog.example/feed.xml"
)

// websubSource is a feed source following a topic through a hub, waiting
// for the verification of the given request ("" when none was sent).
func websubSource(pending string, since time.Duration) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		src := saveRecord(t, app, "sources", map[string]any{"id": websubSourceID, "kind": "feed", "name": "Blog", "url": websubTopic,
			"enabled": true, "websub_hub": "https://hub.example/", "websub_topic": websubTopic})
		if pending != "" {
			src.Set("websub_pending", pending)
			src.Set("websub_pending_at", time.Now().Add(-since).UTC())
			if err := app.Save(src); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func verifyURL(mode string, extra ...string) string {
	q := url.Values{"hub.mode": {mode}, "hub.topic": {websubTopic}, "hub.challenge": {"chal-8f3a"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/api/md/websub/" + websubSourceID + "?" + q.Encode()
}

// sourceUnchanged fails when a refused verification touched the source.
func sourceUnchanged(t testing.TB, app *tests.TestApp, _ *http.Response) {
	src, err := app.FindRecordById("sources", websubSourceID)
	if err != nil {
		t.Fatal(err)
	}
	if src.GetString("websub_expires_at") != "" || src.GetString("last_error") != "" {
		t.Fatalf("an unasked verification changed the source: expires %q, last_error %q", src.GetString("websub_expires_at"), src.GetString("last_error"))
	}
}

func TestWebSubVerifiesOnlyWhatWeAsked(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "a subscription nobody asked for is not confirmed", Method: http.MethodGet,
			URL:            verifyURL("subscribe", "hub.lease_seconds", "31536000"),
			BeforeTestFunc: websubSource("", 0), TestAppFactory: appFactory,
			ExpectedStatus: 404, NotExpectedContent: []string{"chal-8f3a"}, AfterTestFunc: sourceUnchanged,
		},
		{
			Name: "a denial nobody asked for is ignored", Method: http.MethodGet,
			URL:            verifyURL("denied", "hub.reason", "Your account is suspended, call +1 555 0100"),
			BeforeTestFunc: websubSource("", 0), TestAppFactory: appFactory,
			ExpectedStatus: 404, AfterTestFunc: sourceUnchanged,
		},
		{
			Name: "an unsubscription we did not ask for is not confirmed", Method: http.MethodGet,
			URL:            verifyURL("unsubscribe"),
			BeforeTestFunc: websubSource("subscribe", time.Minute), TestAppFactory: appFactory,
			ExpectedStatus: 404, NotExpectedContent: []string{"chal-8f3a"}, AfterTestFunc: sourceUnchanged,
		},
		{
			Name: "a verification long after the request is refused", Method: http.MethodGet,
			URL:            verifyURL("subscribe", "hub.lease_seconds", "864000"),
			BeforeTestFunc: websubSource("subscribe", 3*time.Hour), TestAppFactory: appFactory,
			ExpectedStatus: 404, AfterTestFunc: sourceUnchanged,
		},
		{
			Name: "our pending subscription is confirmed, its lease capped", Method: http.MethodGet,
			URL:            verifyURL("subscribe", "hub.lease_seconds", "31536000"),
			BeforeTestFunc: websubSource("subscribe", time.Minute), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{"chal-8f3a"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				src, _ := app.FindRecordById("sources", websubSourceID)
				exp := src.GetDateTime("websub_expires_at").Time()
				if exp.IsZero() || exp.After(time.Now().Add(10*24*time.Hour+time.Minute)) {
					t.Fatalf("lease until %s, want at most 10 days", exp)
				}
				if src.GetString("websub_pending") != "" {
					t.Fatal("the request is still pending after its verification")
				}
			},
		},
		{
			Name: "a hub's denial of our request is recorded", Method: http.MethodGet,
			URL:            verifyURL("denied", "hub.reason", "topic not found"),
			BeforeTestFunc: websubSource("subscribe", time.Minute), TestAppFactory: appFactory,
			ExpectedStatus: 200,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				src, _ := app.FindRecordById("sources", websubSourceID)
				if src.GetString("last_error") != "The WebSub hub refused the subscription: topic not found" || !strings.Contains(src.GetString("last_error_info"), `"code":"source_websub_refused"`) {
					t.Fatalf("last_error %q", src.GetString("last_error"))
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// WebSub upkeep handles sources one after another, with network calls
// between them; a poll that stores a source's cursor and health meanwhile
// must not be undone by upkeep saving that source as it read it before.
func TestWebSubUpkeepKeepsAConcurrentPoll(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	s, err := app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		t.Fatal(err)
	}
	s.Set("public_url", "https://desk.example")
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 2; i++ {
		src := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": fmt.Sprint("Blog ", i), "url": "https://blog.example/feed", "enabled": true,
			"websub_hub": "https://hub.example/", "websub_topic": "https://blog.example/feed", "last_check_at": time.Now().UTC().Add(-time.Minute), "cursor": "before"})
		ids = append(ids, src.Id)
	}
	// While upkeep works on one source, the poller stores a poll of the
	// others (a targeted UPDATE, as pollSource writes health).
	polled := map[string]bool{}
	app.OnRecordAfterUpdateSuccess("sources").BindFunc(func(e *core.RecordEvent) error {
		for _, id := range ids {
			if id != e.Record.Id && !polled[id] {
				polled[id] = true
				if _, err := e.App.DB().Update("sources", dbx.Params{"cursor": "polled", "last_new": 7}, dbx.HashExp{"id": id}).Execute(); err != nil {
					return err
				}
			}
		}
		return e.Next()
	})
	h.sources.MaintainWebSub()
	for _, id := range ids {
		src, _ := app.FindRecordById("sources", id)
		if polled[id] && (src.GetString("cursor") != "polled" || src.GetInt("last_new") != 7) {
			t.Errorf("source %s after upkeep: cursor %q, last_new %d: the poll was undone", id, src.GetString("cursor"), src.GetInt("last_new"))
		}
	}
	if len(polled) == 0 {
		t.Fatal("upkeep saved no source: the test proves nothing")
	}
}
