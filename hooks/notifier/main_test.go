package notifier

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/hooks/workers"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations" // the schema under test
)

// templateDir holds a data directory with every migration applied and the
// fixture (internal/apptest) saved, made once per test binary: each test clones
// it instead of migrating a fresh database again.
var templateDir string

func TestMain(m *testing.M) {
	dir, remove, err := apptest.Template("md_notifier_", func(app core.App) error { return apptest.Seed(app, nil) })
	if err != nil {
		panic(err)
	}
	templateDir = dir
	code := m.Run()
	remove()
	os.Exit(code)
}

// testKey is the encryption key of the test instances.
const testKey = "test-encryption-key"

// Fixture ids (internal/apptest), the same as the wired server's tests.
const (
	ownerID   = apptest.OwnerID
	agentID   = apptest.AgentID
	agent2ID  = apptest.Agent2ID
	sourceID  = apptest.SourceID
	ticketID  = apptest.TicketID
	mentionID = apptest.MentionID
	contactID = apptest.ContactID
	notifID   = apptest.NotifID
)

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
	return apptest.Save(t, app, collection, fields)
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
