package connectors

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A refused destination says so and nothing more: what an internal name
// resolved to ("dial tcp 127.0.0.1:9999") would map the server's network
// for whoever typed the name.
func TestGuardErrorsHideResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrBlockedAddress) {
			t.Fatalf("%s: err = %v, want ErrBlockedAddress", what, err)
		}
		msg := err.Error()
		for _, leak := range []string{"127.0.0.1", "::1", "dial tcp", "loopback"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: message %q reveals %q", what, msg, leak)
			}
		}
		if !strings.Contains(msg, "the address is not allowed") {
			t.Errorf("%s: message %q does not say the address is not allowed", what, msg)
		}
	}

	// "localhost" resolves through /etc/hosts without any network.
	_, err := GuardedClient(false, 2*time.Second).Get("http://localhost:" + port + "/")
	check("HTTP dial", err)

	check("proxied request", resolveAndCheck(context.Background(), "localhost"))

	e := NewEmail(Config{})
	_, _, err = e.dial(context.Background(), "localhost:"+port)
	check("mail dial", err)
}
