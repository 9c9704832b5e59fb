package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
)

// The e2e tests drive the built binary in tmux at a fixed size, the way a
// person would: send keys, read the screen. Tests that measure timing,
// bytes or memory run alone; the others call t.Parallel and run beside each
// other after them.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	sessionN  atomic.Int64
)

// vigilBinary builds cmd/vigil once per test run.
func vigilBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "vigil")
		// With the tests' hooks (testhooks.go): the crash test needs them.
		out, err := exec.Command("go", "build", "-tags", "vigil_testhooks", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// pane is one tmux session running one command.
type pane struct {
	t      testing.TB
	socket string
	name   string
}

// startPane runs argv in a new detached tmux session of w×h cells. env is
// added to the command's environment. The program's state and config
// directories are the test's own unless env names others: a test never
// writes to the user's audit log, notes or history.
func startPane(t testing.TB, w, h int, env []string, argv ...string) *pane {
	t.Helper()
	demotest.RequireTools(t, "tmux")
	p := &pane{t: t, socket: fmt.Sprintf("vigil-e2e-%d-%d", os.Getpid(), sessionN.Add(1)), name: "v"}
	var cmdline strings.Builder
	cmdline.WriteString("env")
	// Later assignments win: env's own come after these.
	env = append([]string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}, env...)
	for _, e := range env {
		cmdline.WriteString(" " + shellQuote(e))
	}
	for _, a := range argv {
		cmdline.WriteString(" " + shellQuote(a))
	}
	// Keep the pane open after the program exits so its last screen and
	// exit status can be read.
	p.tmux("new-session", "-d", "-s", p.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"sh", "-c", cmdline.String()+"; echo \"[exited $?]\"; sleep 30")
	p.tmux("set-option", "-t", p.name, "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	return p
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys sends tmux key names (e.g. "j", "Enter", "Escape", "C-c").
func (p *pane) keys(keys ...string) {
	p.t.Helper()
	p.tmux(append([]string{"send-keys", "-t", p.name}, keys...)...)
}

// typeText sends literal text.
func (p *pane) typeText(s string) {
	p.t.Helper()
	p.tmux("send-keys", "-t", p.name, "-l", s)
}

// screen returns the visible pane as plain text.
func (p *pane) screen() string {
	p.t.Helper()
	return p.tmux("capture-pane", "-p", "-t", p.name)
}

// resize changes the pane size.
func (p *pane) resize(w, h int) {
	p.t.Helper()
	p.tmux("resize-window", "-t", p.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h))
}

// throughTooSmall shrinks the pane to 20x5, waits for the "too small"
// note, grows it to w x h and waits for a screen drawn at that size again:
// one without the note and with all of subs. Keys are dropped while the
// console is too small, and cells from before the shrink survive in the
// pane's corner, so a wait for subs alone could pass on the old screen and
// let the next key be lost.
func (p *pane) throughTooSmall(w, h int, timeout time.Duration, subs ...string) string {
	p.t.Helper()
	p.resize(20, 5)
	p.waitText(timeout, "too small")
	p.resize(w, h)
	return p.waitFor(fmt.Sprintf("the screen at %dx%d again with %q", w, h, subs), timeout, func(s string) bool {
		if strings.Contains(s, "too small") {
			return false
		}
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	})
}

// waitFor polls the screen until cond holds or the timeout passes, and
// returns the last screen.
func (p *pane) waitFor(what string, timeout time.Duration, cond func(screen string) bool) string {
	p.t.Helper()
	var s string
	demotest.Eventually(p.t, timeout, what, func() (bool, string) {
		s = p.screen()
		return cond(s), "screen:\n" + s
	})
	return s
}

// waitText waits until the screen contains all of the substrings.
func (p *pane) waitText(timeout time.Duration, subs ...string) string {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("%q", subs), timeout, func(s string) bool {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	})
}

// filter opens the screen's filter prompt, replaces its text with txt,
// presses enter, and waits for the filter's line under the list: the
// filter applied and the prompt closed. A test that waited only for rows
// the list showed before could send its next key too soon: an esc then
// reaches the prompt, or arrives with the key after it as one alt+key.
func (p *pane) filter(txt string) {
	p.t.Helper()
	p.keys("/")
	p.keys("C-u")
	p.typeText(txt)
	p.keys("Enter")
	head := []rune(txt)
	head = head[:min(len(head), 6)]
	p.waitText(30*time.Second, "filter /"+string(head))
}

// quit presses q and waits up to timeout for the clean exit status 0.
func (p *pane) quit(timeout time.Duration) {
	p.t.Helper()
	p.keys("q")
	p.waitText(timeout, "[exited 0]")
}

// pipeOutput starts recording everything the program writes to the pane
// into a file and returns its path.
func (p *pane) pipeOutput() string {
	p.t.Helper()
	f := filepath.Join(p.t.TempDir(), "pane.out")
	p.tmux("pipe-pane", "-t", p.name, "-o", "cat >> "+shellQuote(f))
	return f
}

// lines splits a screen into its lines, without the trailing empty one.
func lines(screen string) []string {
	return strings.Split(strings.TrimRight(screen, "\n"), "\n")
}
