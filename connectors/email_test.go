package connectors

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// acctTLS makes a self-signed certificate for 127.0.0.1 and the client
// config that trusts it.
func acctTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mail.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

type imapLiteral struct {
	*bytes.Reader
}

func (l imapLiteral) Size() int64 { return l.Reader.Size() }

func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// imapFixture is a real IMAP server (go-imap's in-memory backend) on
// 127.0.0.1, over implicit TLS or STARTTLS.
type imapFixture struct {
	user   *imapmemserver.User
	addr   string
	client *tls.Config
}

func startIMAP(t *testing.T, implicitTLS bool) *imapFixture {
	t.Helper()
	serverTLS, clientTLS := acctTLS(t)
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("contact@cafelumiere.example", "s3cret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:      imap.CapSet{imap.CapIMAP4rev1: {}},
		TLSConfig: serverTLS,
		Logger:    log.New(io.Discard, "", 0),
	})
	var ln net.Listener
	var err error
	if implicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &imapFixture{user: user, addr: ln.Addr().String(), client: clientTLS}
}

func (f *imapFixture) appendFile(t *testing.T, name string, received time.Time) {
	t.Helper()
	f.appendBytes(t, acctTestdata(t, "email", name), received)
}

func (f *imapFixture) appendBytes(t *testing.T, b []byte, received time.Time) {
	t.Helper()
	if _, err := f.user.Append("INBOX", imapLiteral{bytes.NewReader(toCRLF(b))}, &imap.AppendOptions{Time: received}); err != nil {
		t.Fatal(err)
	}
}

func (f *imapFixture) source(scheme string) Source {
	return Source{ID: "mail1", Kind: "email", URL: scheme + "://" + f.addr,
		Options: map[string]string{"smtp_from": "contact@cafelumiere.example"},
		Secrets: map[string]string{"username": "contact@cafelumiere.example", "password": "s3cret"}}
}

// testEmail allows 127.0.0.1, as an operator allowing private addresses
// would, and trusts the fixture's certificate.
func testEmail(cfg Config, trust *tls.Config) *Email {
	e := NewEmail(cfg)
	e.Dial = (&net.Dialer{}).DialContext
	e.TLSConfig = trust
	return e
}

func (f *imapFixture) connector() *Email {
	return testEmail(acctConfig(), f.client)
}

func TestEmailFetch(t *testing.T) {
	f := startIMAP(t, true)
	recent := acctNow.Add(-2 * time.Hour)
	f.appendFile(t, "own.eml", acctNow.Add(-30*24*time.Hour)) // older than the look-back
	for _, name := range []string{"multipart_alternative.eml", "latin1.eml", "html_only.eml", "minimal.eml", "broken.eml"} {
		f.appendFile(t, name, recent)
	}
	e := f.connector()
	b, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 5 {
		t.Fatalf("got %d mentions, want the 5 recent ones", len(b.Mentions))
	}
	if !strings.HasSuffix(b.Cursor.Since, ":6") {
		t.Errorf("cursor = %q, want <uidvalidity>:6", b.Cursor.Since)
	}

	m := b.Mentions[0]
	if m.ExternalID != "CAF3x9q+abc123@mail.customer.example" || m.Author != "zoe@customer.example" ||
		m.AuthorName != "Zoé Martin" || m.Title != "Re: Commande n° 1042 — toujours rien" ||
		m.InReplyTo != "md-previous@cafelumiere.example" || m.ThreadID != "order-1042@cafelumiere.example" {
		t.Errorf("multipart = %+v", m)
	}
	if want := "Bonjour,\r\n\r\nMa commande n° 1042 n'est toujours pas arrivée, ça fait 10 jours.\r\n\r\nZoé\r\n"; m.Text != want || m.HTML != "" {
		t.Errorf("text = %q (html %q)", m.Text, m.HTML)
	}
	if !m.Published.Equal(time.Date(2026, 11, 23, 8, 12, 1, 0, time.UTC)) {
		t.Errorf("published = %v", m.Published)
	}
	if m.Meta["reply_to"] != "orders-zoe@customer.example" || m.Meta["message_id"] != m.ExternalID ||
		m.Meta["references"] != "<order-1042@cafelumiere.example> <md-previous@cafelumiere.example>" {
		t.Errorf("meta = %v", m.Meta)
	}
	if strings.Contains(m.Text, "JVBERi") {
		t.Error("attachment leaked into the text")
	}

	latin := b.Mentions[1]
	if latin.Title != "Café froid et gâteau raté" || latin.Text != "Le café était froid et le gâteau raté. Déçu !\r\n" || latin.AuthorName != "Rene Lefevre" {
		t.Errorf("latin-1 = %+v", latin)
	}

	html := b.Mentions[2]
	if html.Text != "" || !strings.Contains(html.HTML, "★★★☆☆ The croissants were stale.") || html.Meta["auto_submitted"] != "auto-generated" {
		t.Errorf("html-only = %+v", html)
	}

	minimal := b.Mentions[3]
	if !strings.HasPrefix(minimal.ExternalID, "imap:") || !strings.HasSuffix(minimal.ExternalID, ":5") ||
		minimal.Text != "Are you open on Sunday?\r\n" || minimal.Author != "paul@example.net" {
		t.Errorf("minimal = %+v", minimal)
	}

	broken := b.Mentions[4]
	if broken.ExternalID != "broken-1@example.org" || !strings.Contains(broken.Text, "batlh") {
		t.Errorf("broken = %+v", broken)
	}

	// Nothing new: same cursor, nothing returned. Then a new message, and
	// our own copy, arrive.
	b2, err := e.Fetch(context.Background(), f.source("imaps"), b.Cursor)
	if err != nil || len(b2.Mentions) != 0 || b2.Cursor != b.Cursor {
		t.Fatalf("idle poll = %+v, %v", b2, err)
	}
	f.appendFile(t, "own.eml", acctNow)
	b3, err := e.Fetch(context.Background(), f.source("imaps"), b2.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b3.Mentions) != 1 || !b3.Mentions[0].Own || !strings.HasSuffix(b3.Cursor.Since, ":7") {
		t.Errorf("third poll = %+v", b3)
	}
	if b3.Mentions[0].Meta["uid"] != "7" {
		t.Errorf("uid meta = %v", b3.Mentions[0].Meta)
	}
}

func TestEmailFetchStartTLS(t *testing.T) {
	f := startIMAP(t, false)
	f.appendFile(t, "minimal.eml", acctNow)
	b, err := f.connector().Fetch(context.Background(), f.source("imap"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 1 {
		t.Fatalf("mentions = %+v", b.Mentions)
	}
}

func TestEmailUIDValidityChange(t *testing.T) {
	f := startIMAP(t, true)
	f.appendFile(t, "minimal.eml", acctNow)
	e := f.connector()
	b, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{})
	if err != nil || len(b.Mentions) != 1 {
		t.Fatalf("%v %+v", err, b)
	}
	// The server renumbers the mailbox: recreate it with one old and one
	// recent message. The stale cursor's UID must not be trusted.
	if err := f.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := f.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	f.appendFile(t, "latin1.eml", acctNow.Add(-40*24*time.Hour))
	f.appendFile(t, "html_only.eml", acctNow.Add(-time.Hour))
	b2, err := e.Fetch(context.Background(), f.source("imaps"), b.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Mentions) != 1 || b2.Mentions[0].ExternalID != "review-5531@reviews.example" {
		t.Errorf("after UIDVALIDITY change = %+v", b2.Mentions)
	}
	if b2.Cursor.Since == b.Cursor.Since || !strings.HasSuffix(b2.Cursor.Since, ":2") {
		t.Errorf("cursor = %q (was %q)", b2.Cursor.Since, b.Cursor.Since)
	}
}

func TestEmailFirstPollEmptyStartsAtNewest(t *testing.T) {
	f := startIMAP(t, true)
	f.appendFile(t, "latin1.eml", acctNow.Add(-60*24*time.Hour))
	f.appendFile(t, "minimal.eml", acctNow.Add(-50*24*time.Hour))
	e := f.connector()
	b, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{})
	if err != nil || len(b.Mentions) != 0 || !strings.HasSuffix(b.Cursor.Since, ":2") {
		t.Fatalf("first poll = %+v, %v", b, err)
	}
}

func TestEmailCapPerPoll(t *testing.T) {
	f := startIMAP(t, true)
	tmpl := string(acctTestdata(t, "email", "minimal.eml"))
	for i := 0; i < EmailMaxPerPoll+5; i++ {
		f.appendBytes(t, []byte(strings.Replace(tmpl, "open sunday?", "q"+string(rune('a'+i%26)), 1)), acctNow)
	}
	e := f.connector()
	b, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != EmailMaxPerPoll {
		t.Fatalf("first poll read %d", len(b.Mentions))
	}
	b2, err := e.Fetch(context.Background(), f.source("imaps"), b.Cursor)
	if err != nil || len(b2.Mentions) != 5 || b2.Mentions[0].Meta["uid"] != "101" {
		t.Fatalf("second poll = %d mentions, %v", len(b2.Mentions), err)
	}
}

func TestEmailFetchErrors(t *testing.T) {
	f := startIMAP(t, true)
	e := f.connector()
	src := f.source("imaps")
	src.Secrets["password"] = "wrong"
	if _, err := e.Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrAuth) || IsRetryable(err) {
		t.Errorf("wrong password: %v", err)
	}
	src = f.source("imaps")
	src.Options["mailbox"] = "Nope"
	if _, err := e.Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrConfig) {
		t.Errorf("missing mailbox: %v", err)
	}
	for _, u := range []string{"pop3://x", "not a url", "https://imap.example"} {
		src = f.source("imaps")
		src.URL = u
		if _, err := e.Fetch(context.Background(), src, Cursor{}); !errors.Is(err, ErrConfig) {
			t.Errorf("%q: %v", u, err)
		}
	}
	// A server whose certificate we do not trust is refused.
	untrusting := testEmail(acctConfig(), nil)
	if _, err := untrusting.Fetch(context.Background(), f.source("imaps"), Cursor{}); err == nil || errors.Is(err, ErrAuth) {
		t.Errorf("untrusted certificate: %v", err)
	}
	// A cancelled context stops the session.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Fetch(ctx, f.source("imaps"), Cursor{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestEmailHugeMessageIsCapped(t *testing.T) {
	f := startIMAP(t, true)
	huge := string(acctTestdata(t, "email", "minimal.eml")) + strings.Repeat("blah blah blah\n", 20000)
	f.appendBytes(t, []byte(huge), acctNow)
	cfg := acctConfig()
	cfg.MaxBody = 64 << 10
	e := testEmail(cfg, f.client)
	b, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Mentions) != 1 || len(b.Mentions[0].Text) > EmailMaxText || !strings.HasPrefix(b.Mentions[0].Text, "Are you open") {
		t.Errorf("huge = %d bytes", len(b.Mentions[0].Text))
	}
}

type smtpMessage struct {
	from string
	to   []string
	data []byte
	user string
}

type mailWordDecoder struct{ mime.WordDecoder }

func (d *mailWordDecoder) decode(s string) string {
	out, err := d.DecodeHeader(s)
	if err != nil {
		return "decode error: " + err.Error()
	}
	return out
}

func decodeQP(t *testing.T, b []byte) string {
	t.Helper()
	out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestEmailEmptyMailboxKeepsLookback(t *testing.T) {
	f := startIMAP(t, true)
	e := f.connector()
	b, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{})
	if err != nil || len(b.Mentions) != 0 || b.Cursor.Since != "" {
		t.Fatalf("empty mailbox = %+v, %v", b, err)
	}
	f.appendFile(t, "minimal.eml", acctNow)
	b, err = e.Fetch(context.Background(), f.source("imaps"), b.Cursor)
	if err != nil || len(b.Mentions) != 1 || !strings.HasSuffix(b.Cursor.Since, ":1") {
		t.Fatalf("after first message = %+v, %v", b, err)
	}
}

func TestEmailGuardRefusesInternalAddresses(t *testing.T) {
	f := startIMAP(t, true)
	e := NewEmail(acctConfig()) // default dialer: the outbound guard
	e.TLSConfig = f.client
	if _, err := e.Fetch(context.Background(), f.source("imaps"), Cursor{}); !errors.Is(err, ErrBlockedAddress) {
		t.Errorf("IMAP on 127.0.0.1: %v", err)
	}
	s := startSMTP(t)
	e.TLSConfig = s.client
	if _, err := e.Reply(context.Background(), s.source(), emailMention(t), "hi", "k"); !errors.Is(err, ErrBlockedAddress) {
		t.Errorf("SMTP on 127.0.0.1: %v", err)
	}
	if len(s.got) != 0 {
		t.Error("a message went out")
	}
}

func TestParseEmailMessageUndeclared8Bit(t *testing.T) {
	m := parseEmailMessage(toCRLF(acctTestdata(t, "email", "undeclared_8bit.eml")), acctNow, 1, 9)
	if m.Text != "Très bon gâteau, merci à l’équipe.\r\n" {
		t.Errorf("text = %q", m.Text)
	}
}

func TestParseEmailMessageGarbage(t *testing.T) {
	m := parseEmailMessage([]byte("\x00\xff not a message at all"), acctNow, 3, 4)
	if m.ExternalID != "imap:3:4" || !m.Published.Equal(acctNow) || !utf8.ValidString(m.Text+m.Title) {
		t.Errorf("garbage = %+v", m)
	}
}

func TestCapText(t *testing.T) {
	s := strings.Repeat("é", 10) // 20 bytes
	if got := capText(s, 5); got != "éé" {
		t.Errorf("capText = %q", got)
	}
	if got := capText("abc", 5); got != "abc" {
		t.Errorf("capText = %q", got)
	}
}
