package connectors

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestBlockedReason(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"10.0.0.1", true},
		{"172.16.5.4", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"0.1.2.3", true},
		{"100.64.0.1", true},
		{"100.127.255.254", true},
		{"224.0.0.1", true},
		{"ff02::1", true},
		{"255.255.255.255", true},
		{"240.0.0.1", true},
		{"198.18.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:10.1.2.3", true},
		{"::127.0.0.1", true},               // IPv4-compatible
		{"64:ff9b::a9fe:a9fe", true},        // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", true},            // 6to4 of 127.0.0.1
		{"2001:db8::1", true},               // documentation
		{"8.8.8.8", false},                  // public
		{"1.1.1.1", false},                  //
		{"100.63.255.255", false},           // just below CGNAT
		{"100.128.0.0", false},              // just above CGNAT
		{"172.32.0.1", false},               // just above 172.16/12
		{"2606:4700:4700::1111", false},     // public IPv6
		{"::ffff:8.8.8.8", false},           // mapped public
		{"64:ff9b::808:808", false},         // NAT64 of 8.8.8.8
		{"2a00:1450:4007:80f::200e", false}, // public IPv6
	}
	for _, tt := range tests {
		addr := netip.MustParseAddr(tt.addr)
		why := blockedReason(addr)
		if (why != "") != tt.blocked {
			t.Errorf("blockedReason(%s) = %q, want blocked=%v", tt.addr, why, tt.blocked)
		}
		err := checkAddr(addr)
		if tt.blocked && !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("checkAddr(%s) = %v, want ErrBlockedAddress", tt.addr, err)
		}
		if !tt.blocked && err != nil {
			t.Errorf("checkAddr(%s) = %v, want nil", tt.addr, err)
		}
	}
}

func TestGuardedClientRefusesLoopback(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	_, err := GuardedClient(false, 2*time.Second).Get(srv.URL)
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("guarded client reached %s: err = %v, want ErrBlockedAddress", srv.URL, err)
	}
	if hits != 0 {
		t.Fatalf("server saw %d requests through the guard", hits)
	}

	resp, err := GuardedClient(true, 2*time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowPrivate client: %v", err)
	}
	resp.Body.Close()
	if hits != 1 {
		t.Fatalf("hits = %d, want 1", hits)
	}
}

// A public-looking name that resolves to loopback is refused at dial time:
// the guard checks what DNS returned, not what the URL says.
func TestGuardedClientChecksResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	// "localhost" resolves through /etc/hosts without any network.
	_, err := GuardedClient(false, 2*time.Second).Get("http://localhost:" + port + "/")
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("err = %v, want ErrBlockedAddress", err)
	}
}

// Redirects are dialled like any request, so a public page cannot bounce
// us to an internal one; chains are capped.
func TestGuardedClientRedirects(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, srv.URL+"/loop", http.StatusFound)
		case "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		}
	}))
	defer srv.Close()

	c := GuardedClient(true, 2*time.Second) // allow the test server itself
	if _, err := c.Get(srv.URL + "/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop: err = %v", err)
	}
	if _, err := c.Get(srv.URL + "/file"); err == nil {
		t.Fatal("redirect to file:// was followed")
	}

	// With the guard on, the redirect target is refused at dial time. The
	// test server is on loopback too, so start from a client that only
	// trusts the first hop: a transport that allows exactly srv's address.
	guarded := GuardedClient(false, 2*time.Second)
	inner := guarded.Transport.(*http.Transport)
	base := GuardedClient(true, 2*time.Second).Transport.(*http.Transport)
	guarded.Transport = hfRoundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == strings.TrimPrefix(srv.URL, "http://") {
			return base.RoundTrip(r)
		}
		return inner.RoundTrip(r)
	})
	_, err := guarded.Get(srv.URL + "/metadata")
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("redirect to metadata: err = %v, want ErrBlockedAddress", err)
	}
}

type hfRoundTrip func(*http.Request) (*http.Response, error)

func (f hfRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url  string
		want error
	}{
		{"https://www.google.com/alerts/feeds/1/2", nil},
		{"http://blog.example.org/feed/", nil},
		{"https://[2606:4700:4700::1111]/feed", nil},
		{"https://example.com:8443/feed", nil},
		{"", ErrConfig},
		{"   ", ErrConfig},
		{"ftp://example.com/feed", ErrConfig},
		{"file:///etc/passwd", ErrConfig},
		{"javascript:alert(1)", ErrConfig},
		{"example.com/feed", ErrConfig},
		{"https://", ErrConfig},
		{"https://user:s3cr3tpw@example.com/feed", ErrConfig},
		{"https://example.com@evil.example/", ErrConfig},
		{"https://example.com:99999/", ErrConfig},
		{"http://%zz/", ErrConfig},
		{"http://127.0.0.1:8090/_/", ErrBlockedAddress},
		{"http://169.254.169.254/latest/meta-data/", ErrBlockedAddress},
		{"http://[::1]/", ErrBlockedAddress},
		{"http://[::ffff:127.0.0.1]/", ErrBlockedAddress},
		{"http://[fe80::1%25eth0]/", ErrBlockedAddress},
		{"http://10.0.0.5/feed", ErrBlockedAddress},
		{"http://localhost:8090/", ErrBlockedAddress},
		{"http://api.localhost/", ErrBlockedAddress},
		{"http://2130706433/", ErrBlockedAddress},
		{"http://0x7f.1/", ErrBlockedAddress},
		{"http://0177.0.0.1/", ErrBlockedAddress},
		{"http://100.64.1.1/", ErrBlockedAddress},
	}
	for _, tt := range tests {
		err := CheckURL(tt.url)
		switch {
		case tt.want == nil && err != nil:
			t.Errorf("CheckURL(%q) = %v, want nil", tt.url, err)
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("CheckURL(%q) = %v, want %v", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3tpw") {
			t.Errorf("CheckURL(%q) echoes the password: %v", tt.url, err)
		}
	}
}

func TestProxyAddrs(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.internal:3128")
	t.Setenv("HTTPS_PROXY", "127.0.0.1:8888")
	c := GuardedClient(false, time.Second)
	tr := c.Transport.(*http.Transport)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://10.0.0.5/", nil)
	// A proxied request to a blocked literal is refused before it reaches
	// the proxy.
	if _, err := tr.Proxy(req); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("proxy for private target: err = %v, want ErrBlockedAddress", err)
	}
	req2, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://[2606:4700:4700::1111]/", nil)
	u, err := tr.Proxy(req2)
	if err != nil || u == nil || u.Host != "127.0.0.1:8888" {
		t.Fatalf("proxy for public target = %v, %v", u, err)
	}
}

// Proxied requests cannot be checked at dial time (the proxy dials), so
// the target name is resolved and checked first.
func TestResolveAndCheck(t *testing.T) {
	ctx := context.Background()
	for _, host := range []string{"localhost", "127.0.0.1", "[::1]", "169.254.169.254"} {
		if err := resolveAndCheck(ctx, host); !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("resolveAndCheck(%q) = %v, want ErrBlockedAddress", host, err)
		}
	}
	if err := resolveAndCheck(ctx, "8.8.8.8"); err != nil {
		t.Errorf("public literal: %v", err)
	}
	if err := resolveAndCheck(ctx, "no-such-host.invalid"); err == nil || errors.Is(err, ErrBlockedAddress) {
		t.Errorf("unresolvable name: %v", err)
	}
}
