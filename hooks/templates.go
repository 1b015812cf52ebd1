package hooks

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// Reply templates keep a reply personal: placeholders are filled from the
// ticket, and a placeholder nobody can fill is refused when the template is
// saved, not discovered by a customer reading "Bonjour {{frist_name}}".
var builtinPlaceholders = []string{"first_name", "name", "handle", "business", "agent", "ticket_link"}

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

func (h *hub) registerTemplates() error {
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
	h.app.OnRecordCreateRequest("templates").BindFunc(check)
	h.app.OnRecordUpdateRequest("templates").BindFunc(check)
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/md/tickets/{id}/template-values", h.handleTemplateValues).Bind(apis.RequireAuth("users"))
		se.Router.GET("/api/md/templates/{id}/preview", h.handleTemplatePreview).Bind(apis.RequireAuth("users"))
		return se.Next()
	})
	return nil
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

// templateValues are the placeholder values for a ticket, as agent sees it.
func (h *hub) templateValues(app core.App, ticket, agent *core.Record, base string) map[string]string {
	vals := customVars(app)
	s, _ := loadSettings(app)
	vals["business"] = s.BusinessName
	if agent != nil {
		vals["agent"] = firstNameOf(agent.GetString("name"))
	}
	if s.PublicURL != "" {
		base = strings.TrimRight(s.PublicURL, "/")
	}
	vals["ticket_link"] = ticketLink(base, ticket.Id)
	if c, err := app.FindRecordById("contacts", ticket.GetString("contact")); err == nil {
		vals["handle"] = c.GetString("handle")
		vals["name"] = c.GetString("display_name")
		vals["first_name"] = firstNameOf(c.GetString("display_name"))
	}
	if vals["first_name"] == "" {
		// No display name: greet by handle rather than leave a gap.
		vals["first_name"] = strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(vals["handle"], "@"), "@", 2)[0], "u/")
	}
	return vals
}

// firstNameOf takes the first word of a display name; handles and e-mail
// addresses are not names.
func firstNameOf(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "@") {
		return ""
	}
	first, _, _ := strings.Cut(name, " ")
	return first
}

func fillTemplate(body string, vals map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(body, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := vals[name]; ok {
			return v
		}
		return m
	})
}

func (h *hub) handleTemplateValues(e *core.RequestEvent) error {
	t, err := e.App.FindRecordById("tickets", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Ticket not found.", nil)
	}
	return e.JSON(http.StatusOK, h.templateValues(e.App, t, e.Auth, h.publicURL(e)))
}

func (h *hub) handleTemplatePreview(e *core.RequestEvent) error {
	tpl, err := e.App.FindRecordById("templates", e.Request.PathValue("id"))
	if err != nil {
		return apis.NewNotFoundError("Template not found.", nil)
	}
	t, err := e.App.FindRecordById("tickets", e.Request.URL.Query().Get("ticket"))
	if err != nil {
		return apis.NewBadRequestError("Say which ticket to preview the template for (?ticket=).", nil)
	}
	vals := h.templateValues(e.App, t, e.Auth, h.publicURL(e))
	return e.JSON(http.StatusOK, map[string]any{"text": fillTemplate(tpl.GetString("body"), vals), "values": vals})
}
