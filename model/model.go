// Package model is Mentiondesk's vocabulary, written once: the values a
// field may take (source kinds, ticket statuses, languages...) and the
// paths of the app's screens. The server reads it, the app's constants
// (ui/src/lib/model.gen.js) are generated from it, and a test holds the
// database schema to it, so the three can no longer drift apart: a keyword
// language the form saves is one the matcher knows, a ticket link the
// server sends is one the app routes.
//
// It imports nothing of the project and nothing of PocketBase.
//
//go:generate go run ../tools/genui
package model

import "strings"

// Source kinds, in the order the app offers them. A source's kind is also
// the channel of the mentions and tickets it brings.
const (
	KindFeed       = "feed"
	KindMastodon   = "mastodon"
	KindBluesky    = "bluesky"
	KindHackerNews = "hackernews"
	KindReddit     = "reddit"
	KindWebhook    = "webhook"
	KindEmail      = "email"
	// The channels an owner connects with OAuth (ConnectProviders).
	KindGoogleReviews = "google_reviews"
	KindFacebook      = "facebook"
	KindInstagram     = "instagram"
	KindYouTube       = "youtube"
	KindX             = "x"
)

var SourceKinds = []string{KindFeed, KindMastodon, KindBluesky, KindHackerNews, KindReddit, KindWebhook, KindEmail,
	KindGoogleReviews, KindFacebook, KindInstagram, KindYouTube, KindX}

// OAuth providers: the platform account a source is connected with.
const (
	ProviderGoogle = "google"
	ProviderMeta   = "meta"
	ProviderX      = "x"
)

// ConnectProviders maps the kinds an owner connects with a "Connect"
// button (instead of typing a token) to the provider whose consent screen
// the button opens.
var ConnectProviders = map[string]string{
	KindGoogleReviews: ProviderGoogle,
	KindYouTube:       ProviderGoogle,
	KindFacebook:      ProviderMeta,
	KindInstagram:     ProviderMeta,
	KindX:             ProviderX,
}

// Ticket statuses. New and open wait on us, pending waits on the customer.
const (
	StatusNew      = "new"
	StatusOpen     = "open"
	StatusPending  = "pending"
	StatusResolved = "resolved"
	StatusIgnored  = "ignored"
)

var TicketStatuses = []string{StatusNew, StatusOpen, StatusPending, StatusResolved, StatusIgnored}

var Priorities = []string{"low", "normal", "high", "urgent"}

// KeywordKinds: what a keyword names. Exclude suppresses the others.
var KeywordKinds = []string{"brand", "product", "competitor", "exclude"}

// TriageActions: what ingest did with a mention.
var TriageActions = []string{"ticket", "logged", "ignored", "dropped"}

// Replies: how one goes out, and where it stands.
var (
	ReplyVias     = []string{"platform", "email", "manual", "note"}
	ReplyStatuses = []string{"draft", "queued", "sending", "sent", "failed"}
)

// ReplyLimit is the longest reply a platform accepts, and what it counts.
type ReplyLimit struct {
	Max  int
	Unit string // "characters" (code points) or "graphemes" (what people see as one)
}

// ReplyLimits are the platforms' limits the composer counts down to and
// the server enforces before queueing a reply.
var ReplyLimits = map[string]ReplyLimit{
	KindBluesky:  {300, "graphemes"},
	KindMastodon: {500, "characters"},
	// X counts a URL as 23 and some characters (emoji, CJK) as two; the
	// platform refuses what this count lets through, and says so.
	KindX: {280, "characters"},
}

// NotificationKinds: where an alert is delivered.
var NotificationKinds = []string{"webpush", "ntfy", "slack", "discord", "webhook", "email", "sms"}

var SentimentLabels = []string{"negative", "neutral", "positive"}

var Intents = []string{"question", "complaint", "praise", "other"}

// Languages. A mention is in one of MentionLanguages; a keyword or a
// template applies to one of KeywordLanguages, LangAny meaning all.
const (
	LangAny   = "any"
	LangFR    = "fr"
	LangEN    = "en"
	LangOther = "other"
)

var (
	MentionLanguages  = []string{LangFR, LangEN, LangOther}
	KeywordLanguages  = []string{LangAny, LangFR, LangEN}
	TemplateLanguages = []string{LangFR, LangEN}
	// UILanguages are the languages the app and notifications speak.
	UILanguages = []string{LangFR, LangEN}
)

// AppliesTo reports whether something set for language lang (a keyword,
// a template) applies to a text in language text. Empty and LangAny apply
// to every text, and every setting applies to a text of unknown language.
func AppliesTo(lang, text string) bool {
	return lang == "" || lang == LangAny || text == "" || lang == text
}

// Routes of the app's screens, as the app's router matches them; ":id"
// stands for a record id.
var Routes = map[string]string{
	"inbox":           "/",
	"ticket":          "/t/:id",
	"dashboard":       "/dashboard",
	"sources":         "/sources",
	"source":          "/sources/:id",
	"settings":        "/settings",
	"settingsSection": "/settings/:section",
}

// TicketPath is the app's path of a ticket, for links in notifications,
// templates and e-mails.
func TicketPath(id string) string {
	return strings.Replace(Routes["ticket"], ":id", id, 1)
}
