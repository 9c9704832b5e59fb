package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The real Flask app (flaskapp/app.py): the exporter's families on
// Debian's python3-flask, python3-prometheus-client and gunicorn, run in
// the shapes people deploy. The Go app (app.go) imitates its pitfalls for
// the demo and for scale; this one is what they must match.

//go:embed flaskapp/app.py flaskapp/gunicorn_conf.py
var flaskFiles embed.FS

// FlaskShape is how the Flask app is run.
type FlaskShape string

const (
	// FlaskSingle is one Python process (Flask's own server).
	FlaskSingle FlaskShape = "single"
	// FlaskWorkers is gunicorn with several workers and no multiprocess
	// mode: each worker has its own registry and answers the scrapes it
	// accepts.
	FlaskWorkers FlaskShape = "workers"
	// FlaskMultiprocess is gunicorn with several workers in
	// prometheus_client's multiprocess mode: every /metrics sums the
	// workers' files.
	FlaskMultiprocess FlaskShape = "multiprocess"
)

// FlaskInstallHint is how to get what the Flask app needs.
const FlaskInstallHint = "apt-get install python3-flask python3-prometheus-client gunicorn"

// Debian's interpreter and gunicorn: another python3 on PATH (a pyenv one)
// lacks Debian's packages.
var (
	flaskPython   = "/usr/bin/python3"
	flaskGunicorn = "/usr/bin/gunicorn"
)

// FlaskOptions configures StartFlask.
type FlaskOptions struct {
	Shape FlaskShape
	// Workers is gunicorn's worker count (2 or more for the gunicorn
	// shapes; 4 when 0).
	Workers int
	// Dir is where the app's files, its log and the multiprocess
	// directory go; a new temporary directory when empty.
	Dir string
}

// FlaskApp is a running Flask app.
type FlaskApp struct {
	opts    FlaskOptions
	dir     string
	ownDir  bool
	port    int
	client  *http.Client
	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
	starts  int
}

// FlaskAvailable reports why the Flask app cannot run here, or nil.
func FlaskAvailable() error {
	for _, bin := range []string{flaskPython, flaskGunicorn} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%w: %s; install it with: %s", ErrMissingBinary, bin, FlaskInstallHint)
		}
	}
	out, err := exec.Command(flaskPython, "-c", "import flask, prometheus_client").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s cannot import flask and prometheus_client (%s); install them with: %s",
			ErrMissingBinary, flaskPython, strings.TrimSpace(string(out)), FlaskInstallHint)
	}
	return nil
}

// StartFlask writes the app to its directory, starts it on a free loopback
// port and returns once /metrics answers.
func StartFlask(ctx context.Context, opts FlaskOptions) (*FlaskApp, error) {
	if err := FlaskAvailable(); err != nil {
		return nil, err
	}
	switch opts.Shape {
	case FlaskSingle:
		opts.Workers = 1
	case FlaskWorkers, FlaskMultiprocess:
		if opts.Workers == 0 {
			opts.Workers = 4
		}
		if opts.Workers < 2 || opts.Workers > maxWorkers {
			return nil, fmt.Errorf("demo: flask %s: workers must be from 2 to %d, not %d", opts.Shape, maxWorkers, opts.Workers)
		}
	default:
		return nil, fmt.Errorf("demo: flask shape %q: want %s, %s or %s", opts.Shape, FlaskSingle, FlaskWorkers, FlaskMultiprocess)
	}
	f := &FlaskApp{opts: opts, dir: opts.Dir,
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}}
	if f.dir == "" {
		d, err := os.MkdirTemp("", "vigil-flask-")
		if err != nil {
			return nil, fmt.Errorf("demo: flask directory: %w", err)
		}
		f.dir, f.ownDir = d, true
	}
	for _, name := range []string{"app.py", "gunicorn_conf.py"} {
		b, err := flaskFiles.ReadFile("flaskapp/" + name)
		if err == nil {
			err = os.WriteFile(filepath.Join(f.dir, name), b, 0o644)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("demo: flask app: %w", err)
		}
	}
	f.logPath = filepath.Join(f.dir, "flask.log")
	var err error
	for range portAttempts {
		if f.port, err = freePort(); err != nil {
			break
		}
		if err = f.start(ctx); err == nil || !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Addr is the app's host:port.
func (f *FlaskApp) Addr() string { return "127.0.0.1:" + strconv.Itoa(f.port) }

// URL is the app's base URL.
func (f *FlaskApp) URL() string { return "http://" + f.Addr() }

// Shape is how the app runs.
func (f *FlaskApp) Shape() FlaskShape { return f.opts.Shape }

// Workers is the number of processes that answer requests.
func (f *FlaskApp) Workers() int { return f.opts.Workers }

func (f *FlaskApp) command() *exec.Cmd {
	var cmd *exec.Cmd
	if f.opts.Shape == FlaskSingle {
		cmd = exec.Command(flaskPython, "app.py", strconv.Itoa(f.port))
	} else {
		args := []string{"--bind", f.Addr(), "--workers", strconv.Itoa(f.opts.Workers),
			"--graceful-timeout", "2", "--access-logfile", "-"}
		if f.opts.Shape == FlaskMultiprocess {
			args = append(args, "--config", "gunicorn_conf.py")
		}
		cmd = exec.Command(flaskGunicorn, append(args, "app:app")...)
	}
	cmd.Dir = f.dir
	env := []string{"PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1", "HOME=" + f.dir}
	if f.opts.Shape == FlaskMultiprocess {
		env = append(env, "PROMETHEUS_MULTIPROC_DIR="+filepath.Join(f.dir, "multiproc"))
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// start runs the app and waits for /metrics.
func (f *FlaskApp) start(ctx context.Context) error {
	if f.opts.Shape == FlaskMultiprocess {
		// A new start is a new set of processes: their files start anew,
		// as a deployment's empty directory does.
		mp := filepath.Join(f.dir, "multiproc")
		if err := os.RemoveAll(mp); err != nil {
			return fmt.Errorf("demo: flask multiprocess directory: %w", err)
		}
		if err := os.MkdirAll(mp, 0o755); err != nil {
			return fmt.Errorf("demo: flask multiprocess directory: %w", err)
		}
	}
	logf, err := os.OpenFile(f.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("demo: flask log: %w", err)
	}
	off, _ := logf.Seek(0, io.SeekEnd)
	cmd := f.command()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("demo: flask %s: %w", f.opts.Shape, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	f.mu.Lock()
	f.cmd, f.done = cmd, done
	f.starts++
	f.mu.Unlock()

	deadline := time.Now().Add(ReadyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for {
		resp, err := f.client.Get(f.URL() + "/metrics")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			tail := logTail(f.logPath, off, logTailLines)
			if strings.Contains(tail, "Address already in use") {
				return portTakenError{fmt.Errorf("demo: flask port %d taken", f.port)}
			}
			return fmt.Errorf("demo: flask %s exited before it was ready; its log:\n%s", f.opts.Shape, tail)
		case <-ctx.Done():
			f.stop()
			return fmt.Errorf("demo: flask %s not ready: %w", f.opts.Shape, ctx.Err())
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			f.stop()
			return fmt.Errorf("demo: flask %s not ready at %s within %s; its log:\n%s", f.opts.Shape, f.URL(), ReadyTimeout, logTail(f.logPath, off, logTailLines))
		}
	}
}

// stop ends the app's processes: SIGTERM to the group, SIGKILL after
// StopTimeout.
func (f *FlaskApp) stop() {
	f.mu.Lock()
	cmd, done := f.cmd, f.done
	f.cmd = nil
	f.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(StopTimeout):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Crash kills the app at once (SIGKILL, as a crash or the OOM killer
// would) and starts it again on the same port: a new process with a later
// start time, its counters from zero.
func (f *FlaskApp) Crash(ctx context.Context) error {
	f.mu.Lock()
	cmd, done := f.cmd, f.done
	f.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	return f.start(ctx)
}

// Starts is how many times the app was started (1 + crashes).
func (f *FlaskApp) Starts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts
}

// Get sends one request to path (with its query string) and returns the
// status the app answered.
func (f *FlaskApp) Get(ctx context.Context, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL()+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Close stops the app and removes its directory when StartFlask made it.
func (f *FlaskApp) Close() error {
	f.stop()
	if f.ownDir {
		return os.RemoveAll(f.dir)
	}
	return nil
}

// LogTail is the end of the app's log, for a failing test.
func (f *FlaskApp) LogTail(n int) string { return logTail(f.logPath, 0, n) }
