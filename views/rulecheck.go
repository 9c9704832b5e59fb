package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/text"
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

// fixOf is the first whole fixed expression among findings, else "".
func fixOf(fs []rulecheck.Finding) string {
	for _, f := range fs {
		if f.FixExpr != "" {
			return f.FixExpr
		}
	}
	return ""
}

// ruleBlock is the alert detail's "⚠ this rule …" block: each finding of
// the alert's rule, the fix, and the backtest of the rule and its fix.
func ruleBlock(st *themes.Styles, w int, fs []rulecheck.Finding, bt *rulecheck.Backtest, btErr error, btRun bool) []string {
	var out []string
	wrap := func(style func(...string) string, s string, indent int) {
		pad := strings.Repeat(" ", indent)
		for _, l := range text.WrapWords(text.Sanitize(s), max(w-indent, 1)) {
			out = append(out, style(pad+l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	warn := st.Level(themes.LevelCrit).Render
	const shown = 3
	for i, f := range fs {
		if i == shown {
			wrap(st.Muted.Render, fmt.Sprintf("… and %d more (vigil doctor --rules)", len(fs)-shown), 2)
			break
		}
		wrap(warn, "⚠ this rule: "+f.Title+" ("+f.Check+")", 0)
		wrap(plain, f.Seen, 4)
	}
	if fix := fixOf(fs); fix != "" {
		wrap(st.Accent.Render, "fix: "+fix, 2)
	} else if len(fs) > 0 {
		wrap(st.Accent.Render, "fix: "+fs[0].Fix, 2)
	}
	switch {
	case bt != nil:
		for _, l := range bt.Lines() {
			wrap(st.Muted.Render, "backtest "+l, 2)
		}
	case btErr != nil:
		wrap(st.Error.Render, "backtest failed: "+btErr.Error(), 2)
	case btRun:
		wrap(st.Muted.Render, "backtest: reading ALERTS over 24h and 7d…", 2)
	}
	return out
}
