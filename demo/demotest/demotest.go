// Package demotest starts vigil's demo stack (the synthetic Flask app, a real
// Prometheus and Alertmanager, a webhook sink) from a test.
//
// When prometheus or prometheus-alertmanager is missing the test is skipped,
// except under CI=true, where it fails: the binaries are part of the test
// environment there. Set VIGIL_DEMO_KEEP=1 to keep the stack's directory (its
// configuration, data and process logs) after the test.
package demotest

import (
	"context"
	"errors"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
)

// StartTimeout bounds the start-up of one stack.
const StartTimeout = 60 * time.Second

// InCI reports whether CI=true (or 1) is set.
func InCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v == "true" || v == "1"
}

func missing(t testing.TB, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("%v (CI=true: the demo stack is required; install with: %s)", err, demo.InstallHint)
	}
	t.Skipf("SKIPPED, NOT TESTED: %v (install with: %s)", err, demo.InstallHint)
}

// RequireTools skips the test (fails it under CI=true) unless every named
// binary is on PATH, e.g. RequireTools(t, "promtool", "amtool").
func RequireTools(t testing.TB, names ...string) {
	t.Helper()
	var errs []error
	for _, n := range names {
		if _, err := demo.Tool(n); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		missing(t, errors.Join(errs...))
	}
}

// Start starts a stack for the test and stops it when the test ends. The
// launcher's progress goes to the test log unless opts.Log is set; when the
// test fails, the end of each process log is logged too.
func Start(t testing.TB, opts demo.StackOptions) *demo.Stack {
	t.Helper()
	if _, _, err := demo.Binaries(); err != nil {
		missing(t, err)
	}
	if err := demo.CheckEngine(opts.Engine); err != nil {
		missing(t, err)
	}
	if opts.Log == nil {
		opts.Log = &testLog{t: t}
	}
	if v := os.Getenv("VIGIL_DEMO_KEEP"); v != "" && v != "0" {
		opts.Keep = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	stack, err := demo.Start(ctx, opts)
	if err != nil {
		t.Fatalf("demo stack did not start: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for name, path := range stack.LogFiles() {
				if _, err := os.Stat(path); err == nil {
					t.Logf("last lines of the %s log:\n%s", name, stack.LogTail(name, 30))
				}
			}
		}
		if err := stack.Close(); err != nil {
			t.Errorf("closing the demo stack: %v", err)
		}
		if opts.Keep {
			t.Logf("demo stack directory kept: %s", stack.Dir)
		}
	})
	return stack
}

// testLog writes each line to the test log.
type testLog struct {
	mu sync.Mutex
	t  testing.TB
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// RequireEngine skips the test (fails it under CI=true) unless every
// binary the engine's stack needs is there.
func RequireEngine(t testing.TB, e demo.Engine) {
	t.Helper()
	if err := demo.CheckEngine(e); err != nil {
		missing(t, err)
	}
}

// RaceEnabled reports whether the test binary was built with -race.
func RaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, st := range bi.Settings {
		if st.Key == "-race" {
			return st.Value == "true"
		}
	}
	return false
}

// StartFlask starts the real Flask app (demo.StartFlask) for the test and
// stops it when the test ends; it skips the test (fails it under CI=true)
// when Debian's python3-flask, python3-prometheus-client or gunicorn is
// missing.
func StartFlask(t testing.TB, opts demo.FlaskOptions) *demo.FlaskApp {
	t.Helper()
	if err := demo.FlaskAvailable(); err != nil {
		if InCI() {
			t.Fatalf("%v (CI=true: the Flask app is required)", err)
		}
		t.Skipf("SKIPPED, NOT TESTED: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	f, err := demo.StartFlask(ctx, opts)
	if err != nil {
		t.Fatalf("flask app did not start: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last lines of the flask log:\n%s", f.LogTail(30))
		}
		if err := f.Close(); err != nil {
			t.Errorf("closing the flask app: %v", err)
		}
	})
	return f
}
