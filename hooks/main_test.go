package hooks

import (
	"os"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/mentiondesk/mentiondesk/hooks/secrets"
	"github.com/mentiondesk/mentiondesk/hooks/vault"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	_ "github.com/mentiondesk/mentiondesk/pb_migrations"
)

// templateDir holds a data directory with every migration applied and the
// fixture (internal/apptest) saved, made once per test binary: each test clones
// it instead of migrating a fresh database again.
var templateDir string

func TestMain(m *testing.M) {
	dir, remove, err := apptest.Template("md_template_", func(app core.App) error {
		store := secrets.New(vault.New(testKey))
		if err := apptest.Seed(app, store.Set); err != nil {
			return err
		}
		for _, id := range []string{ownerID, agentID, agent2ID} {
			u, err := app.FindRecordById("users", id)
			if err != nil {
				return err
			}
			if tokens[id], err = u.NewAuthToken(); err != nil {
				return err
			}
		}
		su, err := app.FindRecordById(core.CollectionNameSuperusers, superuserID)
		if err != nil {
			return err
		}
		tokens[superuserID], err = su.NewAuthToken()
		return err
	})
	if err != nil {
		panic(err)
	}
	templateDir = dir
	code := m.Run()
	remove()
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

// Fixture ids (internal/apptest), under the names the scenarios use.
const (
	ownerID       = apptest.OwnerID
	agentID       = apptest.AgentID
	agent2ID      = apptest.Agent2ID
	sourceID      = apptest.SourceID
	ticketID      = apptest.TicketID
	mentionID     = apptest.MentionID
	contactID     = apptest.ContactID
	templateID    = apptest.TemplateID
	replyID       = apptest.ReplyID
	keywordID     = apptest.KeywordID
	ruleID        = apptest.RuleID
	notifID       = apptest.NotifID
	eventID       = apptest.EventID
	superuserID   = apptest.SuperuserID
	fixtureToken  = apptest.FixtureToken
	fixturePasswd = apptest.FixturePassword
)

// tokens are the fixture users' auth tokens. Every clone of the template
// shares the signing keys, so a token made once is valid in every test app.
var tokens = map[string]string{}

// as returns the Authorization header of a fixture user.
func as(userID string) map[string]string {
	return map[string]string{"Authorization": tokens[userID]}
}
