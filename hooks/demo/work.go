package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
)

// replayWork replays a month of the team answering: most tickets quickly,
// some slowly, some never (they breach), then resolving and winning back.
func (l *Loader) replayWork(rng *rand.Rand, now time.Time, agents []*core.Record) error {
	tickets, err := l.app.FindRecordsByFilter("tickets", "needs_answer = true", "first_mention_at", 0, 0)
	if err != nil {
		return err
	}
	templates, err := l.app.FindAllRecords("templates")
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
			if err := l.app.Save(t); err != nil {
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
		if err := l.app.Save(t); err != nil {
			return err
		}
		m, err := l.app.FindFirstRecordByFilter("mentions", "ticket = {:t}", map[string]any{"t": t.Id})
		if err != nil {
			return err
		}
		tpl := pickTemplate(rng, templates, m.GetString("language"), m.GetString("intent"))
		body := l.d.FillTemplate(tpl.GetString("body"), t, agent)
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
		if _, err := l.save("replies", reply); err != nil {
			return err
		}
		if rng.IntN(100) < 12 {
			if _, err := l.save("replies", map[string]any{
				"ticket": t.Id, "author": agent.Id, "via": "note", "status": "sent",
				"body": "Vérifié avec la cuisine / checked with the kitchen: c'est bien un problème de stock.",
			}); err != nil {
				return err
			}
		}
		// Older conversations end resolved; some customers come back happy.
		t, err = l.app.FindRecordById("tickets", t.Id)
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
			if err := l.app.Save(t); err != nil {
				return err
			}
			if t.GetFloat("sentiment_start") < -0.05 && rng.IntN(100) < 35 {
				src, err := l.app.FindRecordById("sources", t.GetString("source"))
				if err != nil {
					return err
				}
				thanks := Thanks[rng.IntN(len(Thanks))]
				if m.GetString("language") == "fr" {
					thanks = Thanks[rng.IntN(2)]
				} else {
					thanks = Thanks[2+rng.IntN(2)]
				}
				tm := connectors.Mention{
					ExternalID: "demo-thanks-" + t.Id, Author: m.GetString("author"), AuthorName: m.GetString("author_name"),
					Text: thanks.Text, Lang: thanks.Lang, Published: resolved.Add(2 * time.Hour), InReplyTo: "demo-reply-" + m.GetString("external_id"),
				}
				if tm.Published.After(now) {
					tm.Published = now.Add(-10 * time.Minute)
				}
				if err := l.d.Ingest(src, []connectors.Mention{tm}, now); err != nil {
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
