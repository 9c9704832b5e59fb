package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// The timeline screen as an on-call engineer uses it, at 80x24: n, a note,
// enter; 5 shows the note and the app's restart; enter on the restart
// opens an endpoint's charts ending at that time, esc comes back to the
// same row; enter on the note shows it in full; a resize to 20x5 does not
// break it.
func TestE2ETimelineScreenNoteAndRestart(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1, AlertmanagerConfig: demo.AlertmanagerConfig})
	state := t.TempDir()
	p := startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + state, "XDG_CONFIG_HOME=" + t.TempDir(), "VIGIL_CONFIG=", "TZ=UTC"},
		stack, "--alertmanager", stack.AlertmanagerURLs[0])
	p.waitText(40*time.Second, "● live")

	// A restart of the app that Prometheus scrapes.
	time.Sleep(2 * time.Second)
	req, _ := http.NewRequest(http.MethodPost, stack.App.URL()+"/-/restart", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	p.keys("n")
	p.waitText(5*time.Second, "note: ")
	p.typeText("rollback of 4711 started")
	p.keys("Enter")
	p.waitText(5*time.Second, "note saved")
	notes := filepath.Join(state, "vigil", "notes.log")
	if fi, err := os.Stat(notes); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("notes file %v %v, want mode 0600", fi, err)
	}

	p.keys("5")
	p.waitText(10*time.Second, "Timeline · last 2h", "NOTE", "rollback of 4711 started")
	// The restart shows once Prometheus has scraped the new process: r
	// rebuilds, a few times at most.
	deadline := time.Now().Add(40 * time.Second)
	for !strings.Contains(p.screen(), "RESTART") {
		if time.Now().After(deadline) {
			t.Fatalf("no RESTART on the timeline:\n%s", p.screen())
		}
		p.keys("r")
		time.Sleep(3 * time.Second)
	}
	s := p.screen()
	if strings.Contains(s, "unknown:") {
		t.Errorf("a source failed:\n%s", s)
	}
	if strings.Index(s, "NOTE") > strings.Index(s, "RESTART") {
		t.Errorf("the note, the newest, is not above the restart:\n%s", s)
	}

	p.filter("restart")
	p.waitText(5*time.Second, "filter /restart", "1 shown")
	p.keys("Enter")
	// The endpoint selected on the overview, a restart being about every
	// endpoint of its target, over a range that ends after the restart.
	p.waitText(15*time.Second, "range 1h until ", "RESTART concerns every endpoint")
	p.keys("Escape")
	p.waitText(5*time.Second, "Timeline · last 2h", "filter /restart", "RESTART")

	p.keys("Escape") // clears the filter
	p.waitFor("the filter cleared", 5*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })
	p.filter("rollback")
	p.waitText(5*time.Second, "filter /rollback", "1 shown")
	p.keys("Enter")
	p.waitText(5*time.Second, "Note by ", "rollback of 4711 started", "LABELS")
	p.keys("Escape")
	p.waitText(5*time.Second, "Timeline · last 2h", "NOTE")

	p.resize(20, 5)
	p.waitText(5*time.Second, "too small")
	p.resize(80, 24)
	p.waitText(5*time.Second, "Timeline · last 2h", "NOTE")
	p.quit(10 * time.Second)
}
