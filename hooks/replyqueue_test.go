package hooks

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

const parkedReplyID = "replyparked0001"

// parkReply puts a reply in the outbox in the given status, due in a
// year (what a Retry-After: 31536000 used to do).
func parkReply(status string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		saveRecord(t, app, "replies", map[string]any{"id": parkedReplyID, "ticket": ticketID, "author": agentID, "body": "On regarde ça.", "via": "platform", "status": "draft"})
		_, err := app.DB().Update("replies", dbx.Params{"status": status, "attempts": 2, "error": "rate limited (HTTP 429)",
			"next_attempt_at": records.DT(time.Now().AddDate(1, 0, 0)).String()}, dbx.HashExp{"id": parkedReplyID}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestQueuedRepliesCanBeRetriedOrCancelled(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "a waiting reply is sent at the next tick", Method: http.MethodPost,
			URL: "/api/md/replies/" + parkedReplyID + "/retry", Headers: as(agentID),
			BeforeTestFunc: parkReply("queued"), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"queued"`, `"next_attempt_at":""`, `"attempts":0`},
		},
		{
			Name: "a failed reply is sent again", Method: http.MethodPost,
			URL: "/api/md/replies/" + parkedReplyID + "/retry", Headers: as(agent2ID),
			BeforeTestFunc: parkReply("failed"), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"queued"`},
		},
		{
			Name: "a waiting reply is taken back as a draft", Method: http.MethodPost,
			URL: "/api/md/replies/" + parkedReplyID + "/cancel", Headers: as(agentID),
			BeforeTestFunc: parkReply("queued"), TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"draft"`, `"next_attempt_at":""`, `"error":""`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				r, _ := app.FindRecordById("replies", parkedReplyID)
				if r.GetString("status") != "draft" {
					t.Fatalf("status %s", r.GetString("status"))
				}
			},
		},
		{
			Name: "a reply being sent cannot be cancelled", Method: http.MethodPost,
			URL: "/api/md/replies/" + parkedReplyID + "/cancel", Headers: as(agentID),
			BeforeTestFunc: parkReply("sending"), TestAppFactory: appFactory,
			ExpectedStatus: 409, ExpectedContent: []string{"being sent right now"},
		},
		{
			Name: "a reply being sent is not queued again under the sender", Method: http.MethodPost,
			URL: "/api/md/replies/" + parkedReplyID + "/retry", Headers: as(agentID),
			BeforeTestFunc: parkReply("sending"), TestAppFactory: appFactory,
			ExpectedStatus: 409, ExpectedContent: []string{"being sent right now"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				r, _ := app.FindRecordById("replies", parkedReplyID)
				if r.GetString("status") != "sending" {
					t.Fatalf("status %s", r.GetString("status"))
				}
			},
		},
		{
			Name: "a sent reply stays sent", Method: http.MethodPost,
			URL: "/api/md/replies/" + replyID + "/cancel", Headers: as(agentID),
			TestAppFactory: appFactory, ExpectedStatus: 400, ExpectedContent: []string{"Only a failed or waiting reply"},
		},
		{
			Name: "anonymous callers cannot touch the outbox", Method: http.MethodPost,
			URL:            "/api/md/replies/" + parkedReplyID + "/cancel",
			BeforeTestFunc: parkReply("queued"), TestAppFactory: appFactory,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// setSourceHealth writes a source's health as the poller does (raw UPDATE,
// so "updated" keeps the owner's last edit).
func setSourceHealth(fields dbx.Params) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		if _, err := app.DB().Update("sources", fields, dbx.HashExp{"id": sourceID}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckNowRespectsTheSourcesPace(t *testing.T) {
	t.Parallel()
	now := time.Now()
	scenarios := []tests.ApiScenario{
		{
			Name: "a healthy source checked 5 s ago answers with that check", Method: http.MethodPost,
			URL: "/api/md/sources/" + sourceID + "/check", Headers: as(agentID),
			BeforeTestFunc: setSourceHealth(dbx.Params{"last_check_at": records.DT(now.Add(-5 * time.Second)).String(), "next_check_at": records.DT(now.Add(5 * time.Minute)).String(), "last_new": 3}),
			TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{`"recent":true`, `"new":3`, `"ok":true`},
		},
		{
			Name: "a failing source checked 5 s ago waits", Method: http.MethodPost,
			URL: "/api/md/sources/" + sourceID + "/check", Headers: as(agentID),
			BeforeTestFunc: setSourceHealth(dbx.Params{"last_check_at": records.DT(now.Add(-5 * time.Second)).String(), "next_check_at": records.DT(now.Add(-time.Minute)).String(),
				"error_count": 1, "last_error": "HTTP 500", "updated": records.DT(now.Add(-time.Hour)).String()}),
			TestAppFactory: appFactory, ExpectedStatus: 429,
			ExpectedContent: []string{`"next_check_at":"` + now.Add(5*time.Second).UTC().Format("2006-01-02T15:04"), "Too soon"},
			AfterTestFunc:   expectHeaderSet("Retry-After"),
		},
		{
			Name: "a rate-limited source waits for the platform", Method: http.MethodPost,
			URL: "/api/md/sources/" + sourceID + "/check", Headers: as(ownerID),
			BeforeTestFunc: setSourceHealth(dbx.Params{
				"last_check_at": records.DT(now.Add(-10 * time.Minute)).String(), "next_check_at": records.DT(now.Add(20 * time.Hour)).String(),
				"error_count": 1, "last_error": "rate limited (HTTP 429), retry after 20h0m0s", "updated": records.DT(now.Add(-time.Hour)).String(),
			}),
			TestAppFactory: appFactory, ExpectedStatus: 429,
			ExpectedContent: []string{`"next_check_at":"` + now.Add(20*time.Hour).UTC().Format("2006-01-02T15:04"), `"code":"check_backing_off"`, "patiente après des erreurs"},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func expectHeaderSet(key string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
		if v := res.Header.Get(key); strings.TrimSpace(v) == "" || v == "0" {
			t.Fatalf("%s = %q", key, v)
		}
	}
}
