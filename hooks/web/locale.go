// Package web is the HTTP edge every route shares: errors in the user's
// language with stable codes, the owner-only guard, capped bodies, and
// the addresses of the instance and of a ticket in the app.
package web

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/mentiondesk/mentiondesk/model"
)

// API errors speak the user's language and carry a stable code. Our
// messages are written in English in the code and listed, with their code
// and French, in model.Messages; PocketBase's common ones are translated
// here. On the way out an error of ours gains its "code" (the app
// translates by code), and for a user whose language is French (the
// users.language field, else Accept-Language) the message and its field
// messages are translated. Field codes are PocketBase's validation codes
// and stay as they are, for programs.
func Register(app core.App) error {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: "mdLocalizeErrors",
			Func: func(e *core.RequestEvent) error {
				err := e.Next()
				if err == nil {
					return nil
				}
				var apiErr *router.ApiError
				if !errors.As(err, &apiErr) {
					apiErr = router.ToApiError(err)
				}
				lang := RequestLang(e)
				code := localizeAPIError(apiErr, lang)
				if code == "" || apiErr.Status >= 500 || e.Written() {
					return apiErr // PocketBase writes and logs it
				}
				// encoding/json sorts map keys; PocketBase's json/v2 writer
				// would give field errors a different order each time.
				body, merr := json.Marshal(codedError{apiErr, code})
				if merr != nil {
					return apiErr
				}
				return e.Blob(apiErr.Status, "application/json", body)
			},
			Priority: -1000, // outermost: sees every route's error
		})
		return se.Next()
	})
	return nil
}

// codedError is PocketBase's error body with our stable code beside it.
type codedError struct {
	*router.ApiError
	Code string `json:"code"`
}

func RequestLang(e *core.RequestEvent) string {
	if e.Auth != nil && e.Auth.Collection().Name == "users" {
		if l := e.Auth.GetString("language"); l != "" {
			return l
		}
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(e.Request.Header.Get("Accept-Language"))), "fr") {
		return "fr"
	}
	return "en"
}

// localizeAPIError translates e for lang and returns the code of its
// message when it is one of ours.
func localizeAPIError(e *router.ApiError, lang string) (code string) {
	if m, ok := model.MessageOf(e.Message); ok {
		code = m.Code
	}
	e.Message = Translate(e.Message, lang)
	for _, v := range e.Data {
		if m, ok := v.(map[string]any); ok {
			if msg, ok := m["message"].(string); ok {
				m["message"] = Translate(msg, lang)
			}
		}
	}
	return code
}

// Translate returns msg in lang when it is known, else unchanged.
func Translate(msg, lang string) string {
	if lang != model.LangFR {
		return msg
	}
	if m, params, ok := model.MatchMessage(msg); ok {
		return m.Render(lang, params)
	}
	return toFrench(msg)
}

// toFrench translates one of PocketBase's messages, or returns it unchanged.
func toFrench(msg string) string {
	if fr, ok := frMessages[msg]; ok {
		return fr
	}
	for _, p := range frPatterns {
		if p.re.MatchString(msg) {
			return p.re.ReplaceAllString(msg, p.fr)
		}
	}
	return msg
}

var frMessages = map[string]string{
	// PocketBase
	"The requested resource wasn't found.":                "Élément introuvable.",
	"Missing or invalid authentication.":                  "Connexion requise ou expirée : reconnectez-vous.",
	"You are not allowed to perform this request.":        "Vous n’avez pas le droit de faire cela.",
	"Something went wrong while processing your request.": "Une erreur est survenue pendant le traitement de votre demande.",
	"Failed to create record.":                            "Impossible d’enregistrer.",
	"Failed to update record.":                            "Impossible d’enregistrer les modifications.",
	"Failed to delete record. Make sure that the record is not part of a required relation reference.": "Suppression impossible : d’autres éléments en dépendent.",
	"Failed to authenticate.":                                "Adresse e-mail ou mot de passe incorrect.",
	"Something went wrong.":                                  "Une erreur est survenue.",
	"Too Many Requests.":                                     "Trop de demandes : réessayez dans un instant.",
	"Cannot be blank.":                                       "Obligatoire.",
	"Must be a valid email address.":                         "Adresse e-mail invalide.",
	"Must be a valid url.":                                   "Adresse web invalide.",
	"Invalid value.":                                         "Valeur invalide.",
	"Value must be unique.":                                  "Cette valeur existe déjà.",
	"Values don't match.":                                    "Les valeurs ne correspondent pas.",
	"Invalid or missing file.":                               "Fichier manquant ou invalide.",
	"Invalid or missing record id.":                          "Identifiant manquant ou invalide.",
	"An error occurred while validating the submitted data.": "Certains champs sont invalides.",
}

var frPatterns = []struct {
	re *regexp.Regexp
	fr string
}{
	{regexp.MustCompile(`^The length must be between (\d+) and (\d+)\.$`), "Entre $1 et $2 caractères."},
	{regexp.MustCompile(`^The length must be no more than (\d+)\.$`), "$1 caractères au plus."},
	{regexp.MustCompile(`^The length must be no less than (\d+)\.$`), "Au moins $1 caractères."},
	{regexp.MustCompile(`^Must be at least (\d+) character\(s\)\.*$`), "Au moins $1 caractères."},
	{regexp.MustCompile(`^Must be less than (\d+) character\(s\)\.*$`), "Moins de $1 caractères."},
	{regexp.MustCompile(`^Too long for (\w+): (\d+) (characters|graphemes), the limit is (\d+)\.$`), "Trop long pour $1 : $2 caractères, la limite est $4."},
	{regexp.MustCompile(`^Unknown placeholder (.+)\. Available: (.+)\.$`), "Variable inconnue $1. Disponibles : $2."},
	{regexp.MustCompile(`^Invalid period: (.+)\.$`), "Période invalide : $1."},
	{regexp.MustCompile(`^At most (\d+) characters\.$`), "$1 caractères au plus."},
	{regexp.MustCompile(`^[Bb]ad keyword: (".*") has no word to match\.?$`), "Le mot-clé $1 ne contient aucun mot."},
}

// WriteError writes an error answer the way the middleware would, for the
// routes whose answer carries more than PocketBase keeps in an error's
// data (a check's next allowed time): the message in the user's
// language, its code, and data as given.
func WriteError(e *core.RequestEvent, status int, msg string, data map[string]any) error {
	body := map[string]any{"status": status, "message": Translate(msg, RequestLang(e)), "data": data}
	if m, _, ok := model.MatchMessage(msg); ok {
		body["code"] = m.Code
	}
	if data == nil {
		body["data"] = map[string]any{}
	}
	out, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return e.Blob(status, "application/json", out)
}
