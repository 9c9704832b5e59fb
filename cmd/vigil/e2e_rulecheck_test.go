package main

import (
	"strings"
	"testing"
	"time"
)

// At 80x24, the alert detail of the reference HighErrorRate says what is
// wrong with its rule and shows the fix as PromQL, with the backtest; the
// alert list marks it ⚠.
func TestE2EAlertDetailShowsTheRulesFindingAndFix(t *testing.T) {
	t.Parallel()
	stack := startAlertingStack(t)
	p := startConsole(t, 80, 24, nil, stack, "--alertmanager", stack.AlertmanagerURLs[0])
	p.waitText(40*time.Second, "● live")

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
	p.keys("Enter")
	s := p.waitText(30*time.Second, "⚠ this rule: errors per second, not a ratio", "fix: sum by (job)",
		"backtest last 24h: fired")
	t.Logf("the alert detail:\n%s", s)
	if !strings.Contains(strings.Join(strings.Fields(s), " "), `/ sum by (job) (rate(flask_http_request_total[1m])) > 0.05`) {
		t.Errorf("the fix is not on screen whole:\n%s", s)
	}
	for _, l := range lines(s) {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}

}
