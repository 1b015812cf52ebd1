package replies

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/normalize"
	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// Reply templates keep a reply personal: placeholders are filled from the
// ticket, and a placeholder nobody can fill is refused when the template is
// saved, not discovered by a customer reading "Bonjour {{frist_name}}".
var builtinPlaceholders = []string{"first_name", "name", "handle", "business", "agent", "ticket_link"}

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// registerTemplates refuses a template with a placeholder nobody can fill
// and serves the values and previews the composer shows.
func registerTemplates(app core.App) {
	check := func(e *core.RecordRequestEvent) error {
		body := e.Record.GetString("body")
		if unknown := unknownPlaceholders(body, customVars(e.App)); len(unknown) > 0 {
			msg := fmt.Sprintf("Unknown placeholder %s. Available: %s.", strings.Join(unknown, ", "), strings.Join(availablePlaceholders(e.App), ", "))
			return apis.NewBadRequestError("This template has a placeholder that cannot be filled.", validation.Errors{
				"body": validation.NewError("validation_unknown_placeholder", msg),
			})
		}
		if strings.Count(body, "{{") != strings.Count(body, "}}") {
			return apis.NewBadRequestError("This template has unbalanced braces.", validation.Errors{
				"body": validation.NewError("validation_unbalanced_braces", "Every {{ needs its }}."),
			})
		}
		return e.Next()
	}
	app.OnRecordCreateRequest("templates").BindFunc(check)
	app.OnRecordUpdateRequest("templates").BindFunc(check)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/tickets/{id}/template-values", handleTemplateValues).Bind(apis.RequireAuth("users"))
		se.Router.GET("/api/md/templates/{id}/preview", handleTemplatePreview).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
}

func customVars(app core.App) map[string]string {
	out := map[string]string{}
	if s, err := app.FindRecordById("settings", pb_migrations.SettingsID); err == nil {
		_ = s.UnmarshalJSONField("template_vars", &out)
	}
	return out
}

func availablePlaceholders(app core.App) []string {
	out := slices.Clone(builtinPlaceholders)
	for k := range customVars(app) {
		out = append(out, k)
	}
	slices.Sort(out[len(builtinPlaceholders):])
	for i := range out {
		out[i] = "{{" + out[i] + "}}"
	}
	return out
}

func unknownPlaceholders(body string, custom map[string]string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
		name := m[1]
		if slices.Contains(builtinPlaceholders, name) {
			continue
		}
		if _, ok := custom[name]; ok {
			continue
		}
		if !slices.Contains(out, "{{"+name+"}}") {
			out = append(out, "{{"+name+"}}")
		}
	}
	return out
}

// TemplateValues are the placeholder values for a ticket, as agent sees
// it; base is the server's address for the ticket link when the owner set
// no public URL.
func TemplateValues(app core.App, ticket, agent *core.Record, base string) map[string]string {
	vals := customVars(app)
	s, _ := settings.Load(app)
	vals["business"] = s.BusinessName
	if agent != nil {
		vals["agent"] = normalize.FirstName(agent.GetString("name"))
	}
	if s.PublicURL != "" {
		base = strings.TrimRight(s.PublicURL, "/")
	}
	vals["ticket_link"] = web.TicketLink(base, ticket.Id)
	if c, err := app.FindRecordById("contacts", ticket.GetString("contact")); err == nil {
		vals["handle"] = c.GetString("handle")
		vals["name"] = c.GetString("display_name")
	}
	vals["first_name"] = greetingName(vals["name"], vals["handle"])
	return vals
}

// greetingName is what a reply greets the customer by: the first word of
// their display name when it reads as a first name ("Claire Martin" →
// Claire), else the display name itself ("Boulangerie Fan"), else nothing,
// so "Bonjour {{first_name}}," becomes "Bonjour," — never a handle
// ("Bonjour lyonnais_du_69,"), which reads as a bot.
func greetingName(display, handle string) string {
	display = strings.TrimSpace(display)
	if display == "" || strings.ContainsAny(display, "@_/") || looksLikeHandle(display, handle) {
		return ""
	}
	first, _, _ := strings.Cut(display, " ")
	if isNameWord(first) {
		return first
	}
	return display
}

// isNameWord reports whether w is made of letters, with the hyphens and
// apostrophes of names (Jean-Luc, O'Neil), and at least two of them.
func isNameWord(w string) bool {
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == '-' || r == '\'' || r == '’':
		default:
			return false
		}
	}
	return letters >= 2
}

// looksLikeHandle: a display name that only repeats the handle.
func looksLikeHandle(display, handle string) bool {
	h := strings.ToLower(strings.TrimPrefix(handle, "@"))
	h, _, _ = strings.Cut(h, "@")
	return h != "" && strings.ToLower(display) == h
}

// FillTemplate puts vals into body. A known placeholder with no value is
// removed with the space before it ("Bonjour {{first_name}}," →
// "Bonjour,"); an unknown one stays, for the composer to flag.
func FillTemplate(body string, vals map[string]string) string {
	return emptyPlaceholderRE.ReplaceAllStringFunc(body, func(m string) string {
		name := emptyPlaceholderRE.FindStringSubmatch(m)[1]
		v, ok := vals[name]
		if !ok {
			return m
		}
		if v == "" {
			return ""
		}
		return m[:len(m)-len(strings.TrimLeft(m, " \t"))] + v
	})
}

// emptyPlaceholderRE is a placeholder with the blanks before it.
var emptyPlaceholderRE = regexp.MustCompile(`[ \t]*` + placeholderRE.String())

func handleTemplateValues(e *core.RequestEvent) error {
	t, err := e.App.FindRecordById("tickets", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Ticket not found.", nil)
	}
	return e.JSON(http.StatusOK, TemplateValues(e.App, t, e.Auth, web.PublicURL(e.App, e)))
}

func handleTemplatePreview(e *core.RequestEvent) error {
	tpl, err := e.App.FindRecordById("templates", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Template not found.", nil)
	}
	t, err := e.App.FindRecordById("tickets", e.Request.URL.Query().Get("ticket"))
	if err != nil {
		return apis.NewBadRequestError("Say which ticket to preview the template for (?ticket=).", nil)
	}
	vals := TemplateValues(e.App, t, e.Auth, web.PublicURL(e.App, e))
	return e.JSON(http.StatusOK, map[string]any{"text": FillTemplate(tpl.GetString("body"), vals), "values": vals})
}
