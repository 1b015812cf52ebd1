package replies

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/internal/apptest"
	"github.com/mentiondesk/mentiondesk/internal/fakemastodon"
)

// testToken is the Mastodon access token the fake conversation's source
// holds.
const testToken = "tok_outbox"

// testDeps are the replies' dependencies with the rest of the server
// reduced to what these tests look at: the real connectors (dialling the
// fake instance on loopback), the source's token, the error as it is.
func testDeps() Deps {
	return Deps{
		Connectors: connectors.NewSet(connectors.Config{Client: connectors.GuardedClient(true, 10*time.Second), AllowPrivate: true}),
		ConnectorSource: func(_ context.Context, src *core.Record) (connectors.Source, error) {
			return connectors.Source{
				ID: src.Id, Kind: src.GetString("kind"), Name: src.GetString("name"), URL: src.GetString("url"),
				Options: records.SourceOptions(src), Secrets: map[string]string{"token": testToken},
			}, nil
		},
		DisableWorkers: true,
	}
}

// newOutbox is a migrated app with the replies registered alone.
func newOutbox(t *testing.T) (core.App, *Outbox) {
	t.Helper()
	app, _ := apptest.New(t)
	o, err := Register(app, testDeps())
	if err != nil {
		t.Fatal(err)
	}
	return app, o
}

// outboxCase is a Mastodon conversation waiting for an answer, on a fake
// instance.
func outboxCase(t *testing.T) (core.App, *Outbox, *fakemastodon.Server, *core.Record) {
	t.Helper()
	app, o := newOutbox(t)
	fake := fakemastodon.New(t)
	src := apptest.Save(t, app, "sources", map[string]any{"kind": "mastodon", "name": "Mentions", "url": fake.URL, "enabled": true})
	published := time.Now().Add(-30 * time.Minute).UTC()
	tk := apptest.Save(t, app, "tickets", map[string]any{"status": "new", "priority": "normal", "channel": "mastodon", "source": src.Id, "first_mention_at": published})
	apptest.Save(t, app, "mentions", map[string]any{
		"source": src.Id, "channel": "mastodon", "external_id": "113186126728896492", "ticket": tk.Id,
		"author": "@claire@mastodon.example", "author_name": "Claire", "published_at": published,
		"text": "@cafelumiere ma commande n'est jamais arrivée, j'attends toujours", "meta": map[string]string{"visibility": "private"},
	})
	return app, o, fake, tk
}

// queueReply queues a reply with its idempotency key (the tickets'
// lifecycle gives one to every reply the server creates).
func queueReply(t *testing.T, app core.App, ticketID, body string) *core.Record {
	t.Helper()
	return apptest.Save(t, app, "replies", map[string]any{"ticket": ticketID, "body": body, "via": "platform", "status": "queued", "idempotency_key": records.RandomToken(16)})
}

// A crash after the platform accepted a reply but before we saved that
// leaves it "sending". On restart it is sent again with the same
// Idempotency-Key, and Mastodon answers with the first status: one post.
func TestOutboxCrashBetweenSendAndSave(t *testing.T) {
	t.Parallel()
	app, o, fake, tk := outboxCase(t)
	r := queueReply(t, app, tk.Id, "Bonjour Claire, c'est parti.")

	// The send reaches the platform; the process dies before saving.
	if _, err := o.deliver(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE replies SET status = 'sending' WHERE id = {:id}").Bind(map[string]any{"id": r.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	// Restart.
	o.recoverInterruptedSends()
	o.SendDue(context.Background())

	if fake.Created != 1 || len(fake.Requests) != 2 {
		t.Fatalf("statuses created %d (requests %d): the reply was posted twice", fake.Created, len(fake.Requests))
	}
	if fake.Requests[0].Header.Get("Idempotency-Key") != fake.Requests[1].Header.Get("Idempotency-Key") {
		t.Fatal("the retry changed the idempotency key")
	}
	r, _ = app.FindRecordById("replies", r.Id)
	if r.GetString("status") != "sent" || r.GetString("external_id") != "113200000000000100" {
		t.Fatalf("after recovery: %s %q", r.GetString("status"), r.GetString("external_id"))
	}
}

// E-mail has no way to ask "did this arrive?": an interrupted send is
// handed to the agent, never repeated blindly.
func TestOutboxInterruptedEmailIsNotResent(t *testing.T) {
	t.Parallel()
	app, o := newOutbox(t)
	src := apptest.Save(t, app, "sources", map[string]any{"kind": "email", "name": "Inbox", "url": "imaps://127.0.0.1:1", "enabled": true})
	tk := apptest.Save(t, app, "tickets", map[string]any{"status": "new", "priority": "normal", "channel": "email", "source": src.Id})
	apptest.Save(t, app, "mentions", map[string]any{"source": src.Id, "channel": "email", "external_id": "<m1@example.com>", "ticket": tk.Id,
		"author": "claire@example.com", "title": "Commande", "text": "Où est ma commande ?", "published_at": time.Now().Add(-time.Hour).UTC()})
	r := apptest.Save(t, app, "replies", map[string]any{"ticket": tk.Id, "body": "Bonjour", "via": "email", "status": "sending"})
	o.recoverInterruptedSends()
	r, _ = app.FindRecordById("replies", r.Id)
	if r.GetString("status") != "failed" || !strings.Contains(r.GetString("error"), "check whether the customer received it") {
		t.Fatalf("interrupted e-mail: %s %q", r.GetString("status"), r.GetString("error"))
	}
}

// A wiring that forgets a dependency fails at start, naming it, rather
// than at the first reply.
func TestRegisterNamesAMissingDependency(t *testing.T) {
	t.Parallel()
	app, _ := apptest.New(t)
	d := testDeps()
	d.ConnectorSource = nil
	if _, err := Register(app, d); !errors.Is(err, ErrMissingDep) || !strings.Contains(err.Error(), "ConnectorSource") {
		t.Fatalf("Register without ConnectorSource: %v", err)
	}
	d = testDeps()
	d.DisableWorkers = false // the outbox loop needs the pool then
	if _, err := Register(app, d); !errors.Is(err, ErrMissingDep) || !strings.Contains(err.Error(), "Workers") {
		t.Fatalf("Register with workers on and no pool: %v", err)
	}
}
