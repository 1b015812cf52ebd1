package hooks

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// "Check now" is a member's button, not a way around the poller's
// manners: an agent once ran 543 checks in four minutes. A manual check
// waits the shortest polling interval after the last check, and while a
// failing source backs off (or a platform's Retry-After holds it) it waits
// for that too — unless the owner edited the source since, which is how a
// refused credential gets fixed and tried at once.

// checkNowAllowedAt is when src may next be checked by hand.
func checkNowAllowedAt(src *core.Record) time.Time {
	last := src.GetDateTime("last_check_at").Time()
	if last.IsZero() {
		return time.Time{}
	}
	at := last.Add(minInterval)
	edited := src.GetDateTime("updated").Time().After(last)
	if next := src.GetDateTime("next_check_at").Time(); src.GetInt("error_count") > 0 && !edited && next.After(at) {
		at = next
	}
	return at
}

// refuseEarlyCheck answers 429 with the time of the next allowed check
// (data.next_check_at, and Retry-After in seconds) and reports it did.
func refuseEarlyCheck(e *core.RequestEvent, src *core.Record) (bool, error) {
	at := checkNowAllowedAt(src)
	now := time.Now()
	if !at.After(now) {
		return false, nil
	}
	wait := at.Sub(now)
	e.Response.Header().Set("Retry-After", strconv.FormatInt(int64(wait.Seconds())+1, 10))
	msg := fmt.Sprintf("Too soon: this source can be checked again at %s UTC.", at.UTC().Format("15:04:05"))
	if src.GetInt("error_count") > 0 && wait > minInterval {
		msg = fmt.Sprintf("This source is waiting after errors or a platform's request to slow down: it can be checked again at %s UTC.", at.UTC().Format("2006-01-02 15:04"))
	}
	return true, e.JSON(http.StatusTooManyRequests, map[string]any{
		"status": http.StatusTooManyRequests, "message": msg,
		"data": map[string]any{"next_check_at": at.UTC().Format(time.RFC3339)},
	})
}
