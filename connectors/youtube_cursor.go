package connectors

// The YouTube connector's position between polls (Cursor.Since, as JSON).

import (
	"encoding/json"
	"strings"
	"time"
)

// youtubeCursor is the position stored in Cursor.Since: the newest
// publishedAt/updatedAt read, and the reply counts of threads whose
// listing carries only part of their replies. The API does not say which
// replies a thread includes, so a changed count is the signal to read the
// thread's replies (3 units) rather than guessing from the included ones;
// and since a deletion and a new reply leave the count as it was, the
// threads read are checked again every youtubeRescanEvery (Scanned). Seen
// keeps, per thread, the newest reply read: a reply found late is still
// new for its thread, whatever newer comments moved Since meanwhile.
type youtubeCursor struct {
	Since   string            `json:"since,omitempty"`
	Replies map[string]int    `json:"replies,omitempty"`
	Seen    map[string]string `json:"seen,omitempty"`
	Scanned string            `json:"scanned,omitempty"`
}

// youtubeMaxTrackedThreads bounds the reply counts kept in the cursor.
const youtubeMaxTrackedThreads = 500

func youtubeParseCursor(s string) youtubeCursor {
	var c youtubeCursor
	if strings.HasPrefix(s, "{") {
		if json.Unmarshal([]byte(s), &c) != nil {
			return youtubeCursor{}
		}
	} else {
		c.Since = s
	}
	return c
}

// youtubeMergeCounts keeps the counts seen this poll and as many older
// ones as the cap allows.
func youtubeMergeCounts(old, seen map[string]int) map[string]int {
	out := make(map[string]int, len(seen))
	for k, v := range seen {
		out[k] = v
	}
	return youtubeKeepOlder(out, old)
}

// youtubeKeepOlder adds to out, the entries read this poll, as many of
// old's as the cap allows; nil when there is nothing to keep.
func youtubeKeepOlder[V any](out, old map[string]V) map[string]V {
	for k, v := range old {
		if len(out) >= youtubeMaxTrackedThreads {
			break
		}
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// youtubeParseSeen reads the cursor's per-thread times.
func youtubeParseSeen(in map[string]string) map[string]time.Time {
	out := make(map[string]time.Time, len(in))
	for k, v := range in {
		if t := googleTime(v); !t.IsZero() {
			out[k] = t
		}
	}
	return out
}

// youtubeMergeSeen keeps the newest reply time of each thread read this
// poll (never moving one back: the newest reply may have been deleted) and
// as many older entries as the cap allows.
func youtubeMergeSeen(old map[string]string, seen map[string]time.Time) map[string]string {
	out := make(map[string]string, len(seen))
	for k, t := range seen {
		if prev := googleTime(old[k]); prev.After(t) {
			t = prev
		}
		out[k] = t.Format(time.RFC3339Nano)
	}
	return youtubeKeepOlder(out, old)
}
