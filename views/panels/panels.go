// Package panels is the screen of the panels in the configuration: a grid
// of stats and graphs, each from its own PromQL.
package panels

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Msg carries a refresh of the custom panels, one result per
// configured panel in order.
type Msg struct {
	Results []query.PanelResult
}

// GraphRange is the time span of graph panels.
const GraphRange = time.Hour

// Layout of the panel grid.
const (
	panelMinColW = 70 // a column is at least this wide: 1 column at 80
	panelMaxCols = 3
	panelGap     = 2
	panelMinH    = 10 // a panel shorter than this scrolls instead
)

// Screen is the grid of custom panels ([[panel]] in config.toml).
type Screen struct {
	views.NoWork
	ctx   *views.Context
	specs []query.PanelSpec // the configured panels, then the discovered ones
	conf  []query.PanelSpec
	res   []query.PanelResult
	// discovery is the last discovery of the app's families, discErr why
	// it failed; both nil before the first.
	discovery *query.Discovery
	discErr   error
	width     int
	height    int

	// layout, computed in SetSize
	cols, cellW, cellH, visRows int
	offset                      int // first panel row shown
}

// New returns the panels screen for the configured panels.
func New(ctx *views.Context, specs []query.PanelSpec) *Screen {
	p := &Screen{ctx: ctx, specs: specs, conf: specs}
	p.SetSize(80, 20)
	return p
}

// DiscoveryMsg carries the app's metric families found, or why they could
// not be read.
type DiscoveryMsg struct {
	Discovery *query.Discovery
	Err       error
}

// Title implements views.Screen.
func (p *Screen) Title() string { return "Panels" }

// Capturing implements views.Screen.
func (p *Screen) Capturing() bool { return false }

// Specs returns the panels: the configured ones first, then those made
// from the app's own metric families.
func (p *Screen) Specs() []query.PanelSpec { return p.specs }

// Results returns the last results received.
func (p *Screen) Results() []query.PanelResult { return p.res }

// Columns returns the number of grid columns of the current size.
func (p *Screen) Columns() int { return p.cols }

// SetSize implements views.Screen and lays out the grid: one column per 70
// cells, at most three; rows share the height, at least 7 lines each.
func (p *Screen) SetSize(w, h int) {
	p.width, p.height = max(w, 0), max(h, 0)
	p.cols = min(max(p.width/panelMinColW, 1), panelMaxCols)
	if n := len(p.specs); n > 0 {
		p.cols = min(p.cols, n)
	}
	p.cellW = max((p.width-(p.cols-1)*panelGap)/p.cols, 1)
	rows := p.rows()
	p.cellH = p.height
	if rows > 0 {
		p.cellH = max(p.height/rows, min(panelMinH, p.height))
	}
	p.cellH = max(p.cellH, 1)
	p.visRows = max(p.height/p.cellH, 1)
	p.clamp()
}

func (p *Screen) rows() int { return (len(p.specs) + p.cols - 1) / max(p.cols, 1) }

func (p *Screen) clamp() {
	p.offset = min(max(p.offset, 0), max(p.rows()-p.visRows, 0))
}

// Update implements views.Screen.
func (p *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case Msg:
		if len(msg.Results) == len(p.specs) {
			p.res = msg.Results
		}
	case DiscoveryMsg:
		p.discErr = msg.Err
		if msg.Err == nil && msg.Discovery != nil {
			p.discovery = msg.Discovery
			auto := query.DiscoveredPanels(msg.Discovery.Families)
			if !samePanels(p.specs[len(p.conf):], auto) {
				p.specs = append(append([]query.PanelSpec(nil), p.conf...), auto...)
				p.res = nil
				p.SetSize(p.width, p.height)
			}
		}
	case tea.KeyPressMsg:
		k := p.ctx.Keys
		switch {
		case key.Matches(msg, k.Up), key.Matches(msg, k.PageUp):
			p.offset--
		case key.Matches(msg, k.Down), key.Matches(msg, k.PageDown):
			p.offset++
		case key.Matches(msg, k.Top):
			p.offset = 0
		case key.Matches(msg, k.Bottom):
			p.offset = p.rows()
		}
		p.clamp()
	}
	return p, nil
}

// View implements views.Screen. Only the panels in view are rendered.
func (p *Screen) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	st := p.ctx.Styles
	if len(p.specs) == 0 {
		lines := []string{
			"",
			st.Muted.Render(text.Fit("  No custom panels. Add [[panel]] tables to config.toml:", p.width)),
			st.Muted.Render(text.Fit("  see the commented-out examples at its end, and the README.", p.width)),
		}
		switch {
		case p.discErr != nil:
			lines = append(lines, "", st.Error.Render(text.Fit("  The app's own metric families are unknown: "+text.Sanitize(p.discErr.Error()), p.width)))
		case p.discovery == nil:
			lines = append(lines, "", st.Muted.Render(text.Fit("  Looking for the app's own metric families…", p.width)))
		default:
			lines = append(lines, "", st.Muted.Render(text.Fit("  The selected targets have no metric family of their own beyond the exporter's and the runtime's.", p.width)))
		}
		return strings.Join(text.FitBlock(lines, p.width, p.height), "\n")
	}
	var out []string
	last := min(p.offset+p.visRows, p.rows())
	for r := p.offset; r < last; r++ {
		cells := make([][]string, 0, p.cols)
		for c := 0; c < p.cols; c++ {
			i := r*p.cols + c
			if i >= len(p.specs) {
				break
			}
			cells = append(cells, p.cell(i))
		}
		for l := 0; l < p.cellH; l++ {
			var b strings.Builder
			for c, cell := range cells {
				if c > 0 {
					b.WriteString(strings.Repeat(" ", panelGap))
				}
				s := cell[l]
				if c < len(cells)-1 {
					s = text.PadRight(s, p.cellW)
				}
				b.WriteString(s)
			}
			out = append(out, b.String())
		}
	}
	if p.rows() > p.visRows && len(out) > 0 {
		more := fmt.Sprintf("panels rows %d–%d of %d (%s scroll)", p.offset+1, last, p.rows(), widget.Arrows(p.ctx.Keys.Up, p.ctx.Keys.Down))
		out[len(out)-1] = st.Muted.Render(text.Fit(more, p.width))
	}
	return strings.Join(text.FitBlock(out, p.width, p.height), "\n")
}

// cell renders panel i in exactly cellH lines of at most cellW cells; the
// last line is left blank between grid rows.
func (p *Screen) cell(i int) []string {
	st := p.ctx.Styles
	sp := p.specs[i]
	w, h := p.cellW, p.cellH
	var res *query.PanelResult
	if i < len(p.res) {
		res = &p.res[i]
	}
	name := sp.Title
	if sp.Discovered {
		name = "auto · " + name
	}
	title := st.Title.Render(text.Truncate(text.Sanitize(name), w))
	if u := unitLabel(sp.Unit); u != "" && text.Width(name)+3+len(u) <= w {
		title += st.Muted.Render(" · " + text.Sanitize(u))
	}
	if res != nil && res.Err == nil && sp.Kind == query.PanelGraph && res.Range != nil && len(res.Range.Series) > 0 {
		v := query.Last(res.Range.Series[0].Values)
		if right := formatPanelValue(v, sp.Unit); text.Width(title)+2+text.Width(right) <= w {
			title = text.PadRight(title, w-text.Width(right)) + p.levelStyle(sp, v).Render(right)
		}
	}
	lines := []string{title}
	body := max(h-2, 0)
	switch {
	case res == nil:
		lines = append(lines, st.Muted.Render(text.Fit("waiting for Prometheus…", w)))
	case res.Err != nil:
		msg := "✕ " + text.Sanitize(res.Err.Error())
		wrapped := text.Wrap(msg, w)
		if len(wrapped) > max(body-1, 1) {
			wrapped = wrapped[:max(body-1, 1)]
		}
		for _, l := range wrapped {
			lines = append(lines, st.Error.Render(l))
		}
		if res.Query != "" {
			lines = append(lines, st.Muted.Render(text.Truncate(text.Sanitize(res.Query), w)))
		}
	default:
		lines = append(lines, p.body(sp, res, w, body)...)
	}
	return text.FitBlock(lines, w, h)
}

// body renders a panel's data in at most h lines.
func (p *Screen) body(sp query.PanelSpec, res *query.PanelResult, w, h int) []string {
	st := p.ctx.Styles
	if h <= 0 {
		return nil
	}
	var lines []string
	switch sp.Kind {
	case query.PanelStat:
		v := res.Value
		line := "  " + p.levelStyle(sp, v).Render(formatPanelValue(v, sp.Unit))
		if res.ValueSeries > 1 {
			line += st.Muted.Render(fmt.Sprintf("  (largest of %d series)", res.ValueSeries))
		} else if res.ValueSeries == 0 {
			line += st.Muted.Render("  (no series)")
		}
		lines = append(lines, text.Truncate(line, w))
		if t := thresholdText(sp); t != "" {
			lines = append(lines, st.Muted.Render(text.Fit("  "+t, w)))
		}
	case query.PanelTop:
		if len(res.Rows) == 0 {
			return []string{st.Muted.Render(text.Fit("no series", w))}
		}
		valW := 10
		labW := max(w-valW-1, 1)
		n := len(res.Rows)
		more := res.Total - n
		room := h
		if more > 0 {
			room--
		}
		if n > room {
			more += n - room
			n = max(room, 0)
		}
		for _, r := range res.Rows[:n] {
			val := text.PadLeft(formatPanelValue(r.Value, sp.Unit), valW)
			lines = append(lines, text.Fit(text.Sanitize(r.Label), labW)+" "+p.levelStyle(sp, r.Value).Render(val))
		}
		if more > 0 {
			lines = append(lines, st.Muted.Render(text.Fit(fmt.Sprintf("… %d more", more), w)))
		}
	default:
		lines = append(lines, p.graph(sp, res.Range, w, h)...)
	}
	return lines
}

// graph draws a graph panel with the chart renderer, thresholds as lines;
// a legend names the series when there are several.
func (p *Screen) graph(sp query.PanelSpec, r *query.RangeData, w, h int) []string {
	st := p.ctx.Styles
	if r == nil || len(r.Series) == 0 {
		return []string{st.Muted.Render(text.Fit("no series in the last "+views.FormatDuration(rangeSpan(r)), w))}
	}
	var lines []string
	if len(r.Series) > 1 || r.More > 0 {
		var b strings.Builder
		for i, s := range r.Series {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(st.Series(i).Render("━ " + text.Truncate(text.Sanitize(s.Name), 30)))
		}
		if r.More > 0 {
			b.WriteString(st.Muted.Render(fmt.Sprintf("  +%d more", r.More)))
		}
		lines = append(lines, text.Truncate(b.String(), w))
	}
	plotH := h - len(lines) - 1
	spec := views.ChartSpec{Format: func(v float64) string { return formatPanelValue(v, sp.Unit) }, Width: w, Height: plotH}
	n := 0
	for _, s := range r.Series {
		n = max(n, len(s.Values))
	}
	// Thresholds first: a later series draws over an earlier one, and the
	// data must stay visible where it crosses a threshold.
	for _, t := range []struct {
		v    *float64
		kind views.LineKind
	}{{sp.Warn, views.LineWarn}, {sp.Crit, views.LineCrit}} {
		if t.v == nil {
			continue
		}
		vals := make([]float64, max(n, 2))
		for i := range vals {
			vals[i] = *t.v
		}
		spec.Lines = append(spec.Lines, views.ChartLine{Values: vals, Kind: t.kind})
	}
	for i, s := range r.Series {
		spec.Lines = append(spec.Lines, views.ChartLine{Values: s.Values, Kind: views.LineData, Series: i})
	}
	plot := views.DrawChart(st, spec)
	if plot == nil {
		return append(lines, st.Muted.Render(text.Fit("(too small for a graph)", w)))
	}
	lines = append(lines, plot...)
	lines = append(lines, st.Muted.Render(views.TimeAxis(r.Start, r.End, min(views.PlotColumns(w), max(n, 2)), w)))
	return lines
}

func rangeSpan(r *query.RangeData) time.Duration {
	if r == nil {
		return GraphRange
	}
	return r.End.Sub(r.Start)
}

// levelStyle paints a value against the panel's thresholds.
func (p *Screen) levelStyle(sp query.PanelSpec, v float64) lipgloss.Style {
	return p.ctx.Styles.Level(panelLevel(sp, v))
}

// panelLevel judges a value against a panel's optional thresholds.
func panelLevel(sp query.PanelSpec, v float64) themes.Level {
	switch {
	case query.Missing(v):
		return themes.LevelUnknown
	case sp.Crit != nil && v >= *sp.Crit:
		return themes.LevelCrit
	case sp.Warn != nil && v >= *sp.Warn:
		return themes.LevelWarn
	}
	return themes.LevelNone
}

func thresholdText(sp query.PanelSpec) string {
	var parts []string
	if sp.Warn != nil {
		parts = append(parts, "warn ≥ "+formatPanelValue(*sp.Warn, sp.Unit))
	}
	if sp.Crit != nil {
		parts = append(parts, "crit ≥ "+formatPanelValue(*sp.Crit, sp.Unit))
	}
	return strings.Join(parts, " · ")
}

// unitLabel is the unit shown beside a panel's title.
func unitLabel(u string) string {
	if u == "none" {
		return ""
	}
	return u
}

// formatPanelValue writes a value in a panel's unit: s as a duration, % as
// a percentage of a ratio, req/s as a rate, none (or empty) as a plain
// number, any other unit after the number.
func formatPanelValue(v float64, unit string) string {
	if query.Missing(v) {
		return views.Dash
	}
	switch unit {
	case "s":
		return views.FormatSeconds(v)
	case "%":
		return views.FormatPercent(v)
	case "req/s":
		return views.FormatRPS(v)
	case "", "none":
		return views.FormatNumber(v)
	}
	return views.FormatNumber(v) + " " + text.Sanitize(unit)
}

// ShortHelp implements help.KeyMap.
func (p *Screen) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	return []key.Binding{k.Up, k.Down, k.PromQL, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (p *Screen) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}}
}

// Notes implements views.Screen.
func (p *Screen) Notes() []string {
	return []string{
		"Custom panels come from [[panel]] in config.toml; each runs one query per refresh while this screen is shown.",
		"After them, \"auto ·\" panels show the app's own metric families, found from Prometheus's target metadata every 10 minutes: a histogram's p99 and rate, a counter's rate (top 10), a gauge over time, each by its label with the most values (50 at most). process_*, python_*, go_* and *_created are left out.",
		fmt.Sprintf("Graphs cover the last %s; a panel whose query fails shows Prometheus's error.", views.FormatDuration(GraphRange)),
	}
}

// samePanels reports whether two lists of panels are the same.
func samePanels(a, b []query.PanelSpec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Title != b[i].Title || a[i].Query != b[i].Query {
			return false
		}
	}
	return true
}

var _ views.Screen = (*Screen)(nil)
