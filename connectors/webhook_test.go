package connectors

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestVerifyWebhook(t *testing.T) {
	body := hfFixture(t, "webhook/single.json")
	const secret = "whsec_9f8e7d"
	sig := "sha256=" + sign(sha256.New, secret, body)
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		want   error
	}{
		{"signature", secret, http.Header{"X-Mentiondesk-Signature": {sig}}, body, nil},
		{"signature upper-case hex", secret, http.Header{"X-Mentiondesk-Signature": {strings.ToUpper(sig)}}, body, nil},
		{"bearer", secret, http.Header{"Authorization": {"Bearer " + secret}}, body, nil},
		{"bearer lower-case scheme", secret, http.Header{"Authorization": {"bearer " + secret}}, body, nil},
		{"tampered body", secret, http.Header{"X-Mentiondesk-Signature": {sig}}, append([]byte(" "), body...), ErrAuth},
		{"wrong secret", "other", http.Header{"X-Mentiondesk-Signature": {sig}}, body, ErrAuth},
		{"sha1 refused", secret, http.Header{"X-Mentiondesk-Signature": {"sha1=" + sign(sha256.New, secret, body)}}, body, ErrAuth},
		{"not hex", secret, http.Header{"X-Mentiondesk-Signature": {"sha256=xyz"}}, body, ErrAuth},
		{"wrong bearer", secret, http.Header{"Authorization": {"Bearer whsec_9f8e7"}}, body, ErrAuth},
		{"basic auth", secret, http.Header{"Authorization": {"Basic " + secret}}, body, ErrAuth},
		{"nothing", secret, http.Header{}, body, ErrAuth},
		{"bad signature does not fall back to bearer", secret,
			http.Header{"X-Mentiondesk-Signature": {"sha256=00"}, "Authorization": {"Bearer " + secret}}, body, ErrAuth},
		{"no secret configured", "", http.Header{"Authorization": {"Bearer "}}, body, ErrConfig},
	}
	for _, tt := range tests {
		err := VerifyWebhook(tt.secret, tt.h, tt.body)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error echoes the secret: %v", tt.name, err)
		}
	}
}

func TestParseWebhook(t *testing.T) {
	ms, err := ParseWebhook(hfFixture(t, "webhook/single.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("got %d mentions", len(ms))
	}
	m := ms[0]
	want := Mention{
		ExternalID: "zap-7781",
		URL:        "https://www.facebook.com/boulangeriemartin/posts/pfbid02abc",
		Author:     "marie.l",
		AuthorName: "Marie L.",
		AuthorURL:  "https://www.facebook.com/marie.l",
		Text:       "Toujours pas de réponse à mon message de lundi…",
		Lang:       "fr",
		Published:  time.Date(2026, 11, 23, 17, 4, 0, 0, time.UTC),
		ThreadID:   "pfbid02abc",
	}
	if m.ExternalID != want.ExternalID || m.URL != want.URL || m.Author != want.Author || m.AuthorName != want.AuthorName ||
		m.AuthorURL != want.AuthorURL || m.Text != want.Text || m.Lang != want.Lang || !m.Published.Equal(want.Published) ||
		m.ThreadID != want.ThreadID || m.Published.Location() != time.UTC {
		t.Errorf("got  %+v\nwant %+v", m, want)
	}
	if !json.Valid(m.Raw) {
		t.Errorf("Raw = %q", m.Raw)
	}

	ms, err = ParseWebhook(hfFixture(t, "webhook/array.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("array: %d mentions", len(ms))
	}
	if ms[0].ExternalID != "99102" || ms[0].HTML != "<p>Great bread, <b>slow</b> service.</p>" ||
		!ms[0].Published.Equal(time.Unix(1795460000, 0)) {
		t.Errorf("numeric id / unix seconds: %+v", ms[0])
	}
	if !strings.HasPrefix(ms[1].ExternalID, "sha256:") || !ms[1].Published.Equal(time.UnixMilli(1795460000123)) {
		t.Errorf("default id / unix ms string: %+v", ms[1])
	}
	again, _ := ParseWebhook(hfFixture(t, "webhook/array.json"))
	if again[1].ExternalID != ms[1].ExternalID {
		t.Error("default id is not stable across identical sends")
	}

	ms, err = ParseWebhook(hfFixture(t, "webhook/wrapped.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ExternalID != "ifttt-1" || !ms[0].Published.IsZero() || ms[0].Meta["platform"] != "instagram" {
		t.Errorf("wrapped = %+v", ms)
	}
}

func TestParseWebhookErrors(t *testing.T) {
	tooMany := "[" + strings.TrimSuffix(strings.Repeat(`{"text":"x"},`, MaxWebhookMentions+1), ",") + "]"
	tests := []struct {
		name string
		body string
		want string // substring of the message
	}{
		{"missing content", string(hfFixture(t, "webhook/missing_content.json")), "mentions[1]: one of text, html, title or stars is required"},
		{"stars out of range", `{"text": "x", "stars": 6}`, "mention.stars: must be a whole number from 1 to 5"},
		{"stars as words", `{"text": "x", "stars": "lots"}`, "mention.stars"},
		{"bad date", string(hfFixture(t, "webhook/bad_date.json")), `mentions[0].published: cannot read "yesterday"`},
		{"bad url", string(hfFixture(t, "webhook/bad_url.json")), "mention.url: must be an absolute http(s) URL"},
		{"empty", "  ", "empty"},
		{"not json", "text=hello", "JSON object or array"},
		{"broken json", `{"text": "hi"`, "not valid JSON"},
		{"empty array", "[]", "no mentions"},
		{"array of strings", `["hello"]`, "mentions[0] must be an object"},
		{"mentions not array", `{"mentions": {"text": "x"}}`, "mentions must be an array"},
		{"text is a number", `{"text": 12}`, "mention.text: must be a string"},
		{"id is an object", `{"id": {"a": 1}, "text": "x"}`, "mention.id: must be a string or a number"},
		{"huge id", `{"id": "` + strings.Repeat("x", 600) + `", "text": "x"}`, "mention.id: longer than 512"},
		{"date out of range", `{"text": "x", "published": 1e20}`, "out of range"},
		{"negative date", `{"text": "x", "published": -5}`, "mention.published"},
		{"too many", tooMany, fmt.Sprintf("%d mentions in one request, at most %d", MaxWebhookMentions+1, MaxWebhookMentions)},
	}
	for _, tt := range tests {
		_, err := ParseWebhook([]byte(tt.body))
		if !errors.Is(err, ErrBadWebhook) {
			t.Errorf("%s: err = %v, want ErrBadWebhook", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %q, want it to mention %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseWebhook(make([]byte, DefaultMaxBody+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge body: %v", err)
	}
}

// A review tool sends its rating as a number, a string or Google's enum;
// a rating alone (a review left without words) is a mention too.
func TestParseWebhookStars(t *testing.T) {
	ms, err := ParseWebhook([]byte(`[{"id":"r1","text":"Bon café","stars":4},{"id":"r2","text":"x","stars":"2"},{"id":"r3","stars":"ONE","author":"Anne"},{"id":"r4","text":"no rating"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4", "2", "1", ""}
	for i, m := range ms {
		if m.Meta["stars"] != want[i] {
			t.Errorf("%s: stars %q, want %q", m.ExternalID, m.Meta["stars"], want[i])
		}
	}
	if ms[2].Title != "★☆☆☆☆" {
		t.Errorf("a rating without words: title %q", ms[2].Title)
	}
}

func TestParseWebhookDedupesWithinRequest(t *testing.T) {
	ms, err := ParseWebhook([]byte(`[{"id":"a","text":"one"},{"id":"a","text":"again"},{"id":"b","text":"two"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Text != "one" || ms[1].ExternalID != "b" {
		t.Errorf("got %+v", ms)
	}
}

func TestParseWebhookClampsFuture(t *testing.T) {
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	ms, err := ParseWebhook([]byte(`{"text":"x","published":"` + future + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Published.After(time.Now().Add(time.Minute)) {
		t.Errorf("future date kept: %v", ms[0].Published)
	}
}
