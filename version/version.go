// Package version holds what a release build stamps into the binary:
//
//	go build -ldflags "-X github.com/mentiondesk/mentiondesk/version.Version=v1.2.0 \
//	  -X github.com/mentiondesk/mentiondesk/version.Commit=$(git rev-parse HEAD)"
//
// scripts/release.sh does this. A plain `go build` or `go run` leaves
// Version at "dev" and takes the commit from the Go toolchain's own VCS
// stamp when there is one.
package version

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set with -ldflags -X at release time; variables, not constants, so the
// linker can write them.
var (
	Version = "dev"
	Commit  = ""
)

// Info is what `mentiondesk version` prints and GET /api/md/version returns.
type Info struct {
	Version    string `json:"version"`
	Commit     string `json:"commit"`
	Modified   bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	Go         string `json:"go"`
	PocketBase string `json:"pocketbase"`
	Platform   string `json:"platform"`
}

var (
	once sync.Once
	info Info
)

// Get reads the stamped values once, falling back on the build info the Go
// toolchain records (vcs.revision) for builds that were not stamped.
func Get() Info {
	once.Do(func() {
		info = Info{Version: Version, Commit: Commit, Go: runtime.Version(),
			Platform: runtime.GOOS + "/" + runtime.GOARCH}
		bi, ok := debug.ReadBuildInfo()
		if !ok {
			return
		}
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/pocketbase/pocketbase" {
				info.PocketBase = dep.Version
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	})
	return info
}

// String is the one line `mentiondesk version` prints:
// "mentiondesk v1.2.0 (commit 1a2b3c4d5e6f, go1.27.3, linux/arm64)".
func (i Info) String() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	if i.Modified {
		c += "+changes"
	}
	return "mentiondesk " + i.Version + " (commit " + c + ", " + i.Go + ", " + i.Platform + ")"
}
