package doctor

import (
	"fmt"
	"strings"

	"github.com/vigilterm/vigil/query/doctor"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// rulesLines are the screen's Rules section: the findings of the rules
// check (views.RulesCheck, which the alert detail reads too).
func rulesLines(st *themes.Styles, w int, c *views.RulesCheck, err error) []string {
	var out []string
	add := func(style func(...string) string, s string, indent int) {
		pad := strings.Repeat(" ", indent)
		for _, l := range text.WrapWords(text.Sanitize(s), max(w-indent, 1)) {
			out = append(out, style(pad+l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	out = append(out, "", st.TableHeader.Render("RULES"))
	switch {
	case c == nil && err != nil:
		add(st.Error.Render, "the rules check could not run: "+err.Error(), 0)
		return out
	case c == nil:
		add(st.Muted.Render, "checking the rules Prometheus has loaded…", 0)
		return out
	}
	r := c.Report
	if err != nil {
		add(st.Error.Render, "last run failed, showing the one before: "+err.Error(), 0)
	}
	active := r.Active()
	head := fmt.Sprintf("%d rules (%d alerting) checked in %d requests: ", r.Rules, r.Alerts, r.Requests)
	if len(active) == 0 {
		add(st.Level(themes.LevelOK).Render, Marks[doctor.OK]+" "+head+"no finding", 0)
	} else {
		add(st.Level(themes.LevelCrit).Render, fmt.Sprintf("%s %s%d findings", Marks[doctor.Warn], head, len(active)), 0)
	}
	for _, f := range r.Findings {
		mark, style := "⚠", st.Level(themes.LevelCrit).Render
		if f.Ignored != "" {
			mark, style = "·", st.Muted.Render
		}
		add(style, fmt.Sprintf("%s %s (%s): %s", mark, f.Rule, f.Group, f.Title), 0)
		add(plain, f.Seen, 2)
		add(st.Accent.Render, "fix: "+f.Fix, 2)
		if f.Ignored != "" {
			add(st.Muted.Render, "acknowledged: "+f.Ignored, 2)
		}
	}
	for _, u := range r.Unknown {
		add(st.Level(themes.LevelUnknown).Render, Marks[doctor.Unknown]+" "+u.Check+": "+u.Reason, 0)
	}
	return out
}
