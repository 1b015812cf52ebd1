package hooks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/bus"
)

// These tests take the owner's path, not the pipeline's back door: what
// the app's forms send, through the REST API, then a real poll.

// A brand keyword saved from the app's form ("any" language) makes a
// broad feed's mentions of the brand tickets.
func TestKeywordSavedFromTheAppMatches(t *testing.T) {
	t.Parallel()
	var srvURL string
	feed := func(items ...[2]string) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Alerts</title><link>https://alerts.example/</link><description>x</description>`)
		for _, it := range items {
			b.WriteString("<item><guid>" + it[0] + "</guid><title>Post</title><description>" + it[1] + "</description><pubDate>" + time.Now().UTC().Add(-time.Minute).Format(time.RFC1123Z) + "</pubDate></item>")
		}
		b.WriteString("</channel></rss>")
		return b.String()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(feed([2]string{"a1", "La Brûlerie Saint-Roch a perdu ma commande, personne ne répond !"})))
	}))
	defer srv.Close()
	srvURL = srv.URL

	scenario := tests.ApiScenario{
		Name: "the keyword form saves a brand for any language", Method: http.MethodPost, URL: "/api/collections/keywords/records",
		Headers:        as(ownerID),
		Body:           strings.NewReader(`{"term":"Brûlerie Saint-Roch","kind":"brand","case_sensitive":false,"language":"any"}`),
		ExpectedStatus: 200, ExpectedContent: []string{`"language":"any"`},
		TestAppFactory: func(t testing.TB) *tests.TestApp { return newTestApp(t) },
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			h := hubOf(t, app)
			src := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": "Alerts", "url": srvURL, "enabled": true})
			if _, err := h.sources.PollSource(context.Background(), src.Id); err != nil {
				t.Fatal(err)
			}
			m := mentionsOf(t, app, src.Id)
			if len(m) != 1 || m[0].GetString("triage") != "ticket" {
				var got string
				if len(m) == 1 {
					got = m[0].GetString("triage") + " (" + m[0].GetString("triage_reason") + ")"
				}
				t.Fatalf("the brand's mention: %d stored, triage %s; want a ticket", len(m), got)
			}
		},
	}
	scenario.Test(t)
}

// A new source's first poll files its backlog without ringing anyone; a
// mention that arrives after it does ring.
func TestFirstPollBacklogDoesNotNotify(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	var mu sync.Mutex
	items := []string{"b1", "b2", "b3"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><link>https://x.example/</link><description>x</description>`)
		for i, id := range items {
			b.WriteString("<item><guid>" + id + "</guid><author>c" + id + "@example.net (Client " + id + ")</author><description>Ma commande n'est jamais arrivée, remboursez-moi !</description><pubDate>" +
				time.Now().UTC().Add(-time.Duration(len(items)-i)*time.Minute).Format(time.RFC1123Z) + "</pubDate></item>")
		}
		b.WriteString("</channel></rss>")
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	var emitted []bus.Event
	h.bus.Listen(func(e bus.Event) {
		mu.Lock()
		emitted = append(emitted, e)
		mu.Unlock()
	})
	src := feedSource(t, app, srv.URL)
	if res, err := h.sources.PollSource(context.Background(), src.Id); err != nil || res.Stats.Opened != 3 {
		t.Fatalf("first poll: %+v %v", res, err)
	}
	mu.Lock()
	if len(emitted) != 0 {
		t.Errorf("the first poll's backlog rang %d times", len(emitted))
	}
	items = append(items, "b4")
	mu.Unlock()
	if res, err := h.sources.PollSource(context.Background(), src.Id); err != nil || res.Stats.Opened != 1 {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(emitted) == 0 || emitted[0].Kind != "new_ticket" {
		t.Errorf("a new mention after the first poll: events %+v, want a new_ticket", emitted)
	}
}

// A source that cannot be reached says so in words, with a code the app
// translates, and never with Go's dial error.
func TestSourceFailureIsForPeople(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	srv := httptest.NewServer(http.NotFoundHandler())
	closed := srv.URL
	srv.Close() // nothing listens there any more: connection refused

	src := feedSource(t, app, closed+"/feed.xml")
	res, err := h.sources.PollSource(context.Background(), src.Id)
	if err == nil || res.ErrorInfo == nil || res.ErrorInfo.Code != "source_refused" {
		t.Fatalf("poll of a closed port: %+v, %v; want code source_refused", res, err)
	}
	src, _ = app.FindRecordById("sources", src.Id)
	msg := src.GetString("last_error")
	if strings.Contains(msg, "dial") || strings.Contains(msg, "tcp") || !strings.Contains(msg, "127.0.0.1 refused the connection") {
		t.Errorf("last_error %q: want the owner's words", msg)
	}
	if !strings.Contains(src.GetString("last_error_info"), `"code":"source_refused"`) {
		t.Errorf("last_error_info %s", src.GetString("last_error_info"))
	}
}

// Our errors carry a stable code beside the message, which the app
// translates; the message itself follows the user's language.
func TestErrorsCarryACode(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "setup once an owner exists", Method: http.MethodPost, URL: "/api/md/setup",
			Body:           strings.NewReader(`{"name":"X","email":"x@example.com","password":"long-enough-1","passwordConfirm":"long-enough-1"}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"already_set_up"`, `"message":"Mentiondesk is already set up: sign in instead."`},
			ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name: "the same in French", Method: http.MethodPost, URL: "/api/md/setup",
			Headers:        map[string]string{"Accept-Language": "fr-CA,fr;q=0.9"},
			Body:           strings.NewReader(`{"name":"X","email":"x@example.com","password":"long-enough-1","passwordConfirm":"long-enough-1"}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"already_set_up"`, `"message":"Mentiondesk est déjà configuré : connectez-vous."`},
			ExpectedEvents: map[string]int{"*": 0},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = func(t testing.TB) *tests.TestApp { return newTestApp(t) }
		s.Test(t)
	}
}

// A review's stars weigh in: a one-star review left without words is a
// complaint to answer, five stars are praise.
func TestReviewStarsWeighIn(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Google reviews (Zapier)", "enabled": true})
	body := []byte(`[{"id":"rev-1","author":"anne.m","author_name":"Anne M.","stars":1},{"id":"rev-5","author":"paul.d","author_name":"Paul D.","text":"Rien à redire.","stars":"FIVE"}]`)
	ms, err := connectors.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	ingestAll(t, h, src, ms...)
	one, _ := app.FindFirstRecordByData("mentions", "external_id", "rev-1")
	five, _ := app.FindFirstRecordByData("mentions", "external_id", "rev-5")
	if one == nil || one.GetString("triage") != "ticket" || one.GetString("sentiment_label") != "negative" {
		t.Fatalf("a wordless one-star review: %v", one)
	}
	if five == nil || five.GetString("sentiment_label") != "positive" || five.GetString("intent") != "praise" {
		t.Fatalf("a five-star review: %v", five)
	}
}
