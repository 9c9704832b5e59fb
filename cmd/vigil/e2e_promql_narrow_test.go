package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// caretTarget returns what the screen shows at the column of the caret
// line's "^", on the line above it.
func caretTarget(s string) (string, bool) {
	ls := lines(s)
	for i := 1; i < len(ls); i++ {
		c := strings.Index(ls[i], "^")
		if c < 0 || strings.TrimSpace(ls[i]) != "^" {
			continue
		}
		above := []rune(ls[i-1])
		col := len([]rune(ls[i][:c]))
		if col < len(above) {
			return string(above[col:]), true
		}
	}
	return "", false
}

// The PromQL prompt on a narrow terminal (50 columns): the caret of a parse
// error sits under the column Prometheus names in a query wider than the
// screen; a result wider than the screen scrolls sideways; an old graph is
// gone while the next query runs; reopening with ":" selects the last text,
// so typing replaces it.
func TestE2EPromQLNarrowCaretScrollRunningReopen(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	proxy := faultProxy(t, stack.PrometheusURL)
	bin := vigilBinary(t)
	args := []string{"--prometheus", proxy.URL(), "--refresh", "2s", "--window", "30s", "--selector", `job="flask"`}
	p := startPane(t, 50, 20, []string{"NO_COLOR=", "XDG_STATE_HOME=" + t.TempDir()}, append([]string{bin}, args...)...)
	p.waitText(40*time.Second, "live")

	// 1. A parse error at column 84 of a 93-character query.
	p.keys(":")
	p.waitText(15*time.Second, "enter run")
	p.typeText(`sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[5m])) + oops(up)`)
	p.keys("Enter")
	s := p.waitText(15*time.Second, "parse error")
	under, ok := caretTarget(s)
	if !ok || !strings.HasPrefix(under, "oops") {
		t.Fatalf("the caret is not under oops (under %q):\n%s", under, s)
	}

	// 2. Reopen with ":" and type: the old text is replaced, not appended to.
	p.keys("Escape")
	p.waitFor("prompt closed", 15*time.Second, func(s string) bool { return !strings.Contains(s, "parse error") })
	p.keys(":")
	p.waitText(15*time.Second, "type to replace")
	p.typeText(`label_replace(up{job="flask"}, "wide", "WIDE_START_0123456789012345678901234567890123456789_END", "", "")`)
	s = p.waitText(15*time.Second, `"", "")`)
	if strings.Contains(s, "oops") || strings.Contains(s, "sum by (path)") {
		t.Fatalf("typing after reopening appended to the old text:\n%s", s)
	}
	p.keys("Enter")
	s = p.waitText(15*time.Second, "1 series", "WIDE_START")
	if strings.Contains(s, "_END") {
		t.Fatalf("the row already fits; the test needs a wider one:\n%s", s)
	}

	// 3. Sideways: → until the end of the row shows, ← back to the start.
	for range 12 {
		p.keys("Right")
	}
	s = p.waitText(15*time.Second, "_END")
	for _, l := range lines(s) {
		if len([]rune(l)) > 50 {
			t.Errorf("a line wider than the screen: %q", l)
		}
	}
	for range 20 {
		p.keys("Left")
	}
	p.waitText(15*time.Second, "instance")

	// 4. Graph it, then run the next query through a slow Prometheus: the
	// old graph is gone while "running…" shows.
	p.keys(":")
	p.waitText(15*time.Second, "type to replace")
	p.typeText("vector(1)")
	p.waitText(15*time.Second, ": vector(1)")
	p.keys("C-g")
	p.waitText(15*time.Second, "━ ")
	proxy.Delay(6 * time.Second)
	p.keys(":")
	p.waitText(15*time.Second, "type to replace")
	p.typeText("vector(7)")
	p.keys("Enter")
	s = p.waitText(15*time.Second, "running…")
	if strings.Contains(s, "━ ") {
		t.Errorf("the old graph is still shown under running…:\n%s", s)
	}
	proxy.Pass()
	p.waitFor("the new result", 20*time.Second, func(s string) bool { return strings.Contains(s, "1 series") && !strings.Contains(s, "running…") })
	p.keys("Escape")
	p.waitFor("the prompt closed", 15*time.Second, func(s string) bool { return !strings.Contains(s, "1 series") })
	p.quit(10 * time.Second)
}
