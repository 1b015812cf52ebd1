// Command firstingest times one product's first ingest of the local
// feeds (bench/miniflux/run.sh starts the products; BENCHMARKS.md,
// "First ingest beside Miniflux"): from the first API request that
// creates a feed to the moment the product's database holds every item,
// read by -count (a command printing a row count). It prints one line of
// key=value figures.
//
// Mentiondesk: the owner is created through POST /api/md/setup, then each
// feed is a source created through the REST API as the app's source form
// sends it; the poller fetches each new source at once. Miniflux: each
// feed is created through POST /v1/feeds, which fetches, parses and stores
// its entries before it answers. Both get -concurrency API clients.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	product := flag.String("product", "", "mentiondesk or miniflux")
	api := flag.String("api", "", "the product's base URL")
	feedBase := flag.String("feeds", "http://127.0.0.1:18600", "the feed server's base URL")
	n := flag.Int("n", 1000, "number of feeds to create")
	expect := flag.Int("expect", 50000, "rows the database must hold at the end")
	conc := flag.Int("concurrency", 4, "API clients creating feeds at once")
	count := flag.String("count", "", "shell command printing the stored row count")
	pid := flag.Int("pid", 0, "the product's process, for its peak RSS (VmHWM)")
	sideUser := flag.String("side-user", "", "also sample the summed PSS of this user's processes (the database server)")
	user := flag.String("user", "admin", "Miniflux user; Mentiondesk owner e-mail")
	pass := flag.String("password", "", "the user's password")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()

	var p creator
	switch *product {
	case "mentiondesk":
		p = &mentiondesk{base: *api, email: *user, password: *pass}
	case "miniflux":
		p = &miniflux{base: *api, user: *user, password: *pass}
	default:
		log.Fatalf("-product: %q is neither mentiondesk nor miniflux", *product)
	}
	if *count == "" || *pid == 0 {
		log.Fatal("-count and -pid are required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := p.prepare(ctx); err != nil {
		log.Fatalf("%s: before the timer: %v", *product, err)
	}
	if err := post(ctx, *feedBase+"/reset"); err != nil {
		log.Fatalf("feed server: %v", err)
	}

	var side *pssSampler
	if *sideUser != "" {
		side = samplePSS(ctx, *sideUser, 200*time.Millisecond)
	}
	start := time.Now()
	created, err := createAll(ctx, p, *feedBase, *n, *conc)
	if err != nil {
		log.Fatalf("%s: creating feeds: %v", *product, err)
	}
	rows, err := waitRows(ctx, *count, *expect)
	took := time.Since(start)
	if err != nil {
		log.Fatalf("%s: %v (%d rows after %s)", *product, err, rows, took.Round(time.Millisecond))
	}
	var fs feedStats
	if err := getJSON(ctx, *feedBase+"/stats", &fs); err != nil {
		log.Fatalf("feed server: %v", err)
	}
	hwm, err := vmHWM(*pid)
	if err != nil {
		log.Fatal(err)
	}
	line := fmt.Sprintf("product=%s seconds=%.2f created_s=%.2f from_first_fetch_s=%.2f rows=%d feeds_200=%d feeds_304=%d feed_bytes=%d peak_rss_mb=%.1f",
		*product, took.Seconds(), created.Seconds(), start.Add(took).Sub(time.Unix(0, fs.FirstUnixNs)).Seconds(),
		rows, fs.Feed200, fs.Feed304, fs.FeedBytes, float64(hwm)/1024)
	if side != nil {
		line += fmt.Sprintf(" side_peak_pss_mb=%.1f", float64(side.stop())/1024)
	}
	fmt.Println(line)
}

// creator creates the owner (before the timer) and one feed.
type creator interface {
	prepare(ctx context.Context) error
	create(ctx context.Context, n int, url string) error
}

// createAll creates feeds /feed/0 … /feed/n-1 with conc clients and says
// how long that took.
func createAll(ctx context.Context, p creator, base string, n, conc int) (time.Duration, error) {
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := p.create(ctx, i, fmt.Sprintf("%s/feed/%d", base, i)); err != nil {
					errs <- fmt.Errorf("feed %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}

// waitRows runs the count command every 100 ms until it reports want rows.
func waitRows(ctx context.Context, command string, want int) (int, error) {
	last := 0
	for {
		out, err := exec.CommandContext(ctx, "sh", "-c", command).Output()
		if err != nil {
			return last, fmt.Errorf("count: %w", err)
		}
		if last, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
			return 0, fmt.Errorf("count printed %q", out)
		}
		if last >= want {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

type feedStats struct {
	Feed200     int   `json:"feed_200"`
	Feed304     int   `json:"feed_304"`
	FeedBytes   int64 `json:"feed_bytes"`
	FirstUnixNs int64 `json:"first_unix_ns"`
}

var errStatus = errors.New("unexpected status")

func post(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, "POST", url, nil)
	if err != nil {
		return err
	}
	return do(req, nil)
}

func getJSON(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	return do(req, into)
}

// do sends req, fails on a non-2xx answer (with the start of its body),
// and decodes a JSON answer into into when given.
func do(req *http.Request, into any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %w %d: %.300s", req.Method, req.URL.Path, errStatus, res.StatusCode, body)
	}
	if into != nil {
		return json.Unmarshal(body, into)
	}
	return nil
}
