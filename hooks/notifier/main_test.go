package notifier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations" // the schema under test
)

// templateDir holds a data directory with every migration applied and the
// fixture rows of seed() saved, made once per test binary: each test clones
// it instead of migrating a fresh database again.
var templateDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "md_notifier_")
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
	templateDir = filepath.Join(dir, "data")
	if err := os.CopyFS(templateDir, os.DirFS(app.DataDir())); err != nil {
		panic(err)
	}
	app.Cleanup()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testKey is the encryption key of the test instances.
const testKey = "test-encryption-key"

// Fixture ids, the same as the wired server's tests (hooks/main_test.go).
const (
	ownerID   = "owner0000000001"
	agentID   = "agent0000000001"
	agent2ID  = "agent0000000002"
	sourceID  = "source000000001"
	ticketID  = "ticket000000001"
	mentionID = "mention00000001"
	contactID = "contact00000001"
	notifID   = "notif0000000001"
)

// seed saves the rows notifications read: a French owner and two English
// agents, a ticket from Claire on Mastodon with its first mention, and the
// agent's ntfy target with a token.
func seed(app core.App) error {
	rows := []struct {
		collection string
		fields     map[string]any
	}{
		{"users", map[string]any{"id": ownerID, "email": "owner@example.com", "name": "Olga Owner", "role": "owner", "language": "fr", "verified": true}},
		{"users", map[string]any{"id": agentID, "email": "agent@example.com", "name": "Alex Agent", "role": "agent", "language": "en", "verified": true}},
		{"users", map[string]any{"id": agent2ID, "email": "agent2@example.com", "name": "Billie Agent", "role": "agent", "language": "en", "verified": true}},
		{"sources", map[string]any{"id": sourceID, "kind": "mastodon", "name": "Mastodon mentions", "url": "https://mastodon.example", "enabled": true, "interval_sec": 300}},
		{"contacts", map[string]any{"id": contactID, "platform": "mastodon", "handle": "@claire@mastodon.example", "display_name": "Claire"}},
		{"tickets", map[string]any{"id": ticketID, "subject": "Commande jamais reçue", "status": "new", "priority": "normal", "channel": "mastodon", "source": sourceID, "contact": contactID, "first_mention_at": "2026-11-20 10:00:00.000Z"}},
		{"mentions", map[string]any{"id": mentionID, "source": sourceID, "channel": "mastodon", "external_id": "109999", "author": "@claire@mastodon.example", "text": "Ma commande n'est jamais arrivée, j'attends toujours", "ticket": ticketID, "contact": contactID, "published_at": "2026-11-20 10:00:00.000Z", "triage": "ticket"}},
		{"notifications", map[string]any{"id": notifID, "user": agentID, "kind": "ntfy", "target": "https://ntfy.example/md", "secret": "ntfy_SECRET_value", "enabled": true}},
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
			r.SetPassword("1234567890")
		}
		if err := app.Save(r); err != nil {
			return err
		}
	}
	return nil
}

// testApp is a clone of the template with the notifier registered, its
// dispatcher off (tests call Drain), private addresses allowed (the fake
// services listen on loopback).
func testApp(t testing.TB) (*tests.TestApp, *Notifier, *bus.Bus) {
	t.Helper()
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	b := &bus.Bus{}
	n, err := Register(app, Deps{Bus: b, Workers: workers.New(context.Background(), app.Logger()), Vault: vault.New(testKey), AllowPrivateURLs: true, DisableWorkers: true})
	if err != nil {
		t.Fatal(err)
	}
	return app, n, b
}

func saveRecord(t testing.TB, app core.App, collection string, fields map[string]any) *core.Record {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(c)
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("saving %s: %v", collection, err)
	}
	return r
}

func TestRegisterNeedsItsDeps(t *testing.T) {
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	if _, err := Register(app, Deps{Bus: &bus.Bus{}}); !errors.Is(err, ErrMissingDep) {
		t.Fatalf("Register without workers and vault: %v, want ErrMissingDep", err)
	}
}
