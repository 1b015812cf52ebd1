package version

import (
	"strings"
	"testing"
)

func TestStringShortensTheCommitAndMarksChanges(t *testing.T) {
	i := Info{Version: "v1.2.0", Commit: "0123456789abcdef0123", Modified: true, Go: "go1.27.3", Platform: "linux/arm64"}
	want := "mentiondesk v1.2.0 (commit 0123456789ab+changes, go1.27.3, linux/arm64)"
	if got := i.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if got := (Info{Version: "dev", Go: "go1.27.3", Platform: "linux/amd64"}).String(); !strings.Contains(got, "commit unknown") {
		t.Fatalf("an unstamped build without VCS info should say so: %q", got)
	}
}

func TestGetKeepsTheStampedValues(t *testing.T) {
	i := Get()
	if i.Version != Version || (Commit != "" && i.Commit != Commit) {
		t.Fatalf("Get() = %+v, stamped Version=%q Commit=%q", i, Version, Commit)
	}
	if i.Go == "" || i.Platform == "" {
		t.Fatalf("Get() misses the toolchain or platform: %+v", i)
	}
}
