package sources

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/model"
)

// Failure is why a check of a source failed, as the owner reads it:
// a code of model.Messages and its parameters. The raw error goes to the
// log only: it can name internal addresses ("dial tcp 10.0.0.5:443") and
// means nothing to a café owner.
type Failure struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

// text renders the failure in lang.
func (f Failure) text(lang string) string {
	m, ok := model.Lookup(f.Code)
	if !ok {
		return f.Code
	}
	return m.Render(lang, f.Params)
}

// failureOf classifies err. host is the source's host, named in messages
// about the network (the owner typed it; it reveals nothing).
func failureOf(err error, host string) Failure {
	p := map[string]string{"host": host}
	var (
		rl      *connectors.RateLimitedError
		he      *connectors.HTTPError
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, connectors.ErrBlockedAddress):
		return Failure{Code: "source_blocked"}
	case errors.Is(err, connectors.ErrReconnect):
		return Failure{Code: "source_reconnect"}
	case errors.Is(err, connectors.ErrAuth):
		return Failure{Code: "source_auth"}
	case errors.As(err, &rl):
		return Failure{Code: "source_rate_limited", Params: map[string]string{"wait": rl.RetryAfter.Round(time.Second).String()}}
	case errors.Is(err, connectors.ErrBadFeed):
		return Failure{Code: "source_not_feed"}
	case errors.Is(err, connectors.ErrTooLarge):
		return Failure{Code: "source_too_large"}
	case errors.Is(err, connectors.ErrConfig):
		return Failure{Code: "source_config", Params: map[string]string{"detail": detailOf(err, connectors.ErrConfig)}}
	case errors.As(err, &he):
		st := strconv.Itoa(he.Status)
		if he.Status == 404 || he.Status == 410 {
			return Failure{Code: "source_address_gone", Params: map[string]string{"status": st}}
		}
		return Failure{Code: "source_http", Params: map[string]string{"status": st}}
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return Failure{Code: "source_dns", Params: p}
		}
		return Failure{Code: "source_unreachable", Params: p}
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr):
		return Failure{Code: "source_tls", Params: p}
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return Failure{Code: "source_refused", Params: p}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return Failure{Code: "source_timeout", Params: p}
	case errors.As(err, &netErr):
		return Failure{Code: "source_unreachable", Params: p}
	case errors.Is(err, errStoring):
		return Failure{Code: "source_storage"}
	}
	return Failure{Code: "source_failed", Params: map[string]string{"detail": web.UserMessage(err)}}
}

// errStoring marks a failure to write what a check found.
var errStoring = errors.New("storing mentions")

// detailOf is what a connector added to a sentinel ("give the hashtag…"),
// without the sentinel's own words.
func detailOf(err, sentinel error) string {
	msg := err.Error()
	if i := strings.Index(msg, sentinel.Error()); i >= 0 {
		msg = strings.TrimLeft(msg[i+len(sentinel.Error()):], ": ")
	}
	if msg == "" {
		return web.UserMessage(err)
	}
	return msg
}

// hostOf is the host of a source's address, or the address itself when it
// is not a URL (an IMAP host:port).
func hostOf(raw string) string {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return strings.TrimSpace(raw)
}

// reasonOf is a triage reason (triage.Decision.Reason, stored in English)
// as a code and parameters the app translates.
func reasonOf(reason string) Failure {
	for _, p := range []struct{ prefix, code, param string }{
		{"rule: ", "triage_rule", "name"},
		{"excluded: ", "triage_excluded", "term"},
	} {
		if v, ok := strings.CutPrefix(reason, p.prefix); ok {
			return Failure{Code: p.code, Params: map[string]string{p.param: v}}
		}
	}
	if m, ok := model.MessageOf(reason); ok {
		return Failure{Code: m.Code}
	}
	return Failure{}
}
