package dashboard

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// SetVarMsg sets a dashboard variable from the picker: its
// values, or All (grafana.AllValue alone). The variables are read again;
// the choices of those after it are let go, as they may depend on it.
type SetVarMsg struct {
	Name   string
	Values []string
}

// MaxPickerValues bounds the values the picker lists for one variable
// (a query variable keeps at most grafana.MaxVariableValues).
const MaxPickerValues = grafana.MaxVariableValues

// varPicker chooses a dashboard variable's values on screen: first the
// variables, then the values of the one opened. It owns the keyboard
// while it is open.
type varPicker struct {
	ctx  *views.Context
	vars []*grafana.VarState // the variables that can be chosen
	cur  int                 // the variable under the cursor
	// open is the variable whose values are listed (-1: the variables
	// are). vals are its options, "All" first when offered; chosen the
	// values ticked, all that All is.
	open   int
	vals   []grafana.Option
	vcur   int
	chosen map[string]bool
	all    bool
	// toggle ticks a value of a multi-value variable.
	toggle key.Binding
}

// pickable are the variables the picker offers: shown, with options to
// choose from (a textbox is set with --var).
func pickable(vs grafana.Vars) []*grafana.VarState {
	var out []*grafana.VarState
	for _, v := range vs {
		if v.Var.Shown() && v.Var.Type != grafana.VarTextbox && len(v.Options) > 0 {
			out = append(out, v)
		}
	}
	return out
}

func newVarPicker(ctx *views.Context, vs grafana.Vars) *varPicker {
	return &varPicker{ctx: ctx, vars: pickable(vs), open: -1,
		toggle: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "tick a value"))}
}

// allOption is the "All" row of a variable that offers it.
var allOption = grafana.Option{Text: "All", Value: grafana.AllValue}

// openValues lists the values of the variable under the cursor, the
// current selection ticked.
func (p *varPicker) openValues() {
	v := p.vars[p.cur]
	p.open, p.vcur, p.all = p.cur, 0, v.All
	p.vals = nil
	if v.Var.IncludeAll {
		p.vals = append(p.vals, allOption)
	}
	opts := v.Options
	if len(opts) > MaxPickerValues {
		opts = opts[:MaxPickerValues]
	}
	p.vals = append(p.vals, opts...)
	p.chosen = map[string]bool{}
	for _, s := range v.Selected {
		p.chosen[s] = true
	}
}

// key handles a key; done reports that the picker closed, cmd what to do.
func (p *varPicker) key(msg tea.KeyPressMsg) (done bool, cmd tea.Cmd) {
	k := p.ctx.Keys
	if p.open < 0 {
		switch {
		case key.Matches(msg, k.Back):
			return true, nil
		case key.Matches(msg, k.Up):
			p.cur = max(p.cur-1, 0)
		case key.Matches(msg, k.Down):
			p.cur = min(p.cur+1, len(p.vars)-1)
		case key.Matches(msg, k.Open):
			p.openValues()
		}
		return false, nil
	}
	v := p.vars[p.open]
	switch {
	case key.Matches(msg, k.Back):
		p.open = -1
	case key.Matches(msg, k.Up):
		p.vcur = max(p.vcur-1, 0)
	case key.Matches(msg, k.Down):
		p.vcur = min(p.vcur+1, len(p.vals)-1)
	case key.Matches(msg, p.toggle) && v.Var.Multi:
		p.tick(p.vals[p.vcur])
	case key.Matches(msg, k.Open):
		values := p.selection()
		if len(values) == 0 || !v.Var.Multi {
			// Nothing ticked, or one value to choose: the one under the
			// cursor. An interval's "auto" is kept as such, so that it
			// follows the range.
			o := p.vals[p.vcur]
			values = []string{o.Value}
			if v.Var.Type == grafana.VarInterval && o.Text == "auto" {
				values = []string{"auto"}
			}
		}
		name := v.Var.Name
		return true, func() tea.Msg { return SetVarMsg{Name: name, Values: values} }
	}
	return false, nil
}

// tick turns a value on or off; All and the values exclude each other.
func (p *varPicker) tick(o grafana.Option) {
	if o == allOption {
		p.all = !p.all
		if p.all {
			p.chosen = map[string]bool{}
		}
		return
	}
	p.chosen[o.Value] = !p.chosen[o.Value]
	if p.chosen[o.Value] {
		p.all = false
	}
}

// selection is what is ticked, in the options' order.
func (p *varPicker) selection() []string {
	if p.all {
		return []string{grafana.AllValue}
	}
	var out []string
	for _, o := range p.vals {
		if o != allOption && p.chosen[o.Value] {
			out = append(out, o.Value)
		}
	}
	return out
}

// view draws the picker in w×h.
func (p *varPicker) view(w, h int) []string {
	st := p.ctx.Styles
	k := p.ctx.Keys
	var lines []string
	if p.open < 0 {
		lines = append(lines, st.Title.Render("Variables"),
			st.Muted.Render(widget.Key(k.Open)+" lists its values · "+widget.Key(k.Back)+" closes"))
		nameW := 0
		for _, v := range p.vars {
			nameW = max(nameW, text.Width(varName(v)))
		}
		nameW = min(nameW, max(w/3, 8))
		rows := make([]string, len(p.vars))
		for i, v := range p.vars {
			rows[i] = text.Fit(varName(v), nameW) + "  " + text.Sanitize(v.Text())
		}
		return append(lines, pickRows(st, rows, p.cur, w, max(h-len(lines), 1))...)
	}
	v := p.vars[p.open]
	how := widget.Key(k.Open) + " chooses the value under the cursor"
	if v.Var.Multi {
		how = widget.Key(p.toggle) + " ticks · " + widget.Key(k.Open) + " applies what is ticked (or the value under the cursor)"
	}
	count := fmt.Sprintf("%d values", len(v.Options))
	if v.Var.IncludeAll {
		count += " and All"
	}
	lines = append(lines, st.Title.Render(varName(v)+" · "+count),
		st.Muted.Render(how+" · "+widget.Key(k.Back)+" back"))
	rows := make([]string, len(p.vals))
	for i, o := range p.vals {
		on := p.chosen[o.Value]
		if o == allOption {
			on = p.all
		}
		box := "[ ] "
		if on {
			box = "[x] "
		}
		label := text.Sanitize(o.Text)
		if o.Text != o.Value && o != allOption {
			label += st.Muted.Render(" (" + text.Sanitize(o.Value) + ")")
		}
		rows[i] = box + label
	}
	return append(lines, pickRows(st, rows, p.vcur, w, max(h-len(lines), 1))...)
}

func varName(v *grafana.VarState) string {
	if v.Var.Label != "" {
		return text.Sanitize(v.Var.Label)
	}
	return text.Sanitize(v.Var.Name)
}

// pickRows are the rows that fit in h lines around the cursor, the
// cursor's marked, with "n more" lines where the list goes on.
func pickRows(st *themes.Styles, rows []string, cur, w, h int) []string {
	// With more rows than fit, the last line says how many more, and
	// the cursor's row stays above it.
	fit := h
	if len(rows) > h {
		fit = max(h-1, 1)
	}
	start := 0
	if cur >= fit {
		start = cur - fit + 1
	}
	end := min(start+fit, len(rows))
	var out []string
	for i := start; i < end; i++ {
		prefix := "  "
		if i == cur {
			prefix = "▸ "
		}
		l := text.Truncate(prefix+rows[i], w)
		if i == cur {
			l = st.RowSelected.Render(text.Fit(l, w))
		}
		out = append(out, l)
	}
	if end < len(rows) && len(out) < h {
		out = append(out, text.Truncate(fmt.Sprintf("  … %d more (↓)", len(rows)-end), w))
	}
	return out
}
