package metrics

import (
	"github.com/pocketbase/pocketbase/core"
)

// bindCounters counts from record hooks. Ingest writes mentions and
// tickets with prepared statements and then runs these same after-success
// hooks for each row (hooks.announce), as it does for realtime; the
// poller announces each source's new health the same way.
func (m *Metrics) bindCounters(app core.App) {
	app.OnRecordAfterCreateSuccess("mentions").BindFunc(func(e *core.RecordEvent) error {
		m.mentions.WithLabelValues(label(e.Record.GetString("channel")), label(e.Record.GetString("triage"))).Inc()
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess("tickets").BindFunc(func(e *core.RecordEvent) error {
		m.tickets.WithLabelValues(label(e.Record.GetString("channel"))).Inc()
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("sources").BindFunc(func(e *core.RecordEvent) error {
		if result, ok := pollResult(e.Record); ok {
			m.polls.WithLabelValues(label(e.Record.GetString("kind")), result).Inc()
		}
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("replies").BindFunc(func(e *core.RecordEvent) error {
		if result, ok := sendResult(e.Record); ok {
			m.replies.WithLabelValues(label(e.Record.GetString("via")), result).Inc()
		}
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("notifications").BindFunc(func(e *core.RecordEvent) error {
		if result, ok := deliveryResult(e.Record); ok {
			m.notifications.WithLabelValues(label(e.Record.GetString("kind")), result).Inc()
		}
		return e.Next()
	})
}

// pollResult tells a poll from an owner's edit of the source: a poll
// always writes last_check_at, ok or not, and resets error_count on
// success (hooks/sources/poller.go, pollSource and recordFailure).
func pollResult(r *core.Record) (string, bool) {
	if r.GetString("last_check_at") == r.Original().GetString("last_check_at") {
		return "", false
	}
	if r.GetInt("error_count") > 0 {
		return "error", true
	}
	return "ok", true
}

// sendResult reads an outbox attempt off a reply's status change
// (hooks/replies/outbox.go, SendReply): "sent"; back to "queued" with an error
// for a retry; "failed" when the outbox gives up.
func sendResult(r *core.Record) (string, bool) {
	was, is := r.Original().GetString("status"), r.GetString("status")
	if was == is {
		return "", false
	}
	switch {
	case is == "sent":
		return "sent", true
	case is == "failed":
		return "failed", true
	case is == "queued" && was == "sending" && r.GetString("error") != "":
		return "retry", true
	}
	return "", false
}

// deliveryResult reads a delivery off a notification target: the notifier
// writes last_sent_at when one went out, last_error when one did not
// (hooks/notifier, record).
func deliveryResult(r *core.Record) (string, bool) {
	o := r.Original()
	if !r.GetDateTime("last_sent_at").IsZero() && r.GetDateTime("last_sent_at") != o.GetDateTime("last_sent_at") {
		return "sent", true
	}
	if msg := r.GetString("last_error"); msg != "" && msg != o.GetString("last_error") {
		return "failed", true
	}
	return "", false
}

// label keeps an empty value visible in queries.
func label(v string) string {
	if v == "" {
		return "none"
	}
	return v
}
