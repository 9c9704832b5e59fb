package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// silenceCount is how many silences (of any state) Alertmanager holds.
func silenceCount(t *testing.T, am string) int {
	t.Helper()
	var all []json.RawMessage
	demotest.GetJSON(t, am+"/api/v2/silences", &all)
	return len(all)
}

// stayed checks for a while that Alertmanager holds n silences.
func stayed(t *testing.T, am string, n int, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if got := silenceCount(t, am); got != n {
			t.Fatalf("Alertmanager holds %d silences, want %d", got, n)
		}
	}
}

// postDiskFull sends the warning DiskFull alert of db-1 straight to am.
func postDiskFull(t *testing.T, am string) {
	t.Helper()
	postAlert(t, am, map[string]string{"alertname": "DiskFull", "severity": "warning", "job": "flask", "instance": "db-1"}, "disk 97% full on db-1")
}

// typeSilenceComment presses s, waits for the silence form's comment
// field and want, and types comment.
func typeSilenceComment(p *pane, comment string, want ...string) {
	p.t.Helper()
	p.keys("s")
	p.waitText(15*time.Second, append([]string{"▸ comment"}, want...)...)
	p.typeText(comment)
}

// silenceDiskFull opens the Alerts screen, waits for the DiskFull alert
// of db-1, presses s and types a comment, up to the confirm step, which
// must show want too.
func silenceDiskFull(p *pane, want ...string) {
	p.t.Helper()
	p.keys("2")
	p.waitText(15*time.Second, "DiskFull", "disk 97% full")
	typeSilenceComment(p, "db-1 disk being expanded")
	p.keys("Enter")
	p.waitText(15*time.Second, append([]string{"Create this silence?"}, want...)...)
}

// The confirm step open, the terminal shrunk to 20x5: enter creates
// nothing. Back at 100x30 the review is drawn again and enter creates
// exactly one silence. Then ctrl+c on a form with typed text asks, and a
// second ctrl+c quits with exit status 1, naming what was discarded.
func TestE2ETooSmallEnterDoesNotConfirmSilence(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	p := startConsole(t, 100, 30, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	silenceDiskFull(p, "enter: send to Alertmanager")

	p.resize(20, 5)
	p.waitText(15*time.Second, "too small")
	p.keys("Enter")
	stayed(t, am, 0, 2*time.Second)

	p.resize(100, 30)
	p.waitText(15*time.Second, "Create this silence?", "enter: send to Alertmanager")
	p.keys("Enter")
	p.waitText(20*time.Second, "silenced:", "verified active")
	stayed(t, am, 1, time.Second)

	// ctrl+c with typed text: asked, then a quit that is not clean. The
	// alert is silenced now: s shows that silence, s again opens the form.
	p.keys("s")
	p.waitText(15*time.Second, "DiskFull is already silenced", "db-1 disk being expanded")
	typeSilenceComment(p, "half-typed reason")
	p.keys("C-c")
	p.waitText(15*time.Second, "ctrl+c again quits and discards")
	if s := p.screen(); strings.Contains(s, "[exited") {
		t.Fatalf("the first ctrl+c quit:\n%s", s)
	}
	p.keys("C-c")
	s := p.waitText(10*time.Second, "[exited 1]")
	if !strings.Contains(s, "discarded") || !strings.Contains(s, "half-typed reason") {
		t.Errorf("the exit does not name what was discarded:\n%s", s)
	}
	stayed(t, am, 1, time.Second)
}

// Prometheus down and no --alertmanager: the Alerts screen names both
// causes instead of "nothing is firing", shows no age of data never
// fetched, and s refuses at once; the Silences screen says Alertmanager is
// not configured instead of "no silences", while one exists.
func TestE2EUnknownAlertsAreNotShownAsNone(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 6}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postSilence(t, am, "DiskFull")
	if err := stack.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	p := startConsole(t, 100, 30, nil, stack)
	p.waitText(15*time.Second, "✕ down")
	p.keys("2")
	s := p.waitText(10*time.Second, "cannot list alerts", "Alertmanager not configured", "Prometheus unreachable", "connection refused")
	for _, bad := range []string{"nothing is firing", "showing data from", "no alerts"} {
		if strings.Contains(s, bad) {
			t.Errorf("the Alerts screen says %q:\n%s", bad, s)
		}
	}
	p.keys("s")
	s = p.waitText(15*time.Second, "cannot silence: Alertmanager not configured")
	if strings.Contains(s, "▸ comment") {
		t.Errorf("the form opened without an Alertmanager:\n%s", s)
	}
	p.keys("3")
	s = p.waitText(15*time.Second, "Alertmanager not configured", "cannot list silences")
	if strings.Contains(s, "no active or pending silences") {
		t.Errorf("the Silences screen says there are none:\n%s", s)
	}
	p.quit(10 * time.Second)
}

// postSilence makes a one-hour silence straight in Alertmanager.
func postSilence(t *testing.T, am, alertname string) {
	t.Helper()
	demotest.PostSilence(t, am, alertname, "test", "made outside vigil")
}

// postAlertWithRunbook sends an alert with a runbook_url straight to
// Alertmanager.
func postAlertWithRunbook(t *testing.T, am string, labels map[string]string, runbook string) {
	t.Helper()
	demotest.PostAlert(t, am, labels, map[string]string{"summary": "s", "runbook_url": runbook})
}

// y inside tmux (set-clipboard on) puts the runbook URL in tmux's buffer;
// a runbook URL carrying escape sequences is refused with a message and
// never reaches the clipboard.
func TestE2ECopyRunbookInsideTmux(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	const good = "https://wiki.example/runbooks/disk-full"
	postAlertWithRunbook(t, am, map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": "db-1"}, good)
	postAlertWithRunbook(t, am, map[string]string{"alertname": "EvilBook", "severity": "warning", "instance": "db-2"},
		"https://wiki.example/x\x1b]52;c;ZXZpbA==\x07\x1b[2J")
	p := startConsole(t, 100, 30, nil, stack, "--alertmanager", am)
	p.tmux("set-option", "-g", "set-clipboard", "on")
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.waitText(15*time.Second, "DiskFull", "EvilBook")

	p.filter("EvilBook")
	p.waitText(15*time.Second, "filter /EvilBook")
	p.keys("y")
	p.waitText(15*time.Second, "not copied")
	if out, err := exec.Command("tmux", "-L", p.socket, "show-buffer").CombinedOutput(); err == nil {
		t.Fatalf("a buffer was set from the hostile runbook URL: %q", out)
	}

	p.filter("DiskFull")
	p.waitText(15*time.Second, "filter /DiskFull")
	p.keys("y")
	p.waitText(15*time.Second, "copied runbook URL")
	var buf string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		out, err := exec.Command("tmux", "-L", p.socket, "show-buffer").CombinedOutput()
		if buf = string(out); err == nil && buf == good {
			break
		}
	}
	if buf != good {
		t.Fatalf("tmux buffer %q, want %q", buf, good)
	}
}
