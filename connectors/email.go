package connectors

// E-mail source settings (what the source form asks for):
//
//   - Source.URL: the IMAP server, imaps://host:993 (implicit TLS) or
//     imap://host:143 (STARTTLS, required). The port defaults to 993/143.
//   - Options["mailbox"]: the folder to watch; default INBOX. The folder is
//     opened read-only: messages stay unread for the owner's mail client.
//   - Secrets["username"], Secrets["password"]: the IMAP login.
//
// Replies go out by SMTP (the hooks fill these from PocketBase's mailer
// settings unless the source overrides them):
//
//   - Options["smtp_host"], Options["smtp_port"] (default 587, or 465 with
//     implicit TLS).
//   - Options["smtp_tls"]: "tls" (implicit, port 465), "starttls" (required)
//     or "none" (only for a relay on this machine). Default: "tls" on port
//     465, else "starttls".
//   - Options["smtp_from"]: the address replies come from (required);
//     Options["smtp_from_name"]: its display name.
//   - Options["smtp_auth"]: "PLAIN" (default) or "LOGIN".
//   - Options["smtp_local_name"]: the EHLO name; default "localhost".
//   - Secrets["smtp_username"], Secrets["smtp_password"]: the SMTP login;
//     no authentication when the username is empty.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode ISO-8859-*, Windows-125x, etc.
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
)

const (
	// EmailMaxPerPoll caps the messages one poll reads; the cursor moves
	// only over what was read (oldest first), so the rest comes next poll.
	EmailMaxPerPoll = 100
	// EmailMaxText caps the text (or HTML) kept from one message body.
	EmailMaxText = 64 << 10
	// emailLookback is where a new source, or a mailbox whose UIDVALIDITY
	// changed, starts: recent mail only, not years of archive.
	emailLookback = 7 * 24 * time.Hour
	// emailTimeout bounds one IMAP or SMTP session when ctx has no
	// earlier deadline.
	emailTimeout = 2 * time.Minute
)

// Email reads an IMAP mailbox and answers by SMTP.
type Email struct {
	cfg Config
	// Dial opens the TCP connections to the IMAP and SMTP servers. nil
	// means the outbound guard: loopback, private, link-local and other
	// internal addresses are refused (ErrBlockedAddress), as for HTTP
	// sources. When the operator allows private addresses (a mail server
	// on the LAN, a local bridge), set a plain (&net.Dialer{}).DialContext.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// TLSConfig is cloned for implicit TLS and STARTTLS (ServerName is set
	// per host). nil means the system roots.
	TLSConfig *tls.Config
}

// NewEmail returns an e-mail connector.
func NewEmail(cfg Config) *Email {
	e := &Email{cfg: cfg}
	if cfg.AllowPrivate {
		e.Dial = (&net.Dialer{Timeout: guardDialTimeout}).DialContext
	}
	return e
}

var (
	_ Fetcher = (*Email)(nil)
	_ Replier = (*Email)(nil)
)

// dial connects and ties the connection's life to ctx: a cancelled context
// closes it, and no session outlives its deadline.
func (e *Email) dial(ctx context.Context, address string) (net.Conn, func(), error) {
	dial := e.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, Control: guardControl}
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", address)
	if err != nil {
		return nil, nil, hideResolved(err)
	}
	deadline := time.Now().Add(emailTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, func() { stop(); conn.Close() }, nil
}

func (e *Email) tlsConfig(host string) *tls.Config {
	var c *tls.Config
	if e.TLSConfig != nil {
		c = e.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// parseIMAPURL returns host:port, the host, and whether TLS is implicit.
func parseIMAPURL(raw string) (addr, host string, implicitTLS bool, err error) {
	u, perr := url.Parse(strings.TrimSpace(raw))
	if perr != nil || u.Hostname() == "" {
		return "", "", false, fmt.Errorf("%w: email: IMAP address must look like imaps://imap.example.com:993, got %q", ErrConfig, raw)
	}
	port := u.Port()
	switch strings.ToLower(u.Scheme) {
	case "imaps":
		implicitTLS = true
		if port == "" {
			port = "993"
		}
	case "imap":
		if port == "" {
			port = "143"
		}
	default:
		return "", "", false, fmt.Errorf("%w: email: IMAP address must start with imaps:// or imap://, got %q", ErrConfig, raw)
	}
	return net.JoinHostPort(u.Hostname(), port), u.Hostname(), implicitTLS, nil
}

// parseEmailCursor reads "<uidvalidity>:<last uid>".
func parseEmailCursor(s string) (validity uint32, last imap.UID, ok bool) {
	a, b, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	v, err1 := strconv.ParseUint(a, 10, 32)
	l, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil || v == 0 {
		return 0, 0, false
	}
	return uint32(v), imap.UID(l), true
}

// imapAuthError tells a refused login from a broken connection.
func imapAuthError(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
		if ie.Code == imap.ResponseCodeUnavailable || ie.Code == imap.ResponseCodeInUse {
			// A temporary refusal (RFC 5530): try again later.
			return fmt.Errorf("connectors: email: IMAP server temporarily unavailable: %s", ie.Text)
		}
		return fmt.Errorf("%w: IMAP server refused the login: %s", ErrAuth, ie.Text)
	}
	return fmt.Errorf("connectors: email: IMAP login: %w", err)
}

// Fetch reads the messages that arrived since the cursor's UID. The first
// poll, and any poll after the server renumbered the mailbox (UIDVALIDITY
// changed), reads the last seven days instead.
func (e *Email) Fetch(ctx context.Context, src Source, cur Cursor) (Batch, error) {
	addr, host, implicitTLS, err := parseIMAPURL(src.URL)
	if err != nil {
		return Batch{}, err
	}
	user, pass := src.Secrets["username"], src.Secrets["password"]
	if user == "" || pass == "" {
		return Batch{}, fmt.Errorf("%w: email: IMAP username and password are required", ErrConfig)
	}
	mailbox := src.Opt("mailbox", "INBOX")

	conn, closeConn, err := e.dial(ctx, addr)
	if err != nil {
		return Batch{}, fmt.Errorf("connectors: email: connecting to %s: %w", addr, err)
	}
	defer closeConn()

	var c *imapclient.Client
	if implicitTLS {
		tc := tls.Client(conn, e.tlsConfig(host))
		if err := tc.HandshakeContext(ctx); err != nil {
			return Batch{}, fmt.Errorf("connectors: email: TLS with %s: %w", addr, err)
		}
		c = imapclient.New(tc, nil)
	} else {
		c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: e.tlsConfig(host)})
		if err != nil {
			return Batch{}, fmt.Errorf("connectors: email: STARTTLS with %s: %w", addr, err)
		}
	}
	defer c.Close()

	if err := c.Login(user, pass).Wait(); err != nil {
		return Batch{}, imapAuthError(err)
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return Batch{}, fmt.Errorf("%w: email: cannot open mailbox %q: %s", ErrConfig, mailbox, ie.Text)
		}
		return Batch{}, fmt.Errorf("connectors: email: opening %q: %w", mailbox, err)
	}

	validity, last, ok := parseEmailCursor(cur.Since)
	fresh := !ok || validity != sel.UIDValidity
	if ok && fresh {
		slog.Info("email: mailbox UIDVALIDITY changed, restarting from recent mail",
			"source_id", src.ID, "mailbox", mailbox, "old", validity, "new", sel.UIDValidity)
	}
	criteria := &imap.SearchCriteria{}
	if fresh {
		last = 0
		criteria.Since = e.cfg.now().Add(-emailLookback)
	} else {
		criteria.UID = []imap.UIDSet{{imap.UIDRange{Start: last + 1, Stop: 0}}}
	}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return Batch{}, fmt.Errorf("connectors: email: searching %q: %w", mailbox, err)
	}
	var uids []imap.UID
	if set, isUID := data.All.(imap.UIDSet); isUID && !set.Dynamic() {
		uids, _ = set.Nums()
	}
	// "n:*" always matches the newest message even when its UID is below
	// n, so filter; and read oldest first so a capped poll loses nothing.
	uids = slices.DeleteFunc(uids, func(u imap.UID) bool { return u <= last })
	slices.Sort(uids)
	uids = slices.Compact(uids)
	if len(uids) > EmailMaxPerPoll {
		uids = uids[:EmailMaxPerPoll]
	}

	batch := Batch{Cursor: cur}
	newLast := last
	if len(uids) > 0 {
		section := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: e.cfg.maxBody()}}
		cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}})
		for {
			msg := cmd.Next()
			if msg == nil {
				break
			}
			buf, err := msg.Collect()
			if err != nil {
				cmd.Close()
				return Batch{}, fmt.Errorf("connectors: email: fetching: %w", err)
			}
			if buf.UID == 0 || buf.UID <= last {
				continue
			}
			var raw []byte
			for _, s := range buf.BodySection {
				raw = s.Bytes
			}
			m := parseEmailMessage(raw, buf.InternalDate, sel.UIDValidity, uint32(buf.UID))
			m.Own = emailIsOwn(m.Author, src)
			batch.Mentions = append(batch.Mentions, m)
			if buf.UID > newLast {
				newLast = buf.UID
			}
		}
		if err := cmd.Close(); err != nil {
			return Batch{}, fmt.Errorf("connectors: email: fetching: %w", err)
		}
	} else if fresh && sel.UIDNext > 1 {
		// Nothing recent: start after the newest message so the next poll
		// does not search the whole archive.
		newLast = sel.UIDNext - 1
	}
	if fresh && newLast == 0 {
		// Empty mailbox, or a server that did not say UIDNEXT: a cursor at
		// UID 0 would make the next poll read the whole archive, so stay
		// on the look-back window until a message shows up.
		batch.Cursor.Since = ""
	} else {
		batch.Cursor.Since = fmt.Sprintf("%d:%d", sel.UIDValidity, newLast)
	}
	_ = c.Logout().Wait()
	return batch, nil
}

func emailIsOwn(author string, src Source) bool {
	if author == "" {
		return false
	}
	for _, own := range []string{src.Options["smtp_from"], src.Secrets["username"], src.Secrets["smtp_username"]} {
		if own != "" && strings.EqualFold(strings.TrimSpace(own), author) {
			return true
		}
	}
	return false
}

// parseEmailMessage turns an RFC 5322 message into a Mention. A message
// that cannot be parsed still becomes a Mention (with what could be read),
// since skipping it would lose it for good once the cursor moves on.
func parseEmailMessage(raw []byte, internalDate time.Time, validity, uid uint32) Mention {
	m := Mention{
		ExternalID: fmt.Sprintf("imap:%d:%d", validity, uid),
		Published:  internalDate.UTC(),
		Meta:       map[string]string{"uid": strconv.FormatUint(uint64(uid), 10), "uidvalidity": strconv.FormatUint(uint64(validity), 10)},
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if mr == nil {
		m.Title = "(unreadable message)"
		m.Text = capText(bytesToText(raw), EmailMaxText)
		slog.Warn("email: unreadable message kept as raw text", "uid", uid, "error", err)
		return m
	}
	h := mr.Header
	if id, err := h.MessageID(); err == nil && id != "" {
		m.ExternalID = id
		m.Meta["message_id"] = id
	}
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.Author = strings.ToLower(from[0].Address)
		m.AuthorName = from[0].Name
		m.AuthorURL = "mailto:" + from[0].Address
	} else if v := h.Get("From"); v != "" {
		m.Author = strings.TrimSpace(v)
	}
	if rt, err := h.AddressList("Reply-To"); err == nil && len(rt) > 0 {
		m.Meta["reply_to"] = rt[0].Address
	}
	if subj, err := h.Subject(); err == nil {
		m.Title = subj
	} else {
		m.Title = h.Get("Subject")
	}
	m.Title = strings.ToValidUTF8(m.Title, "\uFFFD")
	if d, err := h.Date(); err == nil && !d.IsZero() {
		m.Published = d.UTC()
	}
	if irt, _ := h.MsgIDList("In-Reply-To"); len(irt) > 0 {
		m.InReplyTo = irt[0]
	}
	if refs, _ := h.MsgIDList("References"); len(refs) > 0 {
		m.ThreadID = refs[0]
		m.Meta["references"] = "<" + strings.Join(refs, "> <") + ">"
	}
	for _, k := range []string{"Auto-Submitted", "Precedence", "List-Id"} {
		if v := strings.TrimSpace(h.Get(k)); v != "" {
			m.Meta[strings.ReplaceAll(strings.ToLower(k), "-", "_")] = strings.ToValidUTF8(v, "\uFFFD")
		}
	}

	var plain, html string
	for plain == "" {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) {
			// Truncated (capped) or broken MIME: keep what we have.
			break
		}
		var ph message.Header
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ph = h.Header
		case *mail.AttachmentHeader:
			// A part without Content-Type and Content-Disposition is plain
			// text (RFC 2045 §5.2); go-message files it as an attachment.
			if h.Get("Content-Type") != "" || h.Get("Content-Disposition") != "" {
				continue // attachments are ignored
			}
			ph = h.Header
		default:
			continue
		}
		ct, _, _ := ph.ContentType()
		if ct == "" {
			ct = "text/plain"
		}
		if ct != "text/plain" && ct != "text/html" {
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(p.Body, EmailMaxText*4))
		// An unknown charset arrives undecoded; a missing one may hide
		// 8-bit Latin-1 that mail clients display as Windows-1252.
		text := bytesToText(body)
		if ct == "text/html" {
			if html == "" {
				html = text
			}
		} else {
			plain = text
		}
	}
	if plain != "" {
		m.Text = capText(plain, EmailMaxText)
	} else {
		m.HTML = capText(html, EmailMaxText)
	}
	return m
}

// bytesToText returns valid UTF-8: bodies go-message already decoded pass
// through; invalid bytes are read as Windows-1252, which every byte maps to.
func bytesToText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if s, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil && utf8.Valid(s) {
		return string(s)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
