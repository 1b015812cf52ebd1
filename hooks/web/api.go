package web

import (
	"io"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// APIError is PocketBase's error body, for answers written by hand.
func APIError(status int, msg string) map[string]any {
	return map[string]any{"status": status, "message": msg, "data": map[string]any{}}
}

// RequireOwner lets only owners through (after RequireAuth).
func RequireOwner() func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if e.Auth == nil || e.Auth.GetString("role") != "owner" {
			return apis.NewForbiddenError("Only the owner can do this.", nil)
		}
		return e.Next()
	}
}

// ReadCapped reads a request body up to max bytes; past it the answer is
// connectors.ErrTooLarge, and nothing past the cap is read.
func ReadCapped(e *core.RequestEvent, max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, connectors.ErrTooLarge
	}
	return body, nil
}

// PublicURL is the instance's address as the outside world reaches it,
// for this request (see BaseURL).
func PublicURL(app core.App, e *core.RequestEvent) string {
	s, _ := settings.Load(app)
	return BaseURL(app, s, e)
}

// UserMessage words an error for the owner: the text of a Go error
// without the package prefixes ("connectors: ") that mean nothing to them.
func UserMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"connectors: ", "hooks: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}
