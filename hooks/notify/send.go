package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Errors are values: the worker turns them into the target's last_error.
var (
	// ErrGone means a web push subscription no longer exists (404/410):
	// the device unsubscribed or the browser was reset. Never retried; the
	// target is switched off with the reason.
	ErrGone = errors.New("notify: push subscription gone")
	// ErrConfig means the target cannot work as saved.
	ErrConfig = errors.New("notify: target misconfigured")
)

// StatusError is an unexpected HTTP answer from a target.
type StatusError struct {
	Status     int
	Body       string        // the start of what the service said
	RetryAfter time.Duration // from Retry-After, when given
}

func (e *StatusError) Error() string {
	msg := "notify: HTTP " + strconv.Itoa(e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Retryable reports whether sending the same message later can succeed:
// rate limits, server errors and network failures can, refusals cannot.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, ErrGone) || errors.Is(err, ErrConfig) || errors.Is(err, context.Canceled) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status == http.StatusRequestTimeout || se.Status >= 500
	}
	return true
}

// Target is one saved notification target, secrets opened.
type Target struct {
	ID           string
	Kind         string // webpush, ntfy, slack, discord, webhook, email, sms
	Target       string // URL, topic, address or phone number
	Subscription []byte // web push PushSubscription JSON
	Secret       string // ntfy token, webhook signing secret, SMS API key
}

// SMSConfig is the operator's text-message provider. Any API that takes a
// form POST of From, To and Body with HTTP basic auth works; Twilio's is
// https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json
// with the Account SID as User and the auth token as the target's secret.
type SMSConfig struct {
	URL  string
	From string
	User string // basic-auth user; a secret "user:key" overrides it
}

// Mailer sends one e-mail; hooks passes PocketBase's mail client.
type Mailer func(ctx context.Context, to, subject, text, html string) error

// Sender delivers messages. Client is used for every HTTP channel; in
// production it is the outbound guard's client.
type Sender struct {
	Client       *http.Client
	VAPIDPublic  string
	VAPIDPrivate string
	// Subscriber identifies us to push services (an https URL or an e-mail
	// address); Apple refuses pushes without one.
	Subscriber string
	SMS        SMSConfig
	Mail       Mailer
	UserAgent  string
}

// Limits of the channels.
const (
	DiscordMax   = 2000 // characters of content
	SlackMax     = 3000 // a section's text; longer messages are truncated by Slack anyway
	SMSMax       = 320  // two segments: a text that costs more is not a notification
	pushTTL      = 24 * 60 * 60
	pushTTLLate  = 60 * 60 // a breach that is an hour old is better seen in the app
	maxErrorBody = 300
)

// Send delivers m to t once; retries are the caller's (see Deliver).
func (s *Sender) Send(ctx context.Context, t Target, m Message) error {
	switch t.Kind {
	case "webpush":
		return s.webPush(ctx, t, m)
	case "ntfy":
		return s.ntfy(ctx, t, m)
	case "slack":
		return s.postJSON(ctx, t.Target, map[string]any{"text": slackText(m)}, nil)
	case "discord":
		return s.postJSON(ctx, t.Target, map[string]any{"content": m.Text(DiscordMax), "allowed_mentions": map[string]any{"parse": []string{}}}, nil)
	case "webhook":
		return s.webhook(ctx, t, m)
	case "email":
		return s.email(ctx, t, m)
	case "sms":
		return s.sms(ctx, t, m)
	}
	return fmt.Errorf("%w: unknown kind %q", ErrConfig, t.Kind)
}

// PushPayload is what the app's service worker reads (ui/src/sw.js).
type PushPayload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag"`
}

// ParseSubscription reads a browser PushSubscription (toJSON()) and checks
// its keys: a P-256 point and a 16-byte auth secret.
func ParseSubscription(raw []byte) (webpush.Subscription, error) {
	var sub webpush.Subscription
	if err := json.Unmarshal(raw, &sub); err != nil {
		return sub, fmt.Errorf("%w: the push subscription is not JSON", ErrConfig)
	}
	if sub.Endpoint == "" {
		return sub, fmt.Errorf("%w: the push subscription has no endpoint", ErrConfig)
	}
	p, err1 := decodeB64(sub.Keys.P256dh)
	a, err2 := decodeB64(sub.Keys.Auth)
	if err1 != nil || err2 != nil || len(p) != 65 || p[0] != 4 || len(a) != 16 {
		return sub, fmt.Errorf("%w: the push subscription keys are invalid", ErrConfig)
	}
	return sub, nil
}

func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func (s *Sender) webPush(ctx context.Context, t Target, m Message) error {
	if s.VAPIDPublic == "" || s.VAPIDPrivate == "" {
		return fmt.Errorf("%w: no VAPID keys on the server", ErrConfig)
	}
	sub, err := ParseSubscription(t.Subscription)
	if err != nil {
		return err
	}
	payload, _ := json.Marshal(PushPayload{Title: m.Title, Body: clipRunes(m.Body, 400), URL: m.URL, Tag: m.Tag})
	opts := &webpush.Options{
		Subscriber:      s.Subscriber,
		TTL:             pushTTL,
		Urgency:         webpush.UrgencyNormal,
		VAPIDPublicKey:  s.VAPIDPublic,
		VAPIDPrivateKey: s.VAPIDPrivate,
		// A newer message about the same ticket replaces one still
		// waiting on the push service (phone off): RFC 8030 §5.4, at most
		// 32 base64url characters.
		Topic: pushTopic(m.Tag),
	}
	if s.Client != nil {
		opts.HTTPClient = s.Client // a nil *http.Client in the interface would panic
	}
	if m.Urgent {
		opts.TTL, opts.Urgency = pushTTLLate, webpush.UrgencyHigh
	}
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &sub, opts)
	if err != nil {
		return err
	}
	defer drain(resp)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return fmt.Errorf("%w (HTTP %d)", ErrGone, resp.StatusCode)
	}
	return statusError(resp)
}

var topicUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

func pushTopic(tag string) string {
	t := topicUnsafe.ReplaceAllString(tag, "")
	if len(t) > 32 {
		t = t[len(t)-32:]
	}
	return t
}

// NtfyURL returns the publish URL of an ntfy target: a full topic URL,
// or a bare topic name on ntfy.sh.
func NtfyURL(target string) string {
	target = strings.TrimSpace(target)
	if ntfyTopic.MatchString(target) {
		return "https://ntfy.sh/" + target
	}
	return target
}

var ntfyTopic = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

func (s *Sender) ntfy(ctx context.Context, t Target, m Message) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, NtfyURL(t.Target), strings.NewReader(clipRunes(m.Body, 4000)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	// ntfy decodes RFC 2047 words in X-Title and X-Tags (server ≥ 2.4):
	// raw UTF-8 in a header is mangled by some proxies.
	req.Header.Set("X-Title", headerText(m.Title))
	if m.URL != "" {
		req.Header.Set("X-Click", m.URL)
	}
	req.Header.Set("X-Priority", strconv.Itoa(ntfyPriority(m)))
	req.Header.Set("X-Tags", ntfyTags(m))
	if t.Secret != "" {
		req.Header.Set("Authorization", "Bearer "+t.Secret)
	}
	return s.do(req)
}

func ntfyPriority(m Message) int {
	switch {
	case m.Urgent:
		return 5
	case m.Kind == KindNegative || m.Kind == KindAtRisk:
		return 4
	case m.Kind == KindTest:
		return 2
	}
	return 3
}

func ntfyTags(m Message) string {
	switch m.Kind {
	case KindBreached:
		return "rotating_light"
	case KindAtRisk:
		return "hourglass_flowing_sand"
	case KindNegative:
		return "warning"
	case KindDigest:
		return "inbox_tray"
	case KindTest:
		return "white_check_mark"
	}
	return "speech_balloon"
}

func headerText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	for _, r := range s {
		if r >= 0x80 {
			return mime.BEncoding.Encode("UTF-8", s)
		}
	}
	return s
}

// slackText escapes Slack's three control characters and links the title
// to the ticket (mrkdwn <url|text>).
func slackText(m Message) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	title := esc.Replace(m.Title)
	if m.URL != "" {
		title = "<" + esc.Replace(m.URL) + "|" + strings.ReplaceAll(title, "|", "¦") + ">"
	}
	out := "*" + title + "*"
	if m.Body != "" {
		out += "\n" + esc.Replace(m.Body)
	}
	return clipRunes(out, SlackMax)
}

// WebhookPayload is the JSON body of a generic webhook.
type WebhookPayload struct {
	Event  string `json:"event"`
	Ticket string `json:"ticket"`
	URL    string `json:"url"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	Count  int    `json:"count,omitempty"`
}

// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(secret, body)).
const SignatureHeader = "X-Mentiondesk-Signature"

// Sign returns the signature header value of body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (s *Sender) webhook(ctx context.Context, t Target, m Message) error {
	p := WebhookPayload{Event: m.Kind, Ticket: m.TicketID, URL: m.URL, Title: m.Title, Body: m.Body}
	if m.Kind == KindDigest {
		p.Count = m.Count
	}
	var hdr map[string]string
	if t.Secret != "" {
		body, _ := json.Marshal(p)
		hdr = map[string]string{SignatureHeader: Sign(t.Secret, body)}
		return s.postRaw(ctx, t.Target, "application/json", body, hdr, "")
	}
	return s.postJSON(ctx, t.Target, p, nil)
}

func (s *Sender) postJSON(ctx context.Context, target string, v any, hdr map[string]string) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.postRaw(ctx, target, "application/json", body, hdr, "")
}

func (s *Sender) postRaw(ctx context.Context, target, ctype string, body []byte, hdr map[string]string, basic string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if basic != "" {
		user, key, _ := strings.Cut(basic, ":")
		req.SetBasicAuth(user, key)
	}
	return s.do(req)
}

func (s *Sender) do(req *http.Request) error {
	if s.UserAgent != "" {
		req.Header.Set("User-Agent", s.UserAgent)
	}
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer drain(resp)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return statusError(resp)
}

func statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	body := strings.TrimSpace(strings.ToValidUTF8(string(b), "�"))
	if strings.HasPrefix(body, "<") {
		body = "" // an HTML error page says nothing an owner can use
	}
	e := &StatusError{Status: resp.StatusCode, Body: clipRunes(body, maxErrorBody)}
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			e.RetryAfter = max(time.Until(t), 0)
		}
	}
	return e
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

func (s *Sender) email(ctx context.Context, t Target, m Message) error {
	if s.Mail == nil {
		return fmt.Errorf("%w: e-mail is not configured", ErrConfig)
	}
	text := m.Text(0)
	html := "<p><strong>" + htmlEscape(m.Title) + "</strong></p><p>" + htmlEscape(m.Body) + "</p>"
	if m.URL != "" {
		html += `<p><a href="` + htmlEscape(m.URL) + `">` + htmlEscape(m.URL) + "</a></p>"
	}
	return s.Mail(ctx, t.Target, m.Title, text, html)
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// PhoneRE is what an SMS target must look like: E.164, country code first.
var PhoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (s *Sender) sms(ctx context.Context, t Target, m Message) error {
	if s.SMS.URL == "" || s.SMS.From == "" {
		return fmt.Errorf("%w: text messages need MD_SMS_URL and MD_SMS_FROM on the server", ErrConfig)
	}
	if !PhoneRE.MatchString(t.Target) {
		return fmt.Errorf("%w: %q is not a phone number with country code", ErrConfig, t.Target)
	}
	auth := ""
	if t.Secret != "" || s.SMS.User != "" {
		auth = s.SMS.User + ":" + t.Secret
		if strings.Contains(t.Secret, ":") {
			auth = t.Secret
		}
	}
	form := url.Values{"From": {s.SMS.From}, "To": {t.Target}, "Body": {m.Text(SMSMax)}}
	return s.postRaw(ctx, s.SMS.URL, "application/x-www-form-urlencoded", []byte(form.Encode()), nil, auth)
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Retry policy of Deliver.
const (
	MaxAttempts   = 4
	firstBackoff  = 2 * time.Second
	maxRetryAfter = 2 * time.Minute
)

// Sleep waits d or until ctx ends; tests replace it.
type Sleep func(ctx context.Context, d time.Duration) error

// RealSleep waits on a timer.
func RealSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Deliver sends with retries: up to MaxAttempts for rate limits, 5xx and
// network errors, waiting Retry-After when the service says (capped at two
// minutes: a later notification is no notification) or 2 s, 4 s, 8 s.
// timeout bounds each attempt. It returns the attempts made and the last
// error.
func (s *Sender) Deliver(ctx context.Context, t Target, m Message, timeout time.Duration, sleep Sleep) (int, error) {
	if sleep == nil {
		sleep = RealSleep
	}
	backoff := firstBackoff
	var err error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err = s.Send(actx, t, m)
		cancel()
		if err == nil || !Retryable(err) || attempt == MaxAttempts || ctx.Err() != nil {
			return attempt, err
		}
		wait := backoff
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			if se.RetryAfter > maxRetryAfter {
				return attempt, err
			}
			wait = se.RetryAfter
		}
		if serr := sleep(ctx, wait); serr != nil {
			return attempt, err
		}
		backoff *= 2
	}
}
