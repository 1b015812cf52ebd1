package connectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Sources are typed in by the owner, and some (WebSub hubs, feed redirects)
// come from third parties: without a guard, "http://169.254.169.254/" or
// "http://localhost:8090/_/" would turn Mentiondesk into a proxy into the
// operator's own network. The check happens when the socket is dialled, on
// the address DNS actually returned, so DNS rebinding and redirects to
// internal hosts are refused the same way as literal addresses.

// Timeouts of the guarded transport. The client-wide timeout passed to
// GuardedClient bounds the whole exchange, body included.
const (
	guardDialTimeout     = 10 * time.Second
	guardTLSTimeout      = 10 * time.Second
	guardHeaderTimeout   = 30 * time.Second
	guardMaxRedirects    = 5
	guardMaxHeaderBytes  = 1 << 20
	guardIdleConnTimeout = 90 * time.Second
)

// blockedPrefixes are ranges that netip's predicates do not cover but that
// must never be reached from a source URL.
var blockedPrefixes = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved address"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible IPv6 address"},
	{netip.MustParsePrefix("100::/64"), "discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "site-local address"},
}

// Prefixes whose addresses embed an IPv4 address that a translator on the
// path would reach: the embedded address is checked too.
var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredoPrefix = netip.MustParsePrefix("2001::/32")
)

// blockedReason says why addr may not be dialled, or "" when it may.
func blockedReason(addr netip.Addr) string {
	if !addr.IsValid() {
		return "invalid address"
	}
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case addr.IsLoopback():
		return "loopback address"
	case addr.IsPrivate():
		return "private address"
	case addr.IsLinkLocalUnicast():
		// 169.254.0.0/16 holds the cloud metadata endpoints.
		return "link-local address"
	case addr.IsUnspecified():
		return "unspecified address"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast address"
	}
	if addr.Is4() && addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "broadcast address"
	}
	for _, b := range blockedPrefixes {
		if b.prefix.Contains(addr) {
			return b.why
		}
	}
	if addr.Is6() {
		b := addr.As16()
		var embedded netip.Addr
		switch {
		case nat64Prefix.Contains(addr), nat64Local.Contains(addr):
			embedded = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixToFour.Contains(addr):
			embedded = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		case teredoPrefix.Contains(addr):
			// Teredo stores the client's IPv4 address inverted.
			embedded = netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		}
		if embedded.IsValid() {
			if why := blockedReason(embedded); why != "" {
				return why + " (embedded in " + addr.String() + ")"
			}
		}
	}
	return ""
}

// checkAddr returns an error wrapping ErrBlockedAddress when addr is not a
// public unicast address.
func checkAddr(addr netip.Addr) error {
	if why := blockedReason(addr); why != "" {
		return fmt.Errorf("%w: %s is a %s", ErrBlockedAddress, addr.Unmap(), why)
	}
	return nil
}

// hideResolved turns a refusal at dial time into the bare sentinel: the
// dialler's error names the resolved address ("dial tcp 10.0.0.7:443"),
// and telling it to whoever typed an internal name maps the network.
func hideResolved(err error) error {
	if errors.Is(err, ErrBlockedAddress) {
		return ErrBlockedAddress
	}
	return err
}

// guardControl runs after DNS resolution, just before connect(2): address is
// always a literal ip:port here.
func guardControl(network, address string, _ syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") && !strings.HasPrefix(network, "udp") {
		return fmt.Errorf("%w: network %q", ErrBlockedAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read dialled address %q", ErrBlockedAddress, address)
	}
	return checkAddr(ap.Addr())
}

// GuardedClient returns the HTTP client production connectors use. Unless
// allowPrivate is set (an operator setting, and tests), it refuses to connect
// to loopback, private, link-local (cloud metadata), CGNAT, multicast,
// unspecified and reserved addresses, including their IPv4-mapped and
// NAT64/6to4 forms. timeout bounds a whole request, body included; 0 means
// no overall limit beyond the dial, TLS and header timeouts.
//
// An HTTP(S)_PROXY from the environment is honoured: the operator chose it,
// so the proxy itself may be private, and the target host is checked before
// the request is handed to the proxy (the proxy resolves names itself, so
// for proxied requests this check is by name resolution, not at dial time).
func GuardedClient(allowPrivate bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: guardDialTimeout, KeepAlive: 30 * time.Second}
	guarded := &net.Dialer{Timeout: guardDialTimeout, KeepAlive: 30 * time.Second, Control: guardControl}

	proxyCfg := httpproxy.FromEnvironment()
	proxyFor := proxyCfg.ProxyFunc()
	proxies := proxyAddrs(proxyCfg)

	headerTimeout := guardHeaderTimeout
	if timeout > 0 && timeout < headerTimeout {
		headerTimeout = timeout
	}
	tr := &http.Transport{
		Proxy: func(req *http.Request) (*url.URL, error) {
			u, err := proxyFor(req.URL)
			if err != nil || u == nil || allowPrivate {
				return u, err
			}
			if err := resolveAndCheck(req.Context(), req.URL.Hostname()); err != nil {
				return nil, err
			}
			return u, nil
		},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if allowPrivate || proxies[addr] {
				return dialer.DialContext(ctx, network, addr)
			}
			conn, err := guarded.DialContext(ctx, network, addr)
			return conn, hideResolved(err)
		},
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        guardIdleConnTimeout,
		TLSHandshakeTimeout:    guardTLSTimeout,
		ResponseHeaderTimeout:  headerTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: guardMaxHeaderBytes,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: checkRedirect,
	}
}

// checkRedirect caps redirect chains and refuses to leave http(s). The
// destination address itself is checked at dial time like any other.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= guardMaxRedirects {
		return fmt.Errorf("connectors: stopped after %d redirects", guardMaxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to a %q URL", ErrBlockedAddress, req.URL.Scheme)
	}
	if req.URL.User != nil {
		return fmt.Errorf("%w: redirect to a URL with credentials", ErrBlockedAddress)
	}
	return nil
}

// proxyAddrs lists the host:port of the configured proxies, as the
// transport will dial them.
func proxyAddrs(cfg *httpproxy.Config) map[string]bool {
	out := map[string]bool{}
	for _, raw := range []string{cfg.HTTPProxy, cfg.HTTPSProxy} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			// httpproxy accepts "host:port" without a scheme.
			u, err = url.Parse("http://" + raw)
			if err != nil {
				continue
			}
		}
		port := u.Port()
		if port == "" {
			switch u.Scheme {
			case "https":
				port = "443"
			case "socks5", "socks5h":
				port = "1080"
			default:
				port = "80"
			}
		}
		out[net.JoinHostPort(u.Hostname(), port)] = true
	}
	return out
}

// resolveAndCheck refuses host when it is, or resolves to, a blocked
// address. Used where we cannot see the dialled address (proxied requests).
func resolveAndCheck(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return checkAddr(ip)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("connectors: resolving %s: %w", host, err)
	}
	for _, a := range addrs {
		if err := checkAddr(a); err != nil {
			return ErrBlockedAddress // not which address: see hideResolved
		}
	}
	return nil
}

// CheckURL validates a source URL when the owner saves it, before any
// request: http or https only, a host, no credentials in the URL, and no
// literal address or local name that the guard would refuse anyway.
//
// Structural problems wrap ErrConfig; destinations wrap ErrBlockedAddress,
// so an operator who allows private destinations can ignore that one error
// value. Names are not resolved here: DNS can change, and the dial-time
// guard is what actually protects.
func CheckURL(raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return fmt.Errorf("%w: the URL is empty", ErrConfig)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%w: the URL cannot be read: %v", ErrConfig, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return fmt.Errorf("%w: the URL must start with https:// or http://", ErrConfig)
		}
		return fmt.Errorf("%w: only http and https URLs are allowed, not %q", ErrConfig, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return fmt.Errorf("%w: the URL has no host name", ErrConfig)
	}
	if u.User != nil {
		// "https://bank.example@evil.example/" reads as the wrong host, and a
		// password in a URL ends up in logs.
		return fmt.Errorf("%w: the URL must not contain a user name or password; use the source's credential fields", ErrConfig)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: the URL has no host name", ErrConfig)
	}
	if p := u.Port(); p != "" {
		if n, err := parsePort(p); err != nil || n == 0 {
			return fmt.Errorf("%w: invalid port %q", ErrConfig, p)
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return checkAddr(ip.WithZone(""))
	}
	lh := strings.ToLower(strings.TrimSuffix(host, "."))
	if lh == "localhost" || strings.HasSuffix(lh, ".localhost") {
		return fmt.Errorf("%w: %s is a loopback name", ErrBlockedAddress, host)
	}
	if looksNumericHost(lh) {
		// 2130706433, 0x7f.1 or 017700000001: resolvers read these as IPv4
		// literals (127.0.0.1), so refuse the trick outright.
		return fmt.Errorf("%w: %s is a numeric address in an unusual notation", ErrBlockedAddress, host)
	}
	return nil
}

func parsePort(p string) (int, error) {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a number")
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, fmt.Errorf("out of range")
		}
	}
	return n, nil
}

// looksNumericHost reports whether every dot-separated label is a decimal,
// octal or hex number: inet_aton accepts such names as IPv4 addresses.
func looksNumericHost(h string) bool {
	if h == "" {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return false
		}
		l := label
		if strings.HasPrefix(l, "0x") {
			l = l[2:]
			if l == "" {
				return true
			}
			for _, c := range l {
				if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
					return false
				}
			}
			continue
		}
		for _, c := range l {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}
