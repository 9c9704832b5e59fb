package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// A restart of the demo app, seen at 80x24: the overview marks the worst
// endpoint ⟳ with the change's age, and its detail lists the restart above
// the charts and in the markers' legend.
func TestE2EChangeMarkersAt80x24(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 13}})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	p := startConsole(t, 80, 24, []string{"NO_COLOR="}, stack)
	p.waitFor("checkout first", 40*time.Second, func(s string) bool {
		return strings.Contains(firstRow(s), "/api/checkout") && strings.Contains(s, "● live")
	})
	if s := p.screen(); strings.Contains(s, "⟳") {
		t.Errorf("a change marked before any:\n%s", s)
	}
	// Prometheus sees the process at a point of the 15m chart (30s apart
	// at this width) before it restarts: 35 scrapes, a second apart.
	demotest.WaitScrapes(t, stack.PrometheusURL, stack.App.Addr(), 35)
	resp, err := http.Post(stack.App.URL()+"/-/restart", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	restarted := stack.App.StartTime().Local().Format("15:04:05")

	marked := regexp.MustCompile(`/api/checkout\s+⟳[0-9]+[sm]\s+[0-9.]+`)
	s := p.waitFor("checkout marked restarted", 30*time.Second, func(s string) bool {
		return marked.MatchString(firstRow(s))
	})
	for _, l := range lines(s) {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line of %d cells: %q", w, l)
		}
	}

	p.keys("Enter")
	p.waitText(20*time.Second, "/api/checkout", "range 1h")
	p.keys("[")
	s = p.waitText(30*time.Second, "range 15m", "┊ R "+restarted+" restart", "restart of ")
	ls := lines(s)
	if len(ls) != 24 {
		t.Errorf("%d lines on a 24-line terminal", len(ls))
	}
	if !strings.HasPrefix(strings.TrimSpace(ls[3]), "┊ ") || !strings.Contains(ls[4], "R "+restarted+" restart of ") {
		t.Errorf("legend and change not above the charts:\n%s", s)
	}
	// The restart's tag is drawn under each of the four charts, in a row
	// of its own (no axis in it): never on a row of values.
	tags := 0
	for _, l := range ls {
		if strings.ContainsAny(l, "┤┼") && strings.Contains(l, "R") {
			t.Errorf("a tag on a row of values: %q\n%s", l, s)
		}
		if strings.TrimSpace(strings.ReplaceAll(l, "R", "")) == "" {
			tags += strings.Count(l, "R")
		}
	}
	if tags < 4 {
		t.Errorf("%d R tags under the charts, want one under each of the four:\n%s", tags, s)
	}
	p.quit(10 * time.Second)
}
