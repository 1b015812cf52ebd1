// Package notify is the pure part of Mentiondesk's notifications: the text
// of each message in French and English, quiet-hours maths, burst and
// quiet-hours digests, and one sender per channel over an injectable
// *http.Client. It imports nothing from PocketBase; hooks/notifier wires it
// to the database and the ticket events.
package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Event kinds. Reopened tickets count as new tickets for subscriptions:
// for the person on call both mean "someone is waiting".
const (
	KindNewTicket = "new_ticket"
	KindNegative  = "negative"
	KindReopened  = "reopened"
	KindAtRisk    = "sla_at_risk"
	KindBreached  = "sla_breached"
	KindAssigned  = "assigned"
	KindTest      = "test"
	KindDigest    = "digest"
)

// Subscription returns the event a target subscribes to in order to get
// kind (the notifications.events values).
func Subscription(kind string) string {
	if kind == KindReopened {
		return KindNewTicket
	}
	return kind
}

// Event is one ticket event with what a message shows about it.
type Event struct {
	Kind      string
	TicketID  string
	URL       string // opens the ticket in the app
	Author    string // who wrote: "Claire (@claire@mastodon.example)"
	Platform  string // the ticket's channel: mastodon, bluesky, email...
	Excerpt   string // the first words of the customer's first message
	Subject   string
	Priority  string // low, normal, high, urgent
	Negative  bool   // the first message reads negative
	Due       time.Time
	At        time.Time
	FromRule  bool // a triage rule asked for this notification
	Assigner  string
	Recipient string // for tests and logs: the user the message is for
}

// Message is what every channel renders in its own way.
type Message struct {
	Kind     string // an event kind or KindDigest
	TicketID string // empty for a digest about several tickets
	Title    string
	Body     string
	URL      string
	Tag      string // replaces an earlier notification about the same thing
	Urgent   bool   // SLA breached: delivered first, loudest
	Count    int    // events folded into a digest
}

// Platforms as people name them.
var platformNames = map[string]string{
	"mastodon": "Mastodon", "bluesky": "Bluesky", "hackernews": "Hacker News", "reddit": "Reddit",
	"feed": "Web", "webhook": "Webhook", "email": "E-mail",
}

// PlatformName is the display name of a channel.
func PlatformName(channel string) string {
	if n, ok := platformNames[channel]; ok {
		return n
	}
	if channel == "" {
		return "Web"
	}
	r, size := utf8.DecodeRuneInString(channel)
	return string(unicode.ToUpper(r)) + channel[size:]
}

// Lang normalises a user's language: French or English.
func Lang(l string) string {
	if strings.HasPrefix(strings.ToLower(l), "fr") {
		return "fr"
	}
	return "en"
}

type phrases struct {
	newTicket, negative, reopened, atRisk, breached, assigned, test string
	dueIn, lateBy, assignedBy, testBody, someone, noText            string
	digestTitle, more                                               string
	counts                                                          map[string][2]string // kind → singular, plural (with %d)
}

var texts = map[string]phrases{
	"en": {
		newTicket: "New ticket", negative: "Unhappy customer", reopened: "Ticket reopened",
		atRisk: "Answer soon", breached: "Late: still no answer", assigned: "Assigned to you",
		test:  "Mentiondesk test",
		dueIn: "due in %s", lateBy: "%s late", assignedBy: "by %s",
		testBody: "Notifications to this channel work. Tap to open Mentiondesk.",
		someone:  "Someone", noText: "(no text)",
		digestTitle: "Mentiondesk: %s", more: "and %d more",
		counts: map[string][2]string{
			KindNewTicket: {"%d new ticket", "%d new tickets"},
			KindReopened:  {"%d reopened ticket", "%d reopened tickets"},
			KindNegative:  {"%d unhappy customer", "%d unhappy customers"},
			KindAtRisk:    {"%d ticket due soon", "%d tickets due soon"},
			KindBreached:  {"%d late ticket", "%d late tickets"},
			KindAssigned:  {"%d ticket assigned to you", "%d tickets assigned to you"},
			KindTest:      {"%d test", "%d tests"},
		},
	},
	"fr": {
		newTicket: "Nouveau ticket", negative: "Client mécontent", reopened: "Ticket rouvert",
		atRisk: "À répondre vite", breached: "En retard : toujours sans réponse", assigned: "Ticket pour vous",
		test:  "Test Mentiondesk",
		dueIn: "échéance dans %s", lateBy: "%s de retard", assignedBy: "par %s",
		testBody: "Les notifications vers ce canal fonctionnent. Touchez pour ouvrir Mentiondesk.",
		someone:  "Quelqu'un", noText: "(sans texte)",
		digestTitle: "Mentiondesk : %s", more: "et %d autres",
		counts: map[string][2]string{
			KindNewTicket: {"%d nouveau ticket", "%d nouveaux tickets"},
			KindReopened:  {"%d ticket rouvert", "%d tickets rouverts"},
			KindNegative:  {"%d client mécontent", "%d clients mécontents"},
			KindAtRisk:    {"%d ticket bientôt en retard", "%d tickets bientôt en retard"},
			KindBreached:  {"%d ticket en retard", "%d tickets en retard"},
			KindAssigned:  {"%d ticket pour vous", "%d tickets pour vous"},
			KindTest:      {"%d test", "%d tests"},
		},
	},
}

// Build renders one event for a reader of lang at now: the title says what
// happened and where, the body who wrote and their first words.
func Build(lang string, ev Event, now time.Time) Message {
	p := texts[Lang(lang)]
	m := Message{Kind: ev.Kind, TicketID: ev.TicketID, URL: ev.URL, Tag: "ticket-" + ev.TicketID}
	if ev.Kind == KindTest {
		m.Title, m.Body, m.Tag = p.test, p.testBody, "test"
		return m
	}
	var what, extra string
	switch ev.Kind {
	case KindNegative:
		what = p.negative
	case KindReopened:
		what = p.reopened
	case KindAtRisk:
		what = p.atRisk
		if !ev.Due.IsZero() && ev.Due.After(now) {
			extra = fmt.Sprintf(p.dueIn, humanDuration(ev.Due.Sub(now)))
		}
	case KindBreached:
		what = p.breached
		m.Urgent = true
		if !ev.Due.IsZero() && now.After(ev.Due) {
			extra = fmt.Sprintf(p.lateBy, humanDuration(now.Sub(ev.Due)))
		}
	case KindAssigned:
		what = p.assigned
		if ev.Assigner != "" {
			extra = fmt.Sprintf(p.assignedBy, ev.Assigner)
		}
	default:
		what = p.newTicket
		if ev.Negative {
			what = p.negative
		}
	}
	m.Title = what + " · " + PlatformName(ev.Platform)
	if extra != "" {
		m.Title += " · " + extra
	}
	author := strings.TrimSpace(ev.Author)
	if author == "" {
		author = p.someone
	}
	text := ev.Excerpt
	if text == "" {
		text = Excerpt(ev.Subject, 25, 160)
	}
	if text == "" {
		text = p.noText
	}
	m.Body = author + " : " + text
	if Lang(lang) == "en" {
		m.Body = author + ": " + text
	}
	return m
}

// humanDuration says 45 min, 2 h 05, 3 j / 3 d in the reader's terms;
// minutes are enough precision on a phone.
func humanDuration(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	switch {
	case mins < 1:
		return "1 min"
	case mins < 60:
		return fmt.Sprintf("%d min", mins)
	case mins < 48*60:
		if mins%60 == 0 {
			return fmt.Sprintf("%d h", mins/60)
		}
		return fmt.Sprintf("%d h %02d", mins/60, mins%60)
	default:
		return fmt.Sprintf("%d × 24 h", mins/(24*60))
	}
}

// Excerpt returns the first words of text, at most maxWords words and
// maxRunes runes, whitespace collapsed, with an ellipsis when cut. Invalid
// UTF-8 and control characters never reach a lock screen.
func Excerpt(text string, maxWords, maxRunes int) string {
	text = strings.ToValidUTF8(text, "")
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			if r == '\n' || r == '\t' || r == '\r' {
				return ' '
			}
			return -1
		}
		return r
	}, text)
	words := strings.Fields(text)
	cut := false
	if len(words) > maxWords {
		words, cut = words[:maxWords], true
	}
	out := strings.Join(words, " ")
	if utf8.RuneCountInString(out) > maxRunes {
		r := []rune(out)
		out = string(r[:maxRunes])
		// End on a word boundary when one is near.
		if i := strings.LastIndexByte(out, ' '); i > len(out)*2/3 {
			out = out[:i]
		}
		cut = true
	}
	out = strings.TrimRight(out, " ,;:.-–—")
	if cut && out != "" {
		out += "…"
	}
	return out
}

// digestOrder is the order of the counts in a digest line.
var digestOrder = []string{KindNewTicket, KindReopened, KindNegative, KindAtRisk, KindBreached, KindAssigned, KindTest}

// Digest folds events held during quiet hours or a burst into one message:
// "7 new tickets · 2 late tickets" and who wrote. total counts every event
// folded, events may hold only the first of them; the others count as new
// tickets (DigestOf knows their kinds). A digest about one ticket opens
// it; about several, the inbox (home).
func Digest(lang string, events []Event, total int, home string) Message {
	return digest(lang, events, map[string]int{KindNewTicket: total - len(events)}, home)
}

// DigestOf renders a held batch: its kept events, and those it only
// counted, by kind ("12 400 late tickets · 3 new tickets").
func DigestOf(lang string, b Batch, home string) Message {
	return digest(lang, b.Events, b.More, home)
}

func digest(lang string, events []Event, more map[string]int, home string) Message {
	p := texts[Lang(lang)]
	byKind := map[string]int{}
	tickets := map[string]bool{}
	var authors []string
	seenAuthor := map[string]bool{}
	urgent := false
	for _, ev := range events {
		k := ev.Kind
		if _, ok := p.counts[k]; !ok {
			k = KindNewTicket
		}
		byKind[k]++
		tickets[ev.TicketID] = true
		if ev.Kind == KindBreached {
			urgent = true
		}
		a := shortAuthor(ev.Author)
		if a != "" && !seenAuthor[a] {
			seenAuthor[a] = true
			authors = append(authors, a)
		}
	}
	total := len(events)
	for k, n := range more {
		if n <= 0 {
			continue
		}
		if _, ok := p.counts[k]; !ok {
			k = KindNewTicket
		}
		byKind[k] += n
		total += n
		if k == KindBreached {
			urgent = true
		}
	}
	var parts []string
	for _, k := range digestOrder {
		if n := byKind[k]; n > 0 {
			form := p.counts[k][0]
			if n > 1 {
				form = p.counts[k][1]
			}
			parts = append(parts, fmt.Sprintf(form, n))
		}
	}
	m := Message{Kind: KindDigest, Count: total, Urgent: urgent, Tag: "digest", URL: home}
	m.Title = fmt.Sprintf(p.digestTitle, strings.Join(parts, " · "))
	const shown = 3
	if len(authors) > shown {
		rest := len(authors) - shown
		authors = append(authors[:shown], fmt.Sprintf(p.more, rest))
	}
	m.Body = strings.Join(authors, ", ")
	if len(tickets) == 1 && len(events) > 0 && total == len(events) {
		m.TicketID = events[0].TicketID
		m.URL = events[0].URL
		m.Tag = "ticket-" + m.TicketID
		if ex := events[0].Excerpt; ex != "" {
			m.Body = strings.TrimSpace(m.Body + " — " + ex)
		}
	}
	return m
}

// shortAuthor keeps the display name of "Claire (@claire@x)".
func shortAuthor(a string) string {
	a = strings.TrimSpace(a)
	if i := strings.Index(a, " ("); i > 0 {
		return a[:i]
	}
	return a
}

// Text renders a message as plain text for SMS, chat and e-mail: title,
// body, link; cut to max runes (0: no limit) without losing the link.
func (m Message) Text(max int) string {
	link := ""
	if m.URL != "" {
		link = "\n" + m.URL
	}
	head := m.Title
	if m.Body != "" {
		head += "\n" + m.Body
	}
	if max > 0 && utf8.RuneCountInString(head+link) > max {
		room := max - utf8.RuneCountInString(link) - 1
		if room < 0 {
			room = 0
		}
		r := []rune(head)
		if room < len(r) {
			head = string(r[:room]) + "…"
		}
	}
	return head + link
}

// Summary is the daily digest's content: the team's figures over the last
// 24 hours and right now.
type Summary struct {
	New     int // tickets opened in the last 24 h
	Waiting int // tickets waiting for a first answer now
	Late    int // of those, past their SLA
}

var dailyTexts = map[string]struct{ title, calm string }{
	"en": {"Mentiondesk: daily summary", "Nothing is waiting for an answer."},
	"fr": {"Mentiondesk : résumé du jour", "Rien n'attend de réponse."},
}

var dailyCounts = map[string]map[string][2]string{
	"en": {"new": {"%d new ticket in 24 h", "%d new tickets in 24 h"}, "waiting": {"%d waiting for an answer", "%d waiting for an answer"}, "late": {"%d late", "%d late"}},
	"fr": {"new": {"%d nouveau ticket en 24 h", "%d nouveaux tickets en 24 h"}, "waiting": {"%d en attente de réponse", "%d en attente de réponse"}, "late": {"%d en retard", "%d en retard"}},
}

// Daily renders the daily digest; it opens the inbox.
func Daily(lang string, s Summary, home string) Message {
	l := Lang(lang)
	var parts []string
	for _, p := range []struct {
		key string
		n   int
	}{{"new", s.New}, {"waiting", s.Waiting}, {"late", s.Late}} {
		if p.n > 0 {
			f := dailyCounts[l][p.key][0]
			if p.n > 1 {
				f = dailyCounts[l][p.key][1]
			}
			parts = append(parts, fmt.Sprintf(f, p.n))
		}
	}
	body := strings.Join(parts, " · ")
	if s.Waiting == 0 {
		body = strings.TrimSpace(strings.TrimPrefix(body+" · "+dailyTexts[l].calm, " · "))
	}
	return Message{Kind: KindDigest, Title: dailyTexts[l].title, Body: body, URL: home, Tag: "daily", Urgent: false, Count: s.New}
}
