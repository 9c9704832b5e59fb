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

	// A restart of the app that Prometheus scrapes, once it has scraped the
	// process before it for longer than a step of the 2h timeline (12s):
	// the timeline sees a start time change between two of its points.
	demotest.WaitScrapes(t, stack.PrometheusURL, stack.App.Addr(), 16)
	req, _ := http.NewRequest(http.MethodPost, stack.App.URL()+"/-/restart", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	p.keys("n")
	p.waitText(15*time.Second, "note: ")
	p.typeText("rollback of 4711 started")
	p.keys("Enter")
	p.waitText(15*time.Second, "note saved")
	notes := filepath.Join(state, "vigil", "notes.log")
	if fi, err := os.Stat(notes); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("notes file %v %v, want mode 0600", fi, err)
	}

	p.keys("5")
	p.waitText(10*time.Second, "Timeline · last 2h", "NOTE", "rollback of 4711 started")
	// The restart shows once Prometheus has scraped the new process and
	// a step of the timeline holds it: r rebuilds, every few seconds until
	// it shows.
	demotest.EventuallyEvery(t, 60*time.Second, 3*time.Second, "RESTART on the timeline", func() (bool, string) {
		s := p.screen()
		if strings.Contains(s, "RESTART") {
			return true, ""
		}
		p.keys("r")
		return false, s
	})
	s := p.screen()
	if strings.Contains(s, "unknown:") {
		t.Errorf("a source failed:\n%s", s)
	}
	if strings.Index(s, "NOTE") > strings.Index(s, "RESTART") {
		t.Errorf("the note, the newest, is not above the restart:\n%s", s)
	}

	p.filter("restart")
	p.waitText(15*time.Second, "filter /restart", "1 shown")
	p.keys("Enter")
	// The endpoint selected on the overview, a restart being about every
	// endpoint of its target, over a range that ends after the restart.
	p.waitText(15*time.Second, "range 1h until ", "RESTART concerns every endpoint")
	p.keys("Escape")
	p.waitText(15*time.Second, "Timeline · last 2h", "filter /restart", "RESTART")

	p.keys("Escape") // clears the filter
	p.waitFor("the filter cleared", 15*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })
	p.filter("rollback")
	p.waitText(15*time.Second, "filter /rollback", "1 shown")
	p.keys("Enter")
	p.waitText(15*time.Second, "Note by ", "rollback of 4711 started", "LABELS")
	p.keys("Escape")
	p.waitText(15*time.Second, "Timeline · last 2h", "NOTE")

	p.resize(20, 5)
	p.waitText(15*time.Second, "too small")
	p.resize(80, 24)
	p.waitText(15*time.Second, "Timeline · last 2h", "NOTE")
	p.quit(10 * time.Second)
}
