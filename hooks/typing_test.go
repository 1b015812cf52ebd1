package hooks

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Two agents on one ticket: when one starts replying, the other's open
// page is told, so the customer does not get two answers. The typist and
// anonymous listeners hear nothing.
func TestTypingWarnsOtherAgents(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	topic := "md/typing/" + ticketID
	listen := func(userID string) *subscriptions.DefaultClient {
		c := subscriptions.NewDefaultClient()
		c.Subscribe(topic)
		if userID != "" {
			u, err := app.FindRecordById("users", userID)
			if err != nil {
				t.Fatal(err)
			}
			c.Set(apis.RealtimeClientAuthKey, u)
		}
		app.SubscriptionsBroker().Register(c)
		return c
	}
	other, typist, anon := listen(agent2ID), listen(agentID), listen("")

	(&tests.ApiScenario{
		Method: http.MethodPost, URL: "/api/md/tickets/" + ticketID + "/typing", Headers: as(agentID),
		TestAppFactory: func(testing.TB) *tests.TestApp { return app }, DisableTestAppCleanup: true,
		ExpectedStatus: 204,
	}).Test(t)

	select {
	case msg := <-other.Channel():
		var got struct{ Ticket, User, Name string }
		if err := json.Unmarshal(msg.Data, &got); err != nil || msg.Name != topic || got.User != agentID || got.Name != "Alex Agent" {
			t.Fatalf("message %s %s (%v)", msg.Name, msg.Data, err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the other agent was not told")
	}
	for name, c := range map[string]*subscriptions.DefaultClient{"the typist": typist, "an anonymous client": anon} {
		select {
		case msg := <-c.Channel():
			t.Fatalf("%s heard %s", name, msg.Data)
		default:
		}
	}
}
