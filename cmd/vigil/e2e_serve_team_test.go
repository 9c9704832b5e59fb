package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// Two people on one vigil serve, each with the real OpenSSH client: each
// header says 2 watching; w lists who is on which screen; a claim made in
// one console shows in the other at once, and ends for everyone when it is
// given up; once one leaves, the other is alone again.
func TestE2EServeTwoSessionsSeeEachOthersClaim(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	dir, keysFile, keys := serveTeam(t)
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack, "--alertmanager", am)...)
	kh := filepath.Join(dir, "known_hosts")

	bob := srv.connect(120, 30, keys["bob"], kh, false)
	bob.waitText(40*time.Second, "● live")
	ann := srv.connect(120, 30, keys["ann"], kh, false)
	ann.waitText(40*time.Second, "● live", "2 watching")
	bob.waitText(10*time.Second, "2 watching")

	bob.keys("2")
	bob.waitText(15*time.Second, "DiskFull")
	bob.filter("DiskFull")
	bob.keys("i")
	ann.keys("2")
	s := ann.waitText(10*time.Second, "DiskFull", "◆ Bob Builder is on it")
	t.Logf("ann sees bob's claim:\n%s", s)

	ann.keys("w")
	s = ann.waitText(10*time.Second, "Who is watching (2)", "Bob Builder", "ann")
	t.Logf("who is watching, from ann:\n%s", s)
	if !strings.Contains(rowOf(s, "Bob Builder"), "Alerts") {
		t.Errorf("the list does not say bob is on the Alerts screen:\n%s", s)
	}
	ann.keys("w")

	// Given up: gone for ann at once.
	bob.keys("i")
	demotest.EventuallyTrue(t, 10*time.Second, "the claim gone from ann's screen", func() bool {
		return !strings.Contains(ann.screen(), "is on it")
	})

	// bob claims again and leaves: his claim and his presence end.
	bob.keys("i")
	ann.waitText(10*time.Second, "◆ Bob Builder is on it")
	bob.quit(10 * time.Second)
	demotest.EventuallyTrue(t, 15*time.Second, "ann alone, the claim ended", func() bool {
		s := ann.screen()
		return !strings.Contains(s, "watching") && !strings.Contains(s, "is on it")
	})
	srv.waitMetric("vigil_serve_watching", "1", 5*time.Second)
	ann.quit(10 * time.Second)
}

// With 20 people on the overview of one vigil serve, Prometheus counts the
// same requests per second as with one (within 10%): the sessions' consoles
// share their queries. Every session is a real OpenSSH client in tmux.
func TestE2EServeTwentySessionsCostOne(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 9}})
	dir := t.TempDir()
	var lines []string
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = sshKey(t, dir, fmt.Sprintf("p%02d", i))
		lines = append(lines, authorizedLine(t, keys[i], "", fmt.Sprintf("person%02d", i)))
	}
	keysFile := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keysFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack)...)
	kh := filepath.Join(dir, "known_hosts")
	const window = 10 * time.Second

	first := srv.connect(80, 24, keys[0], kh, false)
	first.waitText(40*time.Second, "● live")
	time.Sleep(3 * time.Second)
	one := rates(t, window, stack.PrometheusURL)[0]
	t.Logf("1 session: %.2f requests/s to Prometheus", one)

	panes := []*pane{first}
	for _, k := range keys[1:] {
		panes = append(panes, srv.connect(80, 24, k, kh, false))
	}
	for _, p := range panes {
		p.waitText(60*time.Second, "● live", "20 watching")
	}
	time.Sleep(3 * time.Second)
	twenty := rates(t, window, stack.PrometheusURL)[0]
	shared := srv.metric("vigil_serve_polls_shared_total")
	t.Logf("20 sessions: %.2f requests/s to Prometheus (%.2fx); polls shared so far %s, one-off queries saved %s", twenty, twenty/one,
		shared, srv.metric("vigil_serve_queries_saved_total"))
	if shared == "" || shared == "0" {
		t.Errorf("vigil_serve_polls_shared_total is %q with 20 sessions on one overview", shared)
	}
	if twenty > one*1.10+0.3 {
		t.Errorf("20 sessions cost Prometheus %.2f requests/s, one %.2f: want the same within 10%%", twenty, one)
	}
	if one < 1 {
		t.Errorf("one session asked Prometheus %.2f requests/s: the measure saw no console", one)
	}
	for _, p := range panes {
		p.quit(10 * time.Second)
	}
}
