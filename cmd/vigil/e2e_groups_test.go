package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// Grouped routes and the metrics doctor as an on-call engineer meets them,
// at 80x24: the app's 25 order paths are one row with its member count and
// the mark of its one bad member; enter lists the members, the bad one
// first; esc comes back; the overview's doctor line leads to the doctor
// screen (7), which names the path explosion and the scanners' 404s with
// their fixes; a resize to 20x5 breaks nothing.
func TestE2EGroupedRowsMembersAndDoctor(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8, Pitfalls: demo.Pitfalls{PathExplosion: true, Scanners: true}}})
	stack.App.SetFault("/api/orders/10407", demo.Fault{ErrorRatio: 0.8})
	p := startConsole(t, 80, 24, []string{"XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "VIGIL_CONFIG="}, stack)
	p.waitText(40*time.Second, "● live")

	p.filter("orders/<")
	s := p.waitText(40*time.Second, "/api/orders/<id> ×25 !", "! worst member /api/orders/10407 errs")
	if strings.Contains(s, "/api/orders/10400 ") {
		t.Fatalf("a member shown as a row of its own:\n%s", s)
	}

	p.keys("Enter")
	s = p.waitText(20*time.Second, "Members of /api/orders/<id> (25)", "25 of 25 endpoints")
	if row := firstRow(s); !strings.HasPrefix(strings.TrimSpace(row), "/api/orders/10407") {
		t.Errorf("the bad member is not first: %q\n%s", row, s)
	}
	p.keys("Escape")
	p.waitText(10*time.Second, "/api/orders/<id> ×25")

	// The scanners' 404s are one row. (The filter cleared on screen before
	// the next key: esc and the next key at once read as alt+key.)
	p.keys("Escape")
	p.waitFor("the filter cleared", 15*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })
	p.filter("unmatched")
	p.waitText(20*time.Second, "unmatched (404) ×")
	p.keys("Escape")
	p.waitFor("the filter cleared", 15*time.Second, func(s string) bool { return !strings.Contains(s, "filter /") })

	p.waitText(40*time.Second, "⚕ metrics doctor: 2 findings: one row per route, unmatched routes (404)")
	p.keys("7")
	p.waitText(20*time.Second, "detected: prefix \"flask_\", endpoint label \"path\"", "✓ latency as a histogram")
	// At 80x24 the findings are further down: the navigation keys scroll.
	p.keys("G")
	p.waitText(15*time.Second, "✕ unmatched routes (404)", "excluded_paths")
	p.resize(100, 60)
	s = p.waitText(10*time.Second, "✕ one row per route", "/api/orders/<id> ×25", "fix: PrometheusMetrics(app, group_by='url_rule')", "✕ unmatched routes (404)")
	if strings.Contains(s, "\x1b") {
		t.Fatalf("raw escape on screen:\n%q", s)
	}

	p.throughTooSmall(80, 24, 10*time.Second, "q quit")
	p.keys("1")
	p.waitText(10*time.Second, "ENDPOINT")
	p.quit(10 * time.Second)
}
