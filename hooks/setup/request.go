package setup

import (
	"net/url"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"

	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// request is the first-run form: the owner account and the business.
type request struct {
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

func (r request) validate() error {
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
