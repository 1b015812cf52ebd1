package sources

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/web"
	"github.com/pocketbase/pocketbase/core"
)

// "Check now" is a member's button, not a way around the poller's
// manners: an agent once ran 543 checks in four minutes. A manual check
// waits manualCheckGap after the last check, and while a failing source
// backs off (or a platform's Retry-After holds it) it waits for that too —
// unless the owner edited the source since, which is how a refused
// credential gets fixed and tried at once.

// manualCheckGap spaces checks by hand: at most six a minute, 24 in the
// four minutes above. Shorter than the shortest polling interval (30 s):
// an owner who adds a source (the poller checks it at once), posts a test
// and taps "Check now" expects a real check, not the one of 15 s before.
const manualCheckGap = 10 * time.Second

// checkNowAllowedAt is when src may next be checked by hand.
func checkNowAllowedAt(src *core.Record) time.Time {
	last := src.GetDateTime("last_check_at").Time()
	if last.IsZero() {
		return time.Time{}
	}
	at := last.Add(manualCheckGap)
	edited := src.GetDateTime("updated").Time().After(last)
	if next := src.GetDateTime("next_check_at").Time(); src.GetInt("error_count") > 0 && !edited && next.After(at) {
		at = next
	}
	return at
}

// refuseEarlyCheck answers a check asked too soon and reports it did. A
// healthy source checked less than manualCheckGap ago (often by the
// poller, just after the owner added it) answers with that check's outcome, fetching
// nothing ("recent": true); a failing one gets 429 with the time of the
// next allowed check (data.next_check_at, and Retry-After in seconds).
func refuseEarlyCheck(e *core.RequestEvent, src *core.Record) (bool, error) {
	at := checkNowAllowedAt(src)
	now := time.Now()
	if !at.After(now) {
		return false, nil
	}
	if src.GetInt("error_count") == 0 && src.GetString("last_error") == "" {
		return true, e.JSON(http.StatusOK, map[string]any{
			"ok": true, "new": src.GetInt("last_new"), "recent": true,
			"checked_at": src.GetDateTime("last_check_at"), "next_check_at": src.GetDateTime("next_check_at"),
		})
	}
	wait := at.Sub(now)
	e.Response.Header().Set("Retry-After", strconv.FormatInt(int64(wait.Seconds())+1, 10))
	msg := fmt.Sprintf("Too soon: this source can be checked again at %s UTC.", at.UTC().Format("15:04:05"))
	if wait > manualCheckGap {
		msg = fmt.Sprintf("This source is waiting after errors or a platform's request to slow down: it can be checked again at %s UTC.", at.UTC().Format("2006-01-02 15:04"))
	}
	return true, web.WriteError(e, http.StatusTooManyRequests, msg, map[string]any{"next_check_at": at.UTC().Format(time.RFC3339)})
}
