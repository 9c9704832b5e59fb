package views

import (
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
)

// RulesCheck is a run of the rules check on the rules Prometheus has
// loaded (docs/rules.md).
type RulesCheck struct {
	Rules  []rulecheck.Rule
	Report *rulecheck.Report
	At     time.Time
}

// RulesCheckMsg carries a run of the rules check, or why it failed.
type RulesCheckMsg struct {
	Check *RulesCheck
	Err   error
}

// BacktestWantMsg asks the root model to backtest an alerting rule and
// its fix (rulecheck.RunBacktest).
type BacktestWantMsg struct {
	Rule rulecheck.Rule
	Fix  string
}

// BacktestMsg answers a BacktestWantMsg; Key is RuleKey of the rule.
type BacktestMsg struct {
	Key      string
	Backtest *rulecheck.Backtest
	Err      error
}

// RuleKey identifies a rule across runs: its group and name.
func RuleKey(r rulecheck.Rule) string { return r.Group + "\x00" + r.Name }

// RuleOf finds the alerting rule of an alert: the same name, and every
// label the rule sets (that is no template) on the alert with its value;
// its findings not acknowledged come with it. A dead-selector finding made
// before the alert became active is left out: the alert's own evaluation
// has since found series (the check runs every few minutes, and an
// exporter makes an error status's series only at the first error).
func (c *RulesCheck) RuleOf(a query.Alert) (rulecheck.Rule, []rulecheck.Finding, bool) {
	if c == nil {
		return rulecheck.Rule{}, nil, false
	}
	for _, r := range c.Rules {
		if r.Kind != rulecheck.KindAlert || r.Name != a.Name {
			continue
		}
		match := true
		for k, v := range r.Labels {
			if !strings.Contains(v, "{{") && a.Labels[k] != v {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		var active []rulecheck.Finding
		if c.Report != nil {
			for _, f := range c.Report.For(r.Name, r.Group) {
				stale := f.Check == rulecheck.CheckDeadSelector && !a.ActiveAt.IsZero() && a.ActiveAt.After(c.At)
				if f.Ignored == "" && !stale {
					active = append(active, f)
				}
			}
		}
		return r, active, true
	}
	return rulecheck.Rule{}, nil, false
}

// HasFinding says whether the alert's rule has a finding not acknowledged.
func (c *RulesCheck) HasFinding(a query.Alert) bool {
	_, fs, ok := c.RuleOf(a)
	return ok && len(fs) > 0
}
