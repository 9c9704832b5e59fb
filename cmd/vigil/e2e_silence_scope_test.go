package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// postTwoSeries sends the two series of HighErrorRate that page for one
// service (GET answering 503, POST answering 500) straight to am, as
// Prometheus would for a rule that keeps method and status.
func postTwoSeries(t *testing.T, am string) {
	t.Helper()
	for _, s := range [][2]string{{"GET", "503"}, {"POST", "500"}} {
		postAlert(t, am, map[string]string{"alertname": "HighErrorRate", "severity": "critical", "job": "flask",
			"instance": "app-1:5000", "method": s[0], "status": s[1]}, "5xx on "+s[0])
	}
}

// scopedSilence is a silence as Alertmanager's API gives it.
type scopedSilence struct {
	ID        string `json:"id"`
	CreatedBy string `json:"createdBy"`
	Matchers  []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"matchers"`
}

// scopedAlert is an alert as Alertmanager's API gives it, with what silences it.
type scopedAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		SilencedBy []string `json:"silencedBy"`
	} `json:"status"`
}

// keyCounter is a pane whose key presses are keyCounter: a named key or one
// character of typed text is one press.
type keyCounter struct {
	*pane
	presses int
}

func (c *keyCounter) press(keys ...string) { c.presses += len(keys); c.keys(keys...) }
func (c *keyCounter) write(s string)       { c.presses += len([]rune(s)); c.typeText(s) }

// Two series of HighErrorRate page for one service. At 80x24: s, a
// comment and enter twice (the review, seen, then the send) silence the
// alert on that service: the form starts with method and status off and
// says what else it catches, the review shows both series, and after the
// send Alertmanager holds one silence that matches both.
func TestE2ESilenceBothSeriesInFewKeys(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postTwoSeries(t, am)
	p := startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir()}, stack, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.waitFor("both series listed", 15*time.Second, func(s string) bool { return strings.Count(s, "HighErrorRate") >= 2 })

	c := &keyCounter{pane: p}
	const comment = "INC-7 rollback"
	c.press("s")
	s := p.waitText(15*time.Second, "▸ comment", "also catches 1 other series of HighErrorRate", "ctrl+o: this series only")
	t.Logf("the form:\n%s", s)
	for _, line := range strings.Split(s, "\n") {
		if (strings.Contains(line, "method=") || strings.Contains(line, "status=")) && strings.Contains(line, "[x]") {
			t.Errorf("a varying label is on: %q", line)
		}
	}
	c.write(comment)
	c.press("Enter")
	s = p.waitText(15*time.Second, "Create this silence?", "matches 2 current alerts", "enter: send to Alertmanager")
	t.Logf("the review:\n%s", s)
	c.press("Enter")
	p.waitText(20*time.Second, "silenced:", "verified active")
	if keys := c.presses - len(comment); keys != 3 {
		t.Errorf("%d keys besides the comment, want 3 (s, enter, enter)", keys)
	}
	t.Logf("keys to silence both series: %d (s, %d of comment, enter, enter)", c.presses, len(comment))

	var sils []scopedSilence
	demotest.GetJSON(t, am+"/api/v2/silences", &sils)
	if len(sils) != 1 {
		t.Fatalf("Alertmanager holds %d silences, want 1: %+v", len(sils), sils)
	}
	var names []string
	for _, m := range sils[0].Matchers {
		names = append(names, m.Name+"="+m.Value)
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "alertname=HighErrorRate instance=app-1:5000 job=flask severity=critical" {
		t.Errorf("matchers %s", got)
	}
	demotest.Eventually(t, 30*time.Second, "both series silenced by the one silence", func() (bool, string) {
		var alerts []scopedAlert
		demotest.GetJSON(t, am+"/api/v2/alerts", &alerts)
		n := 0
		for _, a := range alerts {
			if a.Labels["alertname"] == "HighErrorRate" && len(a.Status.SilencedBy) == 1 && a.Status.SilencedBy[0] == sils[0].ID {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d of the two series silenced by %s: %+v", n, sils[0].ID, alerts)
	})
}

// In vigil serve the server signs a silence with the key's name: the form
// and the review show that name, read-only. Tab does not reach it and
// what is typed does not change it; Alertmanager records the same name.
func TestE2EServeAuthorIsTheKeysName(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	dir, keysFile, keys := serveTeam(t)
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack, "--alertmanager", am)...)
	bob := srv.connect(80, 24, keys["bob"], filepath.Join(dir, "known_hosts"), false)
	bob.waitText(40*time.Second, "● live")
	bob.keys("2")
	bob.waitText(15*time.Second, "DiskFull", "disk 97% full")
	bob.keys("s")
	s := bob.waitText(15*time.Second, "▸ comment", "created by Bob Builder  (your key's name")
	t.Logf("the form:\n%s", s)
	bob.typeText("db-1 disk being expanded")
	// Tab from the comment would land on the author: it goes past it.
	bob.keys("Tab", "C-u")
	bob.typeText("Mallory")
	bob.keys("Enter")
	s = bob.waitText(15*time.Second, "Create this silence?", "created by Bob Builder", "enter: send to Alertmanager")
	t.Logf("the review:\n%s", s)
	if strings.Contains(s, "Mallory") {
		t.Fatalf("the review shows a typed author:\n%s", s)
	}
	bob.keys("Enter")
	bob.waitText(20*time.Second, "silenced:", "verified active")
	sils := servedSilences(t, am)
	if len(sils) != 1 || sils[0].CreatedBy != "Bob Builder" || sils[0].Comment != "db-1 disk being expanded" {
		t.Fatalf("Alertmanager's silences: %+v; want one by Bob Builder", sils)
	}
}

// After a refused n, a viewer's note is not run as keys: its p does not
// pause, its digits do not change screen; the refusal stays on screen and
// says so, and esc ends it, after which p pauses. The same after a
// refused s.
func TestE2EServeRefusedNoteIsNotKeys(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	dir, keysFile, keys := serveTeam(t)
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack, "--alertmanager", am)...)
	ann := srv.connect(80, 24, keys["ann"], filepath.Join(dir, "known_hosts"), false)
	ann.waitText(40*time.Second, "● live", "ENDPOINT")

	ann.keys("n")
	ann.waitText(15*time.Second, "viewer: writes are not allowed", "dropped,")
	ann.typeText("paused deploy 3 at 14:02, ping me")
	ann.keys("Enter")
	s := ann.waitFor("the refusal ended", 15*time.Second, func(s string) bool {
		return !strings.Contains(s, "dropped,") && strings.Contains(s, "keys act again")
	})
	t.Logf("after the refused note:\n%s", s)
	for _, bad := range []string{"paused", "Keys —", "[exited"} {
		if strings.Contains(s, bad) {
			t.Errorf("the typed note ran as keys (%q on screen):\n%s", bad, s)
		}
	}
	if !strings.Contains(s, "ENDPOINT") {
		t.Errorf("the typed note changed the screen:\n%s", s)
	}

	ann.keys("2")
	ann.waitText(15*time.Second, "DiskFull")
	ann.keys("s")
	ann.waitText(15*time.Second, "viewer: writes are not allowed", "dropped,")
	ann.typeText("pause 1h, disk")
	ann.keys("Escape")
	s = ann.waitFor("the refusal ended", 15*time.Second, func(s string) bool {
		return !strings.Contains(s, "dropped,") && strings.Contains(s, "DiskFull")
	})
	if strings.Contains(s, "paused") || strings.Contains(s, "Keys —") {
		t.Errorf("the typed comment ran as keys:\n%s", s)
	}
	// Keys act again: p pauses.
	ann.keys("p")
	ann.waitText(15*time.Second, "paused")
	if n := silenceCount(t, am); n != 0 {
		t.Fatalf("Alertmanager holds %d silences after a viewer's keys", n)
	}
}
