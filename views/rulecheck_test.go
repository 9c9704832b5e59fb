package views

import (
	"os"
	"slices"
	"testing"
	"time"

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
