package metrics

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/prometheus/client_golang/prometheus"
)

// Backlog is what is waiting or wrong right now. /api/health reports it
// to signed-in members; the metrics endpoint exports it as gauges.
type Backlog struct {
	// FailingSources counts enabled sources whose last poll failed, by
	// kind; every kind the owner has sources of is there, failing or not,
	// so a graph drops back to 0 instead of vanishing.
	FailingSources map[string]int `json:"-"`
	// OutboxQueued counts replies queued or being sent.
	OutboxQueued int `json:"outbox_queued"`
	// OutboxStuck counts replies the outbox should have sent 15 minutes
	// ago and has not: queued and due, or "sending" for that long.
	OutboxStuck int `json:"outbox_stuck"`
	// RepliesFailed counts replies that gave up, waiting for an agent.
	RepliesFailed int `json:"replies_failed"`
	// SLAAtRisk and SLABreached count open tickets (new or open).
	SLAAtRisk   int `json:"sla_at_risk"`
	SLABreached int `json:"sla_breached"`
}

// StuckAfter is how long past due a reply counts as stuck. The outbox
// looks for due replies every few seconds; a quarter of an hour means it
// is not running, or a platform hangs every attempt.
const StuckAfter = 15 * time.Minute

// FailingTotal sums FailingSources.
func (b Backlog) FailingTotal() int {
	n := 0
	for _, c := range b.FailingSources {
		n += c
	}
	return n
}

// ReadBacklog counts the backlog with a handful of indexed queries
// (idx_sources_due, idx_replies_outbox, idx_tickets_status_due).
func ReadBacklog(db dbx.Builder, now time.Time) (Backlog, error) {
	b := Backlog{FailingSources: map[string]int{}}
	var kinds []struct {
		Kind string `db:"kind"`
		N    int    `db:"n"`
	}
	err := db.NewQuery("SELECT kind, coalesce(sum(enabled = 1 AND error_count > 0), 0) AS n FROM sources GROUP BY kind").All(&kinds)
	if err != nil {
		return b, err
	}
	for _, k := range kinds {
		b.FailingSources[k.Kind] = k.N
	}
	// PocketBase stores dates as "2006-01-02 15:04:05.000Z" text, which
	// sorts as time does.
	stale := now.Add(-StuckAfter).UTC().Format("2006-01-02 15:04:05.000Z")
	queries := []struct {
		dst *int
		sql string
	}{
		{&b.OutboxQueued, "SELECT count(*) FROM replies WHERE status IN ('queued', 'sending')"},
		{&b.OutboxStuck, "SELECT count(*) FROM replies WHERE (status = 'queued' AND next_attempt_at != '' AND next_attempt_at <= {:stale}) OR (status = 'queued' AND next_attempt_at = '' AND updated <= {:stale}) OR (status = 'sending' AND updated <= {:stale})"},
		{&b.RepliesFailed, "SELECT count(*) FROM replies WHERE status = 'failed'"},
		{&b.SLAAtRisk, "SELECT count(*) FROM tickets WHERE status IN ('new', 'open') AND sla_at_risk = 1 AND breached = 0"},
		{&b.SLABreached, "SELECT count(*) FROM tickets WHERE status IN ('new', 'open') AND breached = 1"},
	}
	for _, q := range queries {
		if err := db.NewQuery(q.sql).Bind(dbx.Params{"stale": stale}).Row(q.dst); err != nil {
			return b, err
		}
	}
	return b, nil
}

var (
	descFailing  = prometheus.NewDesc(namespace+"_sources_failing", "Enabled sources whose last poll failed, by kind.", []string{"kind"}, nil)
	descQueued   = prometheus.NewDesc(namespace+"_outbox_queue_depth", "Replies queued or being sent.", nil, nil)
	descStuck    = prometheus.NewDesc(namespace+"_outbox_stuck", "Replies due for more than 15 minutes and not sent.", nil, nil)
	descFailed   = prometheus.NewDesc(namespace+"_replies_failed", "Replies the outbox gave up on, waiting for an agent.", nil, nil)
	descAtRisk   = prometheus.NewDesc(namespace+"_sla_at_risk", "Open tickets close to their response-time target.", nil, nil)
	descBreached = prometheus.NewDesc(namespace+"_sla_breached", "Open tickets past their response-time target.", nil, nil)
	descUp       = prometheus.NewDesc(namespace+"_backlog_read_ok", "1 if the backlog gauges could be read from the database at this scrape.", nil, nil)
)

// backlogCollector reads the backlog at each scrape.
type backlogCollector struct {
	read func() (Backlog, error)
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFailing, descQueued, descStuck, descFailed, descAtRisk, descBreached, descUp} {
		ch <- d
	}
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	b, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	for kind, n := range b.FailingSources {
		ch <- prometheus.MustNewConstMetric(descFailing, prometheus.GaugeValue, float64(n), kind)
	}
	for d, v := range map[*prometheus.Desc]int{
		descQueued: b.OutboxQueued, descStuck: b.OutboxStuck, descFailed: b.RepliesFailed,
		descAtRisk: b.SLAAtRisk, descBreached: b.SLABreached,
	} {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
}
