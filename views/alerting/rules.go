package alerting

import (
	"fmt"
	"strings"

	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/text"
)

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
