package hooks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/demo"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/model"
	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// `serve --demo` fills an empty database with a month in the life of Café
// Lune and its shop Lune & Co, so a new user sees a working product at
// once. The mentions go through the real pipeline (matching, analysis,
// triage, threading); the agents' work is replayed through the same
// lifecycle hooks replies use, so every figure on the dashboard is one the
// product computed. The random source is seeded: the same day gives the
// same data.
func (h *hub) registerDemo() error {
	if !h.cfg.Demo {
		return nil
	}
	h.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := h.loadDemo(time.Now().UTC()); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		return se.Next()
	})
	return nil
}

// demoSources are disabled: they show every kind's form and health without
// reaching for the network.
var demoSources = []struct {
	kind, name, url, query string
	options                map[string]any
	lastError              string
}{
	{"mastodon", "Mastodon — our mentions", "https://piaille.fr", "", map[string]any{"mode": "mentions"}, ""},
	{"bluesky", "Bluesky — search", "https://bsky.social", `"Café Lune" OR "Lune & Co"`, nil, ""},
	{"feed", "Google Alerts — Café Lune", "https://www.google.com/alerts/feeds/00000000000000000000/1111111111111111111", "", nil, ""},
	{"reddit", "Reddit — r/lyon", "", "Café Lune", map[string]any{"subreddit": "lyon"}, connectors.RedditBlockedReason},
	{"hackernews", "Hacker News", "", `"Lune & Co"`, nil, ""},
	{"email", "contact@cafe-lune.example", "imaps://imap.example.net:993", "", map[string]any{"mailbox": "INBOX"}, ""},
	{"webhook", "Google reviews (Zapier)", "", "", nil, ""},
}

func (h *hub) loadDemo(now time.Time) error {
	// Said on the terminal, not only in the logs database: whoever typed
	// --demo is watching the terminal for what it did.
	if n, _ := h.app.CountRecords("sources"); n > 0 {
		demoSay("--demo: nothing loaded: this data directory already has %d source(s). The demo loads only into an empty one (try --dir /tmp/mentiondesk-demo).", n)
		return nil
	}
	if n, _ := h.app.CountRecords("tickets"); n > 0 {
		demoSay("--demo: nothing loaded: this data directory already has %d ticket(s). The demo loads only into an empty one (try --dir /tmp/mentiondesk-demo).", n)
		return nil
	}
	seed := uint64(now.YearDay())
	rng := rand.New(rand.NewPCG(seed, 0x1e5ca5e))
	started := time.Now()

	if err := h.demoSetup(now); err != nil {
		return err
	}
	agents, err := h.demoAgents()
	if err != nil {
		return err
	}
	sources := map[string]*core.Record{}
	for _, s := range demoSources {
		r, err := h.saveDemo("sources", map[string]any{
			"kind": s.kind, "name": s.name, "url": s.url, "query": s.query, "options": s.options,
			"enabled": false, "interval_sec": 300, "last_error": s.lastError,
			"error_count":   map[bool]int{true: 3, false: 0}[s.lastError != ""],
			"last_check_at": now.Add(-7 * time.Minute), "last_ok_at": now.Add(-time.Duration(rng.IntN(50)+5) * time.Minute),
		})
		if err != nil {
			return err
		}
		sources[s.kind] = r
	}

	// A month of mentions, each channel's batch in time order.
	byChannel := demoMentions(rng, now)
	for _, kind := range model.SourceKinds {
		batch := byChannel[kind]
		if len(batch) == 0 {
			continue
		}
		if _, _, err := h.ingest(sources[kind], batch, now, nil); err != nil {
			return err
		}
	}
	if err := h.demoWork(rng, now, agents); err != nil {
		return err
	}
	if err := h.slawatch.Check(context.Background(), now); err != nil {
		return err
	}
	n, _ := h.app.CountRecords("mentions")
	t, _ := h.app.CountRecords("tickets")
	h.app.Logger().Info("demo: loaded", "mentions", n, "tickets", t, "took_ms", time.Since(started).Milliseconds())
	c, _ := h.app.CountRecords("contacts")
	demoSay("--demo: loaded a month of Café Lune: %d sources (disabled: they reach no network), %d mentions, %d tickets, %d customers, 3 agents. Open the app to create the owner account.", len(demoSources), n, t, c)
	return nil
}

func demoSay(format string, args ...any) {
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func (h *hub) saveDemo(collection string, fields map[string]any) (*core.Record, error) {
	c, err := h.app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	for k, v := range fields {
		r.Set(k, v)
	}
	if c.IsAuth() {
		r.SetPassword(records.RandomToken(16)) // demo agents cannot sign in
	}
	return r, h.app.Save(r)
}

func (h *hub) demoSetup(now time.Time) error {
	s, err := h.app.FindRecordById("settings", pb_migrations.SettingsID)
	if err != nil {
		return err
	}
	if s.GetString("business_name") == "" {
		s.Set("business_name", "Café Lune")
	}
	s.Set("timezone", "Europe/Paris")
	day := [][2]string{{"07:30", "18:00"}}
	s.Set("business_hours", map[string]any{
		"week":     map[string]any{"tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": [][2]string{{"08:00", "13:00"}}},
		"holidays": []string{fmt.Sprintf("%d-12-25", now.Year()), fmt.Sprintf("%d-01-01", now.Year()+1)},
	})
	if err := h.app.Save(s); err != nil {
		return err
	}
	for _, k := range []map[string]any{
		{"term": "Café Lune", "kind": "brand"},
		{"term": "Lune & Co", "kind": "brand"},
		{"term": "kouign-amann", "kind": "product"},
		{"term": "Boulangerie Soleil", "kind": "competitor"},
		{"term": "Café Lune de Montréal", "kind": "exclude"},
	} {
		if _, err := h.saveDemo("keywords", k); err != nil {
			return err
		}
	}
	for _, t := range demo.Templates {
		if _, err := h.saveDemo("templates", map[string]any{"name": t.Name, "language": t.Lang, "body": t.Body}); err != nil {
			return err
		}
	}
	return nil
}

func (h *hub) demoAgents() ([]*core.Record, error) {
	var out []*core.Record
	for _, a := range []struct{ name, email, lang string }{
		{"Inès (démo)", "ines@demo.cafe-lune.example", "fr"},
		{"Tom (demo)", "tom@demo.cafe-lune.example", "en"},
	} {
		r, err := h.saveDemo("users", map[string]any{"name": a.name, "email": a.email, "role": "agent", "language": a.lang, "verified": true})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	rules := []map[string]any{
		{"name": "Lune & Co orders go to Tom", "position": 1, "enabled": true, "when_text": "Lune & Co", "assign_to": out[1].Id},
		{"name": "Job ads are noise", "position": 2, "enabled": true, "when_text": "on recrute", "ignore": true, "stop": true},
		{"name": "Angry e-mails are urgent", "position": 3, "enabled": true, "when_source_kind": []string{"email"}, "when_sentiment": []string{"negative"}, "set_priority": "urgent", "notify": true},
	}
	for _, r := range rules {
		if _, err := h.saveDemo("rules", r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var channelWeights = []struct {
	kind   string
	weight int
}{
	{"mastodon", 25}, {"email", 20}, {"bluesky", 15}, {"webhook", 15}, {"feed", 10}, {"reddit", 10}, {"hackernews", 5},
}

func pickChannel(rng *rand.Rand) string {
	n := rng.IntN(100)
	for _, c := range channelWeights {
		if n < c.weight {
			return c.kind
		}
		n -= c.weight
	}
	return "mastodon"
}

// demoMentions writes 30 days of posts, 6 to 10 a day, with follow-ups
// from customers left waiting.
func demoMentions(rng *rand.Rand, now time.Time) map[string][]connectors.Mention {
	paris, _ := time.LoadLocation("Europe/Paris")
	out := map[string][]connectors.Mention{}
	seq := 0
	add := func(kind string, who demo.Person, p demo.Post, at time.Time, parent string) string {
		seq++
		id := fmt.Sprintf("demo-%s-%04d", kind, seq)
		m := connectors.Mention{ExternalID: id, Author: who.Handle, AuthorName: who.Name, Text: p.Text, Lang: p.Lang, Published: at, InReplyTo: parent}
		switch kind {
		case "mastodon":
			user, inst, _ := strings.Cut(strings.TrimPrefix(who.Handle, "@"), "@")
			m.URL = fmt.Sprintf("https://%s/@%s/%d", inst, user, 113500000000000000+seq)
			m.AuthorURL = fmt.Sprintf("https://%s/@%s", inst, user)
			m.Meta = map[string]string{"visibility": "public"}
		case "bluesky":
			m.URL = fmt.Sprintf("https://bsky.app/profile/%s/post/3lc%010d", who.Handle, seq)
			m.AuthorURL = "https://bsky.app/profile/" + who.Handle
		case "reddit":
			m.URL = fmt.Sprintf("https://www.reddit.com/r/lyon/comments/1g%05d/", seq)
		case "hackernews":
			m.URL = fmt.Sprintf("https://news.ycombinator.com/item?id=%d", 42100000+seq)
			m.AuthorURL = "https://news.ycombinator.com/user?id=" + who.Handle
		case "feed":
			m.URL = fmt.Sprintf("https://actu.example.fr/lyon/%d", seq)
			m.Title = firstWords(p.Text, 70)
		case "email":
			m.Title = map[string]string{"fr": "Ma commande", "en": "My order"}[p.Lang]
			if p.Intent == "question" {
				m.Title = map[string]string{"fr": "Une question", "en": "Quick question"}[p.Lang]
			}
			m.Meta = map[string]string{"message_id": "<" + id + "@mail.example>"}
		case "webhook":
			m.URL = "https://maps.google.com/?cid=1234567890"
		}
		out[kind] = append(out[kind], m)
		return id
	}
	for day := 30; day >= 0; day-- {
		date := now.In(paris).AddDate(0, 0, -day)
		perDay := 6 + rng.IntN(5)
		for range perDay {
			kind := pickChannel(rng)
			people := demo.People[kind]
			who := people[rng.IntN(len(people))]
			post := demo.Posts[rng.IntN(len(demo.Posts))]
			if kind == "feed" || kind == "hackernews" {
				// Press and forums mostly talk about us, rarely to us.
				if rng.IntN(3) > 0 {
					post = demo.Posts[len(demo.Posts)-1-rng.IntN(14)]
				}
			}
			at := time.Date(date.Year(), date.Month(), date.Day(), 8+rng.IntN(14), rng.IntN(60), rng.IntN(60), 0, paris).UTC()
			if at.After(now) {
				at = now.Add(-time.Duration(rng.IntN(90)+5) * time.Minute)
			}
			id := add(kind, who, post, at, "")
			if (post.Intent == "complaint" || post.Intent == "question") && rng.IntN(100) < 18 {
				follow := demo.FollowUps[rng.IntN(len(demo.FollowUps))]
				if fat := at.Add(time.Duration(2+rng.IntN(8)) * time.Hour); fat.Before(now) {
					add(kind, who, follow, fat, id)
				}
			}
		}
	}
	for kind := range out {
		slices.SortFunc(out[kind], func(a, b connectors.Mention) int { return a.Published.Compare(b.Published) })
	}
	return out
}

// demoWork replays a month of the team answering: most tickets quickly,
// some slowly, some never (they breach), then resolving and winning back.
func (h *hub) demoWork(rng *rand.Rand, now time.Time, agents []*core.Record) error {
	tickets, err := h.app.FindRecordsByFilter("tickets", "needs_answer = true", "first_mention_at", 0, 0)
	if err != nil {
		return err
	}
	templates, err := h.app.FindAllRecords("templates")
	if err != nil {
		return err
	}
	failedShown := false
	for _, t := range tickets {
		first := t.GetDateTime("first_mention_at").Time()
		age := now.Sub(first)
		agent := agents[rng.IntN(len(agents))]
		if a := t.GetString("assignee"); a != "" {
			if i := slices.IndexFunc(agents, func(r *core.Record) bool { return r.Id == a }); i >= 0 {
				agent = agents[i]
			}
		}
		var delay time.Duration
		switch r := rng.IntN(100); {
		case age < 3*time.Hour:
			continue // fresh: waiting in the inbox
		case r < 45:
			delay = time.Duration(4+rng.IntN(50)) * time.Minute
		case r < 70:
			delay = time.Duration(60+rng.IntN(7*60)) * time.Minute
		case r < 82:
			delay = time.Duration(8+rng.IntN(22)) * time.Hour
		case r < 87:
			t.Set("assignee", agent.Id)
			t.Set("status", "ignored")
			if err := h.app.Save(t); err != nil {
				return err
			}
			continue
		default:
			continue // never answered: the SLA watcher marks it breached
		}
		at := first.Add(delay)
		if at.After(now) {
			continue
		}
		t.Set("assignee", agent.Id)
		if err := h.app.Save(t); err != nil {
			return err
		}
		m, err := h.app.FindFirstRecordByFilter("mentions", "ticket = {:t}", map[string]any{"t": t.Id})
		if err != nil {
			return err
		}
		tpl := pickTemplate(rng, templates, m.GetString("language"), m.GetString("intent"))
		body := fillTemplate(tpl.GetString("body"), h.templateValues(h.app, t, agent, ""))
		via := "manual"
		switch t.GetString("channel") {
		case "mastodon", "bluesky":
			via = "platform"
		case "email":
			via = "email"
		}
		reply := map[string]any{
			"ticket": t.Id, "author": agent.Id, "body": body, "template": tpl.Id, "in_reply_to": m.Id,
			"via": via, "status": "sent", "sent_at": at, "attempts": 1,
			"external_id": "demo-reply-" + m.GetString("external_id"),
		}
		if !failedShown && t.GetString("channel") == "mastodon" && age < 4*24*time.Hour {
			// One reply the platform refused, to show retrying.
			failedShown = true
			reply["status"], reply["sent_at"], reply["attempts"], reply["external_id"] = "failed", "", 5, ""
			reply["error"] = "credentials refused (HTTP 401): The access token is invalid"
		}
		if _, err := h.saveDemo("replies", reply); err != nil {
			return err
		}
		if rng.IntN(100) < 12 {
			if _, err := h.saveDemo("replies", map[string]any{
				"ticket": t.Id, "author": agent.Id, "via": "note", "status": "sent",
				"body": "Vérifié avec la cuisine / checked with the kitchen: c'est bien un problème de stock.",
			}); err != nil {
				return err
			}
		}
		// Older conversations end resolved; some customers come back happy.
		t, err = h.app.FindRecordById("tickets", t.Id)
		if err != nil {
			return err
		}
		if age > 2*24*time.Hour && rng.IntN(100) < 75 && t.GetString("status") != "resolved" {
			resolved := at.Add(time.Duration(1+rng.IntN(30)) * time.Hour)
			if resolved.After(now) {
				resolved = now.Add(-time.Hour)
			}
			t.Set("resolved_at", resolved)
			t.Set("status", "resolved")
			if err := h.app.Save(t); err != nil {
				return err
			}
			if t.GetFloat("sentiment_start") < -0.05 && rng.IntN(100) < 35 {
				src, err := h.app.FindRecordById("sources", t.GetString("source"))
				if err != nil {
					return err
				}
				thanks := demo.Thanks[rng.IntN(len(demo.Thanks))]
				if m.GetString("language") == "fr" {
					thanks = demo.Thanks[rng.IntN(2)]
				} else {
					thanks = demo.Thanks[2+rng.IntN(2)]
				}
				tm := connectors.Mention{
					ExternalID: "demo-thanks-" + t.Id, Author: m.GetString("author"), AuthorName: m.GetString("author_name"),
					Text: thanks.Text, Lang: thanks.Lang, Published: resolved.Add(2 * time.Hour), InReplyTo: "demo-reply-" + m.GetString("external_id"),
				}
				if tm.Published.After(now) {
					tm.Published = now.Add(-10 * time.Minute)
				}
				if _, _, err := h.ingest(src, []connectors.Mention{tm}, now, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func pickTemplate(rng *rand.Rand, templates []*core.Record, lang, intent string) *core.Record {
	var fit []*core.Record
	for _, t := range templates {
		if t.GetString("language") == lang || (lang != "fr" && t.GetString("language") == "en") {
			fit = append(fit, t)
		}
	}
	if len(fit) == 0 {
		fit = templates
	}
	return fit[rng.IntN(len(fit))]
}
