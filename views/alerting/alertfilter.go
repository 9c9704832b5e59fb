package alerting

import (
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// alertListFilter is the filter of a list of alerts (the alerts screen,
// and every context's alerts): the one applied, and why the text typed
// last does not parse.
type alertListFilter struct {
	filter query.AlertFilter
	err    string
}

// apply parses a filter as it is typed. A text that does not parse keeps
// the last good filter and sets the error shown under the prompt; it
// returns false then, so that enter leaves the prompt open. Otherwise the
// list is rebuilt with the new filter.
func (f *alertListFilter) apply(s string, rebuild func()) bool {
	nf, err := query.ParseAlertFilter(s)
	if err != nil {
		f.err = text.Sanitize(err.Error())
		return false
	}
	f.filter, f.err = nf, ""
	rebuild()
	return true
}

// lines are the prompt and its error while it is open (hint in the empty
// prompt), else the applied filter with count, else none.
func (f *alertListFilter) lines(ctx *views.Context, p *widget.Prompt, width int, hint, count string) []string {
	st := ctx.Styles
	switch {
	case p.IsOpen():
		lines := []string{p.View(st, width, hint)}
		if f.err != "" {
			lines = append(lines, st.Error.Render("✕ "+f.err))
		}
		return lines
	case f.filter.String() != "":
		return []string{st.Accent.Render(widget.FilterLine(ctx.Keys, f.filter.String(), count))}
	}
	return nil
}
