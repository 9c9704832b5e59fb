package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// Two people on one vigil serve, each with the real OpenSSH client: each
// header says 2 watching; the viewer's claim is refused, saying why for a
// moment; w lists who is on which screen; a claim made in
// one console shows in the other at once, and ends for everyone when it is
// given up; once one leaves, the other is alone again.
func TestE2EServeTwoSessionsSeeEachOthersClaim(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1})
	am := stack.AlertmanagerURLs[0]
	postDiskFull(t, am)
	// A second DiskFull: the list of who is watching says which of them.
	postAlert(t, am, map[string]string{"alertname": "DiskFull", "severity": "warning", "job": "flask", "instance": "db-2"}, "disk 98% full on db-2")
	dir, keysFile, keys := serveTeam(t)
	srv := startServe(t, t.TempDir(), keysFile, consoleArgs(stack, "--alertmanager", am)...)
	kh := filepath.Join(dir, "known_hosts")

	bob := srv.connect(120, 30, keys["bob"], kh, false)
	bob.waitText(40*time.Second, "● live")
	ann := srv.connect(200, 50, keys["ann"], kh, false)
	ann.waitText(40*time.Second, "● live", "2 watching")
	bob.waitText(10*time.Second, "2 watching")

	// ann, a viewer, tries to claim: she reads why not, for a moment, and
	// nobody is on it.
	ann.keys("2")
	ann.waitText(15*time.Second, "DiskFull")
	ann.keys("i")
	s := ann.waitText(10*time.Second, "viewer: writes are not allowed (role from")
	if strings.Contains(s, "is on it") || strings.Contains(s, "you are on") {
		t.Errorf("the viewer's refused claim shows as made:\n%s", s)
	}
	ann.waitFor("the refusal gone after a few seconds", 30*time.Second, func(s string) bool {
		return !strings.Contains(s, "writes are not allowed")
	})

	bob.keys("2")
	bob.waitText(15*time.Second, "DiskFull")
	bob.filter("DiskFull")
	bob.keys("i")
	ann.keys("2")
	s = ann.waitText(10*time.Second, "DiskFull", "◆ Bob Builder is on it")
	t.Logf("ann sees bob's claim:\n%s", s)

	ann.keys("w")
	s = ann.waitText(10*time.Second, "Who is watching (2)", "Bob Builder", "ann")
	t.Logf("who is watching, from ann:\n%s", s)
	if !strings.Contains(rowOf(s, "Bob Builder"), "Alerts") {
		t.Errorf("the list does not say bob is on the Alerts screen:\n%s", s)
	}
	if !strings.Contains(rowOf(s, "Bob Builder"), `alert DiskFull{instance="db-`) {
		t.Errorf("the list does not say which of the two DiskFull bob has selected:\n%s", s)
	}
	ann.keys("w")
	ann.waitFor("the list of who is watching closed", 10*time.Second, func(s string) bool {
		return !strings.Contains(s, "Who is watching") && strings.Contains(s, "◆ Bob Builder is on it")
	})

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

// With 20 people on the overview of one vigil serve, Prometheus answers
// what it answers for one: the same requests a refresh (within 10%), and
// one refresh a tick, not one each: the sessions' consoles share their
// queries. Every session is a real OpenSSH client in tmux.
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
	// Counted over refreshes of the overview, whatever they take: as many
	// as a step of the trend has at --refresh 1s. The trend's newest step
	// is read again only in the first TrendSettle of each step, so ten
	// refreshes held from none of those reads to ten, by the moment they
	// began (7.0 against 8.3 requests a refresh, for the same one poller).
	const settle = 2
	refreshes := int(query.TrendStep / time.Second)

	first := srv.connect(80, 24, keys[0], kh, false)
	first.waitText(40*time.Second, "● live")
	one := perRefresh(t, stack.PrometheusURL, settle, refreshes, stack.PrometheusURL)[0]
	t.Logf("1 session: %.2f requests a refresh to Prometheus", one)

	panes := []*pane{first}
	for _, k := range keys[1:] {
		panes = append(panes, srv.connect(80, 24, k, kh, false))
	}
	for _, p := range panes {
		p.waitText(60*time.Second, "● live", "20 watching")
	}
	sharedBefore, _ := strconv.ParseFloat(srv.metric("vigil_serve_polls_shared_total"), 64)
	began := time.Now()
	twenty := perRefresh(t, stack.PrometheusURL, settle, refreshes, stack.PrometheusURL)[0]
	took := time.Since(began)
	sharedAfter, _ := strconv.ParseFloat(srv.metric("vigil_serve_polls_shared_total"), 64)
	t.Logf("20 sessions: %.2f requests a refresh to Prometheus (%.2fx); %d refreshes in %s; polls shared %v during them, one-off queries saved %s",
		twenty, twenty/one, settle+refreshes, took.Round(100*time.Millisecond), sharedAfter-sharedBefore, srv.metric("vigil_serve_queries_saved_total"))
	if twenty > one*1.10+0.3 {
		t.Errorf("20 sessions cost Prometheus %.2f requests a refresh, one %.2f: want the same within 10%%", twenty, one)
	}
	// Every refresh of the overview answered the 19 who did not ask.
	if d := sharedAfter - sharedBefore; d < float64(19*refreshes) {
		t.Errorf("vigil_serve_polls_shared_total rose by %v over %d refreshes of 20 sessions, want at least %d", d, refreshes, 19*refreshes)
	}
	// One refresh a second (--refresh 1s) for all, not one each: a busy
	// machine only makes them fewer, never more.
	if rate := float64(settle+refreshes) / took.Seconds(); rate > 1.5 {
		t.Errorf("20 sessions refreshed the overview %.2f times a second, want about 1 (--refresh 1s)", rate)
	}
	if one < 2 {
		t.Errorf("one session asked Prometheus %.2f requests a refresh: the measure saw no console", one)
	}
	for _, p := range panes {
		p.quit(10 * time.Second)
	}
}
