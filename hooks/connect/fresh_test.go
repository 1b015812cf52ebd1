package connect

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/model"
)

func expiring(in time.Duration, access, refresh string) map[string]string {
	return map[string]string{
		"access_token": access, "refresh_token": refresh,
		"token_expiry": time.Now().Add(in).UTC().Format(time.RFC3339),
	}
}

func TestFreshRefreshesNearExpiryAndSaves(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	as.refresh["rt-google"] = true
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindGoogleReviews, nil, expiring(2*time.Minute, "old-access", "rt-google"))

	got, err := h.svc.Fresh(context.Background(), h.app, src)
	if err != nil {
		t.Fatal(err)
	}
	if got["access_token"] == "old-access" || got["refresh_token"] != "rt-google" {
		t.Errorf("Fresh returned %v: want a new access token and Google's refresh token kept", got)
	}
	_, stored := h.reload(src.Id)
	if stored["access_token"] != got["access_token"] || stored["refresh_token"] != "rt-google" {
		t.Errorf("stored %v, returned %v", stored, got)
	}
	exp, err := time.Parse(time.RFC3339, stored["token_expiry"])
	if err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("stored expiry %q: want about an hour ahead", stored["token_expiry"])
	}
	if mem, _ := h.open(src); mem["access_token"] != got["access_token"] {
		t.Error("the caller's copy of the source still holds the old token")
	}

	// A token with time left is used as it is.
	if _, err := h.svc.Fresh(context.Background(), h.app, src); err != nil {
		t.Fatal(err)
	}
	if n := as.grants("refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestFreshRevokedGrantAlertsOnce(t *testing.T) {
	as := newFakeAS(t, false, false, "")
	h := newHarness(t, Config{Google: as.app()})
	src := h.source(model.KindYouTube, nil, expiring(-time.Hour, "dead", "rt-revoked"))

	for i := range 4 {
		_, err := h.svc.Fresh(context.Background(), h.app, src)
		if !errors.Is(err, connectors.ErrReconnect) {
			t.Fatalf("poll %d: %v, want ErrReconnect", i, err)
		}
	}
	if n := h.alertCount(); n != 1 {
		t.Fatalf("%d alerts over 4 polls, want 1", n)
	}
	a := h.alerts[0]
	if a.Path != "/sources/"+src.Id || a.Body[model.LangFR] == "" || a.Body[model.LangEN] == a.Body[model.LangFR] {
		t.Errorf("alert: %+v", a)
	}
	r, _ := h.reload(src.Id)
	info := map[string]any{}
	_ = r.UnmarshalJSONField("last_error_info", &info)
	if r.GetDateTime("reconnect_needed_at").IsZero() || info["code"] != "source_reconnect_needed" {
		t.Errorf("source health: reconnect_needed_at %v, last_error_info %v", r.Get("reconnect_needed_at"), info)
	}

	// Connecting again clears the mark; a later revocation alerts anew.
	st := h.start(src.Id)
	if loc := h.callback("google", as.consent(t, st.URL)); loc.Query().Get("connect") != "ok" {
		t.Fatalf("reconnect: %s", loc)
	}
	r, _ = h.reload(src.Id)
	if !r.GetDateTime("reconnect_needed_at").IsZero() || r.GetString("last_error") != "" {
		t.Errorf("after reconnecting: reconnect_needed_at %v, last_error %q", r.Get("reconnect_needed_at"), r.GetString("last_error"))
	}
	as.revoke()
	h.seal(r, expiring(time.Minute, "soon-dead", "gone"))
	if err := h.app.Save(r); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := h.svc.Fresh(context.Background(), h.app, r); !errors.Is(err, connectors.ErrReconnect) {
			t.Fatalf("after revocation: %v", err)
		}
	}
	if n := h.alertCount(); n != 2 {
		t.Errorf("%d alerts in all, want 2 (one per revocation)", n)
	}
}

// X rotates refresh tokens: two refreshes of one source at once (a poll
// and a reply) must not spend the same refresh token twice, or the second
// would look revoked.
func TestFreshSerialisesRotatingRefreshes(t *testing.T) {
	as := newFakeAS(t, true, true, "")
	as.refresh["rt-x"] = true
	h := newHarness(t, Config{X: as.app()})
	src := h.source(model.KindX, nil, expiring(time.Minute, "old", "rt-x"))

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			row, err := h.app.FindRecordById("sources", src.Id)
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = h.svc.Fresh(context.Background(), h.app, row)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if n := as.grants("refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if n := h.alertCount(); n != 0 {
		t.Errorf("%d alerts", n)
	}
	_, s := h.reload(src.Id)
	if s["refresh_token"] == "rt-x" || !as.refresh[s["refresh_token"]] {
		t.Errorf("stored refresh token %q is not the rotated one", s["refresh_token"])
	}
}

func TestFreshOtherKinds(t *testing.T) {
	h := newHarness(t, Config{})
	feed := h.source(model.KindFeed, nil, map[string]string{"password": "p"})
	if s, err := h.svc.Fresh(context.Background(), h.app, feed); err != nil || s["password"] != "p" {
		t.Errorf("feed: %v %v", s, err)
	}
	fb := h.source(model.KindFacebook, nil, map[string]string{"access_token": "page-token"})
	if s, err := h.svc.Fresh(context.Background(), h.app, fb); err != nil || s["access_token"] != "page-token" {
		t.Errorf("facebook: %v %v", s, err)
	}
	x := h.source(model.KindX, nil, nil)
	if _, err := h.svc.Fresh(context.Background(), h.app, x); !errors.Is(err, ErrNotConnected) {
		t.Errorf("x never connected: %v", err)
	}
}

// TestFreshExpiredAndRevokedPerOAuthKind: for every kind that signs in
// with OAuth (Google reviews and YouTube on Google's server, X on X's, which
// authenticates the client in HTTP Basic and rotates refresh tokens), a
// token already past its expiry is refreshed before use and saved, and a
// grant the owner revoked makes the source "reconnect needed" with one
// alert however often it is polled. Meta kinds have no refresh (Page
// tokens live until revoked): their revoked case is the connectors'
// TestFacebookErrors and TestInstagramErrors (Graph error 190).
func TestFreshExpiredAndRevokedPerOAuthKind(t *testing.T) {
	for _, tc := range []struct {
		kind          string
		basic, rotate bool
	}{
		{model.KindGoogleReviews, false, false},
		{model.KindYouTube, false, false},
		{model.KindX, true, true},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			as := newFakeAS(t, tc.basic, tc.rotate, "")
			as.refresh["rt-live"] = true
			cfg := Config{Google: as.app()}
			if tc.kind == model.KindX {
				cfg = Config{X: as.app()}
			}
			h := newHarness(t, cfg)
			src := h.source(tc.kind, nil, expiring(-time.Hour, "expired-access", "rt-live"))

			got, err := h.svc.Fresh(context.Background(), h.app, src)
			if err != nil {
				t.Fatal(err)
			}
			_, stored := h.reload(src.Id)
			if got["access_token"] == "expired-access" || stored["access_token"] != got["access_token"] || as.grants("refresh_token") != 1 {
				t.Fatalf("returned %v, stored %v after %d refreshes", got, stored, as.grants("refresh_token"))
			}
			if tc.rotate && (stored["refresh_token"] == "rt-live" || !as.refresh[stored["refresh_token"]]) {
				t.Errorf("stored refresh token %q is not the rotated one", stored["refresh_token"])
			}

			as.revoke()
			r, _ := h.reload(src.Id)
			h.seal(r, expiring(-time.Minute, "dead", stored["refresh_token"]))
			if err := h.app.Save(r); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if _, err := h.svc.Fresh(context.Background(), h.app, r); !errors.Is(err, connectors.ErrReconnect) {
					t.Fatalf("poll %d after revocation: %v", i, err)
				}
			}
			if n := h.alertCount(); n != 1 {
				t.Errorf("%d alerts over 3 polls, want 1", n)
			}
			if r, _ = h.reload(src.Id); r.GetDateTime("reconnect_needed_at").IsZero() {
				t.Error("the source is not marked reconnect needed")
			}
		})
	}
}
