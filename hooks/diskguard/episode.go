package diskguard

// What a disk-full episode changes outside the guard: the sources' health,
// the owners' alert, the pushers' answer, and their undoing.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/model"
)

// healthCode is the sources' health error while space is short, a code of
// model.Messages.
const healthCode = "source_disk_full"

// HealthMessage is the English text of the sources' health error while
// space is short; it marks the sources it was written on. healthInfo is
// its code as sources.last_error_info stores it (the shape of the
// sources' failures: {"code": …, "params": …}).
var (
	HealthMessage = healthText()
	healthInfo, _ = json.Marshal(struct {
		Code string `json:"code"`
	}{healthCode})
)

func healthText() string {
	m, ok := model.Lookup(healthCode)
	if !ok {
		return healthCode
	}
	return m.Render(model.LangEN, nil)
}

// fullText is what a pusher or "Check now" is told while space is short.
const fullText = "the server's disk is full: try again once space has been freed"

// ErrDiskFull is returned to pushers and "Check now" while space is short.
var ErrDiskFull = errors.New("diskguard: " + fullText)

// RetryAfter is the Retry-After given to pushers while the disk is full.
const RetryAfter = 5 * time.Minute

// Refuse tells a pusher (a webhook caller, a WebSub hub) to come back
// later: both retry on a 503.
func Refuse(e *core.RequestEvent) error {
	e.Response.Header().Set("Retry-After", fmt.Sprint(int(RetryAfter.Seconds())))
	return e.JSON(http.StatusServiceUnavailable, web.APIError(http.StatusServiceUnavailable, fullText))
}

// alert is what the owners read when the disk fills.
var alert = struct {
	tag         string
	title, body map[string]string
}{
	tag: "disk-full",
	title: map[string]string{
		"en": "Mentiondesk: the disk is full",
		"fr": "Mentiondesk : le disque est plein",
	},
	body: map[string]string{
		"en": "New mentions are not being collected and replies wait in the outbox. Free some space on the server: everything resumes by itself.",
		"fr": "Les nouvelles mentions ne sont plus relevées et les réponses attendent dans la file d'envoi. Libérez de la place sur le serveur : tout reprend tout seul.",
	},
}

// onFull puts the health error on the enabled sources and alerts the
// owners, once per episode each; a write that fails (no room even for
// that) is tried again at the next check.
func (g *Guard) onFull() {
	g.mu.Lock()
	mark, alertNow := !g.marked, !g.alerted
	g.mu.Unlock()
	if mark {
		_, err := g.app.DB().Update("sources", dbx.Params{"last_error": HealthMessage, "last_error_info": string(healthInfo)},
			dbx.HashExp{"enabled": true}).Execute()
		if err == nil {
			g.mu.Lock()
			g.marked = true
			g.mu.Unlock()
			g.announceSourcesHealth()
		} else {
			g.app.Logger().Warn("disk: marking sources", "error", err)
		}
	}
	if alertNow {
		g.mu.Lock()
		g.alerted = true // tried once: a failing channel must not be retried every tick
		g.mu.Unlock()
		// Off the caller's path: a request or a worker must not wait for
		// a slow notification channel.
		g.d.Workers.Go("disk alert", func(ctx context.Context) { g.d.AlertOwners(ctx, alert.tag, alert.title, alert.body) })
	}
}

// onBack clears the health error and makes the paused sources due.
func (g *Guard) onBack() {
	_, err := g.app.DB().Update("sources", dbx.Params{"last_error": "", "last_error_info": "null", "next_check_at": records.DT(time.Now()).String()},
		dbx.HashExp{"last_error": HealthMessage}).Execute()
	if err != nil {
		g.app.Logger().Warn("disk: clearing sources", "error", err)
		g.mu.Lock()
		g.full = true // try again at the next check
		g.mu.Unlock()
		return
	}
	g.mu.Lock()
	g.marked, g.alerted = false, false
	g.mu.Unlock()
	g.announceSourcesHealth()
	g.d.WakeOutbox()
}

// announceSourcesHealth tells the sources screens, after raw updates.
func (g *Guard) announceSourcesHealth() {
	recs, err := g.app.FindRecordsByFilter("sources", "enabled = true", "", 0, 0)
	if err == nil {
		g.d.Announce(nil, recs)
	}
}
