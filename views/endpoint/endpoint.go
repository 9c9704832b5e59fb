package endpoint

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// Msg carries a refresh of the endpoint detail screen. Err is set
// when the whole refresh failed; the screen keeps its last data.
type Msg struct {
	Detail *query.Detail
	Err    error
}

// FetchMsg asks the root model to refresh the detail screen now
// (after the range or the comparison changed).
type FetchMsg struct{}

// CloseMsg asks the root model to close the detail screen and return
// to the overview.
type CloseMsg struct{}

// Layout of the detail screen.
const (
	sidePanelW    = 36  // the right panel of tables, on wide screens
	sidePanelMinW = 150 // the width from which the panel is on the right
	chartMinH     = 4   // caption, two plot rows and the time axis
)

// Screen is the detail screen of one endpoint: charts over a time range
// and the breakdowns and alerts of the endpoint.
type Screen struct {
	views.NoWork
	ctx    *views.Context
	width  int
	height int

	endpoint string
	rng      time.Duration
	end      time.Time // the range's end; zero: now
	compare  query.Compare

	data    *query.Detail
	err     error
	loading bool
	alerts  []query.Alert

	paused   bool
	pausedAt time.Time

	chooser views.RangeChooser // t: the row of ranges

	// layout, computed in SetSize
	chartW, chartH, gridCols int
	chartExtra               int // rows of charts one line taller: the body's lines left over
	side                     bool
}

// New returns the detail screen of an endpoint, over the default
// range, loading.
func New(ctx *views.Context, endpoint string, opts ...views.Option) *Screen {
	e := &Screen{ctx: ctx, endpoint: endpoint, end: views.Applied(opts).End, rng: query.DefaultDetailRange, loading: true, chooser: views.RangeChooser{Ranges: query.DetailRanges}}
	e.SetSize(80, 20)
	return e
}

// Endpoint returns the endpoint shown.
func (e *Screen) Endpoint() string { return e.endpoint }

// Range returns the time range shown.
func (e *Screen) Range() time.Duration { return e.rng }

// Compare returns the comparison shown.
func (e *Screen) Compare() query.Compare { return e.compare }

// Data returns the last detail received, or nil.
func (e *Screen) Data() *query.Detail { return e.data }

// Err returns the error of the last refresh, if it failed.
func (e *Screen) Err() error { return e.err }

// Loading reports whether the data shown is not (yet) of the current range
// and comparison.
func (e *Screen) Loading() bool { return e.loading }

// Request returns what the next refresh should ask for.
func (e *Screen) Request() query.DetailRequest {
	return query.DetailRequest{Endpoint: e.endpoint, Range: e.rng, Compare: e.compare, Columns: max(views.PlotColumns(e.chartW), 2), End: e.end}
}

// PlotColumns returns the number of points a chart draws at this size.
func (e *Screen) PlotColumns() int { return views.PlotColumns(e.chartW) }

// loc is the time zone of the clock: local time, or the tests' fixed one.
func (e *Screen) loc() *time.Location { return e.ctx.Now().Location() }

// Title implements views.Screen.
func (e *Screen) Title() string { return "Endpoint" }

// Capturing implements views.Screen: the range chooser owns the keyboard.
func (e *Screen) Capturing() bool { return e.chooser.Open }

// SetSize implements views.Screen and lays out the charts.
func (e *Screen) SetSize(w, h int) {
	e.width, e.height = max(w, 0), max(h, 0)
	e.side = e.width >= sidePanelMinW
	area := e.width
	if e.side {
		area = e.width - sidePanelW - 1
	}
	e.gridCols = 1
	if area >= 70 {
		e.gridCols = 2
	}
	e.chartW = max((area-(e.gridCols-1)*2)/e.gridCols, 0)
	rows := 4 / e.gridCols
	body := e.height - 1 - len(e.statusLines()) - len(e.headerLines())
	if !e.side {
		body -= e.bottomLines()
	}
	e.chartH = max(body/rows, 0)
	e.chartExtra = 0
	if e.chartH > 0 {
		e.chartExtra = body % rows // the first rows take the lines left over
	}
}

// bottomLines is the number of lines of breakdowns and alerts under the
// charts on screens without the side panel.
func (e *Screen) bottomLines() int {
	switch {
	case e.height >= 30:
		return 3
	case e.height >= 16:
		// Status and method on one line: a row more for the charts.
		return 2
	case e.height >= 8:
		return 1
	}
	return 0
}

// Update implements views.Screen.
func (e *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case Msg:
		e.onDetail(msg)
		return e, nil
	case views.AlertsMsg:
		// Of every alert, those that name the endpoint in a label.
		if msg.Alerts != nil {
			e.alerts = query.AlertsForEndpoint(msg.Alerts, e.endpoint)
		}
		return e, nil
	case views.PausedMsg:
		e.paused, e.pausedAt = msg.Paused, msg.Since
		return e, nil
	case tea.KeyPressMsg:
		if e.chooser.Open {
			if r, ok := e.chooser.Key(msg, e.ctx.Keys); ok {
				return e, e.setRange(r)
			}
			return e, nil
		}
		return e, e.handleKey(msg)
	}
	return e, nil
}

func (e *Screen) onDetail(msg Msg) {
	if msg.Err != nil {
		e.err = msg.Err
		e.SetSize(e.width, e.height)
		return
	}
	d := msg.Detail
	if d == nil || d.Request.Endpoint != e.endpoint || d.Request.Range != e.rng || d.Request.Compare != e.compare {
		return // an answer to a request that is no longer current
	}
	e.data, e.err, e.loading = d, nil, false
	e.SetSize(e.width, e.height)
}

func fetch() tea.Msg { return FetchMsg{} }

func (e *Screen) setRange(r time.Duration) tea.Cmd {
	if r == e.rng {
		return nil
	}
	e.rng, e.loading = r, true
	return tea.Batch(fetch, views.Flash("range "+views.FormatDuration(r)+": loading…", false))
}

func rangeIndex(r time.Duration) int {
	if i := slices.Index(query.DetailRanges, r); i >= 0 {
		return i
	}
	return slices.Index(query.DetailRanges, query.DefaultDetailRange)
}

func (e *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := e.ctx.Keys
	i := rangeIndex(e.rng)
	switch {
	case key.Matches(msg, k.Back):
		return func() tea.Msg { return CloseMsg{} }
	case key.Matches(msg, k.RangeShorter):
		if i == 0 {
			return views.Flash(views.FormatDuration(e.rng)+" is the shortest range", false)
		}
		return e.setRange(query.DetailRanges[i-1])
	case key.Matches(msg, k.RangeLonger):
		if i == len(query.DetailRanges)-1 {
			return views.Flash(views.FormatDuration(e.rng)+" is the longest range", false)
		}
		return e.setRange(query.DetailRanges[i+1])
	case key.Matches(msg, k.RangeChoose):
		e.chooser.Show(i)
		return nil
	case key.Matches(msg, k.Compare):
		e.compare = e.compare.Next()
		e.loading = true
		return tea.Batch(fetch, views.Flash("compare: "+e.compare.String(), false))
	}
	return nil
}

// Notes implements views.Screen.
func (e *Screen) Notes() []string {
	notes := []string{
		"Charts run over the range, newest at the right; a blank stretch means no data (no traffic), never zero.",
		"┄ is the warning threshold and ╍ the critical one (thresholds in the configuration); · is the comparison with the past.",
		"Each point is a figure over 1m; on long ranges each point is the highest of that figure within its step, so a short spike keeps its height.",
		"The caption's current value is over the overview's window as of now, whatever the range; max is the highest point of the range.",
		"┊ marks a deploy (D), a restart (R) of the endpoint's targets, or an alert naming it that began firing (!); * is several in one column.",
	}
	if e.data != nil && e.data.ExceptionsByEndpoint {
		notes = append(notes, "Exceptions come from the exceptions counter, which carries the endpoint label.")
	} else {
		notes = append(notes, "Exceptions are status=\"500\" responses of the duration histogram: the exceptions counter has no endpoint label.")
	}
	return notes
}

// ShortHelp implements help.KeyMap.
func (e *Screen) ShortHelp() []key.Binding {
	k := e.ctx.Keys
	if e.chooser.Open {
		return []key.Binding{k.Apply, k.Cancel}
	}
	return []key.Binding{k.Back, k.RangeShorter, k.RangeLonger, k.RangeChoose, k.Compare, k.Help}
}

// FullHelp implements help.KeyMap.
func (e *Screen) FullHelp() [][]key.Binding {
	k := e.ctx.Keys
	return [][]key.Binding{{k.RangeShorter, k.RangeLonger, k.RangeChoose, k.Compare, k.Back}}
}

// statusLines are the lines under the charts: the chooser, failures.
func (e *Screen) statusLines() []string {
	st := e.ctx.Styles
	var lines []string
	if e.err != nil {
		lines = append(lines, st.Error.Render(text.Fit("✕ "+text.Sanitize(e.err.Error()), e.width)))
	}
	if e.data != nil {
		for _, qe := range e.data.Errors {
			lines = append(lines, st.Error.Render(text.Fit("✕ "+qe.Name+": "+text.Sanitize(qe.Err.Error()), e.width)))
		}
	}
	if len(lines) > 2 {
		lines = append(lines[:1], st.Muted.Render(text.Fit(fmt.Sprintf("… and %d more problems", len(lines)-1), e.width)))
	}
	if e.chooser.Open {
		lines = append(lines, st.Accent.Render(text.Fit(e.chooser.Line(e.ctx.Keys), e.width)))
	}
	return lines
}

// title is the first line: endpoint, range, comparison, state.
func (e *Screen) title() string {
	st := e.ctx.Styles
	name := e.endpoint
	if name == "" {
		name = "(no " + e.ctx.Settings.EndpointLabel + ")"
	}
	left := st.Title.Render(text.Sanitize(name))
	right := st.Muted.Render("range ") + st.Accent.Render(views.FormatDuration(e.rng))
	if !e.end.IsZero() {
		right += st.Muted.Render(" until ") + st.Accent.Render(e.end.In(e.loc()).Format("15:04:05"))
	}
	if e.compare != query.CompareOff {
		right += st.Muted.Render(" · vs ") + st.Accent.Render(e.compare.String())
	}
	switch {
	case e.paused:
		right += " " + st.StateStale.Render("⏸ paused "+e.pausedAt.Format("15:04:05"))
	case e.loading:
		right += " " + st.Muted.Render("loading…")
	case e.data != nil:
		right += st.Muted.Render(" · at " + e.data.At.In(e.loc()).Format("15:04:05"))
	}
	return text.SpreadKeepLeft(left, right, e.width)
}

// View implements views.Screen. Only what fits is rendered.
func (e *Screen) View() string {
	if e.width <= 0 || e.height <= 0 {
		return ""
	}
	lines := make([]string, 0, e.height)
	lines = append(lines, e.title())
	header := e.headerLines()
	lines = append(lines, header...)
	status := e.statusLines()
	body := e.height - 1 - len(header) - len(status)
	area := e.width
	if e.side {
		area = e.width - sidePanelW - 1
	}
	var grid []string
	if e.chartH >= 1 {
		rows := 4 / e.gridCols
		for r := 0; r < rows; r++ {
			var blocks [][]string
			for c := 0; c < e.gridCols; c++ {
				blocks = append(blocks, e.chartBlock(query.DetailChart(r*e.gridCols+c), e.chartW, e.rowH(r)))
			}
			for i := 0; i < e.rowH(r); i++ {
				parts := make([]string, len(blocks))
				for j := range blocks {
					parts[j] = blocks[j][i]
				}
				grid = append(grid, strings.Join(parts, "  "))
			}
		}
	}
	if e.side {
		panel := e.sidePanel(body)
		for i := 0; i < body; i++ {
			l := ""
			if i < len(grid) {
				l = grid[i]
			}
			l = text.PadRight(text.Truncate(l, area), area)
			if i < len(panel) {
				l += " " + panel[i]
			}
			lines = append(lines, l)
		}
	} else {
		bottom := e.compactLines()
		for i := 0; i < body-len(bottom); i++ {
			if i < len(grid) {
				lines = append(lines, text.Truncate(grid[i], e.width))
			} else {
				lines = append(lines, "")
			}
		}
		lines = append(lines, bottom...)
	}
	lines = append(lines, status...)
	if len(lines) > e.height {
		lines = lines[:e.height]
	}
	for i := range lines {
		lines[i] = text.Truncate(lines[i], e.width)
	}
	return strings.Join(lines, "\n")
}

// rowH is the height of the charts of grid row r.
func (e *Screen) rowH(r int) int {
	if r < e.chartExtra {
		return e.chartH + 1
	}
	return e.chartH
}
