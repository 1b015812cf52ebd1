// Package hooks wires Mentiondesk into PocketBase and holds nothing else:
// every concern (ingest, tickets, sources, replies, the SLA watcher,
// notifications, stats…) is a package under hooks/ with one Register,
// and hooks.go registers each with what it needs. ARCHITECTURE.md draws
// the flow and the import graph.
package hooks

import (
	"os"
	"strconv"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/connect"
)

// Config is everything an operator can tune. Flags on the command line
// override the environment (see main.go); zero values mean the defaults.
type Config struct {
	// AllowPrivateURLs lets sources point at loopback, private and
	// link-local addresses (an intranet feed, a local Mastodon). Off by
	// default: a source URL must not become a way into the VPS's network.
	AllowPrivateURLs bool
	// PollWorkers bounds how many sources are fetched at once.
	PollWorkers int
	// PollTick is how often the poller looks for due sources.
	PollTick time.Duration
	// FetchTimeout bounds one fetch of one source, all pages included.
	FetchTimeout time.Duration
	// MaxBody caps every response body read from a platform.
	MaxBody int64
	// EncryptionKey, when set, encrypts credentials at rest (AES-256-GCM,
	// key derived with SHA-256 from this passphrase).
	EncryptionKey string
	// Demo loads the sample dataset into an empty database on start.
	Demo bool
	// DisableWorkers keeps background workers off (tests drive them by hand).
	DisableWorkers bool
	// SearchTimeout bounds one full-text search (default 2 s): past it the
	// query is interrupted and the member asked for a narrower one.
	SearchTimeout time.Duration
	// DiskReserve is the free space, in bytes, below which ingest and the
	// outbox pause (default 32 MiB; hooks/diskguard).
	DiskReserve uint64
	// Connect is the OAuth clients the operator registered on Google, Meta
	// and X (MD_GOOGLE_CLIENT_ID…), and Meta's webhook verify token.
	Connect connect.Config
}

// Defaults fills the zero values.
func (c Config) Defaults() Config {
	if c.PollWorkers <= 0 {
		c.PollWorkers = 4
	}
	if c.PollTick <= 0 {
		c.PollTick = 10 * time.Second
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 60 * time.Second
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 5 << 20
	}
	if c.DiskReserve == 0 {
		c.DiskReserve = 32 << 20
	}
	if c.SearchTimeout <= 0 {
		c.SearchTimeout = 2 * time.Second
	}
	return c
}

// ConfigFromEnv reads the MD_* environment variables.
func ConfigFromEnv() Config {
	var c Config
	c.AllowPrivateURLs, _ = strconv.ParseBool(os.Getenv("MD_ALLOW_PRIVATE_URLS"))
	c.PollWorkers, _ = strconv.Atoi(os.Getenv("MD_POLL_WORKERS"))
	if mb, err := strconv.ParseInt(os.Getenv("MD_MAX_BODY_MB"), 10, 64); err == nil && mb > 0 {
		c.MaxBody = mb << 20
	}
	c.EncryptionKey = os.Getenv("MD_ENCRYPTION_KEY")
	c.Connect = connect.ConfigFromEnv(os.Getenv)
	if mb, err := strconv.ParseUint(os.Getenv("MD_DISK_RESERVE_MB"), 10, 64); err == nil && mb > 0 {
		c.DiskReserve = mb << 20
	}
	return c
}
