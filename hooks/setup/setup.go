// Package setup is the first run: the owner account, the business it
// watches for, and what the sign-in page must say when the server cannot
// help (no mail for a password reset). The SPA asks GET /api/md/setup
// whether an owner must be created, then POSTs the form once. After the
// first owner exists the POST answers 403 forever: it cannot be used to
// slip a second owner in.
package setup

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// Register adds the first-run routes and the password-reset check.
func Register(app core.App) error {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/setup")
		g.GET("", func(e *core.RequestEvent) error {
			n, err := countOwners(e.App)
			if err != nil {
				return err
			}
			return e.JSON(http.StatusOK, map[string]any{"needed": n == 0})
		})
		g.POST("", handleSetup)
		return se.Next()
	})
	registerPasswordResetCheck(app)
	return nil
}

func handleSetup(e *core.RequestEvent) error {
	var req request
	if err := e.BindBody(&req); err != nil {
		return apis.NewBadRequestError("Invalid request body.", err)
	}
	req.Email = strings.TrimSpace(req.Email)
	req.Name = strings.TrimSpace(req.Name)
	if err := req.validate(); err != nil {
		return apis.NewBadRequestError("Please check the highlighted fields.", err)
	}

	var owner *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		// Counting inside the write transaction makes check-and-create
		// atomic: SQLite runs one writer at a time. Owners, not users, are
		// counted: the demo dataset brings agents but never an owner.
		n, err := countOwners(tx)
		if err != nil {
			return err
		}
		if n > 0 {
			return errDone
		}
		users, err := tx.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		owner = core.NewRecord(users)
		owner.SetEmail(req.Email)
		owner.SetPassword(req.Password)
		owner.SetVerified(true)
		owner.Set("name", req.Name)
		owner.Set("role", "owner")
		owner.Set("language", req.Language)
		if err := tx.Save(owner); err != nil {
			return err
		}
		row, err := tx.FindRecordById("settings", pb_migrations.SettingsID)
		if err != nil {
			return err
		}
		if req.BusinessName != "" {
			row.Set("business_name", req.BusinessName)
		}
		if req.Timezone != "" {
			row.Set("timezone", req.Timezone)
		}
		if req.PublicURL != "" {
			row.Set("public_url", strings.TrimRight(req.PublicURL, "/"))
		}
		if err := tx.Save(row); err != nil {
			return err
		}
		return saveBrandKeyword(tx, req.BusinessName)
	})
	if errors.Is(err, errDone) {
		return apis.NewForbiddenError("Mentiondesk is already set up: sign in instead.", nil)
	}
	if err != nil {
		return apis.NewBadRequestError("Could not create the owner account.", err)
	}
	return apis.RecordAuthResponse(e, owner, "password", nil)
}

var errDone = errors.New("setup: already done")

func countOwners(app core.App) (int64, error) {
	return app.CountRecords("users", dbx.HashExp{"role": "owner"})
}
