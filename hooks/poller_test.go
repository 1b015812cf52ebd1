package hooks

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

func feedFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../connectors/testdata/feed/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func feedSource(t testing.TB, app core.App, url string) *core.Record {
	return saveRecord(t, app, "sources", map[string]any{
		"kind": "feed", "name": "Alerts", "url": url, "enabled": true,
		// The health cases are about fetching: keep every item.
		"options": map[string]any{"match": "any"},
	})
}

func mentionsOf(t testing.TB, app core.App, sourceID string) []*core.Record {
	t.Helper()
	recs, err := app.FindRecordsByFilter("mentions", "source = {:s}", "external_id", 0, 0, dbx.Params{"s": sourceID})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Polling an unchanged feed twice stores nothing new, and the second
// request is conditional: the server sees our validators and answers 304.
func TestPollUnchangedFeedIsConditional(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)

	body := feedFixture(t, "google_alerts.xml")
	var requests, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Mon, 23 Nov 2026 19:42:10 GMT" {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "Mentiondesk/") {
			t.Errorf("User-Agent %q does not name the product", r.Header.Get("User-Agent"))
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 23 Nov 2026 19:42:10 GMT")
		w.Header().Set("Content-Type", "application/atom+xml")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	src := feedSource(t, app, srv.URL)

	first, err := h.sources.PollSource(context.Background(), src.Id)
	if err != nil {
		t.Fatal(err)
	}
	stored := mentionsOf(t, app, src.Id)
	if first.New == 0 || len(stored) != first.New {
		t.Fatalf("first poll: new %d, stored %d", first.New, len(stored))
	}
	// Google Alerts links are unwrapped to the article, titles lose <b>.
	for _, m := range stored {
		if strings.Contains(m.GetString("url"), "google.com/url") || strings.Contains(m.GetString("title"), "<b>") {
			t.Errorf("alert not cleaned: %s %s", m.GetString("url"), m.GetString("title"))
		}
	}

	second, err := h.sources.PollSource(context.Background(), src.Id)
	if err != nil {
		t.Fatal(err)
	}
	if second.New != 0 || len(mentionsOf(t, app, src.Id)) != len(stored) {
		t.Fatalf("second poll stored %d more", second.New)
	}
	if requests.Load() != 2 || conditional.Load() != 1 {
		t.Fatalf("requests %d, conditional %d: the second poll must be a conditional GET", requests.Load(), conditional.Load())
	}
	src, _ = app.FindRecordById("sources", src.Id)
	if src.GetString("etag") != `"v1"` || src.GetInt("error_count") != 0 || src.GetInt("last_new") != 0 || src.GetString("last_ok_at") == "" {
		t.Fatalf("health after 304: etag %q errors %d last_new %d", src.GetString("etag"), src.GetInt("error_count"), src.GetInt("last_new"))
	}
}

// Every way a feed can fail ends on the source's health, stores nothing,
// and backs off; a non-UTF-8 feed is read right.
func TestPollFailuresShowOnTheSource(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("<item><title>x</title></item>"), (6<<20)/29)
	cases := []struct {
		name      string
		handler   http.HandlerFunc
		wantErr   string        // in last_error; "" = success
		wantNext  time.Duration // minimum wait before the next check
		wantSaved int
	}{
		{
			name: "malformed feed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write(feedFixture(t, "malformed.xml"))
			},
			wantErr: "is not a feed", wantNext: 10 * time.Minute,
		},
		{
			name: "body over 5 MiB",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
				_, _ = w.Write(big)
			},
			wantErr: "more than the size limit", wantNext: 10 * time.Minute,
		},
		{
			name: "429 with Retry-After",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			wantErr: "asks us to wait", wantNext: time.Hour,
		},
		{
			name: "401",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "Invalid feed token", http.StatusUnauthorized)
			},
			wantErr: "refused the credentials", wantNext: 10 * time.Minute,
		},
		{
			name: "timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(5 * time.Second):
				case <-r.Context().Done():
				}
			},
			wantErr: "did not answer in time", wantNext: 10 * time.Minute,
		},
		{
			name: "latin-1 feed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				_, _ = w.Write(feedFixture(t, "latin1.xml"))
			},
			wantSaved: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.FetchTimeout = 300 * time.Millisecond
			app := newTestAppWith(t, cfg)
			defer app.Cleanup()
			h := hubOf(t, app)
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			src := feedSource(t, app, srv.URL)

			before := time.Now()
			_, err := h.sources.PollSource(context.Background(), src.Id)
			src, _ = app.FindRecordById("sources", src.Id)
			stored := mentionsOf(t, app, src.Id)
			if len(stored) != c.wantSaved {
				t.Fatalf("stored %d mentions, want %d", len(stored), c.wantSaved)
			}
			if c.wantErr == "" {
				if err != nil || src.GetInt("error_count") != 0 {
					t.Fatalf("err %v, error_count %d", err, src.GetInt("error_count"))
				}
				if got := stored[0].GetString("title"); got != "Crème brûlée et café : la Boulangerie Martin s'agrandit" {
					t.Fatalf("title %q", got)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(src.GetString("last_error"), c.wantErr) {
				t.Fatalf("last_error %q, want it to contain %q", src.GetString("last_error"), c.wantErr)
			}
			if src.GetInt("error_count") != 1 || src.GetString("last_ok_at") != "" {
				t.Fatalf("error_count %d, last_ok_at %q", src.GetInt("error_count"), src.GetString("last_ok_at"))
			}
			if next := src.GetDateTime("next_check_at").Time(); next.Before(before.Add(c.wantNext - time.Second)) {
				t.Fatalf("next check in %s, want at least %s", next.Sub(before), c.wantNext)
			}
		})
	}
}

// The outbound guard is on by default: a source pointing at this machine
// is refused with a clear error, and nothing is fetched.
func TestPollRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	h, err := register(app, Config{DisableWorkers: true, EncryptionKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	src := feedSource(t, app, srv.URL)
	if _, err := h.sources.PollSource(context.Background(), src.Id); err == nil {
		t.Fatal("a loopback source was fetched")
	}
	src, _ = app.FindRecordById("sources", src.Id)
	if !strings.Contains(src.GetString("last_error"), "not allowed") || hits.Load() != 0 {
		t.Fatalf("last_error %q, server hits %d", src.GetString("last_error"), hits.Load())
	}
}

// A feed that moved for good is polled at its new address from then on,
// and the Sources screen hears of it; a temporary redirect changes nothing.
func TestPollFollowsAFeedThatMoved(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()
	h := hubOf(t, app)

	body := feedFixture(t, "google_alerts.xml")
	var old atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		old.Add(1)
		http.Redirect(w, r, "/feed?token=s3cret", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feed", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var announced atomic.Int32
	app.OnRecordAfterUpdateSuccess("sources").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("url") == srv.URL+"/feed?token=s3cret" {
			announced.Add(1)
		}
		return e.Next()
	})
	moved := feedSource(t, app, srv.URL+"/old")
	for range 2 {
		if _, err := h.sources.PollSource(context.Background(), moved.Id); err != nil {
			t.Fatal(err)
		}
	}
	moved, _ = app.FindRecordById("sources", moved.Id)
	if moved.GetString("url") != srv.URL+"/feed?token=s3cret" || old.Load() != 1 || announced.Load() != 2 {
		t.Fatalf("after two polls: url %q, old address asked %d times, updates announced %d", moved.GetString("url"), old.Load(), announced.Load())
	}

	away := feedSource(t, app, srv.URL+"/elsewhere")
	if _, err := h.sources.PollSource(context.Background(), away.Id); err != nil {
		t.Fatal(err)
	}
	away, _ = app.FindRecordById("sources", away.Id)
	if away.GetString("url") != srv.URL+"/elsewhere" {
		t.Fatalf("a temporary redirect changed the url to %q", away.GetString("url"))
	}
}
