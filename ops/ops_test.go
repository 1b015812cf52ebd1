package ops

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEarlyCommandsAreFoundPastFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"version"}, "version"},
		{[]string{"--dev", "version"}, "version"},
		{[]string{"healthcheck", "http://x/api/health"}, "healthcheck"},
		{[]string{"serve", "version"}, "serve"}, // a domain named "version" is serve's argument
		{[]string{"--version"}, ""},             // cobra's flag: PocketBase skips its bootstrap itself
		{nil, ""},
	}
	for _, c := range cases {
		if got, _ := firstCommand(c.args); got != c.want {
			t.Errorf("firstCommand(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

func TestVersionIsAnsweredEarly(t *testing.T) {
	var out bytes.Buffer
	handled, code := runEarly([]string{"version"}, &out, &out)
	if !handled || code != 0 || !strings.HasPrefix(out.String(), "mentiondesk ") {
		t.Fatalf("version: handled=%v code=%d out=%q", handled, code, out.String())
	}
	if handled, _ := runEarly([]string{"serve"}, &out, &out); handled {
		t.Fatal("serve must reach PocketBase")
	}
}

func TestHealthcheckExitCodes(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/health" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"message":"API is healthy.","code":200,"data":{}}`))
	}))
	defer srv.Close()
	var out bytes.Buffer
	if _, code := runEarly([]string{"healthcheck", srv.URL + "/api/health"}, &out, &out); code != 0 {
		t.Fatalf("healthy server: exit %d (%s)", code, out.String())
	}
	status = http.StatusServiceUnavailable
	if _, code := runEarly([]string{"healthcheck", srv.URL + "/api/health"}, &out, &out); code != 1 {
		t.Fatalf("503: exit %d, want 1", code)
	}
	srv.Close()
	if _, code := runEarly([]string{"healthcheck", srv.URL + "/api/health"}, &out, &out); code != 1 {
		t.Fatalf("server down: exit %d, want 1", code)
	}
}
