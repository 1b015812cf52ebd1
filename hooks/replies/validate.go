package replies

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/model"
)

// Platform limits a reply must fit.

// validateReply refuses at creation what the platform would refuse later,
// with the reason in words.
func validateReply(app core.App, r *core.Record) error {
	body := strings.TrimSpace(r.GetString("body"))
	if body == "" {
		return apis.NewBadRequestError("The reply is empty.", validation.Errors{"body": validation.NewError("validation_required", "Cannot be blank.")})
	}
	if r.GetString("via") != "platform" {
		return nil
	}
	t, err := app.FindRecordById("tickets", r.GetString("ticket"))
	if err != nil {
		return nil // the relation validator reports it
	}
	lim, ok := model.ReplyLimits[t.GetString("channel")]
	if !ok {
		return nil
	}
	n := replyLength(body, lim.Unit)
	if n > lim.Max {
		msg := fmt.Sprintf("Too long for %s: %d %s, the limit is %d.", t.GetString("channel"), n, lim.Unit, lim.Max)
		return apis.NewBadRequestError(msg, validation.Errors{
			"body": validation.NewError("validation_too_long", msg).SetParams(map[string]any{"max": lim.Max, "length": n}),
		})
	}
	return nil
}

// replyLength counts as the platform does: Bluesky counts graphemes (an
// emoji with skin tone is one), Mastodon counts characters.
func replyLength(s, unit string) int {
	if unit == "graphemes" {
		return uniseg.GraphemeClusterCount(s)
	}
	return utf8.RuneCountInString(s)
}
