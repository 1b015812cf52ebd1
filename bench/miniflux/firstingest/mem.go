package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// vmHWM is a process's peak resident set in KiB (proc(5), VmHWM).
func vmHWM(pid int) (int64, error) {
	return statusField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM:")
}

// statusField reads a "Name:   123 kB" line of a /proc file.
func statusField(path, name string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s line", path, name)
}

// pssSampler keeps the highest summed PSS (proportional set size: shared
// pages split between the processes sharing them, so PostgreSQL's shared
// buffers count once) of one user's processes.
type pssSampler struct {
	mu   sync.Mutex
	peak int64
	done chan struct{}
	wg   sync.WaitGroup
}

func samplePSS(ctx context.Context, username string, every time.Duration) *pssSampler {
	s := &pssSampler{done: make(chan struct{})}
	u, err := user.Lookup(username)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pss: %v\n", err)
		return s
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			if total := userPSS(u.Uid); total > 0 {
				s.mu.Lock()
				s.peak = max(s.peak, total)
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case <-time.After(every):
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak in KiB.
func (s *pssSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// userPSS sums Pss over the processes whose real uid is uid.
func userPSS(uid string) (total int64) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		owner, err := statusUID(d + "/status")
		if err != nil || owner != uid {
			continue
		}
		if pss, err := statusField(d+"/smaps_rollup", "Pss:"); err == nil {
			total += pss
		}
	}
	return total
}

func statusUID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return f[0], nil
			}
		}
	}
	return "", fmt.Errorf("%s: no Uid line", path)
}
