package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// What Alertmanager will do with an alert, at 80x24: the detail of a
// critical alert says who it pages, by which route (continue included),
// and which alert it inhibits; the inhibited one names its inhibitor; the
// silence form's preview says which receivers the matched alerts route to.
func TestE2ERoutingAndInhibitions(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{Alertmanagers: 1, AlertmanagerConfig: demo.AlertmanagerConfig})
	am := stack.AlertmanagerURLs[0]
	crit := map[string]string{"alertname": "CheckoutDown", "job": "shop", "severity": "critical", "path": "/api/checkout"}
	warn := map[string]string{"alertname": "CheckoutDown", "job": "shop", "severity": "warning", "path": "/api/checkout"}
	demotest.PostAlert(t, am, crit, map[string]string{"summary": "checkout answers 5xx"})
	demotest.PostAlert(t, am, warn, map[string]string{"summary": "checkout slow"})

	p := startConsole(t, 80, 24, []string{"NO_COLOR="}, stack, "--alertmanager", am)
	p.waitText(40*time.Second, "● live")
	p.keys("2")
	p.filter(`alertname="CheckoutDown"`)
	p.waitText(20*time.Second, "inhibited", "firing")

	// The critical one sorts first.
	p.keys("Enter")
	s := p.waitText(10*time.Second, "pages", "severity critical", "INHIBITS (1)")
	for _, want := range []string{
		`pages        pager, audit (route: {severity="critical"} → pager,`,
		`continue → {severity="critical"} → audit)`,
		`CheckoutDown {job="shop", path="/api/checkout", severity="warning"}`,
		`rule {severity="critical"} inhibits {severity="warning"} with equal`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("critical alert's detail lacks %q:\n%s", want, s)
		}
	}

	// The inhibited one: who inhibits it, and that it pages nobody now.
	// Back on the list, the esc read alone: the next keys can follow.
	p.keys("Escape")
	p.waitFor("the list again", 15*time.Second, func(s string) bool {
		return strings.Contains(s, "SEV") && !strings.Contains(s, "INHIBITS (1)")
	})
	p.keys("Down")
	p.keys("Enter")
	s = p.waitText(10*time.Second, "severity warning", "INHIBITED BY (1)")
	for _, want := range []string{
		`pages        nobody while inhibited; it routes to chat (route:`,
		`{severity="warning"} → chat)`,
		`CheckoutDown {job="shop", path="/api/checkout", severity="critical"}`,
		"inhibits     no current alert (1 inhibit rule)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("inhibited alert's detail lacks %q:\n%s", want, s)
		}
	}

	// The silence form of the critical one, then with severity off: the
	// preview says where the matched alerts go.
	p.keys("Escape")
	p.waitFor("the list again", 15*time.Second, func(s string) bool {
		return strings.Contains(s, "SEV") && !strings.Contains(s, "INHIBITED BY (1)")
	})
	p.keys("Up")
	p.keys("s")
	s = p.waitText(10*time.Second, "matches 1 current alert", "routes to pager (1 alert), audit (1)")
	p.keys("Tab", "Tab") // comment → created by → matchers
	p.waitText(15*time.Second, "▸ matchers")
	p.keys("Down", "Down", "Down", "Space")
	s = p.waitText(10*time.Second, "matches 2 current alerts", "routes to pager (1 alert), audit (1), chat (1)")
	if !strings.Contains(s, `[ ] severity="critical"`) {
		t.Errorf("severity not toggled off:\n%s", s)
	}
}
