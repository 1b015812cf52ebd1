package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is the release binary serving a copy of the database: the thing
// measured, started as an operator starts it.
type server struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	log    *os.File
	exited <-chan error // the process's end, once
}

// copyData copies the data directory src into dst, file by file: the
// server writes to its database (migrations, sessions, the SLA watcher),
// and the cached database must stay as it was built.
func copyData(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// freeAddr asks the kernel for a loopback port nobody uses.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startServer runs `bin serve --dir dir --http addr`, its output in
// dir/../server.log, and waits until /api/health answers.
func startServer(ctx context.Context, bin, dir, addr string, extraArgs []string) (*server, error) {
	logf, err := os.Create(filepath.Join(filepath.Dir(dir), "server.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--dir", dir, "--http", addr}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &server{cmd: cmd, base: "http://" + addr, log: logf, exited: exited}
	// Migrations of an older database run before the server listens.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		select {
		case err := <-exited:
			logf.Close()
			return nil, fmt.Errorf("server exited before answering (%v): see %s", err, logf.Name())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		res, err := http.Get(s.base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("server did not answer /api/health within 5 minutes")
		}
	}
}

// stop asks the server to stop as systemd would (SIGTERM) and kills it if
// it has not stopped within 30 s.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.log.Close()
}

// memory is the server's resident memory now and its peak, from
// /proc/<pid>/status (VmRSS, VmHWM), in bytes.
func (s *server) memory() (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

// cpu is the CPU time the server has used so far (user and system), from
// /proc/<pid>/stat, in clock ticks (USER_HZ, 100 a second on Linux).
func (s *server) cpu() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, may hold spaces: count from its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	// Fields 14 and 15 (utime, stime); f[0] is field 3.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return utime + stime, nil
}

// settle waits until the server has used less than 5 % of a core for three
// seconds in a row (its first SLA pass and stats index are built at
// start), or max has passed; it returns how long that took.
func (s *server) settle(max time.Duration) (time.Duration, error) {
	began := time.Now()
	last, err := s.cpu()
	if err != nil {
		return 0, err
	}
	quiet := 0
	for quiet < 3 && time.Since(began) < max {
		time.Sleep(time.Second)
		now, err := s.cpu()
		if err != nil {
			return 0, err
		}
		if now-last <= 5 { // 5 ticks of 100 in one second
			quiet++
		} else {
			quiet = 0
		}
		last = now
	}
	return time.Since(began).Round(time.Second), nil
}
