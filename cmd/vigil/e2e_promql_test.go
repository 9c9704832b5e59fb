package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// The drill-down as a person uses it: open the worst endpoint, change the
// range, pause and resume; then a PromQL query with a typo shows
// Prometheus's error with a caret under the column, the text stays to be
// fixed, and the fixed query shows its table. The history is written.
func TestE2EDrillDownThenPromQLPrompt(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 11}})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	state := t.TempDir()
	p := startConsole(t, 100, 30, []string{"NO_COLOR=", "XDG_STATE_HOME=" + state}, stack)
	p.waitFor("checkout first", 40*time.Second, func(s string) bool {
		return strings.Contains(firstRow(s), "/api/checkout") && strings.Contains(s, "● live")
	})

	// Open the endpoint: its charts over the default range.
	p.keys("Enter")
	p.waitText(15*time.Second, "/api/checkout", "range 1h", "error ratio", "latency", "requests/s", "exceptions")
	// A shorter range.
	p.keys("[")
	p.waitText(10*time.Second, "range 15m")
	// Pause: the data freezes and the screen says so; resume catches up.
	p.keys("p")
	s := p.waitText(15*time.Second, "paused")
	if !strings.Contains(s, "range 15m") {
		t.Errorf("the range changed on pause:\n%s", s)
	}
	p.keys("p")
	p.waitFor("resumed", 10*time.Second, func(s string) bool { return !strings.Contains(s, "paused") && strings.Contains(s, "● live") })
	// Back to the overview, the selection where it was.
	p.keys("Escape")
	s = p.waitText(15*time.Second, "ENDPOINT")
	if !strings.Contains(firstRow(s), "/api/checkout") {
		t.Errorf("overview after esc:\n%s", s)
	}

	p.keys(":")
	p.waitText(15*time.Second, "enter run")
	// The typo: "sum by job" without parentheses.
	p.typeText(`sum by job (up{job="flask"})`)
	p.keys("Enter")
	s = p.waitText(15*time.Second, "parse error")
	ls := lines(s)
	caretOK := false
	for i, l := range ls {
		if strings.Contains(l, ": sum by job") && i+1 < len(ls) && strings.Contains(ls[i+1], "^") {
			caretOK = true
		}
	}
	if !caretOK {
		t.Fatalf("no caret under the query:\n%s", s)
	}
	if !strings.Contains(s, `sum by job (up{job="flask"})`) {
		t.Fatalf("the typed text is gone:\n%s", s)
	}

	// Fix it in place: go to the start and rewrite "sum by job" as "sum by (job)".
	p.keys("Home")
	for range len("sum by job") {
		p.keys("Delete")
	}
	p.typeText("sum by (job)")
	p.keys("Enter")
	s = p.waitText(15*time.Second, "job", "value▼", "flask", "1 series")
	if strings.Contains(s, "parse error") {
		t.Fatalf("the error stayed:\n%s", s)
	}

	data, err := os.ReadFile(filepath.Join(state, "vigil", "history"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `sum by (job) (up{job="flask"})`) {
		t.Fatalf("history: %q", data)
	}
	p.keys("Escape")
	p.waitText(15*time.Second, "ENDPOINT")
}
