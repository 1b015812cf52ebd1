package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mentiondesk/mentiondesk/version"
)

// PocketBase opens (and creates) the data directory before it runs any
// command. Two commands must not: `version`, which would leave a pb_data
// beside a binary in /usr/local/bin, and `healthcheck`, which a container
// runs every 30 seconds while the server holds the database. They are
// answered before PocketBase starts.

// defaultHealthURL is where the container image's server listens.
const defaultHealthURL = "http://127.0.0.1:8090/api/health"

// runEarly runs an early command named by args and reports whether it did,
// with the process's exit code.
func runEarly(args []string, stdout, stderr io.Writer) (handled bool, code int) {
	name, rest := firstCommand(args)
	switch name {
	case "version":
		fmt.Fprintln(stdout, version.Get())
		return true, 0
	case "healthcheck":
		url := defaultHealthURL
		if len(rest) > 0 {
			url = rest[0]
		}
		if err := healthcheck(url, 4*time.Second); err != nil {
			fmt.Fprintln(stderr, "unhealthy:", err)
			return true, 1
		}
		return true, 0
	}
	return false, 0
}

// firstCommand is the first argument that is not a flag, and the
// arguments after it that are not flags either.
func firstCommand(args []string) (string, []string) {
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		var rest []string
		for _, r := range args[i+1:] {
			if !strings.HasPrefix(r, "-") {
				rest = append(rest, r)
			}
		}
		return a, rest
	}
	return "", nil
}

// errUnhealthy is an answer other than 200 from /api/health.
var errUnhealthy = errors.New("health endpoint did not answer 200")

// healthcheck asks the running server's /api/health, as Docker's
// HEALTHCHECK does: the distroless image has no curl.
func healthcheck(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s", errUnhealthy, resp.Status)
	}
	return nil
}

// exitEarly is runEarly for the real process.
func exitEarly() {
	if handled, code := runEarly(os.Args[1:], os.Stdout, os.Stderr); handled {
		os.Exit(code)
	}
}
