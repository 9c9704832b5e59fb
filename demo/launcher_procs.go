package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// proc is one child process that can be stopped and started again on the
// same ports.
type proc struct {
	name        string // prometheus, alertmanager-0
	bin         string
	port        int // web port
	clusterPort int // Alertmanager cluster port, 0 when not clustered
	logPath     string
	dataDir     string
	cfgPath     string
	scheme      string // "https" behind a WebConfig with TLS; empty: http
	readyPath   string // the readiness path; empty: /-/ready

	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error
}

func (p *proc) url() string {
	scheme := p.scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://127.0.0.1:" + strconv.Itoa(p.port)
}

func (p *proc) running() bool {
	if p == nil || p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// errAddrInUse marks a start that failed because a port was taken.
var errAddrInUse = errors.New("address already in use")

// portTakenError is a start error that errors.Is errAddrInUse.
type portTakenError struct{ error }

func (e portTakenError) Is(target error) bool { return target == errAddrInUse }

func (e portTakenError) Unwrap() error { return e.error }

// freePort asks the kernel for a free loopback port. Another process may
// take it before it is used: callers retry on errAddrInUse.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("demo: find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("demo: find a free port: %w", err)
	}
	return port, nil
}

// launch starts a process and waits until GET /-/ready answers 200. On
// failure the process is stopped and the error names the binary and the URL
// and quotes the end of its log.
func (s *Stack) launch(ctx context.Context, p *proc, args []string) error {
	if err := os.MkdirAll(p.dataDir, 0o755); err != nil {
		return fmt.Errorf("demo: %s: %w", p.name, err)
	}
	lf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("demo: %s log: %w", p.name, err)
	}
	offset, _ := lf.Seek(0, io.SeekEnd)
	fmt.Fprintf(lf, "=== %s: %s %s\n", time.Now().Format(time.RFC3339), p.bin, strings.Join(args, " "))

	cmd := exec.Command(p.bin, args...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("demo: start %s (%s): %w", p.name, p.bin, err)
	}
	p.cmd, p.logFile, p.done, p.waitErr = cmd, lf, make(chan struct{}), nil
	go func(p *proc, cmd *exec.Cmd, done chan struct{}) {
		err := cmd.Wait()
		p.waitErr = err
		close(done)
	}(p, cmd, p.done)
	s.logf("%s started, pid %d, at %s", p.name, cmd.Process.Pid, p.url())

	if err := s.waitReady(ctx, p); err != nil {
		_ = s.stop(p)
		tail := logTail(p.logPath, offset, logTailLines)
		err = fmt.Errorf("%w;%s last lines of %s:\n%s", err, logErrors(p.logPath, offset), p.logPath, tail)
		if strings.Contains(tail, "address already in use") {
			return portTakenError{err}
		}
		return err
	}
	return nil
}

// deadline bounds one wait by ReadyTimeout and by ctx.
func deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, ReadyTimeout)
}

// logTail returns the last n lines of a log written since offset.
func logTail(path string, offset int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const maxRead = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	start := offset
	if st.Size()-start > maxRead {
		start = st.Size() - maxRead
	}
	if start < 0 {
		start = 0
	}
	b := make([]byte, st.Size()-start)
	if _, err := f.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
		return "(log unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logErrors quotes the first error lines of a log written since offset,
// which say why a process gave up more plainly than its last lines.
func logErrors(path string, offset int64) string {
	var out []string
	for _, line := range strings.Split(logTail(path, offset, 400), "\n") {
		if strings.Contains(line, "level=error") && len(out) < 3 {
			out = append(out, "  "+line)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " errors logged:\n" + strings.Join(out, "\n") + "\n"
}

// stop sends SIGTERM to the process group, waits up to StopTimeout, then
// kills it. It is a no-op for a process that is not running.
func (s *Stack) stop(p *proc) error {
	if p == nil || p.cmd == nil {
		return nil
	}
	defer func() {
		if p.logFile != nil {
			p.logFile.Close()
			p.logFile = nil
		}
	}()
	if !p.running() {
		return nil
	}
	_ = terminate(p.cmd.Process)
	select {
	case <-p.done:
		s.logf("%s stopped", p.name)
		return nil
	case <-time.After(StopTimeout):
	}
	_ = kill(p.cmd.Process)
	select {
	case <-p.done:
		s.logf("%s killed after %s", p.name, StopTimeout)
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("demo: %s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// StopPrometheus stops Prometheus (SIGTERM, then SIGKILL after
// StopTimeout). Its port and storage stay for StartPrometheus.
func (s *Stack) StopPrometheus() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop(s.prom)
}

// StartPrometheus starts Prometheus again on the same port with the same
// storage, and waits until it is ready and has scraped the app again. It
// does nothing when Prometheus is running.
func (s *Stack) StartPrometheus(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("demo: the stack is closed")
	}
	if s.prom.running() {
		return nil
	}
	since := time.Now()
	if err := s.relaunch(ctx, s.prom, s.prometheusArgs); err != nil {
		return err
	}
	return s.waitPrometheus(ctx, since)
}

// StopAlertmanager stops peer i (SIGTERM, then SIGKILL after StopTimeout).
// Its ports and storage stay for StartAlertmanager.
func (s *Stack) StopAlertmanager(i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.ams) {
		return fmt.Errorf("demo: no alertmanager %d: the stack runs %d", i, len(s.ams))
	}
	return s.stop(s.ams[i])
}

// StartAlertmanager starts peer i again on the same ports with the same
// storage, and waits until it is ready and, in a cluster, has joined the
// other running peers and settled. It does nothing when the peer is running.
func (s *Stack) StartAlertmanager(ctx context.Context, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.ams) {
		return fmt.Errorf("demo: no alertmanager %d: the stack runs %d", i, len(s.ams))
	}
	if s.closed {
		return errors.New("demo: the stack is closed")
	}
	p := s.ams[i]
	if p.running() {
		return nil
	}
	if err := s.relaunch(ctx, p, func() []string { return s.alertmanagerArgs(i) }); err != nil {
		return err
	}
	if len(s.ams) > 1 {
		return s.waitCluster(ctx)
	}
	return nil
}

// relaunch starts a stopped process on its old ports, waiting a little and
// trying again while the port is still taken.
func (s *Stack) relaunch(ctx context.Context, p *proc, args func() []string) error {
	var err error
	for attempt := 1; attempt <= portAttempts; attempt++ {
		err = s.launch(ctx, p, args())
		if err == nil || !errors.Is(err, errAddrInUse) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}
