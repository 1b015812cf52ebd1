package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The channels an owner connects with OAuth: Google reviews, Facebook,
// Instagram, YouTube and X become source kinds (sources.kind and the rules'
// when_source_kind; a mention's and a ticket's channel and a contact's
// platform are free text and take them as they are).
//
// A source remembers when its account was connected and as whom, and
// since when the platform has refused its grant (reconnect_needed_at:
// set once, when the owners are alerted, cleared by the next connect).
//
// oauth_flows holds the connect attempts under way between the "Connect"
// button and the platform's callback: the state's SHA-256 (the state
// itself only travels in the owner's browser), the PKCE verifier sealed in
// credentials, and when the attempt expires. No API rule: only the server
// and superusers read it.
//
// Field lists are written out here rather than taken from schema.go: a
// migration never changes once released.
func init() {
	before := []string{"feed", "mastodon", "bluesky", "hackernews", "reddit", "webhook", "email"}
	after := []string{"feed", "mastodon", "bluesky", "hackernews", "reddit", "webhook", "email",
		"google_reviews", "facebook", "instagram", "youtube", "x"}

	setKinds := func(app core.App, kinds []string) error {
		sources, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		kind, ok := sources.Fields.GetByName("kind").(*core.SelectField)
		if !ok {
			return errNotSelect("sources.kind")
		}
		kind.Values = kinds
		rules, err := app.FindCollectionByNameOrId("rules")
		if err != nil {
			return err
		}
		when, ok := rules.Fields.GetByName("when_source_kind").(*core.SelectField)
		if !ok {
			return errNotSelect("rules.when_source_kind")
		}
		when.Values, when.MaxSelect = kinds, len(kinds)
		if err := app.Save(sources); err != nil {
			return err
		}
		return app.Save(rules)
	}

	m.Register(func(app core.App) error {
		if err := setKinds(app, after); err != nil {
			return err
		}
		sources, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		sources.Fields.Add(
			&core.DateField{Name: "connected_at"},
			&core.TextField{Name: "connected_as", Max: 300},
			&core.DateField{Name: "reconnect_needed_at"},
		)
		if err := app.Save(sources); err != nil {
			return err
		}

		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		flows := core.NewBaseCollection("oauth_flows")
		flows.Fields.Add(
			&core.RelationField{Name: "source", CollectionId: sources.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.RelationField{Name: "user", CollectionId: users.Id, MaxSelect: 1, CascadeDelete: true},
			&core.SelectField{Name: "provider", Values: []string{"google", "meta", "x"}, MaxSelect: 1, Required: true},
			&core.TextField{Name: "state_hash", Min: 64, Max: 64, Required: true, Hidden: true},
			&core.JSONField{Name: "credentials", MaxSize: 4000, Hidden: true},
			&core.TextField{Name: "redirect_url", Max: 2000},
			&core.DateField{Name: "expires_at", Required: true},
			&core.AutodateField{Name: "created", OnCreate: true},
		)
		flows.AddIndex("idx_oauth_flows_state", true, "state_hash", "")
		flows.AddIndex("idx_oauth_flows_expiry", false, "expires_at", "")
		return app.Save(flows)
	}, func(app core.App) error {
		if c, err := app.FindCollectionByNameOrId("oauth_flows"); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		sources, err := app.FindCollectionByNameOrId("sources")
		if err != nil {
			return err
		}
		sources.Fields.RemoveByName("connected_at")
		sources.Fields.RemoveByName("connected_as")
		sources.Fields.RemoveByName("reconnect_needed_at")
		if err := app.Save(sources); err != nil {
			return err
		}
		// Sources of the removed kinds keep their rows (nothing is
		// deleted going down); the earlier binary does not poll them.
		return setKinds(app, before)
	})
}

type errNotSelect string

func (e errNotSelect) Error() string { return string(e) + " is not a select field" }
