package hooks

import (
	"errors"
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// API errors speak the user's language. Our messages and PocketBase's
// common ones are written in English in the code; for a user whose
// language is French (the users.language field, else Accept-Language) the
// error's message and its field messages are translated on the way out.
// Field codes stay as they are, for programs.
func (h *hub) registerLocale() error {
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: "mdLocalizeErrors",
			Func: func(e *core.RequestEvent) error {
				err := e.Next()
				if err == nil || requestLang(e) != "fr" {
					return err
				}
				var apiErr *router.ApiError
				if !errors.As(err, &apiErr) {
					apiErr = router.ToApiError(err)
				}
				localizeAPIError(apiErr)
				return apiErr
			},
			Priority: -1000, // outermost: sees every route's error
		})
		return se.Next()
	})
	return nil
}

func requestLang(e *core.RequestEvent) string {
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

func localizeAPIError(e *router.ApiError) {
	e.Message = toFrench(e.Message)
	for _, v := range e.Data {
		if m, ok := v.(map[string]any); ok {
			if msg, ok := m["message"].(string); ok {
				m["message"] = toFrench(msg)
			}
		}
	}
}

// toFrench translates a known message, or returns it unchanged.
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
	// Ours
	"Passwords don't match.":                                   "Les mots de passe ne correspondent pas.",
	"Please check the highlighted fields.":                     "Vérifiez les champs signalés.",
	"Invalid request body.":                                    "Requête illisible.",
	"Could not create the owner account.":                      "Impossible de créer le compte propriétaire.",
	"Mentiondesk is already set up: sign in instead.":          "Mentiondesk est déjà configuré : connectez-vous.",
	"Unknown timezone; use a name such as Europe/Paris.":       "Fuseau horaire inconnu ; utilisez un nom comme Europe/Paris.",
	"Unknown timezone.":                                        "Fuseau horaire inconnu.",
	"Use a name such as Europe/Paris or America/Toronto.":      "Utilisez un nom comme Europe/Paris ou America/Toronto.",
	"These business hours cannot be used.":                     "Ces horaires d’ouverture sont inutilisables.",
	"This keyword cannot be used.":                             "Ce mot-clé est inutilisable.",
	"This template has a placeholder that cannot be filled.":   "Ce modèle contient une variable inconnue.",
	"This template has unbalanced braces.":                     "Accolades mal fermées dans ce modèle.",
	"Every {{ needs its }}.":                                   "Chaque {{ doit avoir son }}.",
	"The reply is empty.":                                      "La réponse est vide.",
	"Only a failed reply can be retried.":                      "Seule une réponse en échec peut être renvoyée.",
	"Only the owner can do this.":                              "Seul le propriétaire peut faire cela.",
	"Type at least one word to search for.":                    "Tapez au moins un mot à rechercher.",
	"The search could not run.":                                "La recherche a échoué.",
	"Ticket not found.":                                        "Ticket introuvable.",
	"Reply not found.":                                         "Réponse introuvable.",
	"Source not found.":                                        "Source introuvable.",
	"Template not found.":                                      "Modèle introuvable.",
	"Webhook source not found.":                                "Source webhook introuvable.",
	"Notification target not found.":                           "Destinataire de notification introuvable.",
	"No enabled webhook source here.":                          "Aucune source webhook active à cette adresse.",
	"Invalid credentials.":                                     "Identifiants invalides.",
	"Exports are tickets.csv, mentions.csv and replies.csv.":   "Les exports sont tickets.csv, mentions.csv et replies.csv.",
	"Say which ticket to preview the template for (?ticket=).": "Indiquez le ticket pour l’aperçu du modèle (?ticket=).",
	"Webhook sources are not polled: they receive mentions when your tool calls their URL.": "Une source webhook n’est pas interrogée : elle reçoit les mentions quand votre outil appelle son adresse.",
	"Check at most every 30 seconds: platforms block clients that poll faster.":             "Au plus une vérification toutes les 30 secondes : les plateformes bloquent les clients trop pressés.",
	"Give the hashtag or the words to search for.":                                          "Indiquez le hashtag ou les mots à rechercher.",
	"Give the words to search for, a subreddit, or your private feed URL.":                  "Indiquez les mots à rechercher, un subreddit ou l’adresse de votre flux privé.",
	"Give the words to search for, e.g. \"Café Lune\".":                                     "Indiquez les mots à rechercher, par exemple « Café Lune ».",
	"Give your Mastodon instance, e.g. https://mastodon.social.":                            "Indiquez votre instance Mastodon, par exemple https://mastodon.social.",
	"Paste the feed's address (RSS, Atom, JSON Feed or a Google Alerts feed).":              "Collez l’adresse du flux (RSS, Atom, JSON Feed ou flux Google Alertes).",
	"Give the IMAP server as imaps://mail.example.com (or imap://… with STARTTLS).":         "Indiquez le serveur IMAP sous la forme imaps://mail.example.com (ou imap://… avec STARTTLS).",
	"Give one e-mail address, e.g. owner@example.com.":                                      "Indiquez une seule adresse e-mail, par exemple patron@example.com.",
	"Give the number with its country code, e.g. +33612345678.":                             "Indiquez le numéro avec l’indicatif du pays, par exemple +33612345678.",
	"Give the topic URL, e.g. https://ntfy.sh/my-cafe-alerts.":                              "Indiquez l’adresse du sujet, par exemple https://ntfy.sh/alertes-du-cafe.",
	"Paste the webhook URL.":                  "Collez l’adresse du webhook.",
	"The body is too large.":                  "Le contenu est trop volumineux.",
	"Bad WebSub signature.":                   "Signature WebSub invalide.",
	"This source is being checked right now.": "Cette source est en cours de vérification.",
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
