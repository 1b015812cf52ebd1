package apptest

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// PeakRSS reads the process's resident-set high-water mark (VmHWM) in
// bytes; ResetPeakRSS lowers it to the current RSS (Linux ≥ 4.0), so a
// benchmark phase's peak is its own. Both report 0 / false where /proc is
// missing.
func PeakRSS() int64 { return procStatus("VmHWM:") }

// procStatus reads a size in kB from /proc/self/status, in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// CurrentRSS reads the process's resident set (VmRSS) in bytes.
func CurrentRSS() int64 { return procStatus("VmRSS:") }

// ResetPeakRSS collects garbage and resets VmHWM (clear_refs 5).
func ResetPeakRSS() bool {
	runtime.GC()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
