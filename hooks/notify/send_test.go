package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// captured is one request as the fake service saw it.
type captured struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// fakeService records requests and answers with the statuses given in
// turn (the last one repeats).
type fakeService struct {
	mu       sync.Mutex
	got      []captured
	statuses []int
	headers  map[string]string
	body     string
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.got = append(f.got, captured{r.Method, r.URL.Path, r.Header.Clone(), b})
	status := http.StatusOK
	if len(f.statuses) > 0 {
		status = f.statuses[min(len(f.got)-1, len(f.statuses)-1)]
	}
	f.mu.Unlock()
	for k, v := range f.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, f.body)
}

func (f *fakeService) requests() []captured {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]captured(nil), f.got...)
}

func serve(t *testing.T, f *fakeService) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

var sample = Message{Kind: KindNegative, TicketID: "ticket000000001", Title: "Client mécontent · Mastodon",
	Body: "Claire : Ma commande n'est jamais arrivée", URL: "https://desk.example/tickets/ticket000000001", Tag: "ticket-ticket000000001"}

func TestNtfyWire(t *testing.T) {
	f := &fakeService{}
	srv := serve(t, f)
	s := &Sender{Client: srv.Client(), UserAgent: "Mentiondesk-test"}
	if err := s.Send(context.Background(), Target{Kind: "ntfy", Target: srv.URL + "/cafe-lune-alerts", Secret: "tk_abc"}, sample); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Method != "POST" || r.Path != "/cafe-lune-alerts" || string(r.Body) != sample.Body {
		t.Fatalf("request = %s %s %q", r.Method, r.Path, r.Body)
	}
	title, err := new(mime.WordDecoder).DecodeHeader(r.Header.Get("X-Title"))
	if err != nil || title != sample.Title || !strings.HasPrefix(r.Header.Get("X-Title"), "=?UTF-8?b?") {
		t.Fatalf("X-Title = %q (%q, %v)", r.Header.Get("X-Title"), title, err)
	}
	want := map[string]string{"X-Click": sample.URL, "X-Priority": "4", "X-Tags": "warning", "Authorization": "Bearer tk_abc", "User-Agent": "Mentiondesk-test"}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if NtfyURL("cafe-lune") != "https://ntfy.sh/cafe-lune" || NtfyURL("https://ntfy.example/x") != "https://ntfy.example/x" {
		t.Fatal("NtfyURL")
	}
}

func TestChatWebhooksWire(t *testing.T) {
	f := &fakeService{statuses: []int{http.StatusOK, http.StatusNoContent}}
	srv := serve(t, f)
	s := &Sender{Client: srv.Client()}
	m := sample
	m.Body = "<@U123> & <!channel> " + strings.Repeat("x", 3000)
	if err := s.Send(context.Background(), Target{Kind: "slack", Target: srv.URL + "/services/T0/B0/XXX"}, m); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Target{Kind: "discord", Target: srv.URL + "/api/webhooks/1/tok"}, m); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	var slack struct{ Text string }
	if err := json.Unmarshal(reqs[0].Body, &slack); err != nil || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatal(err)
	}
	if !strings.HasPrefix(slack.Text, "*<https://desk.example/tickets/ticket000000001|Client mécontent · Mastodon>*\n&lt;@U123&gt; &amp; &lt;!channel&gt; xxx") {
		t.Fatalf("slack text = %.200q", slack.Text)
	}
	if !strings.Contains(slack.Text, "&lt;!channel&gt;") || len([]rune(slack.Text)) > SlackMax {
		t.Fatalf("slack text not escaped or too long: %.120q", slack.Text)
	}
	var discord struct {
		Content         string
		AllowedMentions struct{ Parse []string } `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(reqs[1].Body, &discord); err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(discord.Content)); n > DiscordMax || !strings.HasSuffix(discord.Content, "\n"+sample.URL) || discord.AllowedMentions.Parse == nil {
		t.Fatalf("discord content len %d, tail %q, %s", n, discord.Content[len(discord.Content)-60:], reqs[1].Body[len(reqs[1].Body)-60:])
	}
}

func TestWebhookSigned(t *testing.T) {
	f := &fakeService{}
	srv := serve(t, f)
	s := &Sender{Client: srv.Client()}
	if err := s.Send(context.Background(), Target{Kind: "webhook", Target: srv.URL + "/hook", Secret: "s3cret"}, sample); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if got, want := r.Header.Get(SignatureHeader), Sign("s3cret", r.Body); got != want || !strings.HasPrefix(got, "sha256=") || len(got) != 7+64 {
		t.Fatalf("signature %q, want %q", got, want)
	}
	var p WebhookPayload
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	if p != (WebhookPayload{Event: "negative", Ticket: "ticket000000001", URL: sample.URL, Title: sample.Title, Body: sample.Body}) {
		t.Fatalf("payload = %+v", p)
	}
	// Known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
	if Sign("key", []byte("The quick brown fox jumps over the lazy dog")) != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatal("HMAC known answer")
	}
}

func TestSMSTwilioCompatible(t *testing.T) {
	f := &fakeService{statuses: []int{http.StatusCreated}, body: `{"sid":"SM1","status":"queued"}`}
	srv := serve(t, f)
	s := &Sender{Client: srv.Client(), SMS: SMSConfig{URL: srv.URL + "/2010-04-01/Accounts/AC123/Messages.json", From: "+15005550006", User: "AC123"}}
	if err := s.Send(context.Background(), Target{Kind: "sms", Target: "+33612345678", Secret: "authtoken"}, sample); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	form, err := url.ParseQuery(string(r.Body))
	if err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatal(err)
	}
	if form.Get("From") != "+15005550006" || form.Get("To") != "+33612345678" || !strings.HasSuffix(form.Get("Body"), sample.URL) {
		t.Fatalf("form = %v", form)
	}
	req := &http.Request{Header: r.Header}
	if u, p, ok := req.BasicAuth(); !ok || u != "AC123" || p != "authtoken" {
		t.Fatalf("basic auth %q %q", u, p)
	}
	if err := s.Send(context.Background(), Target{Kind: "sms", Target: "0612345678"}, sample); !errors.Is(err, ErrConfig) {
		t.Fatalf("national number accepted: %v", err)
	}
	if err := (&Sender{}).Send(context.Background(), Target{Kind: "sms", Target: "+33612345678"}, sample); !errors.Is(err, ErrConfig) {
		t.Fatalf("no provider: %v", err)
	}
}

func TestEmailThroughMailer(t *testing.T) {
	var to, subject, text, html string
	s := &Sender{Mail: func(_ context.Context, a, b, c, d string) error { to, subject, text, html = a, b, c, d; return nil }}
	m := sample
	m.Body = `<img src=x onerror=alert(1)>`
	if err := s.Send(context.Background(), Target{Kind: "email", Target: "owner@example.com"}, m); err != nil {
		t.Fatal(err)
	}
	if to != "owner@example.com" || subject != m.Title || !strings.Contains(text, m.URL) || strings.Contains(html, "<img") {
		t.Fatalf("%q %q %q %q", to, subject, text, html)
	}
}

// pushClient is a browser's side of a push subscription: a real P-256
// key pair and auth secret, so the test can decrypt what the server sent.
type pushClient struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newPushClient(t *testing.T) *pushClient {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return &pushClient{priv: k, auth: auth}
}

func (c *pushClient) subscription(endpoint string) []byte {
	b, _ := json.Marshal(map[string]any{"endpoint": endpoint, "expirationTime": nil, "keys": map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(c.priv.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(c.auth),
	}})
	return b
}

// decrypt undoes RFC 8291 (aes128gcm, RFC 8188) as a browser does.
func (c *pushClient) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	if len(body) < 21+65 {
		t.Fatalf("body too short: %d", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || rs < 18 {
		t.Fatalf("header idlen %d rs %d", idlen, rs)
	}
	asPub := body[21 : 21+idlen]
	ct := body[21+idlen:]
	pub, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := c.priv.ECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	info := append(append([]byte("WebPush: info\x00"), c.priv.PublicKey().Bytes()...), asPub...)
	ikm, _ := hkdf.Key(sha256.New, shared, c.auth, string(info), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 2 {
		t.Fatal("no last-record delimiter")
	}
	return plain[:i]
}

func TestWebPushWire(t *testing.T) {
	f := &fakeService{statuses: []int{http.StatusCreated}}
	srv := serve(t, f)
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	pc := newPushClient(t)
	s := &Sender{Client: srv.Client(), VAPIDPublic: pub, VAPIDPrivate: priv, Subscriber: "https://desk.example"}
	tg := Target{Kind: "webpush", Target: srv.URL + "/push/abc", Subscription: pc.subscription(srv.URL + "/push/abc")}
	if err := s.Send(context.Background(), tg, sample); err != nil {
		t.Fatal(err)
	}
	late := sample
	late.Kind, late.Urgent = KindBreached, true
	if err := s.Send(context.Background(), tg, late); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	r := reqs[0]
	if r.Path != "/push/abc" || r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("headers %v", r.Header)
	}
	if r.Header.Get("TTL") != "86400" || r.Header.Get("Urgency") != "normal" || r.Header.Get("Topic") != "ticket-ticket000000001" {
		t.Fatalf("TTL %q Urgency %q Topic %q", r.Header.Get("TTL"), r.Header.Get("Urgency"), r.Header.Get("Topic"))
	}
	if reqs[1].Header.Get("Urgency") != "high" || reqs[1].Header.Get("TTL") != "3600" {
		t.Fatalf("breach: Urgency %q TTL %q", reqs[1].Header.Get("Urgency"), reqs[1].Header.Get("TTL"))
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "vapid t=") || !strings.HasSuffix(auth, ", k="+pub) {
		t.Fatalf("Authorization = %q", auth)
	}
	jwtParts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(auth, "vapid t="), ", k="+pub), ".")
	claimsJSON, err := base64.RawURLEncoding.DecodeString(jwtParts[1])
	if len(jwtParts) != 3 || err != nil {
		t.Fatalf("JWT %v", err)
	}
	var claims struct {
		Aud, Sub string
		Exp      int64
	}
	_ = json.Unmarshal(claimsJSON, &claims)
	if claims.Aud != srv.URL || claims.Sub != "https://desk.example" || claims.Exp < time.Now().Unix() {
		t.Fatalf("claims %+v", claims)
	}
	var got PushPayload
	if err := json.Unmarshal(pc.decrypt(t, r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got != (PushPayload{Title: sample.Title, Body: sample.Body, URL: sample.URL, Tag: sample.Tag}) {
		t.Fatalf("payload %+v", got)
	}
}

func TestWebPushGoneAndRejected(t *testing.T) {
	priv, pub, _ := webpush.GenerateVAPIDKeys()
	pc := newPushClient(t)
	for _, status := range []int{http.StatusGone, http.StatusNotFound} {
		f := &fakeService{statuses: []int{status}}
		srv := serve(t, f)
		s := &Sender{Client: srv.Client(), VAPIDPublic: pub, VAPIDPrivate: priv, Subscriber: "owner@example.com"}
		_, err := s.Deliver(context.Background(), Target{Kind: "webpush", Subscription: pc.subscription(srv.URL + "/x")}, sample, time.Second, nil)
		if !errors.Is(err, ErrGone) || len(f.requests()) != 1 {
			t.Fatalf("%d: %v after %d requests", status, err, len(f.requests()))
		}
	}
	s := &Sender{VAPIDPublic: pub, VAPIDPrivate: priv}
	bad := []byte(`{"endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"BBBB"}}`)
	if err := s.Send(context.Background(), Target{Kind: "webpush", Subscription: bad}, sample); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad keys: %v", err)
	}
}

func TestDeliverRetries(t *testing.T) {
	f := &fakeService{statuses: []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusOK}, headers: map[string]string{"Retry-After": "7"}}
	srv := serve(t, f)
	s := &Sender{Client: srv.Client()}
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	n, err := s.Deliver(context.Background(), Target{Kind: "slack", Target: srv.URL}, sample, time.Second, sleep)
	if err != nil || n != 3 || len(f.requests()) != 3 {
		t.Fatalf("attempts %d err %v", n, err)
	}
	if len(waits) != 2 || waits[0] != 7*time.Second || waits[1] != 7*time.Second {
		t.Fatalf("waits %v", waits)
	}

	// Refusals are not retried; a Retry-After beyond the cap gives up.
	for _, c := range []struct {
		status int
		after  string
	}{{http.StatusBadRequest, ""}, {http.StatusTooManyRequests, "3600"}} {
		f := &fakeService{statuses: []int{c.status}, headers: map[string]string{"Retry-After": c.after}, body: `{"error":"no"}`}
		srv := serve(t, f)
		n, err := (&Sender{Client: srv.Client()}).Deliver(context.Background(), Target{Kind: "discord", Target: srv.URL}, sample, time.Second, sleep)
		var se *StatusError
		if n != 1 || !errors.As(err, &se) || se.Status != c.status || se.Body != `{"error":"no"}` {
			t.Fatalf("%d: attempts %d err %v", c.status, n, err)
		}
	}

	// Always 503: gives up after MaxAttempts with growing waits.
	waits = nil
	f = &fakeService{statuses: []int{http.StatusServiceUnavailable}}
	srv = serve(t, f)
	n, err = (&Sender{Client: srv.Client()}).Deliver(context.Background(), Target{Kind: "slack", Target: srv.URL}, sample, time.Second, sleep)
	if n != MaxAttempts || err == nil || len(waits) != MaxAttempts-1 || waits[0] != 2*time.Second || waits[2] != 8*time.Second {
		t.Fatalf("attempts %d waits %v err %v", n, waits, err)
	}
}

func TestSendTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	sleep := func(context.Context, time.Duration) error { return context.Canceled }
	start := time.Now()
	_, err := (&Sender{Client: srv.Client()}).Deliver(context.Background(), Target{Kind: "slack", Target: srv.URL}, sample, 50*time.Millisecond, sleep)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v", err)
	}
}
