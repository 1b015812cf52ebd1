package ops

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/mentiondesk/mentiondesk/metrics"
	"github.com/mentiondesk/mentiondesk/version"
)

// /api/health stays PocketBase's for anonymous callers (a load balancer,
// Docker's HEALTHCHECK, anyone on the internet): 200 and an empty data
// object. A signed-in member or superuser also gets, under
// data.mentiondesk, whether sources are failing and the outbox is stuck,
// as counts: which sources and why are on the Sources screen, behind the
// collection rules. The status code stays 200 either way: a failing feed
// is the owner's business, not a reason for Docker to restart the server.

// healthReport is data.mentiondesk.
type healthReport struct {
	Status         string `json:"status"` // "ok" or "degraded"
	Version        string `json:"version"`
	SourcesFailing int    `json:"sources_failing"`
	metrics.Backlog
}

func bindHealth(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:   "mentiondeskHealth",
			Func: extendHealth,
		})
		return se.Next()
	})
}

func extendHealth(e *core.RequestEvent) error {
	if e.Request.Method != http.MethodGet || e.Request.URL.Path != "/api/health" || !isMember(e) {
		return e.Next()
	}
	b, err := metrics.ReadBacklog(e.App.DB(), time.Now())
	if err != nil {
		e.App.Logger().Warn("health: reading the backlog", "error", err)
		return e.Next() // PocketBase's answer, without ours
	}
	// PocketBase's own answer (superusers get canBackup, realIP...) is kept:
	// it is written to a buffer, and ours is added to its data.
	buf := &bufferedResponse{header: http.Header{}}
	orig := e.Response
	e.Response = buf
	err = e.Next()
	e.Response = orig
	if err != nil {
		return err
	}
	var body struct {
		Message string         `json:"message"`
		Code    int            `json:"code"`
		Data    map[string]any `json:"data"`
	}
	if jerr := json.Unmarshal(buf.body.Bytes(), &body); jerr != nil || body.Data == nil {
		body.Data = map[string]any{}
	}
	r := healthReport{Status: "ok", Version: version.Get().Version, SourcesFailing: b.FailingTotal(), Backlog: b}
	if r.SourcesFailing > 0 || b.OutboxStuck > 0 {
		r.Status = "degraded"
	}
	body.Data["mentiondesk"] = r
	status := buf.status
	if status == 0 {
		status = http.StatusOK
	}
	return e.JSON(status, body)
}

// isMember is a signed-in user of the app or a superuser.
func isMember(e *core.RequestEvent) bool {
	return e.Auth != nil && (e.Auth.IsSuperuser() || e.Auth.Collection().Name == "users")
}

type bufferedResponse struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(code int)        { b.status = code }
