package hooks

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// The fields the attack rewrote: 200 tickets' median first response went
// from 3,840 s to 30 s with plain PATCHes.
var rewrittenFields = map[string]string{
	"first_response_at":  `"2026-11-20 10:00:30.000Z"`,
	"first_response_sec": `30`,
	"breached":           `false`,
	"sla_due_at":         `"2027-01-01 00:00:00.000Z"`,
	"needs_answer":       `true`, // the fixture's is false
	"first_mention_at":   `"2026-11-27 10:00:00.000Z"`,
}

// ticketUntouched fails when the fixture ticket lost its server figures.
func ticketUntouched(t testing.TB, app *tests.TestApp, _ *http.Response) {
	tk, err := app.FindRecordById("tickets", ticketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.GetString("first_response_at") != "" || tk.GetInt("first_response_sec") != 0 ||
		tk.GetBool("needs_answer") || tk.GetString("first_mention_at") != "2026-11-20 10:00:00.000Z" {
		t.Fatalf("a member rewrote the clock: first_response_at %q, sec %d, needs_answer %v, first_mention_at %q",
			tk.GetString("first_response_at"), tk.GetInt("first_response_sec"), tk.GetBool("needs_answer"), tk.GetString("first_mention_at"))
	}
}

func TestMembersCannotWriteTheClock(t *testing.T) {
	t.Parallel()
	var scenarios []tests.ApiScenario
	for field, value := range rewrittenFields {
		for _, who := range []string{agentID, ownerID} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name:   fmt.Sprintf("%s cannot PATCH %s", who, field),
				Method: http.MethodPatch, URL: "/api/collections/tickets/records/" + ticketID, Headers: as(who),
				Body:           strings.NewReader(`{"` + field + `":` + value + `}`),
				TestAppFactory: appFactory, ExpectedStatus: 400,
				ExpectedContent: []string{`"` + field + `":{"code":"validation_server_owned"`, `"code":"server_owned_fields"`, field + "."},
				AfterTestFunc:   ticketUntouched,
			})
		}
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name: "a field hidden among workflow changes is refused too", Method: http.MethodPatch,
			URL: "/api/collections/tickets/records/" + ticketID, Headers: as(agentID),
			Body:           strings.NewReader(`{"status":"open","priority":"high","first_response_sec":30}`),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"first_response_sec":{"code":"validation_server_owned"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				ticketUntouched(t, app, res)
				tk, _ := app.FindRecordById("tickets", ticketID)
				if tk.GetString("status") != "new" {
					t.Fatalf("half the refused change went through: status %s", tk.GetString("status"))
				}
			},
		},
		tests.ApiScenario{
			Name: "a modifier is a write", Method: http.MethodPatch,
			URL: "/api/collections/tickets/records/" + ticketID, Headers: as(agentID),
			Body:           strings.NewReader(`{"first_response_sec+":30}`),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"first_response_sec":{"code":"validation_server_owned"`},
			AfterTestFunc:   ticketUntouched,
		},
		tests.ApiScenario{
			Name: "a ticket opened by hand cannot be backdated or pre-answered", Method: http.MethodPost,
			URL: "/api/collections/tickets/records", Headers: as(agentID),
			Body:           strings.NewReader(`{"subject":"Phone call","status":"new","priority":"normal","first_mention_at":"2026-11-01 09:00:00.000Z","first_response_at":"2026-11-01 09:00:01.000Z"}`),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"first_mention_at":{"code":"validation_server_owned"`, `"first_response_at":{"code":"validation_server_owned"`},
		},
		tests.ApiScenario{
			Name: "workflow fields stay the members'", Method: http.MethodPatch,
			URL: "/api/collections/tickets/records/" + ticketID, Headers: as(agentID),
			Body:           strings.NewReader(`{"status":"open","priority":"high","assignee":"` + agentID + `"}`),
			TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{`"status":"open"`, `"priority":"high"`},
		},
	)
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A superuser corrects a figure through the admin UI (the REST API with a
// superuser token), and the ticket's history says who changed what.
func TestSuperuserCorrectionsAreRecorded(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "a superuser corrects the first response", Method: http.MethodPatch,
			URL: "/api/collections/tickets/records/" + ticketID, Headers: as(superuserID),
			Body:           strings.NewReader(`{"first_response_at":"2026-11-20 11:04:00.000Z","first_response_sec":3840,"subject":"Commande perdue"}`),
			TestAppFactory: appFactory, ExpectedStatus: 200,
			ExpectedContent: []string{`"first_response_sec":3840`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				var rows []struct {
					Field string `db:"field"`
					From  string `db:"from"`
					To    string `db:"to"`
					By    string `db:"by"`
				}
				err := app.DB().NewQuery(`SELECT field, "from", "to", by FROM ticket_events WHERE ticket = {:t} AND kind = 'correction' ORDER BY field`).
					Bind(dbx.Params{"t": ticketID}).All(&rows)
				if err != nil {
					t.Fatal(err)
				}
				got := fmt.Sprint(rows)
				want := "[{first_response_at  2026-11-20 11:04:00.000Z admin@example.com} {first_response_sec 0 3840 admin@example.com}]"
				if got != want {
					t.Fatalf("corrections %s, want %s", got, want)
				}
			},
		},
		{
			Name: "a superuser's workflow change is no correction", Method: http.MethodPatch,
			URL: "/api/collections/tickets/records/" + ticketID, Headers: as(superuserID),
			Body:           strings.NewReader(`{"priority":"high","first_response_sec":0}`),
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`"priority":"high"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n := countEvents(t, app, "correction"); n != 0 {
					t.Fatalf("%d corrections recorded for unchanged figures", n)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func countEvents(t testing.TB, app core.App, kind string) int {
	t.Helper()
	var n int
	err := app.DB().NewQuery(`SELECT count(*) FROM ticket_events WHERE ticket = {:t} AND kind = {:k}`).
		Bind(dbx.Params{"t": ticketID, "k": kind}).Row(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const draftReplyID = "replydraft00001"

// saveManualDraft is an agent's reply copied to the platform by hand,
// still a draft.
func saveManualDraft(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	saveRecord(t, app, "replies", map[string]any{"id": draftReplyID, "ticket": ticketID, "author": agentID, "body": "Posted it myself", "via": "manual", "status": "draft"})
}

func replyBody(via, status, extra string) *strings.Reader {
	return strings.NewReader(`{"ticket":"` + ticketID + `","author":"` + agentID + `","body":"Bonjour","via":"` + via + `","status":"` + status + `"` + extra + `}`)
}

// Replies: members write drafts and queued replies; "sent" belongs to the
// outbox and to the explicit answered-by-hand action.
func TestRepliesCannotClaimToBeSent(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "a reply created sent is refused", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID), Body: replyBody("platform", "sent", ""),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"status":{"code":"validation_reply_status"`, "answered by hand"},
			AfterTestFunc:   ticketUntouched,
		},
		{
			Name: "a manual reply created sent is refused", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID), Body: replyBody("manual", "sent", ""),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"status":{"code":"validation_reply_status"`},
			AfterTestFunc:   ticketUntouched,
		},
		{
			Name: "a manual reply cannot be queued: the outbox would post it again", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID), Body: replyBody("manual", "queued", ""),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"status":{"code":"validation_reply_status"`},
		},
		{
			Name: "the outbox's fields are refused", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID),
			Body:           replyBody("platform", "queued", `,"sent_at":"2026-11-20 10:00:10.000Z","external_id":"fake"`),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"sent_at":{"code":"validation_server_owned"`, `"external_id":{"code":"validation_server_owned"`},
		},
		{
			Name: "a draft cannot be turned sent", Method: http.MethodPatch,
			URL: "/api/collections/replies/records/" + draftReplyID, Headers: as(agentID),
			Body: strings.NewReader(`{"status":"sent"}`), BeforeTestFunc: saveManualDraft,
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{`"status":{"code":"validation_reply_status"`},
			AfterTestFunc:   ticketUntouched,
		},
		{
			Name: "queued and draft replies and notes are fine", Method: http.MethodPost,
			URL: "/api/collections/replies/records", Headers: as(agentID), Body: replyBody("platform", "queued", ""),
			TestAppFactory: appFactory, ExpectedStatus: 200, ExpectedContent: []string{`"status":"queued"`},
			AfterTestFunc: ticketUntouched,
		},
		{
			Name: "answered by hand stops the clock and says so", Method: http.MethodPost,
			URL: "/api/md/replies/" + draftReplyID + "/answered-by-hand", Headers: as(agentID),
			BeforeTestFunc: saveManualDraft, TestAppFactory: appFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"sent"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				tk, _ := app.FindRecordById("tickets", ticketID)
				if tk.GetString("first_response_at") == "" || !tk.GetBool("answered_by_hand") || tk.GetString("status") != "pending" {
					t.Fatalf("ticket: first_response_at %q, answered_by_hand %v, status %s", tk.GetString("first_response_at"), tk.GetBool("answered_by_hand"), tk.GetString("status"))
				}
				if n := countEvents(t, app, "answered_by_hand"); n != 1 {
					t.Fatalf("%d answered_by_hand events", n)
				}
			},
		},
		{
			Name: "someone else's draft is not theirs to mark", Method: http.MethodPost,
			URL: "/api/md/replies/" + draftReplyID + "/answered-by-hand", Headers: as(agent2ID),
			BeforeTestFunc: saveManualDraft, TestAppFactory: appFactory, ExpectedStatus: 403,
			ExpectedContent: []string{"Only its author or an owner"},
			AfterTestFunc:   ticketUntouched,
		},
		{
			Name: "a platform reply cannot be marked answered by hand", Method: http.MethodPost,
			URL: "/api/md/replies/" + replyID + "/answered-by-hand", Headers: as(agentID),
			TestAppFactory: appFactory, ExpectedStatus: 400,
			ExpectedContent: []string{"Only a reply you post yourself"},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The stats tell answers Mentiondesk sent from answers an agent vouched for.
func TestStatsCountAnswersNotSentByUs(t *testing.T) {
	t.Parallel()
	s := tests.ApiScenario{
		Name: "answered by hand and elsewhere are counted apart", Method: http.MethodGet,
		URL: "/api/md/stats?from=2026-11-01&to=2026-11-30", Headers: as(ownerID),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			tk, err := app.FindRecordById("tickets", ticketID)
			if err != nil {
				t.Fatal(err)
			}
			tk.Set("first_response_at", time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC))
			tk.Set("first_response_sec", 1800)
			tk.Set("answered_by_hand", true)
			tk.Set("needs_answer", true)
			if err := app.Save(tk); err != nil {
				t.Fatal(err)
			}
		},
		TestAppFactory: appFactory, ExpectedStatus: 200,
		ExpectedContent: []string{`"answered":1,"answered_elsewhere":0,"answered_by_hand":1`},
	}
	s.Test(t)
}

// A member's edit writes only what it changes: a reply sent between the
// edit's read and its save (the server marking the ticket answered) is
// not undone. Before, PocketBase wrote back the whole row as read, and
// the first response time and the pending status were lost.
func TestMemberEditKeepsTheServersAnswer(t *testing.T) {
	t.Parallel()
	scenario := tests.ApiScenario{
		Name: "assigning a ticket while its reply goes out", Method: http.MethodPatch,
		URL: "/api/collections/tickets/records/" + ticketID, Headers: as(agentID),
		Body:           strings.NewReader(`{"assignee":"` + agentID + `"}`),
		TestAppFactory: func(t testing.TB) *tests.TestApp { return newTestApp(t) },
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			app.OnRecordUpdateRequest("tickets").BindFunc(func(re *core.RecordRequestEvent) error {
				// The edit has read the ticket; the outbox answers it now.
				fresh, err := re.App.FindRecordById("tickets", ticketID)
				if err != nil {
					return err
				}
				if err := hubOf(t, app).desk.MarkAnswered(re.App, fresh, time.Now().UTC()); err != nil {
					return err
				}
				return re.Next()
			})
		},
		ExpectedStatus: 200, ExpectedContent: []string{`"assignee":"` + agentID + `"`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			tk, _ := app.FindRecordById("tickets", ticketID)
			if tk.GetString("first_response_at") == "" || tk.GetString("status") != "pending" || tk.GetString("assignee") != agentID {
				t.Fatalf("after the edit: first_response_at %q, status %s, assignee %q", tk.GetString("first_response_at"), tk.GetString("status"), tk.GetString("assignee"))
			}
		},
	}
	scenario.Test(t)
}
