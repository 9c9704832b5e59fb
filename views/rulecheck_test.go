package views

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
)

func seedCheck(t *testing.T) *RulesCheck {
	t.Helper()
	seed, err := os.ReadFile("viewstest/seed-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules, errs := rulecheck.ParseFile("reference.yml", seed)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return &RulesCheck{Rules: rules, Report: rulecheck.Check(rules, nil, rulecheck.Options{})}
}

// An alert is matched to its rule by name and the rule's fixed labels.
func TestRuleOfAlert(t *testing.T) {
	c := seedCheck(t)
	a := query.Alert{Name: "HighErrorRate", Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical"}}
	r, fs, ok := c.RuleOf(a)
	if !ok || r.Group != "flask-reference" || len(fs) == 0 || !c.HasFinding(a) {
		t.Fatalf("rule %+v findings %d ok %v", r, len(fs), ok)
	}
	a.Labels["severity"] = "warning"
	if _, _, ok := c.RuleOf(a); ok {
		t.Error("an alert of another severity matched the rule")
	}
	var nilCheck *RulesCheck
	if nilCheck.HasFinding(a) {
		t.Error("no check, no finding")
	}
}

// A dead-selector finding made before the alert became active is stale:
// the alert's own evaluation has found series since. One made while the
// alert was already active stays (the selector may be an unless's).
func TestRuleOfDropsStaleDeadSelector(t *testing.T) {
	c := seedCheck(t)
	c.At = time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	c.Report.Findings = append(c.Report.Findings, rulecheck.Finding{Check: rulecheck.CheckDeadSelector, Rule: "HighErrorRate",
		Group: "flask-reference", Kind: rulecheck.KindAlert, Title: "selector matches no series"})
	dead := func(fs []rulecheck.Finding) bool {
		return slices.ContainsFunc(fs, func(f rulecheck.Finding) bool { return f.Check == rulecheck.CheckDeadSelector })
	}
	a := query.Alert{Name: "HighErrorRate", Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical"}}
	a.ActiveAt = c.At.Add(10 * time.Second)
	if _, fs, _ := c.RuleOf(a); dead(fs) || len(fs) == 0 {
		t.Errorf("an alert active after the check: findings %+v, want the others without series/dead", fs)
	}
	a.ActiveAt = c.At.Add(-10 * time.Second)
	if _, fs, _ := c.RuleOf(a); !dead(fs) {
		t.Errorf("an alert active before the check lost its series/dead finding: %+v", fs)
	}
}

// The alert detail shows its rule's findings and fix, or says the check is
// unknown when it could not run: never nothing, as if the rule were fine.
func TestAlertDetailRuleBlock(t *testing.T) {
	a := query.Alert{Name: "HighErrorRate", State: query.StateFiring,
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical"}}
	d := NewAlertDetail(testContext(t, "dark"), a, nil)
	d.SetSize(80, 60)
	d.Update(RulesCheckMsg{Err: errors.New("prometheus rules: timeout")})
	if v := ansi.Strip(d.View()); !strings.Contains(v, "check unknown: prometheus rules: timeout") {
		t.Errorf("no unknown line:\n%s", v)
	}
	_, cmd := d.Update(RulesCheckMsg{Check: seedCheck(t)})
	v := ansi.Strip(d.View())
	for _, want := range []string{"⚠ this rule: errors per second, not a ratio", "fix: sum by (job)", "backtest: reading ALERTS"} {
		if !strings.Contains(v, want) {
			t.Errorf("the detail lacks %q:\n%s", want, v)
		}
	}
	if cmd == nil {
		t.Fatal("no backtest asked for")
	}
	want, ok := cmd().(BacktestWantMsg)
	if !ok || want.Rule.Name != "HighErrorRate" || !strings.Contains(want.Fix, "/ sum by (job)") {
		t.Fatalf("asked %+v", want)
	}
	d.Update(BacktestMsg{Key: RuleKey(want.Rule), Backtest: &rulecheck.Backtest{Rule: "HighErrorRate",
		Ranges: []rulecheck.BacktestRange{{Range: 24 * time.Hour, Data: 24 * time.Hour, Original: rulecheck.Firing{Times: 1, Duration: 23*time.Hour + 59*time.Minute}, Fixed: &rulecheck.Firing{}}}}})
	if v := ansi.Strip(d.View()); !strings.Contains(v, "backtest last 24h: fired 1 time, 23h59m firing; the fixed rule: 0 times") {
		t.Errorf("no backtest line:\n%s", v)
	}
}
