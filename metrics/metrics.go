// Package metrics is Mentiondesk's Prometheus endpoint,
// GET /api/md/metrics. It is off unless MD_METRICS_TOKEN is set, and then
// answers only requests with "Authorization: Bearer <token>".
//
// Counters are counted from PocketBase record hooks (a mention or ticket
// created, a source's poll written, a reply's or a notification target's
// status changed), so the poller, outbox and notifier need no calls of
// ours. Gauges (queue depth, SLA at risk, failing sources) are counted by
// SQL when Prometheus scrapes, on indexed columns.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const namespace = "mentiondesk"

// Metrics holds the collectors of one app.
type Metrics struct {
	reg *prometheus.Registry

	polls         *prometheus.CounterVec
	mentions      *prometheus.CounterVec
	tickets       *prometheus.CounterVec
	replies       *prometheus.CounterVec
	notifications *prometheus.CounterVec
	requests      *prometheus.HistogramVec
}

func newMetrics(backlog func() (Backlog, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "polls_total",
			Help: "Source polls, by source kind and result (ok, error).",
		}, []string{"kind", "result"}),
		mentions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "mentions_ingested_total",
			Help: "Mentions stored, by channel and what triage made of them (ticket, logged, ignored, dropped).",
		}, []string{"channel", "triage"}),
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "tickets_opened_total",
			Help: "Tickets opened, by channel.",
		}, []string{"channel"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "outbox_sends_total",
			Help: "Reply send attempts by the outbox, by way (platform, email) and result (sent, retry, failed).",
		}, []string{"via", "result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "notifications_total",
			Help: "Notifications delivered to a target, by target kind and result (sent, failed).",
		}, []string{"kind", "result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route pattern and status class (realtime streams left out).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "code"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.polls, m.mentions, m.tickets, m.replies, m.notifications, m.requests,
		&backlogCollector{read: backlog},
	)
	return m
}
