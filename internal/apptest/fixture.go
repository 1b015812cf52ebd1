package apptest

import (
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// The fixture the server's tests start from, the same in every package:
// a French owner and two English agents, a Mastodon source with a token,
// Claire's ticket and its first mention, a template, a note, a brand
// keyword, a rule, an agent's ntfy target and a line of history. Ids are
// fixed so scenarios can name them.
const (
	OwnerID    = "owner0000000001"
	AgentID    = "agent0000000001"
	Agent2ID   = "agent0000000002"
	SourceID   = "source000000001"
	TicketID   = "ticket000000001"
	MentionID  = "mention00000001"
	ContactID  = "contact00000001"
	TemplateID = "template0000001"
	ReplyID    = "reply0000000001"
	KeywordID  = "keyword00000001"
	RuleID     = "rule00000000001"
	NotifID    = "notif0000000001"
	EventID    = "tevent000000001"
	// SuperuserID signs in to the admin UI (core.CollectionNameSuperusers).
	SuperuserID = "superuser000001"

	// FixtureToken is the source's credential; FixturePassword every
	// account's password.
	FixtureToken    = "tok_SECRET_fixture_value"
	FixturePassword = "1234567890"
)

// Seed saves the fixture rows into a migrated app. seal stores the
// source's credentials as the server does (sealed by its vault).
func Seed(app core.App, seal func(r *core.Record, secrets map[string]string)) error {
	rows := []struct {
		collection string
		fields     map[string]any
	}{
		{core.CollectionNameSuperusers, map[string]any{"id": SuperuserID, "email": "admin@example.com"}},
		{"users", map[string]any{"id": OwnerID, "email": "owner@example.com", "name": "Olga Owner", "role": "owner", "language": "fr", "verified": true}},
		{"users", map[string]any{"id": AgentID, "email": "agent@example.com", "name": "Alex Agent", "role": "agent", "language": "en", "verified": true}},
		{"users", map[string]any{"id": Agent2ID, "email": "agent2@example.com", "name": "Billie Agent", "role": "agent", "language": "en", "verified": true}},
		{"sources", map[string]any{"id": SourceID, "kind": "mastodon", "name": "Mastodon mentions", "url": "https://mastodon.example", "enabled": true, "interval_sec": 300}},
		{"contacts", map[string]any{"id": ContactID, "platform": "mastodon", "handle": "@claire@mastodon.example", "display_name": "Claire"}},
		{"tickets", map[string]any{"id": TicketID, "subject": "Commande jamais reçue", "status": "new", "priority": "normal", "channel": "mastodon", "source": SourceID, "contact": ContactID, "first_mention_at": "2026-11-20 10:00:00.000Z"}},
		{"mentions", map[string]any{"id": MentionID, "source": SourceID, "channel": "mastodon", "external_id": "109999", "author": "@claire@mastodon.example", "text": "Ma commande n'est jamais arrivée, j'attends toujours", "ticket": TicketID, "contact": ContactID, "published_at": "2026-11-20 10:00:00.000Z", "triage": "ticket"}},
		{"templates", map[string]any{"id": TemplateID, "name": "Excuses", "language": "fr", "body": "Bonjour {{first_name}}, désolés !"}},
		{"replies", map[string]any{"id": ReplyID, "ticket": TicketID, "author": AgentID, "body": "On regarde ça", "via": "note", "status": "sent"}},
		{"keywords", map[string]any{"id": KeywordID, "term": "Café Lune", "kind": "brand"}},
		{"rules", map[string]any{"id": RuleID, "name": "Complaints first", "position": 1, "enabled": true, "when_intent": []string{"complaint"}, "set_priority": "high"}},
		{"notifications", map[string]any{"id": NotifID, "user": AgentID, "kind": "ntfy", "target": "https://ntfy.example/md", "secret": "ntfy_SECRET_value", "enabled": true}},
		{"ticket_events", map[string]any{"id": EventID, "ticket": TicketID, "kind": "assign", "actor": AgentID, "at": "2026-11-20 10:05:00.000Z"}},
	}
	for _, row := range rows {
		c, err := app.FindCollectionByNameOrId(row.collection)
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		for k, val := range row.fields {
			r.Set(k, val)
		}
		if c.IsAuth() {
			r.SetPassword(FixturePassword)
		}
		if row.collection == "sources" && seal != nil {
			seal(r, map[string]string{"token": FixtureToken})
		}
		if err := app.Save(r); err != nil {
			return err
		}
	}
	s, err := app.FindRecordById("settings", "mdsettings00001")
	if err != nil {
		return err
	}
	s.Set("vapid_private", "vapid_SECRET_private")
	s.Set("first_response_target_min", 60)
	return app.Save(s)
}

// Template makes, once per test binary, a data directory with every
// migration applied and prepare run on it (Seed, tokens…): each test
// clones it with tests.NewTestApp(dir) instead of migrating anew. remove
// deletes it when the tests are done.
func Template(prefix string, prepare func(app core.App) error) (dir string, remove func(), err error) {
	root, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	remove = func() { os.RemoveAll(root) }
	app, err := tests.NewTestApp(root)
	if err != nil {
		remove()
		return "", nil, err
	}
	defer app.Cleanup()
	if err := prepare(app); err != nil {
		remove()
		return "", nil, err
	}
	dir = filepath.Join(root, "data")
	if err := os.CopyFS(dir, os.DirFS(app.DataDir())); err != nil {
		remove()
		return "", nil, err
	}
	return dir, remove, nil
}
