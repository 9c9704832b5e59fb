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

// The PromQL prompt as a person uses it: a query with a typo shows
// Prometheus's error with a caret under the column, the text stays to be
// fixed, and the fixed query shows its table. The history is written.
func TestE2EPromQLPrompt(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 11}})
	bin := vigilBinary(t)
	state := t.TempDir()
	p := startPane(t, 100, 30, []string{"NO_COLOR=", "XDG_STATE_HOME=" + state}, append([]string{bin}, consoleArgs(stack)...)...)
	p.waitText(40*time.Second, "● live")

	p.keys(":")
	p.waitText(5*time.Second, "enter run")
	// The typo: "sum by job" without parentheses.
	p.typeText(`sum by job (up{job="flask"})`)
	p.keys("Enter")
	s := p.waitText(15*time.Second, "parse error")
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
	p.waitText(5*time.Second, "ENDPOINT")
}
