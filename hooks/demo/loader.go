package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/connectors"
	"github.com/mentiondesk/mentiondesk/hooks/records"
	"github.com/mentiondesk/mentiondesk/model"
)

// Deps is what the loader needs from the rest of the server: the demo goes
// through the product's own pipeline, never around it.
type Deps struct {
	// Ingest runs mentions through the pipeline (matching, analysis,
	// triage, threading) for src, as a poll fetched at fetchedAt would.
	Ingest func(src *core.Record, batch []connectors.Mention, fetchedAt time.Time) error
	// FillTemplate fills a reply template's placeholders for ticket, as
	// agent would send it (the templates' fill).
	FillTemplate func(body string, ticket, agent *core.Record) string
	// CheckSLA runs one SLA pass at now (the watcher's), so the tickets
	// never answered show breached at once.
	CheckSLA func(ctx context.Context, now time.Time) error
	// Headline cuts text to at most n runes on a word (the tickets'
	// subject rule): the press items' titles.
	Headline func(text string, n int) string
	// LoadOnServe loads the dataset when the server starts (serve --demo).
	LoadOnServe bool
}

// ErrMissingDep is returned by Register when a Deps func is nil.
var ErrMissingDep = errors.New("demo: missing dependency")

// Loader fills an empty database with the sample dataset.
type Loader struct {
	app core.App
	d   Deps
}

// Register returns the loader and, when d.LoadOnServe, loads the dataset
// as the server starts.
func Register(app core.App, d Deps) (*Loader, error) {
	switch {
	case d.Ingest == nil:
		return nil, fmt.Errorf("%w: Ingest", ErrMissingDep)
	case d.FillTemplate == nil:
		return nil, fmt.Errorf("%w: FillTemplate", ErrMissingDep)
	case d.CheckSLA == nil:
		return nil, fmt.Errorf("%w: CheckSLA", ErrMissingDep)
	case d.Headline == nil:
		return nil, fmt.Errorf("%w: Headline", ErrMissingDep)
	}
	l := &Loader{app: app, d: d}
	if d.LoadOnServe {
		app.OnServe().BindFunc(func(se *core.ServeEvent) error {
			if err := l.Load(time.Now().UTC()); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			return se.Next()
		})
	}
	return l, nil
}

// sampleSources are disabled: they show every kind's form and health
// without reaching for the network.
var sampleSources = []struct {
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

// Load fills the database with the dataset as of now, unless it already
// has sources or tickets: the demo never mixes with real data.
func (l *Loader) Load(now time.Time) error {
	// Said on the terminal, not only in the logs database: whoever typed
	// --demo is watching the terminal for what it did.
	if n, _ := l.app.CountRecords("sources"); n > 0 {
		say("--demo: nothing loaded: this data directory already has %d source(s). The demo loads only into an empty one (try --dir /tmp/mentiondesk-demo).", n)
		return nil
	}
	if n, _ := l.app.CountRecords("tickets"); n > 0 {
		say("--demo: nothing loaded: this data directory already has %d ticket(s). The demo loads only into an empty one (try --dir /tmp/mentiondesk-demo).", n)
		return nil
	}
	seed := uint64(now.YearDay())
	rng := rand.New(rand.NewPCG(seed, 0x1e5ca5e))
	started := time.Now()

	if err := l.setUpBusiness(now); err != nil {
		return err
	}
	agents, err := l.addAgents()
	if err != nil {
		return err
	}
	sources := map[string]*core.Record{}
	for _, s := range sampleSources {
		r, err := l.save("sources", map[string]any{
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
	byChannel := mentions(rng, now, l.d.Headline)
	for _, kind := range model.SourceKinds {
		batch := byChannel[kind]
		if len(batch) == 0 {
			continue
		}
		if err := l.d.Ingest(sources[kind], batch, now); err != nil {
			return err
		}
	}
	if err := l.replayWork(rng, now, agents); err != nil {
		return err
	}
	if err := l.d.CheckSLA(context.Background(), now); err != nil {
		return err
	}
	n, _ := l.app.CountRecords("mentions")
	t, _ := l.app.CountRecords("tickets")
	l.app.Logger().Info("demo: loaded", "mentions", n, "tickets", t, "took_ms", time.Since(started).Milliseconds())
	c, _ := l.app.CountRecords("contacts")
	say("--demo: loaded a month of Café Lune: %d sources (disabled: they reach no network), %d mentions, %d tickets, %d customers, 3 agents. Open the app to create the owner account.", len(sampleSources), n, t, c)
	return nil
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func (l *Loader) save(collection string, fields map[string]any) (*core.Record, error) {
	c, err := l.app.FindCachedCollectionByNameOrId(collection)
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
	return r, l.app.Save(r)
}
