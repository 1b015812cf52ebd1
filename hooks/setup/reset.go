package setup

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// registerPasswordResetCheck answers "forgot password" at once when the
// server cannot send mail: PocketBase would accept the request and the
// owner would wait for an e-mail that never leaves.
func registerPasswordResetCheck(app core.App) {
	app.OnRecordRequestPasswordResetRequest("users").BindFunc(func(e *core.RecordRequestPasswordResetRequestEvent) error {
		if !e.App.Settings().SMTP.Enabled {
			return apis.NewBadRequestError("Password reset needs the server's mail settings: ask the person who runs Mentiondesk, or reset it with `mentiondesk superuser` and the admin UI.", nil)
		}
		return e.Next()
	})
}
