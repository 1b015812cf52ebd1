package connectors

// Meta webhooks ("Webhooks / Getting Started"): the app's callback URL first
// answers a GET verification, then receives POSTed JSON deliveries signed
// with the app secret. Facebook Page deliveries are in facebook_webhook.go,
// Instagram ones in instagram_webhook.go; this file holds what they share.

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MetaSignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body,
// keyed with the app secret>".
const MetaSignatureHeader = "X-Hub-Signature-256"

// MetaVerifyChallenge answers Meta's verification GET: hub.mode must be
// "subscribe" and hub.verify_token the token the owner typed in the App
// Dashboard (compared in constant time). It returns hub.challenge, which
// the route echoes as the whole 200 body; any error means answer 403.
func MetaVerifyChallenge(q url.Values, verifyToken string) (string, error) {
	if verifyToken == "" {
		return "", fmt.Errorf("%w: no webhook verify token is set for this source", ErrConfig)
	}
	if q.Get("hub.mode") != "subscribe" {
		return "", fmt.Errorf("%w: webhook verification with hub.mode %q", ErrAuth, q.Get("hub.mode"))
	}
	// Hash both sides so the comparison does not leak the token's length.
	got := sha256.Sum256([]byte(q.Get("hub.verify_token")))
	want := sha256.Sum256([]byte(verifyToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return "", fmt.Errorf("%w: wrong webhook verify token", ErrAuth)
	}
	challenge := q.Get("hub.challenge")
	if challenge == "" || len(challenge) > 256 {
		return "", fmt.Errorf("%w: webhook verification without a usable hub.challenge", ErrAuth)
	}
	return challenge, nil
}

// MetaVerifySignature checks a delivery's X-Hub-Signature-256 against the
// RAW body bytes: Meta escapes non-ASCII characters (\u00e9), so a body
// decoded and encoded again no longer matches. Constant-time.
func MetaVerifySignature(appSecret, header string, body []byte) error {
	if appSecret == "" {
		return fmt.Errorf("%w: no Meta app secret is set, so deliveries cannot be checked", ErrConfig)
	}
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || method != "sha256" {
		return fmt.Errorf("%w: %s must be sha256=<hex>", ErrAuth, MetaSignatureHeader)
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: %s is not hexadecimal", ErrAuth, MetaSignatureHeader)
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return fmt.Errorf("%w: webhook signature does not match", ErrAuth)
	}
	return nil
}

// metaDelivery is the envelope of every delivery:
// {"object": "page"|"instagram", "entry": [{"id", "time", "changes": [{"field", "value"}]}]}.
type metaDelivery struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Time    int64  `json:"time"`
		Changes []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func parseMetaDelivery(body []byte, object string) (metaDelivery, error) {
	var d metaDelivery
	if len(body) > DefaultMaxBody {
		return d, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, DefaultMaxBody)
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return d, fmt.Errorf("%w: meta webhook: %v", ErrBadWebhook, jsonErr(err))
	}
	if d.Object != object {
		return d, fmt.Errorf("%w: meta webhook for object %q, expected %q", ErrBadWebhook, d.Object, object)
	}
	return d, nil
}

// metaUnixTime reads a webhook created_time: unix seconds as a number, or
// a string holding seconds or an ISO 8601 time.
func metaUnixTime(raw json.RawMessage) (time.Time, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil && secs > 0 {
		return time.Unix(secs, 0).UTC(), true
	}
	return metaTime(s)
}

// Webhook change verbs (Page feed field: "add", "edited", "remove").
const (
	metaVerbAdd    = "add"
	metaVerbEdited = "edited"
	metaVerbRemove = "remove"
)

// metaEditMention turns an edit of id into a message of its own in the
// same thread: ingest dedupes by ExternalID, so an edit needs an id of its
// own (the same text delivered twice stays one message), and InReplyTo
// keeps it in the ticket of the original. Meta["event"] says "edited".
func metaEditMention(m Mention) Mention {
	orig := m.ExternalID
	m.InReplyTo = orig
	if m.Meta == nil {
		m.Meta = map[string]string{}
	}
	m.Meta["edit_of"] = orig
	sum := sha256.Sum256([]byte(m.Text))
	m.ExternalID = orig + "#edited-" + hex.EncodeToString(sum[:6])
	m.Meta["event"] = "edited"
	return m
}
