package web

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/model"
)

// pocketBaseDefaultURL is PocketBase's application URL until someone sets
// it: a link to it only works on the server itself.
const pocketBaseDefaultURL = "http://localhost:8090"

// BaseURL is the instance's address as the outside world reaches it, for
// links that leave the app (notifications, templates, webhook and WebSub
// addresses): the owner's public URL (setup fills it with the address the
// browser used), else the address this request came in on, else
// PocketBase's application URL once an operator has set it. "" when none
// is known: a link without a host is better left out than pointed at
// localhost.
func BaseURL(app core.App, s settings.Settings, e *core.RequestEvent) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	if e != nil && e.Request.Host != "" {
		scheme := "http"
		if e.Request.TLS != nil || e.Request.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		return scheme + "://" + e.Request.Host
	}
	if u := strings.TrimRight(app.Settings().Meta.AppURL, "/"); u != "" && u != pocketBaseDefaultURL {
		return u
	}
	return ""
}

// TicketLink is the address of a ticket's screen in the app.
func TicketLink(base, id string) string {
	return base + model.TicketPath(id)
}
