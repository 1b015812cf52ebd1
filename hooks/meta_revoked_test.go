package hooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/model"
)

// TestRevokedMetaTokenMarksReconnect: Meta's Page and Instagram tokens have
// no refresh (they live until the owner removes the app or changes the
// password), so the revoked case is Graph answering a poll with HTTP 400,
// OAuthException code 190 (subcode 460: the password changed). For a
// Facebook and an Instagram source alike the poller marks the source
// "reconnect needed" with its own code, poll after poll, and the owner's
// notification target gets one alert per source.
func TestRevokedMetaTokenMarksReconnect(t *testing.T) {
	t.Parallel()
	revoked, err := os.ReadFile("../connectors/testdata/facebook/error_190_password.json")
	if err != nil {
		t.Fatal(err)
	}
	graph := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json; charset=UTF-8")
		rw.WriteHeader(http.StatusBadRequest)
		rw.Write(revoked)
	}))
	t.Cleanup(graph.Close)
	w := serveWired(t, testConfig())
	receiver := newAlertReceiver(t, w.app)
	for _, tc := range []struct{ kind, option, id string }{
		{model.KindFacebook, "page_id", "1061234567890"},
		{model.KindInstagram, "ig_user_id", "17841400000000001"},
	} {
		src := saveRecord(t, w.app, "sources", map[string]any{"kind": tc.kind, "name": "Compte " + tc.kind,
			"url": graph.URL, "enabled": true, "interval_sec": 300, "options": map[string]any{tc.option: tc.id}})
		w.hub.secrets.Set(src, map[string]string{"access_token": "page-token"})
		if err := w.app.Save(src); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := w.hub.sources.PollSource(context.Background(), src.Id); !errors.Is(err, connectors.ErrReconnect) {
				t.Fatalf("%s poll %d: %v", tc.kind, i, err)
			}
			if code, marked := w.health(src.Id); code != "source_reconnect_needed" || !marked {
				t.Errorf("%s poll %d: health %q, marked %v", tc.kind, i, code, marked)
			}
		}
	}
	if alerts, _ := receiver.alerts(); len(alerts) != 2 {
		t.Errorf("%d alerts for two sources polled three times each, want 2: %+v", len(alerts), alerts)
	}
}
