package hooks

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// A source created, or switched back on, is polled at once, without the
// poller's loop (which these tests never start, so nothing else polls);
// one created off, or a webhook, is not polled.
func TestNewSourceIsPolledAtOnce(t *testing.T) {
	t.Parallel()
	// Workers on, as in the product; the loops start only with the server.
	app, h := benchAppWith(t, Config{AllowPrivateURLs: true, EncryptionKey: testKey})
	body := feedFixture(t, "google_alerts.xml")
	hits := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		w.Header().Set("Content-Type", "application/atom+xml")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	polled := func(path string) {
		t.Helper()
		select {
		case got := <-hits:
			if got != path {
				t.Fatalf("polled %s, want %s", got, path)
			}
		case <-time.After(20 * time.Second): // never, without the hook
			t.Fatalf("%s was not polled", path)
		}
		h.sources.WaitPolls()
	}
	save := func(r *core.Record) {
		t.Helper()
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		h.sources.WaitPolls()
	}

	src := feedSource(t, app, srv.URL+"/new")
	polled("/new")
	if len(mentionsOf(t, app, src.Id)) == 0 {
		t.Fatal("the first poll stored nothing")
	}

	src, _ = app.FindRecordById("sources", src.Id)
	src.Set("enabled", false)
	save(src)
	src, _ = app.FindRecordById("sources", src.Id)
	src.Set("enabled", true)
	save(src)
	polled("/new")

	off := saveRecord(t, app, "sources", map[string]any{"kind": "feed", "name": "Off", "url": srv.URL + "/off", "enabled": false})
	saveRecord(t, app, "sources", map[string]any{"kind": "webhook", "name": "Hook", "enabled": true})
	// An edit that does not switch a source on does not poll it.
	off.Set("name", "Still off")
	save(off)
	src, _ = app.FindRecordById("sources", src.Id)
	src.Set("name", "Renamed")
	save(src)
	if len(hits) != 0 {
		t.Fatalf("polled %s too", <-hits)
	}
}
