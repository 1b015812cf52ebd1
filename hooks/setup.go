package hooks

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/analysis"
	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/model"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// setupRequest is the first-run form: the owner account and the business.
type setupRequest struct {
	Name            string `json:"name"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"passwordConfirm"`
	Language        string `json:"language"`
	BusinessName    string `json:"business_name"`
	Timezone        string `json:"timezone"`
	// PublicURL is the address the browser used, unless the owner edited
	// it: links in notifications need it from the first alert on.
	PublicURL string `json:"public_url"`
}

func (r setupRequest) validate() error {
	return validation.ValidateStruct(&r,
		validation.Field(&r.Name, validation.Required, validation.Length(1, 255)),
		validation.Field(&r.Email, validation.Required, is.EmailFormat, validation.Length(3, 255)),
		validation.Field(&r.Password, validation.Required, validation.Length(10, 71)),
		validation.Field(&r.PasswordConfirm, validation.Required, validation.In(r.Password).Error("Passwords don't match.")),
		validation.Field(&r.Language, validation.In("fr", "en")),
		validation.Field(&r.BusinessName, validation.Length(0, 200)),
		validation.Field(&r.Timezone, validation.By(settings.ValidTimezone)),
		validation.Field(&r.PublicURL, validation.Length(0, 500), is.URL, validation.By(httpURL)),
	)
}

// registerSetup adds the first-run routes. The SPA asks GET /api/md/setup
// whether an owner must be created, then POSTs the form once. After the
// first user exists the POST answers 403 forever: it cannot be used to slip
// a second owner in.
func (h *hub) registerSetup() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/md/setup")
		g.GET("", func(e *core.RequestEvent) error {
			n, err := countOwners(e.App)
			if err != nil {
				return err
			}
			return e.JSON(http.StatusOK, map[string]any{"needed": n == 0})
		})
		g.POST("", h.handleSetup)
		return se.Next()
	})
	return nil
}

func (h *hub) handleSetup(e *core.RequestEvent) error {
	var req setupRequest
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
			return errSetupDone
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
	if errors.Is(err, errSetupDone) {
		return apis.NewForbiddenError("Mentiondesk is already set up: sign in instead.", nil)
	}
	if err != nil {
		return apis.NewBadRequestError("Could not create the owner account.", err)
	}
	return apis.RecordAuthResponse(e, owner, "password", nil)
}

var errSetupDone = errors.New("hooks: setup already done")

// saveBrandKeyword makes the business name the first brand keyword, so the
// first source an owner adds already finds them. One keyword covers the
// forms people write it in: the matcher folds case and accents ("cafe
// lune") and reads glued hashtags and handles (#CafeLune, @cafelune).
func saveBrandKeyword(tx core.App, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	if _, err := analysis.NewMatcher([]analysis.Keyword{{Term: name, Kind: analysis.KindBrand}}); err != nil {
		return nil // no word to match ("!!!"): the owner adds keywords later
	}
	// Already there (the demo's data, a keyword the superuser added):
	// nothing to add, and setup must not fail on it.
	existing, err := tx.FindAllRecords("keywords")
	if err != nil {
		return err
	}
	for _, k := range existing {
		if normalize.Fold(k.GetString("term")) == normalize.Fold(name) {
			return nil
		}
	}
	col, err := tx.FindCollectionByNameOrId("keywords")
	if err != nil {
		return err
	}
	kw := core.NewRecord(col)
	kw.Set("term", name)
	kw.Set("kind", analysis.KindBrand)
	kw.Set("language", model.LangAny)
	return tx.Save(kw)
}

// httpURL accepts an empty value or an http(s) address.
func httpURL(v any) error {
	s, _ := v.(string)
	if s == "" {
		return nil
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return validation.NewError("validation_invalid_url", "Must be a valid url.")
	}
	return nil
}

func countOwners(app core.App) (int64, error) {
	return app.CountRecords("users", dbx.HashExp{"role": "owner"})
}

// registerPasswordResetCheck answers "forgot password" at once when the
// server cannot send mail: PocketBase would accept the request and the
// owner would wait for an e-mail that never leaves.
func (h *hub) registerPasswordResetCheck() error {
	h.app.OnRecordRequestPasswordResetRequest("users").BindFunc(func(e *core.RecordRequestPasswordResetRequestEvent) error {
		if !e.App.Settings().SMTP.Enabled {
			return apis.NewBadRequestError("Password reset needs the server's mail settings: ask the person who runs Mentiondesk, or reset it with `mentiondesk superuser` and the admin UI.", nil)
		}
		return e.Next()
	})
	return nil
}
