package connectors

// Replies by e-mail: an answer threaded with In-Reply-To and References,
// its Message-ID derived from the reply's idempotency key, sent by SMTP.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // decode ISO-8859-*, Windows-125x, etc.
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// emailMessageID derives the reply's Message-ID from the idempotency key,
// so a message sent twice after a crash is recognisably the same one (mail
// clients and archives dedupe on it).
func emailMessageID(idempotencyKey, from string) string {
	sum := sha256.Sum256([]byte("mentiondesk-email-reply\x00" + idempotencyKey))
	domain := "mentiondesk.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "md-" + hex.EncodeToString(sum[:16]) + "@" + domain
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// replySubject prefixes "Re: " once.
func replySubject(subject string) string {
	subject = oneLine(subject)
	if len(subject) >= 3 && strings.EqualFold(subject[:3], "re:") {
		return subject
	}
	if subject == "" {
		return "Re: your message"
	}
	return "Re: " + subject
}

// buildEmailReply writes the RFC 5322 reply. It is separate from sending so
// the exact bytes can be tested.
func buildEmailReply(from, to *mail.Address, orig Mention, body, messageID string, now time.Time) ([]byte, error) {
	var h mail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*mail.Address{from})
	h.SetAddressList("To", []*mail.Address{to})
	h.SetSubject(replySubject(orig.Title))
	h.SetMessageID(messageID)
	if id := orig.Meta["message_id"]; id != "" {
		h.SetMsgIDList("In-Reply-To", []string{id})
		refs := parseMsgIDs(orig.Meta["references"])
		// Keep the thread root and the most recent ancestors (RFC 5322
		// §3.6.4 allows trimming); a long chain would bloat the header.
		if len(refs) > 20 {
			refs = append(refs[:1], refs[len(refs)-19:]...)
		}
		h.SetMsgIDList("References", append(refs, id))
	}
	h.Set("MIME-Version", "1.0")
	h.SetContentType("text/plain", map[string]string{"charset": "UTF-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")

	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("connectors: email: writing reply: %w", err)
	}
	text := strings.ReplaceAll(strings.ToValidUTF8(body, "\uFFFD"), "\r\n", "\n")
	if _, err := io.WriteString(w, text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func parseMsgIDs(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		f = strings.Trim(f, "<>")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Reply sends body by SMTP to the message's Reply-To, else its sender, as a
// reply in the same thread (In-Reply-To, References, "Re:" subject).
//
// SMTP has no idempotency: if the connection drops after the server took
// the message but before it said so, a retry sends it again; both copies
// carry the same Message-ID, derived from idempotencyKey.
func (e *Email) Reply(ctx context.Context, src Source, to Mention, body, idempotencyKey string) (Sent, error) {
	host := strings.TrimSpace(src.Options["smtp_host"])
	if host == "" {
		return Sent{}, fmt.Errorf("%w: email: SMTP host is not set", ErrConfig)
	}
	port := src.Opt("smtp_port", "")
	mode := strings.ToLower(src.Opt("smtp_tls", ""))
	if mode == "" {
		mode = "starttls"
		if port == "465" {
			mode = "tls"
		}
	}
	if port == "" {
		port = "587"
		if mode == "tls" {
			port = "465"
		}
	}
	if mode != "tls" && mode != "starttls" && mode != "none" {
		return Sent{}, fmt.Errorf("%w: email: smtp_tls must be tls, starttls or none, got %q", ErrConfig, mode)
	}
	user, pass := src.Secrets["smtp_username"], src.Secrets["smtp_password"]
	if mode == "none" && user != "" && !isLoopbackHost(host) {
		return Sent{}, fmt.Errorf("%w: email: refusing to send the SMTP password unencrypted to %s", ErrConfig, host)
	}
	from, err := mail.ParseAddress(src.Options["smtp_from"])
	if err != nil {
		return Sent{}, fmt.Errorf("%w: email: sender address (smtp_from) %q: %v", ErrConfig, src.Options["smtp_from"], err)
	}
	from.Name = src.Options["smtp_from_name"]
	rcptRaw := to.Meta["reply_to"]
	if rcptRaw == "" {
		rcptRaw = to.Author
	}
	rcpt, err := mail.ParseAddress(rcptRaw)
	if err != nil {
		return Sent{}, fmt.Errorf("%w: email: no address to reply to (%q)", ErrRejected, rcptRaw)
	}
	if strings.TrimSpace(body) == "" {
		return Sent{}, fmt.Errorf("%w: email: empty reply", ErrRejected)
	}
	rcpt.Name = ""
	if rcptRaw == to.Author {
		rcpt.Name = to.AuthorName
	}
	msgID := emailMessageID(idempotencyKey, from.Address)
	msg, err := buildEmailReply(from, rcpt, to, body, msgID, e.cfg.now())
	if err != nil {
		return Sent{}, err
	}

	addr := net.JoinHostPort(host, port)
	conn, closeConn, err := e.dial(ctx, addr)
	if err != nil {
		return Sent{}, fmt.Errorf("connectors: email: connecting to %s: %w", addr, err)
	}
	defer closeConn()
	var c *smtp.Client
	switch mode {
	case "tls":
		tc := tls.Client(conn, e.tlsConfig(host))
		if err := tc.HandshakeContext(ctx); err != nil {
			return Sent{}, fmt.Errorf("connectors: email: TLS with %s: %w", addr, err)
		}
		c = smtp.NewClient(tc)
	case "starttls":
		c, err = smtp.NewClientStartTLS(conn, e.tlsConfig(host))
		if err != nil {
			return Sent{}, smtpError("STARTTLS", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if mode != "starttls" {
		// With STARTTLS the client already greeted the server (as
		// "localhost") before upgrading; go-smtp offers no hook there.
		if err := c.Hello(src.Opt("smtp_local_name", "localhost")); err != nil {
			return Sent{}, smtpError("EHLO", err)
		}
	}
	if user != "" {
		var auth sasl.Client
		if strings.EqualFold(src.Opt("smtp_auth", "PLAIN"), "LOGIN") {
			auth = sasl.NewLoginClient(user, pass)
		} else {
			auth = sasl.NewPlainClient("", user, pass)
		}
		if err := c.Auth(auth); err != nil {
			return Sent{}, smtpError("AUTH", err)
		}
	}
	if err := c.SendMail(from.Address, []string{rcpt.Address}, bytes.NewReader(msg)); err != nil {
		return Sent{}, smtpError("sending", err)
	}
	_ = c.Quit()
	return Sent{ExternalID: msgID}, nil
}

// smtpError maps SMTP replies: refused credentials are ErrAuth, permanent
// (5xx) refusals are ErrRejected, the rest (4xx, network) may be retried.
func smtpError(step string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		switch {
		case se.Code == 535 || se.Code == 534 || se.Code == 530 || (se.Code == 454 && step == "AUTH"):
			return fmt.Errorf("%w: SMTP %s: %d %s", ErrAuth, step, se.Code, se.Message)
		case se.Code >= 500:
			return fmt.Errorf("%w: SMTP %s: %d %s", ErrRejected, step, se.Code, se.Message)
		}
		return fmt.Errorf("connectors: email: SMTP %s: %d %s", step, se.Code, se.Message)
	}
	return fmt.Errorf("connectors: email: SMTP %s: %w", step, err)
}
