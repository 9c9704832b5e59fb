package overview

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// The overview's service level: when the selection spans more than one
// service, a row per endpoint would mix the services' series of one path,
// so the overview lists the services, worst first, each with its own
// figures and targets; enter opens one service's endpoints (the selector
// narrowed to it) and esc comes back. S changes the selector while
// running; the line under the table always shows it.

// OpenServiceMsg asks for one service's endpoints; Service "" goes back
// to every service of the selector.
type OpenServiceMsg struct {
	Service string
}

// SelectorMsg asks for another selector (already checked).
type SelectorMsg struct {
	Selector string
}

// ScopeMsg tells the overview the selector the console asks with, and
// the service it narrowed it to ("" for none).
type ScopeMsg struct {
	Selector string
	Service  string
}

const targetsW = 9 // "12/12 up"

// servicesMode reports whether the overview shows services: the data
// spans more than one.
func (o *Screen) servicesMode() bool {
	return o.title == "" && o.data != nil && len(o.data.Services) > 1
}

// rebuildServices filters and sorts the services: the worst level of
// their figures and targets first, then error ratio, then name.
func (o *Screen) rebuildServices() {
	var rows []query.Service
	if o.data != nil {
		for _, sv := range o.data.Services {
			if o.matches(sv.Name) {
				rows = append(rows, sv)
			}
		}
	}
	th := o.ctx.Thresholds()
	slices.SortStableFunc(rows, func(a, b query.Service) int {
		if c := cmp.Compare(serviceLevel(&b, th), serviceLevel(&a, th)); c != 0 {
			return c
		}
		if c := cmpFigure(b.ErrorRatio, a.ErrorRatio); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	o.svcs.SetItems(rows)
}

// cmpFigure compares figures, a missing one lowest.
func cmpFigure(a, b float64) int {
	switch am, bm := query.Missing(a), query.Missing(b); {
	case am && bm:
		return 0
	case am:
		return -1
	case bm:
		return 1
	}
	return cmp.Compare(a, b)
}

// serviceLevel is how bad a service is: unknown figures are a warning, a
// target down is critical.
func serviceLevel(sv *query.Service, th query.Thresholds) query.Level {
	l := max(th.ErrorLevel(sv.ErrorRatio), th.P99Level(sv.P99))
	if sv.Unknown != "" {
		l = max(l, query.LevelWarn)
	}
	if sv.TargetsKnown && sv.Up < sv.Targets {
		l = query.LevelCrit
	}
	return l
}

// servicesHeader is the service level's column heads.
func (o *Screen) servicesHeader() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerW))
	b.WriteString(text.PadRight("SERVICE (worst first)", o.svcNameW()))
	for _, c := range []struct {
		t string
		w int
	}{{"REQ/S", rpsW}, {"ERR%", errW}, {"P99", latW}, {"EXC", excW}, {"TARGETS", targetsW}} {
		b.WriteString(" " + text.PadLeft(c.t, c.w))
	}
	return o.ctx.Styles.TableHeader.Render(text.Fit(b.String(), o.width))
}

// svcNameW is the width of the service column.
func (o *Screen) svcNameW() int {
	return max(o.width-markerW-(1+rpsW)-(1+errW)-(1+latW)-(1+excW)-(1+targetsW), 1)
}

// renderService draws one service row.
func (o *Screen) renderService(sv *query.Service, selected bool, th query.Thresholds) string {
	fig := func(s string) string {
		if sv.Unknown != "" {
			return "?"
		}
		return s
	}
	nameLvl := themes.LevelNone
	if sv.Unknown != "" {
		nameLvl = themes.LevelWarn
	}
	tgtLvl := themes.LevelNone
	if sv.TargetsKnown && sv.Up < sv.Targets {
		tgtLvl = themes.LevelCrit
	}
	excLvl := themes.LevelNone
	if !query.Missing(sv.Exceptions) && sv.Exceptions >= 0.5 {
		excLvl = themes.LevelWarn
	}
	cells := []cell{
		{"  ", markerW, false, themes.LevelNone},
		{text.Sanitize(sv.Name), o.svcNameW(), false, nameLvl},
		{fig(views.FormatRPS(sv.RPS)), rpsW, true, views.ThemeLevel(sv.RPS, query.LevelOK)},
		{fig(views.FormatPercent(sv.ErrorRatio)), errW, true, views.ThemeLevel(sv.ErrorRatio, th.ErrorLevel(sv.ErrorRatio))},
		{fig(views.FormatSeconds(sv.P99)), latW, true, views.ThemeLevel(sv.P99, th.P99Level(sv.P99))},
		{fig(views.FormatCount(sv.Exceptions)), excW, true, excLvl},
		{serviceTargetsText(sv), targetsW, true, tgtLvl},
	}
	var b strings.Builder
	for i, c := range cells {
		if i > 1 {
			b.WriteByte(' ')
		}
		s := text.Fit(c.s, c.w)
		if c.right {
			s = text.PadLeft(c.s, c.w)
		}
		if !selected && c.lvl != themes.LevelNone && c.lvl != themes.LevelOK {
			s = o.levels[c.lvl].Paint(s)
		}
		b.WriteString(s)
	}
	if selected {
		return o.ctx.Styles.RowSelected.Render(text.Fit(b.String(), o.width))
	}
	return text.Truncate(b.String(), o.width)
}

// servicesBody is the service level's rows.
func (o *Screen) servicesBody() []string {
	if o.svcs.Len() == 0 {
		return []string{o.ctx.Styles.Muted.Render(text.Fit("  no service matches the filter", o.width))}
	}
	th := o.ctx.Thresholds()
	return o.svcs.Render(func(sv *query.Service, sel bool) string { return o.renderService(sv, sel, th) })
}

// serviceKey handles a key on the service level.
func (o *Screen) serviceKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.ctx.Keys
	if o.svcs.NavKey(msg, k) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		return o.list.Prompt.Open(o.filter)
	case key.Matches(msg, k.Back):
		if o.filter != "" {
			o.list.Prompt.Clear(o.applyFilter)
		}
	case key.Matches(msg, k.Open):
		sv, ok := o.svcs.Selected()
		if !ok {
			return nil
		}
		name := sv.Name
		return func() tea.Msg { return OpenServiceMsg{Service: name} }
	}
	return nil
}

// openSelector opens the selector prompt on the selector asked now.
func (o *Screen) openSelector() tea.Cmd {
	o.selNote = ""
	return o.selPrompt.Open(o.scope.Selector)
}

// selectorKey handles a key while the selector prompt is open: enter
// applies a valid selector, esc leaves it as it was.
func (o *Screen) selectorKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.ctx.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		o.selPrompt.Close()
		o.selNote = ""
		return nil
	case key.Matches(msg, k.Apply):
		sel := strings.TrimSpace(o.selPrompt.In.Value())
		if err := CheckSelectorText(sel); err != "" {
			o.selNote = err
			return nil
		}
		o.selPrompt.Close()
		o.selNote = ""
		return func() tea.Msg { return SelectorMsg{Selector: sel} }
	}
	var cmd tea.Cmd
	o.selPrompt.In, cmd = o.selPrompt.In.Update(msg)
	return cmd
}

// CheckSelectorText is why a selector typed at the prompt cannot be
// used, "" when it can.
func CheckSelectorText(sel string) string {
	if strings.ContainsAny(sel, "{}") {
		return "write the selector without braces, e.g. job=\"flask\""
	}
	if err := query.CheckSelector(sel); err != nil {
		return text.Sanitize(err.Error())
	}
	return ""
}

// scopeLine is the line that always says what the overview selects: the
// selector asked, the service opened, and whether the figures on screen
// are already those of it.
func (o *Screen) scopeLine() string {
	k := o.ctx.Keys
	s := "selector {" + text.Sanitize(o.scope.Selector) + "}"
	if o.scope.Selector == "" {
		s = "selector: none, every series" // {} would read as a typo
	}
	if o.scope.Service != "" {
		s += " › " + text.Sanitize(o.serviceLabel()) + " " + text.Sanitize(o.scope.Service) + " (" + widget.Key(k.Back) + " all services)"
	}
	if o.data != nil && o.asked() != o.data.Selector {
		s += " · reading…"
	}
	if o.servicesMode() {
		s = fmt.Sprintf("%d of %d services · ", o.svcs.Len(), len(o.data.Services)) + s + " · " + widget.Key(k.Open) + " opens one"
	}
	return s + " · " + widget.Key(k.Selector) + " changes"
}

// asked is the selector the refreshes are asked with now.
func (o *Screen) asked() string {
	if o.scope.Service == "" {
		return o.scope.Selector
	}
	return query.ServiceSelector(query.Shape{Selector: o.scope.Selector, ServiceLabel: o.serviceLabel()}, o.scope.Service)
}

// serviceLabel is the label that names a service.
func (o *Screen) serviceLabel() string {
	if o.data != nil && o.data.ServiceLabel != "" {
		return o.data.ServiceLabel
	}
	if l := o.ctx.Settings.ServiceLabel; l != "" {
		return l
	}
	return query.DefaultServiceLabel
}

// serviceNote explains the selected service's ?, or that a row of the
// services could not be read.
func (o *Screen) serviceNote() string {
	if o.data == nil || o.title != "" {
		return ""
	}
	if o.data.ServicesErr != nil && o.data.Selector == o.asked() {
		return "services unknown: " + text.Sanitize(o.data.ServicesErr.Error())
	}
	if !o.servicesMode() {
		return ""
	}
	sv, ok := o.svcs.Selected()
	if ok && sv.Unknown != "" {
		return "? " + text.Sanitize(sv.Name) + ": " + text.Sanitize(sv.Unknown)
	}
	return ""
}
