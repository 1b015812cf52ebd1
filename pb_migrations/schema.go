// Package pb_migrations holds every change to Mentiondesk's database as Go
// migrations. main.go blank-imports it; each file registers itself in init.
// Each migration has a real down step so `migrate down` works on any copy.
package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// API rules shared by every collection. Nothing is world-readable: the
// first clause keeps anonymous callers and superuser-less tokens of other
// auth collections out; owners manage configuration, agents work tickets.
const (
	RuleMember = `@request.auth.id != "" && @request.auth.collectionName = "users"`
	RuleOwner  = RuleMember + ` && @request.auth.role = "owner"`
)

func rule(s string) *string { return types.Pointer(s) }

// collectionSpec keeps migrations declarative: the rules and fields of a
// collection read as one table instead of forty Add calls.
type collectionSpec struct {
	name                               string
	list, view, create, update, delete *string
	fields                             []core.Field
	indexes                            [][4]string // name, unique("1"/""), columns, where
	timestamps                         bool
}

func (s collectionSpec) build(app core.App) (*core.Collection, error) {
	c := core.NewBaseCollection(s.name)
	c.ListRule, c.ViewRule = s.list, s.view
	c.CreateRule, c.UpdateRule, c.DeleteRule = s.create, s.update, s.delete
	for _, f := range s.fields {
		// Relations are declared by collection name; resolve to ids here.
		if rel, ok := f.(*core.RelationField); ok && rel.CollectionId != "" {
			target, err := app.FindCollectionByNameOrId(rel.CollectionId)
			if err != nil {
				return nil, err
			}
			rel.CollectionId = target.Id
		}
		c.Fields.Add(f)
	}
	if s.timestamps {
		c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
		c.Fields.Add(&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
	}
	for _, ix := range s.indexes {
		c.AddIndex(ix[0], ix[1] == "1", ix[2], ix[3])
	}
	return c, nil
}

func text(name string, max int) *core.TextField { return &core.TextField{Name: name, Max: max} }
func reqText(name string, max int) *core.TextField {
	return &core.TextField{Name: name, Max: max, Required: true}
}
func hiddenText(name string, max int) *core.TextField {
	return &core.TextField{Name: name, Max: max, Hidden: true}
}
func sel(name string, required bool, values ...string) *core.SelectField {
	return &core.SelectField{Name: name, Values: values, MaxSelect: 1, Required: required}
}
func multi(name string, values ...string) *core.SelectField {
	return &core.SelectField{Name: name, Values: values, MaxSelect: len(values)}
}
func num(name string, min, max float64, onlyInt bool) *core.NumberField {
	return &core.NumberField{Name: name, Min: types.Pointer(min), Max: types.Pointer(max), OnlyInt: onlyInt}
}
func flag(name string) *core.BoolField { return &core.BoolField{Name: name} }
func date(name string) *core.DateField { return &core.DateField{Name: name} }
func js(name string, max int64) *core.JSONField {
	return &core.JSONField{Name: name, MaxSize: max}
}
func hiddenJSON(name string, max int64) *core.JSONField {
	return &core.JSONField{Name: name, MaxSize: max, Hidden: true}
}
func rel(name, collection string, required, cascade bool) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: collection, MaxSelect: 1, Required: required, CascadeDelete: cascade}
}
func ix(name string, unique bool, cols, where string) [4]string {
	u := ""
	if unique {
		u = "1"
	}
	return [4]string{name, u, cols, where}
}

// Values of the select fields; the hooks and the UI use the same words.
var (
	SourceKinds     = []string{"feed", "mastodon", "bluesky", "hackernews", "reddit", "webhook", "email"}
	TicketStatuses  = []string{"new", "open", "pending", "resolved", "ignored"}
	Priorities      = []string{"low", "normal", "high", "urgent"}
	SentimentLabels = []string{"negative", "neutral", "positive"}
	Intents         = []string{"question", "complaint", "praise", "other"}
	Languages       = []string{"fr", "en", "other"}
)

func schemaSpecs() []collectionSpec {
	member, owner := rule(RuleMember), rule(RuleOwner)
	return []collectionSpec{
		{
			name: "settings", list: member, view: member, update: owner, timestamps: true,
			fields: []core.Field{
				text("business_name", 200),
				reqText("timezone", 64),
				// {"week":{"mon":[["09:00","18:00"]],...},"holidays":["2026-12-25"]}
				js("business_hours", 20000),
				flag("sla_business_hours"),
				num("first_response_target_min", 1, 100000, true),
				num("first_response_limit_min", 1, 100000, true),
				num("resolution_target_min", 0, 1000000, true),
				js("priority_overrides", 5000), // {"urgent":{"first_response_target_min":15}}
				flag("allow_private_urls"),
				// Praise is logged as a resolved ticket unless the owner
				// wants to thank every compliment.
				flag("thank_praise"),
				text("vapid_public", 200),
				hiddenText("vapid_private", 200),
				text("public_url", 500), // used in notifications and {{ticket_link}}
				// The owner's own template placeholders: {"opening_hours": "7h30–18h"}.
				js("template_vars", 20000),
			},
		},
		{
			name: "sources", list: member, view: member, create: owner, update: owner, delete: owner, timestamps: true,
			fields: []core.Field{
				sel("kind", true, SourceKinds...),
				reqText("name", 120),
				text("url", 2000),
				text("query", 500),
				js("options", 10000),
				// Secrets: hidden from every API response; owners write them
				// through the write-only "credentials" body key (hooks/secrets).
				hiddenJSON("credentials", 20000),
				flag("enabled"),
				num("interval_sec", 0, 86400*7, true),
				text("etag", 500),
				text("last_modified", 100),
				text("cursor", 2000),
				date("next_check_at"),
				date("last_check_at"),
				date("last_ok_at"),
				num("error_count", 0, 1e9, true),
				text("last_error", 2000),
				num("last_new", 0, 1e9, true),
				text("websub_hub", 2000),
				text("websub_topic", 2000),
				hiddenText("websub_secret", 200),
				date("websub_expires_at"),
				hiddenText("webhook_secret", 200),
			},
			indexes: [][4]string{ix("idx_sources_due", false, "enabled, next_check_at", "")},
		},
		{
			name: "keywords", list: member, view: member, create: owner, update: owner, delete: owner, timestamps: true,
			fields: []core.Field{
				reqText("term", 200),
				sel("kind", true, "brand", "product", "competitor", "exclude"),
				flag("case_sensitive"),
				sel("language", false, "any", "fr", "en"),
			},
			indexes: [][4]string{ix("idx_keywords_term", true, "term, kind", "")},
		},
		{
			name: "contacts", list: member, view: member, update: member, delete: owner, timestamps: true,
			fields: []core.Field{
				reqText("platform", 40),
				reqText("handle", 300),
				text("display_name", 300),
				&core.URLField{Name: "url"},
				num("tickets_count", 0, 1e9, true),
				num("last_sentiment", -1, 1, false),
				text("notes", 5000),
			},
			indexes: [][4]string{ix("idx_contacts_handle", true, "platform, handle", "")},
		},
		{
			name: "tickets", list: member, view: member, create: member, update: member, delete: owner, timestamps: true,
			fields: []core.Field{
				text("subject", 300),
				sel("status", true, TicketStatuses...),
				sel("priority", true, Priorities...),
				rel("assignee", "users", false, false),
				text("channel", 40),
				rel("source", "sources", false, false),
				rel("contact", "contacts", false, false),
				js("labels", 2000),
				// Praise logged without a reply does not count against the
				// response rate; everything else the triage opened does.
				flag("needs_answer"),
				date("first_mention_at"),
				date("last_customer_at"),
				date("first_response_at"),
				date("last_response_at"),
				date("resolved_at"),
				date("sla_due_at"),
				date("sla_limit_at"),
				flag("sla_at_risk"),
				flag("breached"),
				flag("answered_elsewhere"),
				num("reopened", 0, 1e9, true),
				num("mention_count", 0, 1e9, true),
				num("sentiment_start", -1, 1, false),
				num("sentiment_end", -1, 1, false),
				// Clock figures in seconds, wall-clock and business hours,
				// written by the SLA watcher so stats are plain SQL.
				num("first_response_sec", 0, 1e12, true),
				num("first_response_bh_sec", 0, 1e12, true),
				num("resolution_sec", 0, 1e12, true),
				num("resolution_bh_sec", 0, 1e12, true),
				js("status_seconds", 2000),
				date("status_since"),
				flag("win_back"),
			},
			indexes: [][4]string{
				ix("idx_tickets_status_due", false, "status, sla_due_at", ""),
				ix("idx_tickets_assignee", false, "assignee, status", ""),
				ix("idx_tickets_channel", false, "channel, first_mention_at", ""),
				ix("idx_tickets_first_mention", false, "first_mention_at", ""),
				ix("idx_tickets_contact", false, "contact, status", ""),
				ix("idx_tickets_breached", false, "breached, status", ""),
			},
		},
		{
			name: "mentions", list: member, view: member, timestamps: true,
			fields: []core.Field{
				rel("source", "sources", false, false),
				text("channel", 40),
				reqText("external_id", 1000),
				&core.URLField{Name: "url"},
				text("author", 300),
				text("author_name", 300),
				&core.URLField{Name: "author_url"},
				text("title", 1000),
				text("text", 40000),
				text("html", 200000),
				sel("language", false, Languages...),
				num("sentiment", -1, 1, false),
				sel("sentiment_label", false, SentimentLabels...),
				sel("intent", false, Intents...),
				js("keywords", 5000),
				text("in_reply_to", 1000),
				text("thread_key", 1000),
				rel("ticket", "tickets", false, false),
				rel("contact", "contacts", false, false),
				text("content_hash", 64),
				date("published_at"),
				date("fetched_at"),
				// What triage did: ticket, logged (praise, resolved without
				// reply), ignored (noise, rule), dropped (no brand match).
				sel("triage", false, "ticket", "logged", "ignored", "dropped"),
				text("triage_reason", 300),
				flag("own"),
				flag("repost"),
				flag("deleted"),
				js("meta", 20000),
			},
			indexes: [][4]string{
				ix("idx_mentions_external", true, "source, external_id", ""),
				// Threading: a reply names its parent by the platform's id,
				// which may have come in through another source.
				ix("idx_mentions_extid", false, "external_id", ""),
				ix("idx_mentions_thread", false, "thread_key, published_at", ""),
				ix("idx_mentions_ticket", false, "ticket, published_at", ""),
				ix("idx_mentions_published", false, "published_at", ""),
				ix("idx_mentions_hash", false, "content_hash, published_at", ""),
				ix("idx_mentions_author", false, "channel, author, published_at", ""),
				ix("idx_mentions_contact", false, "contact, published_at", ""),
			},
		},
		{
			name: "templates", list: member, view: member, create: member, update: member, delete: owner, timestamps: true,
			fields: []core.Field{
				reqText("name", 120),
				sel("language", false, "fr", "en"),
				reqText("body", 5000),
				js("tags", 2000),
				num("usage_count", 0, 1e9, true),
			},
		},
		{
			name: "replies", list: member, view: member, timestamps: true,
			// Agents write their own drafts and notes; the outbox owns the rest.
			create: rule(RuleMember + ` && @request.body.author = @request.auth.id`),
			update: rule(RuleMember + ` && author = @request.auth.id && (status = "draft" || status = "failed")`),
			delete: rule(RuleMember + ` && author = @request.auth.id && status = "draft"`),
			fields: []core.Field{
				rel("ticket", "tickets", true, true),
				rel("author", "users", false, false),
				reqText("body", 10000),
				rel("template", "templates", false, false),
				rel("in_reply_to", "mentions", false, false),
				sel("via", true, "platform", "email", "manual", "note"),
				sel("status", true, "draft", "queued", "sending", "sent", "failed"),
				num("attempts", 0, 1000, true),
				date("next_attempt_at"),
				text("idempotency_key", 100),
				text("external_id", 1000),
				&core.URLField{Name: "external_url"},
				text("error", 2000),
				date("sent_at"),
			},
			indexes: [][4]string{
				ix("idx_replies_ticket", false, "ticket, created", ""),
				ix("idx_replies_outbox", false, "status, next_attempt_at", ""),
				ix("idx_replies_idem", true, "idempotency_key", "idempotency_key != ''"),
				ix("idx_replies_external", false, "external_id", "external_id != ''"),
			},
		},
		{
			name: "rules", list: member, view: member, create: owner, update: owner, delete: owner, timestamps: true,
			fields: []core.Field{
				reqText("name", 120),
				num("position", 0, 1e6, true),
				flag("enabled"),
				multi("when_source_kind", SourceKinds...),
				text("when_keyword", 200),
				multi("when_sentiment", SentimentLabels...),
				multi("when_intent", Intents...),
				text("when_author", 300),
				text("when_text", 500),
				sel("set_priority", false, Priorities...),
				text("add_label", 60),
				rel("assign_to", "users", false, false),
				flag("ignore"),
				flag("notify"),
				flag("stop"),
			},
			indexes: [][4]string{ix("idx_rules_position", false, "enabled, position", "")},
		},
		{
			name: "ticket_events", list: member, view: member,
			fields: []core.Field{
				rel("ticket", "tickets", true, true),
				sel("kind", true, "customer_message", "reply", "answered_elsewhere", "status", "assign", "sla_at_risk", "sla_breached"),
				text("from", 40),
				text("to", 40),
				rel("actor", "users", false, false),
				rel("mention", "mentions", false, false),
				&core.DateField{Name: "at", Required: true},
			},
			indexes: [][4]string{ix("idx_ticket_events_ticket", false, "ticket, at", "")},
		},
		{
			name: "notifications", timestamps: true,
			list:   rule(RuleMember + ` && user = @request.auth.id`),
			view:   rule(RuleMember + ` && user = @request.auth.id`),
			create: rule(RuleMember + ` && @request.body.user = @request.auth.id`),
			update: rule(RuleMember + ` && user = @request.auth.id && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`),
			delete: rule(RuleMember + ` && user = @request.auth.id`),
			fields: []core.Field{
				rel("user", "users", true, true),
				sel("kind", true, "webpush", "ntfy", "slack", "discord", "webhook", "email", "sms"),
				text("name", 120),
				text("target", 2000),     // URL, topic, phone number or address
				js("subscription", 5000), // web push PushSubscription JSON
				hiddenText("secret", 500),
				flag("enabled"),
				multi("events", "new_ticket", "negative", "sla_at_risk", "sla_breached", "assigned", "digest"),
				date("last_sent_at"),
				text("last_error", 1000),
			},
			indexes: [][4]string{ix("idx_notifications_user", false, "user, enabled", "")},
		},
	}
}
