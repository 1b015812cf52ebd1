// Command loadtest measures the release binary under fifty agents' phones:
// it copies a database, starts `mentiondesk serve` on it, signs in as an
// agent through the API and sends, over real HTTP, the requests the app
// sends for the inbox, a ticket, its conversation, a search and the
// dashboard; it prints each route's rate, latencies and failures, and the
// server's memory. Not run in CI; BENCHMARKS.md ("The server under load")
// has the commands and the figures.
//
//	GOTOOLCHAIN=go1.27.3 go build -trimpath -ldflags '-s -w' -o /tmp/md-load/mentiondesk .
//	GOTOOLCHAIN=go1.27.3 go run ./tools/loadtest -bin /tmp/md-load/mentiondesk -db /tmp/md-bench-search-1000000
//
// The database is only read: the server runs on a copy made in -work
// (removed at the end). A database built by BenchmarkLoadDatabase
// (hooks/search_bench_test.go) has the accounts the defaults name and its
// sources sealed with MD_ENCRYPTION_KEY=test-encryption-key.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	bin, db, work          string
	email, password        string
	suEmail, suPassword    string
	phases                 []string
	clients                int
	duration, pace, settle time.Duration
	keepLimits             bool
	sharedAddress          bool
	ownerEmail             string
	keep                   bool
	pushes                 int
	pushEvery, pushWait    time.Duration
}

func main() {
	var o options
	var phases string
	flag.StringVar(&o.bin, "bin", "", "the server binary (go build -o …); required")
	flag.StringVar(&o.db, "db", filepath.Join(os.TempDir(), "md-bench-search-1000000"), "the data directory to copy and serve (left untouched)")
	flag.StringVar(&o.work, "work", "", "where the copy goes (default: a new directory in $TMPDIR; removed at the end)")
	flag.StringVar(&o.email, "email", "agent@example.com", "the agent the clients sign in as")
	flag.StringVar(&o.password, "password", "1234567890", "the agent's password")
	flag.StringVar(&o.suEmail, "superuser", "admin@example.com", "a superuser, to turn the per-address rate limiter off on the copy")
	flag.StringVar(&o.suPassword, "superuser-password", "1234567890", "the superuser's password")
	flag.BoolVar(&o.keepLimits, "keep-rate-limits", false, "leave PocketBase's per-address rate limiter on")
	flag.BoolVar(&o.sharedAddress, "shared-address", false, "every client from 127.0.0.1 (by default each has its own, sent as X-Forwarded-For)")
	flag.StringVar(&phases, "phases", "inbox,ticket,mentions,search,stats", `phases in order; "mixed" runs every route at once, taken in turn`)
	flag.IntVar(&o.clients, "clients", 50, "concurrent clients")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each phase")
	flag.DurationVar(&o.pace, "pace", 0, "one action per client per this long (0: closed loop, the next action as soon as the last is answered)")
	flag.DurationVar(&o.settle, "settle", 3*time.Minute, "at most this long waiting for the server's start-up work to finish before measuring")
	flag.StringVar(&o.ownerEmail, "owner", "owner@example.com", "the owner who sets up the push phase (same password as the agent)")
	flag.BoolVar(&o.keep, "keep", false, "keep the copy and the server's log (server.log) in -work")
	flag.IntVar(&o.pushes, "pushes", 0, "after the phases, mentions pushed to a webhook and timed to a fake ntfy server (0: none)")
	flag.DurationVar(&o.pushEvery, "push-every", 2*time.Second, "mean interval between pushes (exponential, as people write)")
	flag.DurationVar(&o.pushWait, "push-wait", 30*time.Second, "how long after the last push its messages may take")
	flag.Parse()
	if phases == "" {
		phases = "none"
	}
	o.phases = strings.Split(phases, ",")
	if o.bin == "" {
		fmt.Fprintln(os.Stderr, "loadtest: -bin is required (go build -o <path> .)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := measure(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func measure(ctx context.Context, o options) error {
	if _, err := os.Stat(filepath.Join(o.db, "data.db")); err != nil {
		return fmt.Errorf("no database at %s (build one: see BENCHMARKS.md): %w", o.db, err)
	}
	work := o.work
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "md-loadtest-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	dir := filepath.Join(work, "pb_data")
	t0 := time.Now()
	if err := copyData(o.db, dir); err != nil {
		return fmt.Errorf("copy the database: %w", err)
	}
	fmt.Printf("copied %s to %s in %s\n", o.db, dir, time.Since(t0).Round(time.Second))

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	t0 = time.Now()
	var extra []string
	var ntfy *ntfyServer
	if o.pushes > 0 {
		// The fake ntfy listens on loopback, which the outbound guard
		// refuses unless the operator allows it.
		ntfy = newNtfy()
		defer ntfy.Close()
		extra = append(extra, "--allow-private-urls")
	}
	srv, err := startServer(ctx, o.bin, dir, addr, extra)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server %s answering on %s after %s\n", o.bin, addr, time.Since(t0).Round(100*time.Millisecond))

	c := &http.Client{Timeout: time.Minute}
	su, err := signIn(ctx, c, srv.base, "_superusers", o.suEmail, o.suPassword)
	if err != nil {
		return err
	}
	if err := configure(ctx, su, o.keepLimits, o.sharedAddress); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	agent, err := signIn(ctx, c, srv.base, "users", o.email, o.password)
	if err != nil {
		return err
	}
	tickets, err := pickTickets(ctx, agent, 1000)
	if err != nil {
		return err
	}
	waited, err := srv.settle(o.settle)
	if err != nil {
		return err
	}
	rss, _, _ := srv.memory()
	fmt.Printf("server settled after %s; RSS %s; load average %s\n", waited, mib(rss), loadavg())

	all := routes(tickets, time.Now)
	l := load{clients: o.clients, duration: o.duration, pace: o.pace, timeout: time.Minute, sharedAddress: o.sharedAddress}
	mode := "closed loop"
	if o.pace > 0 {
		mode = "one action per client every " + o.pace.String()
	}
	addrs := "each from its own address"
	if o.sharedAddress {
		addrs = "all from 127.0.0.1"
	}
	fmt.Printf("\n%d clients, %s, %s, %s per phase\n\n", o.clients, addrs, mode, o.duration)
	fmt.Println("| phase | route | done/s | p50 | p90 | p99 | max | errors | server RSS peak | server CPU |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	var failures []string
	for _, name := range o.phases {
		if name == "none" {
			continue
		}
		rs, err := pick(all, name)
		if err != nil {
			return err
		}
		pctx, done := context.WithCancel(ctx)
		peak := watchMemory(pctx, srv)
		cpu0, _ := srv.cpu()
		t0 := time.Now()
		results := run(ctx, srv.base, agent.token, rs, l)
		cpu1, _ := srv.cpu()
		// Of one core, over the phase (clock ticks are hundredths of a second).
		cpu := float64(cpu1-cpu0) / 100 / time.Since(t0).Seconds() * 100
		done()
		top := <-peak
		for _, r := range results {
			fmt.Printf("| %s | %s | %.1f | %s | %s | %s | %s | %d | %s | %.0f %% |\n", name, r.route, r.rate(),
				ms(r.pct(50)), ms(r.pct(90)), ms(r.pct(99)), ms(r.pct(100)), r.errs, mib(top), cpu)
			if r.first != nil {
				failures = append(failures, fmt.Sprintf("%s/%s: %v", name, r.route, r.first))
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if o.pushes > 0 {
		owner, err := signIn(ctx, c, srv.base, "users", o.ownerEmail, o.password)
		if err != nil {
			return err
		}
		if err := silenceTargets(ctx, agent); err != nil {
			return err
		}
		hookURL, secret, err := pushSetup(ctx, owner, ntfy.URL)
		if err != nil {
			return err
		}
		// The server answers on its own address; the webhook URL it
		// gives names the public one, which may not be this.
		hookURL = srv.base + hookURL[strings.Index(hookURL, "/api/md/hooks/"):]
		r := push(ctx, hookURL, secret, ntfy, o.pushes, o.pushEvery, o.pushWait)
		if r.warmup == 0 {
			return fmt.Errorf("pushes: %w", r.first)
		}
		p := result{lat: r.lat}
		fmt.Printf("\npushes: warm-up push delivered after %s; %d sent (mean interval %s), %d delivered to ntfy, %d refused, %d without a message after %s; "+
			"webhook to ntfy p50 %s, p90 %s, p99 %s, max %s; %d other messages (digests)\n",
			r.warmup.Round(100*time.Millisecond), o.pushes, r.interval, len(r.lat), r.refused, r.lost, o.pushWait, ms(p.pct(50)), ms(p.pct(90)), ms(p.pct(99)), ms(p.pct(100)), r.extra)
		if r.first != nil {
			failures = append(failures, "push: "+r.first.Error())
		}
	}
	_, hwm, _ := srv.memory()
	fmt.Printf("\nserver peak RSS (VmHWM) %s; load average %s\n", mib(hwm), loadavg())
	for _, f := range failures {
		fmt.Println("first failure:", f)
	}
	return nil
}

// pick is the routes of one phase: one by its name, or all of them.
func pick(all []route, name string) ([]route, error) {
	if name == "mixed" {
		return all, nil
	}
	i := slices.IndexFunc(all, func(r route) bool { return r.name == name })
	if i < 0 {
		names := []string{"mixed"}
		for _, r := range all {
			names = append(names, r.name)
		}
		return nil, errors.New("unknown phase " + name + ": want " + strings.Join(names, ", "))
	}
	return all[i : i+1], nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// loadavg is the machine's load average (1, 5 and 15 minutes): the
// figures are only worth what the other jobs left of the machine.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
