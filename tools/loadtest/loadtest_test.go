package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	r := result{}
	for i := 1; i <= 200; i++ {
		r.lat = append(r.lat, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[int]time.Duration{50: 100 * time.Millisecond, 90: 180 * time.Millisecond, 99: 198 * time.Millisecond, 100: 200 * time.Millisecond} {
		if got := r.pct(q); got != want {
			t.Errorf("p%d = %s, want %s", q, got, want)
		}
	}
	if (result{}).pct(99) != 0 {
		t.Error("no latencies must read as zero")
	}
}

// run counts every action of every client, as a success or a failure,
// for the route that made it.
func TestRunCountsEachRoutesActions(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Header.Get("Authorization") != "tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/bad" {
			http.Error(w, `{"message":"nope"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"items":[{"id":"a"}]}`)
	}))
	defer srv.Close()
	get := func(path string) func(context.Context, *api, int) error {
		return func(ctx context.Context, a *api, _ int) error { return a.get(ctx, path, nil, nil) }
	}
	rs := []route{{"good", get("/good")}, {"bad", get("/bad")}}
	out := run(context.Background(), srv.URL, "tok", rs, load{clients: 4, duration: 300 * time.Millisecond, timeout: time.Second})
	good, bad := out[0], out[1]
	if len(good.lat) == 0 || good.errs != 0 || good.first != nil {
		t.Errorf("good: %d done, %d errors (%v)", len(good.lat), good.errs, good.first)
	}
	var he *httpError
	if len(bad.lat) != 0 || bad.errs == 0 || !errors.As(bad.first, &he) || he.status != 503 {
		t.Errorf("bad: %d done, %d errors (%v)", len(bad.lat), bad.errs, bad.first)
	}
	if got := int64(len(good.lat) + good.errs + len(bad.lat) + bad.errs); got != n.Load() {
		t.Errorf("counted %d actions, the server saw %d requests", got, n.Load())
	}
}

// The inbox requests are the app's: if Inbox.svelte changes how it asks,
// this tool must change with it.
func TestInboxAsksAsTheApp(t *testing.T) {
	screenSays(t, "Inbox.svelte",
		"const PER_PAGE = 30",
		`parts.push('(status = "new" || status = "open" || status = "pending")')`,
		"const waiting = '(status = \"new\" || status = \"open\") && sla_due_at != \"\"'",
		"{ filter: and(`${waiting} && breached = false`), sort: '-sla_at_risk,sla_due_at,-created' }",
		"{ filter: and(`${waiting} && breached = true`), sort: 'sla_due_at,-created'",
		"{ filter: and('(status != \"new\" && status != \"open\") || sla_due_at = \"\"'), sort: '-created'",
		"expand: 'contact,assignee', skipTotal: true",
	)
	if len(inboxSegments) != 3 || inboxSegments[1].Get("sort") != "sla_due_at,-created" ||
		!strings.HasPrefix(inboxSegments[0].Get("filter"), `((status = "new" || status = "open" || status = "pending")) && (`) {
		t.Errorf("segments: %v", inboxSegments)
	}
}

// The ticket route reads what the ticket screen reads: the ticket, its
// conversation, and its replies through the ticket (no filtered list that
// could come back empty).
func TestTicketAsksAsTheApp(t *testing.T) {
	screenSays(t, "Ticket.svelte",
		"getOne(id, { expand: '"+ticketExpand+"' })",
		"sort: '"+mentionsSort+"', batch: "+mentionsPerGet+" })",
		"getOne(id, { expand: '"+repliesExpand+"', fields: '"+repliesFields+"' })",
	)
}

// screenSays checks that the app's screen still holds each of wants.
func screenSays(t *testing.T, screen string, wants ...string) {
	t.Helper()
	b, err := os.ReadFile("../../ui/src/screens/" + screen)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range wants {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s no longer says %s", screen, want)
		}
	}
}

// A push is signed as the webhook route checks it, and its message is
// told apart by its mark.
func TestPushIsSignedAndItsMessageFound(t *testing.T) {
	ntfy := newNtfy()
	defer ntfy.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte("s3cret"))
		mac.Write(body)
		if r.Header.Get("X-Mentiondesk-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// As the notifier would: "author: excerpt" to the ntfy topic.
		res, err := http.Post(ntfy.URL+"/topic", "text/plain", strings.NewReader("Client LP0042: "+string(body[:20])))
		if err != nil {
			t.Error(err)
			return
		}
		res.Body.Close()
	}))
	defer hook.Close()
	if _, err := sendPush(context.Background(), http.DefaultClient, hook.URL, "s3cret", 1, 42); err != nil {
		t.Fatal(err)
	}
	if _, ok := ntfy.at(42); !ok {
		t.Error("the message naming LP0042 was not seen")
	}
	if _, err := sendPush(context.Background(), http.DefaultClient, hook.URL, "wrong", 1, 43); err == nil {
		t.Error("a refused push must be an error")
	}
}
