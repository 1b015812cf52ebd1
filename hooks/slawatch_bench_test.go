package hooks

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
)

// BenchmarkSLAPass times one SLA pass over a backlog, set-based against
// the per-ticket pass it replaced (checkSLAPerTicket), in the same run on
// the same tickets: the first pass, which flags every waiting ticket past
// 80 % of its target (most of them, as after an import or a week offline),
// and the next one a minute later, which has almost nothing left to do.
//
// The tickets are slaFixture's (every status, priority and clock shape,
// clocks started over the last three days), written straight into a
// fresh database: 48,541 by default, the tickets BenchmarkIngest100k's
// 100,000 mentions open; MD_BENCH_SLA_TICKETS=615000 for a million
// mentions' worth. MD_BENCH_SLA_PERTICKET=0 skips the per-ticket pass
// (minutes at that size).
//
//	go test ./hooks -run '^$' -bench BenchmarkSLAPass -benchtime 1x -v
func BenchmarkSLAPass(b *testing.B) {
	n := envInt("MD_BENCH_SLA_TICKETS")
	if n <= 0 {
		n = 48_541
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	passes := map[string]func(h *hub, now time.Time) error{
		"sets":       func(h *hub, now time.Time) error { return h.checkSLA(context.Background(), now) },
		"per_ticket": func(h *hub, now time.Time) error { return h.checkSLAPerTicket(context.Background(), now) },
	}
	for _, name := range []string{"sets", "per_ticket"} {
		if name == "per_ticket" && os.Getenv("MD_BENCH_SLA_PERTICKET") == "0" {
			continue
		}
		pass := passes[name]
		b.Run(name, func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				app, h := benchApp(b)
				slaFixture(b, app, h, 11, n, at)
				var events int
				h.bus.Listen(func(bus.Event) { events++ })
				settle()
				start := time.Now()
				if err := pass(h, at); err != nil {
					b.Fatal(err)
				}
				first := time.Since(start)
				flagged := events
				start = time.Now()
				if err := pass(h, at.Add(time.Minute)); err != nil {
					b.Fatal(err)
				}
				next := time.Since(start)
				b.ReportMetric(first.Seconds()*1000, "first_pass_ms")
				b.ReportMetric(next.Seconds()*1000, "next_pass_ms")
				b.ReportMetric(float64(flagged), "events")
				b.Logf("%s: %d tickets, first pass %s (%d events), next pass %s (%d events)", name, n, first.Round(time.Millisecond), flagged,
					next.Round(time.Microsecond), events-flagged)
				_ = app.ResetBootstrapState()
			}
		})
	}
}
