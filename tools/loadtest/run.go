package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// load is how the clients behave in a phase.
type load struct {
	clients  int
	duration time.Duration
	// pace, when not zero, gives each client one action per pace (a
	// person reading between taps); zero is a closed loop, each client
	// acting again the moment it is answered.
	pace time.Duration
	// timeout bounds one action, as a person gives up on a screen.
	timeout time.Duration
	// sharedAddress: every client comes from 127.0.0.1 instead of an
	// address of its own.
	sharedAddress bool
}

// result is what a phase measured for one route.
type result struct {
	route   string
	lat     []time.Duration // successful actions, sorted
	errs    int
	first   error // the first failure, to say what failed
	elapsed time.Duration
}

func (r result) rate() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

// pct is the q-th percentile of the sorted latencies (nearest rank).
func (r result) pct(q int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := (len(r.lat)*q + 99) / 100
	return r.lat[max(0, min(len(r.lat)-1, i-1))]
}

// run drives l.clients clients through the routes (one route, or several
// taken in turn for a mixed phase) for l.duration; each client has its own
// connections, as each phone has.
func run(ctx context.Context, base, token string, rs []route, l load) []result {
	type sample struct {
		route int
		d     time.Duration
		err   error
	}
	var (
		mu      sync.Mutex
		samples []sample
		seq     atomic.Int64
		wg      sync.WaitGroup
	)
	began := time.Now()
	stop := began.Add(l.duration)
	for c := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
			defer tr.CloseIdleConnections()
			a := &api{base: base, token: token, http: &http.Client{Transport: tr}}
			if !l.sharedAddress {
				a.addr = fmt.Sprintf("10.77.%d.%d", c/250, c%250+1) // a phone's address, seen through the proxy
			}
			var mine []sample
			// Paced clients start spread over one pace, as people do.
			next := time.Now()
			if l.pace > 0 {
				next = next.Add(rand.N(l.pace))
			}
			for ctx.Err() == nil {
				if l.pace > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(l.pace)
				}
				if !time.Now().Before(stop) {
					break
				}
				i := int(seq.Add(1))
				ri := i % len(rs)
				actx, cancel := context.WithTimeout(ctx, l.timeout)
				t0 := time.Now()
				err := rs[ri].do(actx, a, i/len(rs))
				cancel()
				mine = append(mine, sample{ri, time.Since(t0), err})
			}
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := l.duration
	out := make([]result, len(rs))
	for i, r := range rs {
		out[i] = result{route: r.name, elapsed: elapsed}
	}
	for _, s := range samples {
		r := &out[s.route]
		if s.err != nil {
			r.errs++
			if r.first == nil {
				r.first = s.err
			}
			continue
		}
		r.lat = append(r.lat, s.d)
	}
	for i := range out {
		slices.Sort(out[i].lat)
	}
	return out
}

// watchMemory samples the server's resident memory every 250 ms until ctx
// ends and reports the highest VmRSS seen.
func watchMemory(ctx context.Context, s *server) <-chan int64 {
	peak := make(chan int64, 1)
	go func() {
		var top int64
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := s.memory(); err == nil {
				top = max(top, rss)
			}
			select {
			case <-ctx.Done():
				peak <- top
				return
			case <-t.C:
			}
		}
	}()
	return peak
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}
