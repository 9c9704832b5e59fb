package main

import (
	"strings"
	"testing"
	"time"
)

// At 80x24, the alert detail opened from the Timeline screen on the
// reference HighErrorRate's firing says what is wrong with its rule, shows
// the fix as PromQL and the backtest, as the Alerts screen's detail does.
func TestE2ETimelineAlertDetailShowsTheRulesFindingAndFix(t *testing.T) {
	t.Parallel()
	stack := startAlertingStack(t)
	p := startConsole(t, 80, 24, nil, stack, "--alertmanager", stack.AlertmanagerURLs[0])
	p.waitText(40*time.Second, "● live")

	// Firing, with the ⚠ of its rule: the rules check has been read.
	p.keys("2")
	p.waitText(15*time.Second, "SEV")
	p.filter(`alertname="HighErrorRate", ruleset="reference"`)
	p.waitFor("HighErrorRate firing with the ⚠ of its rule", 120*time.Second, func(s string) bool {
		for _, l := range lines(s) {
			if strings.Contains(l, "HighErrorRate") && strings.Contains(l, "firing⚠") {
				return true
			}
		}
		return false
	})

	p.keys("5")
	p.waitText(15*time.Second, "Timeline · last 2h")
	p.filter("FIRING HighErrorRate reference")
	p.waitFor("the HighErrorRate firing on the timeline", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "filter /FIRING HighErrorRate reference") && strings.Contains(s, "FIRING") && !strings.Contains(s, "0 shown")
	})
	p.keys("Enter")
	s := p.waitText(30*time.Second, "⚠ this rule: errors per second, not a ratio", "fix: sum by (job)",
		"backtest last 24h: fired")
	t.Logf("the alert detail on the timeline:\n%s", s)
	if !strings.Contains(strings.Join(strings.Fields(s), " "), `/ sum by (job) (rate(flask_http_request_total[1m])) > 0.05`) {
		t.Errorf("the fix is not on screen whole:\n%s", s)
	}
	for _, l := range lines(s) {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
	p.keys("Escape")
	p.waitText(15*time.Second, "Timeline · last 2h", "filter /FIRING HighErrorRate reference")
}
