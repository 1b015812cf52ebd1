package connectors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mentionFromFixture(t *testing.T, f *fakeMastodon) Mention {
	t.Helper()
	b, err := NewMastodon(acctConfig()).Fetch(context.Background(), f.source("mentions"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	return b.Mentions[0]
}

func TestMastodonReply(t *testing.T) {
	f := newFakeMastodon(t)
	to := mentionFromFixture(t, f)
	m := NewMastodon(acctConfig())
	sent, err := m.Reply(context.Background(), f.source("mentions"), to, "Désolés ! Nous regardons votre commande.", "reply-42")
	if err != nil {
		t.Fatal(err)
	}
	if sent.ExternalID != "113200000000000100" || sent.URL != "https://mastodon.example/@cafelumiere/113200000000000100" {
		t.Errorf("sent = %+v", sent)
	}
	reqs := f.recorded("/api/v1/statuses")
	if len(reqs) != 1 {
		t.Fatalf("%d POSTs", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer good-token" ||
		r.Header.Get("Idempotency-Key") != "reply-42" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("request = %s %v", r.Method, r.Header)
	}
	form, err := url.ParseQuery(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"status":         {"@zsc@mastodon.example Désolés ! Nous regardons votre commande."},
		"in_reply_to_id": {"113186126728896492"},
		"visibility":     {"private"},
	}
	if fmt.Sprint(form) != fmt.Sprint(want) {
		t.Errorf("form = %v\nwant %v", form, want)
	}
}

func TestMastodonReplyKeepsExistingMentionAndSpoiler(t *testing.T) {
	f := newFakeMastodon(t)
	b, err := NewMastodon(acctConfig()).Fetch(context.Background(), f.source("mentions"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	to := b.Mentions[1] // @haskal@cybre.space, unlisted, CW "food"
	if _, err := NewMastodon(acctConfig()).Reply(context.Background(), f.source("mentions"), to, "Hi @haskal@cybre.space, yes it is!", "k2"); err != nil {
		t.Fatal(err)
	}
	r := f.recorded("/api/v1/statuses")[0]
	form, _ := url.ParseQuery(r.Body)
	if form.Get("status") != "Hi @haskal@cybre.space, yes it is!" || form.Get("visibility") != "unlisted" || form.Get("spoiler_text") != "re: food" {
		t.Errorf("form = %v", form)
	}
}

func TestMastodonReplyVisibilityNeverWidens(t *testing.T) {
	for in, want := range map[string]string{"public": "public", "unlisted": "unlisted", "private": "private", "direct": "direct", "": "direct", "limited": "direct"} {
		if got := mastodonReplyVisibility(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestMastodonReplyErrors(t *testing.T) {
	to := Mention{ExternalID: "1", Author: "@a@b.example", Meta: map[string]string{"visibility": "public"}}
	t.Run("422", func(t *testing.T) {
		f := newFakeMastodon(t)
		f.handle = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write(acctTestdata(t, "mastodon", "error_422.json"))
			return true
		}
		_, err := NewMastodon(acctConfig()).Reply(context.Background(), f.source("mentions"), to, strings.Repeat("x", 600), "k")
		if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "character limit of 500") || IsRetryable(err) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("401", func(t *testing.T) {
		f := newFakeMastodon(t)
		src := f.source("mentions")
		src.Secrets["token"] = "bad"
		_, err := NewMastodon(acctConfig()).Reply(context.Background(), src, to, "hi", "k")
		if !errors.Is(err, ErrAuth) || IsRetryable(err) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no token", func(t *testing.T) {
		f := newFakeMastodon(t)
		src := f.source("mentions")
		src.Secrets = nil
		if _, err := NewMastodon(acctConfig()).Reply(context.Background(), src, to, "hi", "k"); !errors.Is(err, ErrConfig) {
			t.Errorf("err = %v", err)
		}
		if len(f.recorded("/api/v1/statuses")) != 0 {
			t.Error("posted without a token")
		}
	})
}

func TestMastodonHasMention(t *testing.T) {
	cases := []struct {
		body, acct string
		want       bool
	}{
		{"@zsc@m.example hello", "@zsc@m.example", true},
		{"hello @ZSC", "@zsc@m.example", true},
		{"hello @haskal", "@haskal@cybre.space", false},
		{"mail zsc@m.example", "@zsc@m.example", false},
		{"@zscx hello", "@zsc@m.example", false},
		{"see https://x.example/@zsc", "@zsc@m.example", false},
	}
	for _, c := range cases {
		if got := mastodonHasMention(c.body, c.acct, "m.example"); got != c.want {
			t.Errorf("mastodonHasMention(%q, %q) = %v", c.body, c.acct, got)
		}
	}
}

func TestMastodonReplyServerErrorIsRetryable(t *testing.T) {
	f := newFakeMastodon(t)
	f.handle = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/api/v1/statuses" {
			return false
		}
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	to := Mention{ExternalID: "1", Author: "@a@b.example", Meta: map[string]string{"visibility": "public"}}
	_, err := NewMastodon(acctConfig()).Reply(context.Background(), f.source("mentions"), to, "hi", "k")
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second || !IsRetryable(err) {
		t.Errorf("err = %v", err)
	}
}

func TestMastodonReplyToBoostAnswersTheOriginal(t *testing.T) {
	f := newFakeMastodon(t)
	b, err := NewMastodon(acctConfig()).Fetch(context.Background(), f.source("hashtag"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	boost := b.Mentions[0]
	if _, err := NewMastodon(acctConfig()).Reply(context.Background(), f.source("hashtag"), boost, "Merci !", "k"); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(f.recorded("/api/v1/statuses")[0].Body)
	if form.Get("in_reply_to_id") != "113189999999999999" || form.Get("status") != "@carol@social.example Merci !" || form.Get("visibility") != "public" {
		t.Errorf("form = %v", form)
	}
}
