package connectors

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WebSub (W3C Recommendation, 2018) lets a feed's hub push new content to us
// instead of waiting for the next poll. Polling stays on as the fallback:
// hubs drop subscriptions, and a missed push must not lose a mention.

// WebSub subscription modes.
const (
	WebSubSubscribe   = "subscribe"
	WebSubUnsubscribe = "unsubscribe"
)

// DefaultWebSubLease is what we ask hubs for; the spec suggests 10 days and
// hubs may grant less (the granted lease arrives with the verification GET).
const DefaultWebSubLease = 10 * 24 * time.Hour

// MaxWebSubLease caps the lease a hub's verification may grant: we never
// ask for more than DefaultWebSubLease and renew a day before the end, so
// a longer grant (a hub's, or a forger's "one year") only delays noticing
// a subscription that died.
const MaxWebSubLease = DefaultWebSubLease

// maxWebSubSecret is the spec's limit on hub.secret.
const maxWebSubSecret = 199

// Subscribe asks hub to start (mode WebSubSubscribe) or stop
// (WebSubUnsubscribe) pushing topic to callback. It only sends the request:
// the hub then verifies intent with a GET to callback carrying
// hub.challenge, which the callback route must echo. secret, when set, makes
// the hub sign each delivery (X-Hub-Signature); the spec forbids sending it
// to a hub over plain http, so that is refused. lease <= 0 leaves the lease
// to the hub. A 202 or 204 means accepted; anything else is an error
// carrying the hub's own words.
func Subscribe(ctx context.Context, cfg Config, hub, topic, callback, secret string, lease time.Duration, mode string) error {
	if mode != WebSubSubscribe && mode != WebSubUnsubscribe {
		return fmt.Errorf("%w: WebSub mode must be %q or %q, not %q", ErrConfig, WebSubSubscribe, WebSubUnsubscribe, mode)
	}
	hu, err := url.Parse(hub)
	if err != nil || (hu.Scheme != "http" && hu.Scheme != "https") || hu.Host == "" {
		return fmt.Errorf("%w: the WebSub hub URL is not an http(s) URL", ErrConfig)
	}
	if topic == "" || callback == "" {
		return fmt.Errorf("%w: WebSub needs a topic and a callback URL", ErrConfig)
	}
	if cu, err := url.Parse(callback); err != nil || !cu.IsAbs() {
		return fmt.Errorf("%w: the WebSub callback must be an absolute URL", ErrConfig)
	}
	if len(secret) > maxWebSubSecret {
		return fmt.Errorf("%w: the WebSub secret must be shorter than 200 bytes", ErrConfig)
	}
	if secret != "" && hu.Scheme != "https" {
		return fmt.Errorf("%w: refusing to send a WebSub secret to a hub over plain http", ErrConfig)
	}

	form := url.Values{}
	form.Set("hub.mode", mode)
	form.Set("hub.topic", topic)
	form.Set("hub.callback", callback)
	if mode == WebSubSubscribe {
		if secret != "" {
			form.Set("hub.secret", secret)
		}
		if lease > 0 {
			form.Set("hub.lease_seconds", strconv.FormatInt(int64(lease/time.Second), 10))
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, redactURLError(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, err := cfg.do(req)
	if err != nil {
		return transportError(hub, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusNoContent:
		return nil
	}
	// Hubs answer errors in plain text; statusError keeps the first words.
	return fmt.Errorf("connectors: WebSub %s at %s refused: %w", mode, redactURL(hub), cfg.statusError(resp))
}

// VerifySignature checks a WebSub delivery's X-Hub-Signature header
// ("sha256=<hex>", also sha1, sha384, sha512) against body with the secret
// given to the hub. The comparison is constant-time. An empty secret or
// header, an unknown method or malformed hex is a failure: a subscription
// made with a secret only accepts signed deliveries.
func VerifySignature(secret, header string, body []byte) bool {
	if secret == "" {
		return false
	}
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok {
		return false
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return false
	}
	want, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return false
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}

// WebSubIntent is a hub's verification request (a GET to the callback).
type WebSubIntent struct {
	Mode      string        // subscribe, unsubscribe or denied
	Topic     string        // the topic the hub means
	Challenge string        // echo this as the whole 2xx body to confirm
	Lease     time.Duration // granted lease (subscribe only)
	Reason    string        // hub.reason on a denial
}

// ReadWebSubIntent reads the verification GET's query. It returns an error
// (answer 404) when the request is malformed or names another topic than
// wantTopic; for mode "denied" the caller records Reason and answers 200.
func ReadWebSubIntent(q url.Values, wantTopic string) (WebSubIntent, error) {
	in := WebSubIntent{
		Mode:      q.Get("hub.mode"),
		Topic:     q.Get("hub.topic"),
		Challenge: q.Get("hub.challenge"),
		Reason:    q.Get("hub.reason"),
	}
	if wantTopic != "" && in.Topic != wantTopic {
		return in, fmt.Errorf("%w: WebSub verification for another topic", ErrConfig)
	}
	switch in.Mode {
	case "denied":
		return in, nil
	case WebSubSubscribe, WebSubUnsubscribe:
	default:
		return in, fmt.Errorf("%w: WebSub verification with mode %q", ErrConfig, in.Mode)
	}
	if in.Challenge == "" {
		return in, fmt.Errorf("%w: WebSub verification without a challenge", ErrConfig)
	}
	if in.Mode == WebSubSubscribe {
		secs, err := strconv.ParseInt(q.Get("hub.lease_seconds"), 10, 64)
		if err != nil || secs <= 0 {
			return in, fmt.Errorf("%w: WebSub subscription verification without a lease", ErrConfig)
		}
		in.Lease = time.Duration(min(secs, int64(MaxWebSubLease/time.Second))) * time.Second
	}
	return in, nil
}
