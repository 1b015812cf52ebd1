package hooks

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/connectors"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	factory := func(t testing.TB) *tests.TestApp {
		app := newTestApp(t)
		h := hubOf(t, app)
		src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Hook", "enabled": true})
		now := time.Now()
		if _, _, err := h.desk.Ingest(src, []connectors.Mention{
			{ExternalID: "s1", Author: "zoe", Text: "Le remboursement de Café Lune n'arrive pas", Published: now.Add(-3 * time.Hour)},
			{ExternalID: "s2", Author: "yann", Text: "Super croissants au cafe lune", Published: now.Add(-2 * time.Hour)},
			{ExternalID: "s3", Author: "xena", Text: "Remboursé en deux jours, merci", Published: now.Add(-time.Hour)},
		}, now, nil); err != nil {
			t.Fatal(err)
		}
		// Written another way (a superuser in the admin UI): indexed too.
		saveRecord(t, app, "mentions", map[string]any{"external_id": "s4", "channel": "webhook", "text": "Livraison remboursée par Café Lune", "triage": "ticket"})
		// Edited: the index follows; deleted: it forgets.
		m, _ := app.FindFirstRecordByData("mentions", "external_id", "s3")
		m.Set("text", "Remboursé en deux jours, merci beaucoup")
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
		gone, _ := app.FindFirstRecordByData("mentions", "external_id", "s2")
		if err := app.Delete(gone); err != nil {
			t.Fatal(err)
		}
		return app
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "accents folded, prefix on the last word", Method: http.MethodGet, URL: "/api/md/search?q=cafe%20rembours",
			Headers: as(agentID), TestAppFactory: factory, ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":2`, `"external_id":"s1"`, `"external_id":"s4"`}, NotExpectedContent: []string{`"external_id":"s2"`, `"external_id":"s3"`},
		},
		{
			Name: "an edit is searchable", Method: http.MethodGet, URL: "/api/md/search?q=beaucoup",
			Headers: as(agentID), TestAppFactory: factory, ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":1`, `"external_id":"s3"`},
		},
		{
			Name: "a deleted mention is gone", Method: http.MethodGet, URL: "/api/md/search?q=croissants",
			Headers: as(agentID), TestAppFactory: factory, ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name: "FTS syntax is plain text", Method: http.MethodGet, URL: "/api/md/search?q=text%3A%20NEAR(%22a%22%20OR",
			Headers: as(agentID), TestAppFactory: factory, ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name: "an empty query says so", Method: http.MethodGet, URL: "/api/md/search?q=%20!!",
			Headers: as(agentID), TestAppFactory: factory, ExpectedStatus: 400, ExpectedContent: []string{"at least one word"},
		},
		{
			Name: "anonymous cannot search", Method: http.MethodGet, URL: "/api/md/search?q=cafe",
			TestAppFactory: factory, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The terms a prefix starts are remembered only while the index is the
// same: a word that arrives with the next poll is found by the same
// prefix at once, and a prefix that started nothing starts it now.
func TestSearchPrefixFindsNewWords(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)
	mux := benchMux(t, app)
	src := saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Hook", "enabled": true})
	ingest := func(id, text string) {
		t.Helper()
		now := time.Now()
		if _, _, err := h.desk.Ingest(src, []connectors.Mention{{ExternalID: id, Author: "zoe" + id, Text: text, Published: now}}, now, nil); err != nil {
			t.Fatal(err)
		}
	}
	search := func(q string) string {
		t.Helper()
		return answers(t, mux, []string{"/api/md/search?q=" + url.QueryEscape(q)})[0]
	}

	ingest("n1", "Mes lunettes oubliées chez Café Lune")
	for range 2 { // the second from what was remembered
		if got := search("lun"); !strings.Contains(got, `"totalItems":1`) {
			t.Fatalf("before: %.300s", got)
		}
	}
	if got := search("zorbl"); !strings.Contains(got, `"totalItems":0`) {
		t.Fatalf("a word nobody wrote: %.300s", got)
	}
	ingest("n2", "Une soirée lunaire chez Café Soleil, et un zorblax au dessert")
	if got := search("lun"); !strings.Contains(got, `"totalItems":2`) || !strings.Contains(got, `"external_id":"n2"`) {
		t.Fatalf("after the next poll, the prefix missed its new word: %.300s", got)
	}
	if got := search("zorbl"); !strings.Contains(got, `"totalItems":1`) {
		t.Fatalf("after the next poll, the new word: %.300s", got)
	}
}
