package ingest

import (
	"sync"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/mentiondesk/mentiondesk/hooks/settings"
	"github.com/mentiondesk/mentiondesk/hooks/triage"
)

// Policy is what every batch of every source needs of the owner's
// configuration: the settings, the triage rules and the keyword matchers.
// It changes a few times a month and was read and compiled again for each
// poll (three queries and a matcher build, even for a feed that answered
// 304), so it is kept until one of those collections changes.
type Policy struct {
	Settings settings.Settings
	Rules    []triage.Rule
	matchers map[string]*Matcher // by source query (it stands in for missing brand terms)
}

// maxCachedMatchers bounds the matchers kept, one per distinct source
// query; sources are a few dozen.
const maxCachedMatchers = 256

type policyCache struct {
	version atomic.Uint64 // bumped by every committed change to settings, keywords or rules
	mu      sync.Mutex
	current *Policy
	builtAt uint64
}

// Pipeline prepares fetched batches for the write: it keeps the owner's
// policy between batches.
type Pipeline struct {
	policies policyCache
}

// Register checks keywords when saved and drops the cached policy
// whenever what it was built from changes, once the change is committed.
func Register(app core.App) (*Pipeline, error) {
	h := &Pipeline{}
	registerKeywordChecks(app)
	bump := &hook.Handler[*core.ModelEvent]{Func: func(e *core.ModelEvent) error {
		switch e.Model.TableName() {
		case "settings", "keywords", "rules":
			h.policies.version.Add(1)
		}
		return e.Next()
	}}
	app.OnModelAfterCreateSuccess().Bind(bump)
	app.OnModelAfterUpdateSuccess().Bind(bump)
	app.OnModelAfterDeleteSuccess().Bind(bump)
	return h, nil
}

// Policy returns the current policy with the matcher for a source query.
func (h *Pipeline) Policy(app core.App, query string) (*Policy, *Matcher, error) {
	c := &h.policies
	c.mu.Lock()
	defer c.mu.Unlock()
	// The version is read before loading: a change committed meanwhile
	// leaves the cache one version behind, and the next call reloads.
	v := c.version.Load()
	if c.current == nil || c.builtAt != v {
		s, err := settings.Load(app)
		if err != nil {
			return nil, nil, err
		}
		rules, err := LoadRules(app)
		if err != nil {
			return nil, nil, err
		}
		c.current, c.builtAt = &Policy{Settings: s, Rules: rules, matchers: map[string]*Matcher{}}, v
	}
	m := c.current.matchers[query]
	if m == nil {
		var err error
		if m, err = LoadMatcher(app, query); err != nil {
			return nil, nil, err
		}
		// Previews of sources not saved yet bring queries of their own:
		// the cache stays small whatever is typed.
		if len(c.current.matchers) >= maxCachedMatchers {
			clear(c.current.matchers)
		}
		c.current.matchers[query] = m
	}
	return c.current, m, nil
}
