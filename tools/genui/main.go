// Command genui writes the app's constants (ui/src/lib/model.gen.js) from
// package model, so the app and the server share one vocabulary. It runs
// with `go generate ./model`; CI fails when the committed file is stale.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	"github.com/mentiondesk/mentiondesk/model"
)

func main() {
	out := filepath.Join("..", "ui", "src", "lib", "model.gen.js")
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := os.WriteFile(out, render(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func render() []byte {
	var b bytes.Buffer
	b.WriteString("// Generated from model/model.go by `go generate ./model`. Do not edit.\n\n")
	lists := []struct {
		name   string
		values []string
	}{
		{"SOURCE_KINDS", model.SourceKinds},
		{"TICKET_STATUSES", model.TicketStatuses},
		{"PRIORITIES", model.Priorities},
		{"SENTIMENTS", model.SentimentLabels},
		{"INTENTS", model.Intents},
		{"KEYWORD_KINDS", model.KeywordKinds},
		{"TRIAGE_ACTIONS", model.TriageActions},
		{"REPLY_STATUSES", model.ReplyStatuses},
		{"NOTIFICATION_KINDS", model.NotificationKinds},
		{"TEMPLATE_LANGUAGES", model.TemplateLanguages},
		{"MENTION_LANGUAGES", model.MentionLanguages},
		{"KEYWORD_LANGUAGES", model.KeywordLanguages},
		{"UI_LANGUAGES", model.UILanguages},
	}
	for _, l := range lists {
		fmt.Fprintf(&b, "export const %s = %s\n", l.name, js(l.values))
	}
	fmt.Fprintf(&b, "export const LANG_ANY = %s\n\n", js(model.LangAny))
	limits := map[string]int{}
	for kind, l := range model.ReplyLimits {
		limits[kind] = l.Max
	}
	fmt.Fprintf(&b, "// The longest reply each platform accepts.\nexport const REPLY_LIMITS = %s\n\n", js(limits))
	fmt.Fprintf(&b, "// The kinds connected with OAuth, and the provider of each.\nexport const CONNECT_PROVIDERS = %s\n\n", js(model.ConnectProviders))
	b.WriteString("// The server's messages by stable code; {name} stands for a parameter.\nexport const MESSAGES = {\n")
	for _, code := range model.ErrorCodes() {
		m, _ := model.Lookup(code)
		fmt.Fprintf(&b, "  %s: { en: %s, fr: %s },\n", code, js(m.EN), js(m.FR))
	}
	b.WriteString("}\n\n")
	names := make([]string, 0, len(model.Routes))
	for n := range model.Routes {
		names = append(names, n)
	}
	sort.Strings(names)
	b.WriteString("// The app's screens, as its router matches them.\nexport const ROUTES = {\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s: %s,\n", n, js(model.Routes[n]))
	}
	b.WriteString("}\n\n/** The app's path of a ticket: the one the server's links use. */\nexport function ticketPath(id) {\n  return ROUTES.ticket.replace(':id', id)\n}\n")
	return b.Bytes()
}

func js(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	return string(out)
}
