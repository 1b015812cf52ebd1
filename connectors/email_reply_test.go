package connectors

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpFixture is a real SMTP server (go-smtp) on 127.0.0.1 with STARTTLS
// and PLAIN auth, keeping every message it accepts.
type smtpFixture struct {
	addr   string
	client *tls.Config
	mu     sync.Mutex
	got    []smtpMessage
	reject string // RCPT to this address gets a 550
}

type smtpSession struct {
	f   *smtpFixture
	msg smtpMessage
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "mailer@cafelumiere.example" || password != "smtp-pass" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		s.msg.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.msg.from = from; return nil }

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.f.reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	s.f.mu.Lock()
	s.f.got = append(s.f.got, s.msg)
	s.f.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset() { s.msg = smtpMessage{user: s.msg.user} }

func (s *smtpSession) Logout() error { return nil }

func startSMTP(t *testing.T) *smtpFixture {
	t.Helper()
	serverTLS, clientTLS := acctTLS(t)
	f := &smtpFixture{client: clientTLS}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{f: f}, nil }))
	srv.Domain = "mx.test"
	srv.TLSConfig = serverTLS
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	f.addr = ln.Addr().String()
	return f
}

func (f *smtpFixture) source() Source {
	host, port, _ := net.SplitHostPort(f.addr)
	return Source{ID: "mail1", Kind: "email", URL: "imaps://imap.invalid",
		Options: map[string]string{"smtp_host": host, "smtp_port": port, "smtp_from": "contact@cafelumiere.example", "smtp_from_name": "Café Lumière"},
		Secrets: map[string]string{"smtp_username": "mailer@cafelumiere.example", "smtp_password": "smtp-pass"}}
}

func emailMention(t *testing.T) Mention {
	t.Helper()
	return parseEmailMessage(toCRLF(acctTestdata(t, "email", "multipart_alternative.eml")), acctNow, 1, 1)
}

func TestEmailReply(t *testing.T) {
	s := startSMTP(t)
	e := testEmail(acctConfig(), s.client)
	to := emailMention(t)
	body := "Bonjour Zoé,\n\nVotre commande part aujourd'hui. Désolés pour l'attente !\n\nCafé Lumière"
	sent, err := e.Reply(context.Background(), s.source(), to, body, "reply-99")
	if err != nil {
		t.Fatal(err)
	}
	wantID := emailMessageID("reply-99", "contact@cafelumiere.example")
	if sent.ExternalID != wantID || !strings.HasSuffix(wantID, "@cafelumiere.example") {
		t.Errorf("sent = %+v", sent)
	}
	if len(s.got) != 1 {
		t.Fatalf("server got %d messages", len(s.got))
	}
	got := s.got[0]
	if got.from != "contact@cafelumiere.example" || len(got.to) != 1 || got.to[0] != "orders-zoe@customer.example" || got.user != "mailer@cafelumiere.example" {
		t.Errorf("envelope = %+v", got)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mailWordDecoder)
	checks := map[string]string{
		"In-Reply-To":               "<CAF3x9q+abc123@mail.customer.example>",
		"References":                "<order-1042@cafelumiere.example> <md-previous@cafelumiere.example> <CAF3x9q+abc123@mail.customer.example>",
		"Message-Id":                "<" + wantID + ">",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable",
	}
	for k, want := range checks {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if subj := dec.decode(h.Get("Subject")); subj != "Re: Commande n° 1042 — toujours rien" {
		t.Errorf("Subject = %q (a Re: subject gets no second Re:)", subj)
	}
	from, _ := h.AddressList("From")
	toAddr, _ := h.AddressList("To")
	if len(from) != 1 || from[0].Address != "contact@cafelumiere.example" || from[0].Name != "Café Lumière" ||
		len(toAddr) != 1 || toAddr[0].Address != "orders-zoe@customer.example" {
		t.Errorf("From %v To %v", from, toAddr)
	}
	if d, err := h.Date(); err != nil || !d.Equal(acctNow) {
		t.Errorf("Date = %v %v", d, err)
	}
	raw, _ := io.ReadAll(msg.Body)
	text := decodeQP(t, raw)
	if text != strings.ReplaceAll(body, "\n", "\r\n")+"\r\n" {
		t.Errorf("body = %q", text)
	}
}

func TestEmailReplyToSenderWithoutReplyTo(t *testing.T) {
	s := startSMTP(t)
	e := testEmail(acctConfig(), s.client)
	to := parseEmailMessage(toCRLF(acctTestdata(t, "email", "latin1.eml")), acctNow, 1, 2)
	if _, err := e.Reply(context.Background(), s.source(), to, "Toutes nos excuses.", "k1"); err != nil {
		t.Fatal(err)
	}
	msg, _ := mail.ReadMessage(bytes.NewReader(s.got[0].data))
	if s.got[0].to[0] != "rene@vieux-fai.example" || new(mailWordDecoder).decode(msg.Header.Get("Subject")) != "Re: Café froid et gâteau raté" {
		t.Errorf("to %v subject %q", s.got[0].to, msg.Header.Get("Subject"))
	}
	if msg.Header.Get("References") != "<20261122174000.GA1234@vieux-fai.example>" {
		t.Errorf("References = %q", msg.Header.Get("References"))
	}
}

func TestEmailReplyErrors(t *testing.T) {
	s := startSMTP(t)
	to := emailMention(t)
	e := testEmail(acctConfig(), s.client)

	src := s.source()
	src.Secrets["smtp_password"] = "nope"
	if _, err := e.Reply(context.Background(), src, to, "hi", "k"); !errors.Is(err, ErrAuth) {
		t.Errorf("bad SMTP password: %v", err)
	}
	s.reject = "orders-zoe@customer.example"
	if _, err := e.Reply(context.Background(), s.source(), to, "hi", "k"); !errors.Is(err, ErrRejected) || IsRetryable(err) {
		t.Errorf("550: %v", err)
	}
	s.reject = ""
	src = s.source()
	src.Options["smtp_tls"] = "none"
	src.Options["smtp_host"] = "smtp.example.com"
	if _, err := e.Reply(context.Background(), src, to, "hi", "k"); !errors.Is(err, ErrConfig) {
		t.Errorf("plaintext password to a remote host must be refused: %v", err)
	}
	src = s.source()
	delete(src.Options, "smtp_from")
	if _, err := e.Reply(context.Background(), src, to, "hi", "k"); !errors.Is(err, ErrConfig) {
		t.Errorf("no from: %v", err)
	}
	untrusting := testEmail(acctConfig(), nil)
	if _, err := untrusting.Reply(context.Background(), s.source(), to, "hi", "k"); err == nil {
		t.Error("untrusted certificate accepted")
	}
	if len(s.got) != 0 {
		t.Errorf("%d messages went out", len(s.got))
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Hello":            "Re: Hello",
		"RE: Hello":        "RE: Hello",
		"re:x":             "re:x",
		"":                 "Re: your message",
		"multi\r\n line":   "Re: multi line",
		"Bcc: x\r\nTo: y":  "Re: Bcc: x To: y",
		"\xffbroken utf-8": "Re: \uFFFDbroken utf-8",
	} {
		if got := replySubject(in); got != want {
			t.Errorf("replySubject(%q) = %q, want %q", in, got, want)
		}
	}
}
