package notifier

import (
	"context"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/mentiondesk/mentiondesk/hooks/notify"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// Alert is a message for the owners about the server itself (the disk is
// full), by language; English is the fallback.
type Alert struct {
	Tag         string
	Title, Body map[string]string
	// Path is the app's screen the alert opens ("/sources/abc"); empty,
	// the sources list.
	Path string
}

// AlertOwners sends a to every enabled notification target of every
// owner, in their language, at once: no quiet hours, no retry loop (the
// caller alerts once per episode; a failing channel is only logged).
func (n *Notifier) AlertOwners(ctx context.Context, a Alert) {
	owners, err := n.app.FindRecordsByFilter("users", "role = 'owner'", "", 0, 0)
	if err != nil {
		return
	}
	s, _ := settings.Load(n.app)
	path := a.Path
	if path == "" {
		path = "/sources"
	}
	for _, o := range owners {
		lang := o.GetString("language")
		if a.Title[lang] == "" {
			lang = "en"
		}
		m := notify.Message{Kind: "system", Title: a.Title[lang], Body: a.Body[lang], URL: n.home(s) + path, Tag: a.Tag, Urgent: true}
		targets, err := n.app.FindRecordsByFilter("notifications", "user = {:u} && enabled = true", "", 0, 0, dbx.Params{"u": o.Id})
		if err != nil {
			continue
		}
		for _, t := range targets {
			ctx, cancel := context.WithTimeout(ctx, notifySendTimeout+5*time.Second)
			noRetry := func(context.Context, time.Duration) error { return context.Canceled }
			_, err := n.send(ctx, t, m, noRetry)
			cancel()
			if err != nil {
				n.app.Logger().Warn("notify: alerting the owner", "alert", a.Tag, "target_id", t.Id, "error", err)
			} else {
				n.app.Logger().Info("notify: owner alerted", "alert", a.Tag, "target_id", t.Id, "kind", t.GetString("kind"))
			}
		}
	}
}
