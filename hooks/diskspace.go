package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/diskguard"
)

// The disk guard lives in hooks/diskguard. The concerns still on the hub
// (the poller, inbound pushes, the outbox) ask it through these.

var (
	// errDiskFull is returned to pushers and "Check now" while space is short.
	errDiskFull = diskguard.ErrDiskFull
	// diskFullMessage is the sources' health error while space is short.
	diskFullMessage = diskguard.HealthMessage
)

// diskShort says whether writes that can wait must wait.
func (h *hub) diskShort() bool { return h.disk.Short() }

// noteWriteError marks the disk full when SQLite said so.
func (h *hub) noteWriteError(err error) { h.disk.NoteWriteError(err) }

// diskFullResponse tells a pusher to come back later (503, Retry-After).
func diskFullResponse(e *core.RequestEvent) error { return diskguard.Refuse(e) }
