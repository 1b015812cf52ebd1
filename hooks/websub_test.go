package hooks

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
