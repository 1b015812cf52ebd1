package demo

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/pb_migrations"
)

// setUpBusiness writes Café Lune's settings (name, zone, opening hours),
// its keywords and its reply templates.
func (l *Loader) setUpBusiness(now time.Time) error {
	s, err := l.app.FindRecordById("settings", pb_migrations.SettingsID)
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
	if err := l.app.Save(s); err != nil {
		return err
	}
	for _, k := range []map[string]any{
		{"term": "Café Lune", "kind": "brand"},
		{"term": "Lune & Co", "kind": "brand"},
		{"term": "kouign-amann", "kind": "product"},
		{"term": "Boulangerie Soleil", "kind": "competitor"},
		{"term": "Café Lune de Montréal", "kind": "exclude"},
	} {
		if _, err := l.save("keywords", k); err != nil {
			return err
		}
	}
	for _, t := range Templates {
		if _, err := l.save("templates", map[string]any{"name": t.Name, "language": t.Lang, "body": t.Body}); err != nil {
			return err
		}
	}
	return nil
}

// addAgents adds the two demo agents (never an owner: the first-run setup
// creates that account) and the rules that route work to them.
func (l *Loader) addAgents() ([]*core.Record, error) {
	var out []*core.Record
	for _, a := range []struct{ name, email, lang string }{
		{"Inès (démo)", "ines@demo.cafe-lune.example", "fr"},
		{"Tom (demo)", "tom@demo.cafe-lune.example", "en"},
	} {
		r, err := l.save("users", map[string]any{"name": a.name, "email": a.email, "role": "agent", "language": a.lang, "verified": true})
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
		if _, err := l.save("rules", r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
