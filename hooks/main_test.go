package hooks

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
)

// templateDir holds a data directory with every migration applied and the
// fixture rows of seed() saved, made once per test binary: each test clones
// it instead of migrating a fresh database again.
var templateDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "md_template_")
	if err != nil {
		panic(err)
	}
	app, err := tests.NewTestApp(dir)
	if err != nil {
		panic(err)
	}
	if err := seed(app); err != nil {
		panic(err)
	}
	for _, id := range []string{ownerID, agentID, agent2ID} {
		u, err := app.FindRecordById("users", id)
		if err != nil {
			panic(err)
		}
		if tokens[id], err = u.NewAuthToken(); err != nil {
			panic(err)
		}
	}
	su, err := app.FindRecordById(core.CollectionNameSuperusers, superuserID)
	if err != nil {
		panic(err)
	}
	if tokens[superuserID], err = su.NewAuthToken(); err != nil {
		panic(err)
	}
	templateDir = filepath.Join(dir, "data")
	if err := os.CopyFS(templateDir, os.DirFS(app.DataDir())); err != nil {
		panic(err)
	}
	app.Cleanup()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testKey is the encryption key of the test instances: sealed fixtures
// prove the API never returns credentials, plain or encrypted.
const testKey = "test-encryption-key"

// testConfig is the configuration of the test instances: workers off,
// private addresses allowed (the fake platforms listen on loopback).
func testConfig() Config {
	return Config{DisableWorkers: true, EncryptionKey: testKey, AllowPrivateURLs: true}
}

// newTestApp clones the template and registers our hooks, workers off.
func newTestApp(t testing.TB) *tests.TestApp {
	t.Helper()
	return newTestAppWith(t, testConfig())
}

// newTestAppWith is newTestApp with a configuration of the test's own.
func newTestAppWith(t testing.TB, cfg Config) *tests.TestApp {
	t.Helper()
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := register(app, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hubs.Store(app, h)
	return app
}

// hubs maps each test app to its hub, for tests that drive workers by hand.
var hubs sync.Map

// Fixture ids, fixed so scenarios can name them.
const (
	ownerID    = "owner0000000001"
	agentID    = "agent0000000001"
	agent2ID   = "agent0000000002"
	sourceID   = "source000000001"
	ticketID   = "ticket000000001"
	mentionID  = "mention00000001"
	contactID  = "contact00000001"
	templateID = "template0000001"
	replyID    = "reply0000000001"
	keywordID  = "keyword00000001"
	ruleID     = "rule00000000001"
	notifID    = "notif0000000001"
	eventID    = "tevent000000001"
	// superuserID signs in to the admin UI (core.CollectionNameSuperusers).
	superuserID = "superuser000001"

	fixtureToken  = "tok_SECRET_fixture_value"
	fixturePasswd = "1234567890"
)

func seed(app core.App) error {
	store := secrets.New(vault.New(testKey))
	rows := []struct {
		collection string
		fields     map[string]any
	}{
		{core.CollectionNameSuperusers, map[string]any{"id": superuserID, "email": "admin@example.com"}},
		{"users", map[string]any{"id": ownerID, "email": "owner@example.com", "name": "Olga Owner", "role": "owner", "language": "fr", "verified": true}},
		{"users", map[string]any{"id": agentID, "email": "agent@example.com", "name": "Alex Agent", "role": "agent", "language": "en", "verified": true}},
		{"users", map[string]any{"id": agent2ID, "email": "agent2@example.com", "name": "Billie Agent", "role": "agent", "language": "en", "verified": true}},
		{"sources", map[string]any{"id": sourceID, "kind": "mastodon", "name": "Mastodon mentions", "url": "https://mastodon.example", "enabled": true, "interval_sec": 300}},
		{"contacts", map[string]any{"id": contactID, "platform": "mastodon", "handle": "@claire@mastodon.example", "display_name": "Claire"}},
		{"tickets", map[string]any{"id": ticketID, "subject": "Commande jamais reçue", "status": "new", "priority": "normal", "channel": "mastodon", "source": sourceID, "contact": contactID, "first_mention_at": "2026-11-20 10:00:00.000Z"}},
		{"mentions", map[string]any{"id": mentionID, "source": sourceID, "channel": "mastodon", "external_id": "109999", "author": "@claire@mastodon.example", "text": "Ma commande n'est jamais arrivée, j'attends toujours", "ticket": ticketID, "contact": contactID, "published_at": "2026-11-20 10:00:00.000Z", "triage": "ticket"}},
		{"templates", map[string]any{"id": templateID, "name": "Excuses", "language": "fr", "body": "Bonjour {{first_name}}, désolés !"}},
		{"replies", map[string]any{"id": replyID, "ticket": ticketID, "author": agentID, "body": "On regarde ça", "via": "note", "status": "sent"}},
		{"keywords", map[string]any{"id": keywordID, "term": "Café Lune", "kind": "brand"}},
		{"rules", map[string]any{"id": ruleID, "name": "Complaints first", "position": 1, "enabled": true, "when_intent": []string{"complaint"}, "set_priority": "high"}},
		{"notifications", map[string]any{"id": notifID, "user": agentID, "kind": "ntfy", "target": "https://ntfy.example/md", "secret": "ntfy_SECRET_value", "enabled": true}},
		{"ticket_events", map[string]any{"id": eventID, "ticket": ticketID, "kind": "assign", "actor": agentID, "at": "2026-11-20 10:05:00.000Z"}},
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
			r.SetPassword(fixturePasswd)
		}
		if row.collection == "sources" {
			store.Set(r, map[string]string{"token": fixtureToken})
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

// tokens are the fixture users' auth tokens. Every clone of the template
// shares the signing keys, so a token made once is valid in every test app.
var tokens = map[string]string{}

// as returns the Authorization header of a fixture user.
func as(userID string) map[string]string {
	return map[string]string{"Authorization": tokens[userID]}
}
