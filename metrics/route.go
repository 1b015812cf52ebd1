package metrics

import (
	"crypto/subtle"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Path is where Prometheus scrapes.
const Path = "/api/md/metrics"

// TokenEnv names the variable that turns the endpoint on. An environment
// variable rather than a flag: a flag's value is visible to every user of
// the machine in the process list.
const TokenEnv = "MD_METRICS_TOKEN"

// Register turns metrics on when MD_METRICS_TOKEN is set, and reports
// whether it did.
func Register(app core.App) bool {
	return register(app, os.Getenv(TokenEnv)) != nil
}

func register(app core.App, token string) *Metrics {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil
	}
	m := newMetrics(func() (Backlog, error) { return ReadBacklog(app.DB(), time.Now()) })
	m.bindCounters(app)
	handler := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(m.timeRequest)
		se.Router.GET(Path, func(e *core.RequestEvent) error {
			if !bearerMatches(e.Request.Header.Get("Authorization"), token) {
				e.Response.Header().Set("WWW-Authenticate", `Bearer realm="mentiondesk metrics"`)
				return e.UnauthorizedError("The metrics token is missing or wrong.", nil)
			}
			handler.ServeHTTP(e.Response, e.Request)
			return nil
		})
		return se.Next()
	})
	return m
}

// bearerMatches compares in constant time: the token is a password.
func bearerMatches(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// timeRequest observes each request's duration under its route pattern
// (never the raw path: ids would make a series per record). Realtime
// streams stay open for hours and are no latency.
func (m *Metrics) timeRequest(e *core.RequestEvent) error {
	start := time.Now()
	err := e.Next()
	route := e.Request.Pattern
	if route == "" || strings.Contains(route, "/api/realtime") {
		return err
	}
	status := e.Status()
	if err != nil {
		// The status PocketBase's error handler will answer with.
		status = router.ToApiError(err).Status
	}
	if status == 0 {
		status = http.StatusOK
	}
	m.requests.WithLabelValues(e.Request.Method, route, strconv.Itoa(status/100)+"xx").Observe(time.Since(start).Seconds())
	return err
}
