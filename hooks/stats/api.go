package stats

import (
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/mentiondesk/mentiondesk/hooks/settings"
)

// GET /api/md/stats — the numbers the product exists to improve.
//
// Semantics (the dashboard and the CSV users rely on them):
//   - A ticket belongs to the period of its first mention (first_mention_at
//     in [from, to)); a mention to the period it was published in.
//   - mentions counts stored mentions that named the business (dropped
//     ones — no brand keyword — are left out); sentiment splits them.
//   - needing_answer: tickets the triage opened for an answer (praise logged
//     without reply is not), unless ignored before any answer.
//   - answered: those with a first response (a reply sent, or marked
//     answered elsewhere). response_rate = answered / needing_answer.
//     answered_elsewhere and answered_by_hand count the answered tickets
//     whose answer Mentiondesk did not send: marked answered elsewhere, or
//     a reply the agent posted by hand and then marked so. Both are an
//     agent's word, not a platform's receipt.
//   - within_1h / within_24h: answered at most 3,600 / 86,400 s after the
//     first mention; share_1h and share_24h divide by needing_answer, so an
//     unanswered ticket counts as not answered in time.
//   - median and p90 first response: over answered tickets, by linear
//     interpolation (sla.Percentile: numpy's default, Excel's
//     PERCENTILE.INC). median_resolution: over resolved tickets, counting
//     only the time the ticket was ours to move (sla.Compute).
//   - business_hours=1 switches every *_sec figure and the 1 h / 24 h
//     shares to business time (the settings' opening hours).
//   - breaches: first response later than the SLA target. win_backs:
//     tickets whose first message was negative and whose author later wrote
//     something neutral or positive.
//   - group_by=day|week (the settings' time zone; a week starts on Monday
//     and is keyed by that Monday's date), channel, or agent (the assignee;
//     "" for unassigned).
//   - mine=1 keeps the signed-in member's tickets; with it, and with
//     group_by=agent, mentions are those of the member's tickets and their
//     mood is the mood each ticket opened with.
//   - Mentions are counted by the hour they were published in (UTC hours,
//     so a period that starts mid-hour includes that whole hour).
func (r *Reporter) handleStats(e *core.RequestEvent) error {
	loc, err := settings.BusinessLocation(e.App)
	if err != nil {
		return err
	}
	sq, err := parseQuery(e, loc)
	if err != nil {
		return apis.NewBadRequestError("Invalid period: "+err.Error()+".", nil)
	}
	totals, groups, err := r.Compute(e.App, sq)
	if err != nil {
		return err
	}
	corr, err := CountCorrections(e.App, sq.From, sq.To)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"from": sq.From.UTC(), "to": sq.To.UTC(), "business_hours": sq.BusinessHours, "group_by": sq.GroupBy,
		"totals": totals, "groups": groups, "corrections": corr,
	})
}
