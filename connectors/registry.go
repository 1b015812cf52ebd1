package connectors

import "fmt"

// Set holds one connector of each kind, built once and shared: connectors
// keep per-source state (Bluesky sessions, Mastodon account lookups) that
// must outlive a single poll.
type Set struct {
	fetchers map[string]Fetcher
	repliers map[string]Replier
}

// NewSet builds every connector on cfg.
func NewSet(cfg Config) *Set {
	s := &Set{fetchers: map[string]Fetcher{}, repliers: map[string]Replier{}}
	add := func(kind string, c any) {
		if f, ok := c.(Fetcher); ok {
			s.fetchers[kind] = f
		}
		if r, ok := c.(Replier); ok {
			s.repliers[kind] = r
		}
	}
	add("feed", NewFeed(cfg))
	add("reddit", NewReddit(cfg))
	add("hackernews", NewHackerNews(cfg))
	add("mastodon", NewMastodon(cfg))
	add("bluesky", NewBluesky(cfg))
	add("email", NewEmail(cfg))
	// The OAuth channels: the caller puts a fresh access token in
	// Source.Secrets before each call (hooks/connect Fresh).
	add("google_reviews", NewGoogleReviews(cfg))
	add("youtube", NewYouTube(cfg))
	add("facebook", NewFacebook(cfg))
	add("instagram", NewInstagram(cfg))
	add("x", NewX(cfg))
	return s
}

// Fetcher returns the connector that polls kind. Webhook sources are pushed
// to, never polled, so they have none.
func (s *Set) Fetcher(kind string) (Fetcher, error) {
	f, ok := s.fetchers[kind]
	if !ok {
		return nil, fmt.Errorf("%w: %q sources are not polled", ErrConfig, kind)
	}
	return f, nil
}

// Replier returns the connector that answers on kind's platform, or
// ErrNoReply where the agent must answer by hand.
func (s *Set) Replier(kind string) (Replier, error) {
	r, ok := s.repliers[kind]
	if !ok {
		return nil, ErrNoReply
	}
	return r, nil
}
