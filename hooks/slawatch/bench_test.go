package slawatch

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mentiondesk/mentiondesk/hooks/bus"
)

// BenchmarkSLAPass times one SLA pass over a backlog, set-based against
// the per-ticket pass it replaced (checkPerTicket), in the same run on
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
//	go test ./hooks/slawatch -run '^$' -bench BenchmarkSLAPass -benchtime 1x -v
func BenchmarkSLAPass(b *testing.B) {
	n := envInt("MD_BENCH_SLA_TICKETS")
	if n <= 0 {
		n = 48_541
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	passes := map[string]func(w *Watcher, now time.Time) error{
		"sets":       func(w *Watcher, now time.Time) error { return w.Check(context.Background(), now) },
		"per_ticket": func(w *Watcher, now time.Time) error { return w.checkPerTicket(context.Background(), now) },
	}
	for _, name := range []string{"sets", "per_ticket"} {
		if name == "per_ticket" && os.Getenv("MD_BENCH_SLA_PERTICKET") == "0" {
			continue
		}
		pass := passes[name]
		b.Run(name, func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				p := newProbe(b, nil)
				slaFixture(b, p, 11, n, at)
				var events int
				p.w.d.Bus.Listen(func(bus.Event) { events++ })
				settle()
				start := time.Now()
				if err := pass(p.w, at); err != nil {
					b.Fatal(err)
				}
				first := time.Since(start)
				flagged := events
				start = time.Now()
				if err := pass(p.w, at.Add(time.Minute)); err != nil {
					b.Fatal(err)
				}
				next := time.Since(start)
				b.ReportMetric(first.Seconds()*1000, "first_pass_ms")
				b.ReportMetric(next.Seconds()*1000, "next_pass_ms")
				b.ReportMetric(float64(flagged), "events")
				b.Logf("%s: %d tickets, first pass %s (%d events), next pass %s (%d events)", name, n, first.Round(time.Millisecond), flagged,
					next.Round(time.Microsecond), events-flagged)
				_ = p.app.ResetBootstrapState()
			}
		})
	}
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// settle starts a timed phase on an even footing: the fixture's garbage
// collected and its written pages flushed by the kernel, not while the
// pass runs.
func settle() {
	runtime.GC()
	syscall.Sync()
}
