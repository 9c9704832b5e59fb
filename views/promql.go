package views

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
	"github.com/vigilterm/vigil/views/widget"
)

// HistoryLimit bounds the PromQL prompt's history.
const HistoryLimit = 500

// PromQLRunMsg asks the root model to run an instant query.
type PromQLRunMsg struct{ Expr string }

// PromQLResultMsg is the answer to a PromQLRunMsg.
type PromQLResultMsg struct {
	Expr   string
	Result *query.InstantResult
	Err    error
}

// PromQLGraphMsg asks the root model to graph an expression over Range
// (the detail screen's range, else an hour). Threshold and Marker are
// drawn when set (an alert's rule threshold and the time it became active).
type PromQLGraphMsg struct {
	Expr      string
	Range     time.Duration
	Threshold *float64
	Marker    time.Time
	Title     string
}

// PromQLGraphResultMsg is the answer to a PromQLGraphMsg.
type PromQLGraphResultMsg struct {
	Request PromQLGraphMsg
	Data    *query.RangeData
	Err     error
}

// PromQLNamesMsg carries the metric names for completion.
type PromQLNamesMsg struct {
	Names []string
	Err   error
}

// PromQLHistoryMsg carries the history read from its file, oldest first.
type PromQLHistoryMsg struct{ History []string }

// ClosePromQLMsg asks the root model to close the PromQL prompt.
type ClosePromQLMsg struct{}

// PromQL is the ad-hoc query prompt with its result: a table of an instant
// vector, a line for a scalar or string, or a graph.
type PromQL struct {
	noWork
	ctx    *Context
	width  int
	height int

	input     textinput.Model
	prompting bool
	// selected is set when the prompt reopens on the last text: the whole
	// text is selected, so typing replaces it and a movement key keeps it
	// for editing.
	selected bool

	history []string // oldest first
	histIdx int      // len(history) while editing a new line
	draft   string

	names      []string
	candidates []string

	running bool
	expr    string // last run
	err     error
	errPos  *query.ParseErrorPos

	res     *query.InstantResult
	columns []string // label names, then "value"
	rows    []query.Sample
	sortCol int // index in columns; the value column by default
	offset  int
	// hoff is how many cells the result is scrolled to the left.
	hoff int

	graph    *query.RangeData
	graphReq PromQLGraphMsg
}

// NewPromQL returns the prompt, closed.
func NewPromQL(ctx *Context) *PromQL {
	ti := textinput.New()
	ti.Prompt = ": "
	ti.Placeholder = "PromQL, e.g. sum by (path) (rate(flask_http_request_duration_seconds_count[5m]))"
	ti.CharLimit = 4096
	p := &PromQL{ctx: ctx, input: ti}
	p.SetSize(80, 20)
	return p
}

// Title implements Screen.
func (p *PromQL) Title() string { return "PromQL" }

// Capturing implements Screen: the prompt takes every key while typing.
func (p *PromQL) Capturing() bool { return p.prompting }

// SetSize implements Screen.
func (p *PromQL) SetSize(w, h int) {
	p.width, p.height = max(w, 0), max(h, 0)
	p.input.SetWidth(max(w-3, 1))
}

// Open focuses the prompt, keeping the text and the last result, with the
// cursor at the end of the text.
func (p *PromQL) Open() tea.Cmd {
	p.prompting = true
	p.selected = false
	p.input.CursorEnd()
	return p.input.Focus()
}

// OpenSelected focuses the prompt with the last text selected: typing
// replaces it, a movement key (←, →, home, end) keeps it for editing.
func (p *PromQL) OpenSelected() tea.Cmd {
	cmd := p.Open()
	p.selected = p.input.Value() != ""
	return cmd
}

// Selected reports whether the text is selected (typing replaces it).
func (p *PromQL) Selected() bool { return p.selected }

// ScrollX returns how many cells the result is scrolled sideways.
func (p *PromQL) ScrollX() int { return p.hoff }

// Value returns the typed text.
func (p *PromQL) Value() string { return p.input.Value() }

// SetValue replaces the typed text.
func (p *PromQL) SetValue(s string) {
	p.input.SetValue(s)
	p.input.CursorEnd()
}

// History returns the history, oldest first.
func (p *PromQL) History() []string { return p.history }

// SetHistory sets the history read from its file; entries added since
// the prompt opened stay, as the newest.
func (p *PromQL) SetHistory(h []string) {
	h = append([]string(nil), h...)
	for _, e := range p.history {
		h = AddHistory(h, e)
	}
	if len(h) > HistoryLimit {
		h = h[len(h)-HistoryLimit:]
	}
	p.history = h
	p.histIdx = len(h)
}

// SetNames sets the metric names for completion.
func (p *PromQL) SetNames(names []string) {
	p.names = append([]string(nil), names...)
	sort.Strings(p.names)
}

// HasNames reports whether the names for completion are known.
func (p *PromQL) HasNames() bool { return p.names != nil }

// Err returns the error of the last query, and its parse position if any.
func (p *PromQL) Err() (error, *query.ParseErrorPos) { return p.err, p.errPos }

// Rows returns the rows of the result table as sorted.
func (p *PromQL) Rows() []query.Sample { return p.rows }

// Columns returns the columns of the result table; SortColumn the index of
// the sort column.
func (p *PromQL) Columns() []string { return p.columns }

// SortColumn returns the index of the sort column.
func (p *PromQL) SortColumn() int { return p.sortCol }

// Graph returns the graph shown, or nil.
func (p *PromQL) Graph() *query.RangeData { return p.graph }

// Candidates returns the completions offered by the last tab.
func (p *PromQL) Candidates() []string { return p.candidates }

// AddHistory appends an expression (not twice in a row), bounded.
func AddHistory(h []string, expr string) []string {
	expr = strings.TrimSpace(expr)
	if expr == "" || strings.ContainsAny(expr, "\n\r") {
		return h
	}
	if n := len(h); n > 0 && h[n-1] == expr {
		return h
	}
	h = append(h, expr)
	if len(h) > HistoryLimit {
		h = h[len(h)-HistoryLimit:]
	}
	return h
}

// Update implements Screen.
func (p *PromQL) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case PromQLResultMsg:
		if msg.Expr != p.expr {
			return p, nil
		}
		p.running = false
		p.err, p.errPos = msg.Err, nil
		if msg.Err != nil {
			if pos, ok := query.ParseErrorOf(msg.Err); ok {
				p.errPos = &pos
			}
			// The text stays for the user to fix, the cursor on the column
			// Prometheus names (so a long query scrolls to show it).
			cmd := p.Open()
			p.cursorToError()
			return p, cmd
		}
		p.graph = nil
		p.setResult(msg.Result)
		p.prompting = false
		p.input.Blur()
		return p, nil
	case PromQLGraphResultMsg:
		p.running = false
		p.graphReq = msg.Request
		p.err, p.errPos = msg.Err, nil
		if msg.Err != nil {
			if pos, ok := query.ParseErrorOf(msg.Err); ok {
				p.errPos = &pos
			}
			return p, nil
		}
		p.graph = msg.Data
		return p, nil
	case PromQLNamesMsg:
		if msg.Err == nil {
			p.SetNames(msg.Names)
		}
		return p, nil
	case PromQLHistoryMsg:
		p.SetHistory(msg.History)
		return p, nil
	case tea.KeyPressMsg:
		return p, p.handleKey(msg)
	}
	if p.prompting {
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(msg)
		return p, cmd
	}
	return p, nil
}

func (p *PromQL) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		return func() tea.Msg { return ClosePromQLMsg{} }
	case key.Matches(msg, k.GraphExpr):
		expr := strings.TrimSpace(p.input.Value())
		if expr == "" {
			return nil
		}
		p.history = AddHistory(p.history, expr)
		p.histIdx = len(p.history)
		return p.RequestGraph(PromQLGraphMsg{Expr: expr})
	}
	if !p.prompting {
		switch {
		case key.Matches(msg, k.PromQL):
			return p.OpenSelected()
		case key.Matches(msg, k.Open):
			return p.Open()
		case key.Matches(msg, k.ScrollLeft):
			p.hoff = max(p.hoff-scrollStep, 0)
		case key.Matches(msg, k.ScrollRight):
			p.hoff = min(p.hoff+scrollStep, max(p.resultWidth()-p.width, 0))
		case key.Matches(msg, k.SortColumn):
			if len(p.columns) > 0 {
				p.sortCol = (p.sortCol + 1) % len(p.columns)
				p.sortRows()
				return Flash("sorted by "+p.columns[p.sortCol], false)
			}
		case key.Matches(msg, k.Up):
			p.offset = max(p.offset-1, 0)
		case key.Matches(msg, k.Down):
			p.offset = min(p.offset+1, max(len(p.rows)-1, 0))
		}
		return nil
	}
	p.candidates = nil
	if p.selected {
		p.selected = false
		switch {
		case msg.Text != "":
			// Typing replaces the selected text (and the error about it).
			p.input.SetValue("")
			p.err, p.errPos = nil, nil
		case msg.Code == tea.KeyBackspace || msg.Code == tea.KeyDelete:
			p.input.SetValue("")
			p.err, p.errPos = nil, nil
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.Apply):
		expr := strings.TrimSpace(p.input.Value())
		if expr == "" {
			return nil
		}
		p.history = AddHistory(p.history, expr)
		p.histIdx = len(p.history)
		p.expr, p.running, p.err, p.errPos = expr, true, nil, nil
		// The previous result (a table or a graph) is not this query's.
		p.clearResult()
		return func() tea.Msg { return PromQLRunMsg{Expr: expr} }
	case key.Matches(msg, k.HistoryPrev):
		if p.histIdx > 0 {
			if p.histIdx == len(p.history) {
				p.draft = p.input.Value()
			}
			p.histIdx--
			p.SetValue(p.history[p.histIdx])
		}
		return nil
	case key.Matches(msg, k.HistoryNext):
		if p.histIdx < len(p.history) {
			p.histIdx++
			if p.histIdx == len(p.history) {
				p.SetValue(p.draft)
			} else {
				p.SetValue(p.history[p.histIdx])
			}
		}
		return nil
	case key.Matches(msg, k.Complete):
		p.complete()
		return nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// RequestGraph shows a graph request as running and returns the command
// that hands it to the root model.
func (p *PromQL) RequestGraph(req PromQLGraphMsg) tea.Cmd {
	p.running, p.err, p.errPos = true, nil, nil
	p.clearResult()
	p.graphReq = req
	p.prompting = false
	p.input.Blur()
	return func() tea.Msg { return req }
}

// scrollStep is how many cells ← and → scroll the result sideways.
const scrollStep = 8

// clearResult drops the table or graph shown: a new query is running.
func (p *PromQL) clearResult() {
	p.graph = nil
	p.res, p.rows, p.columns, p.offset, p.hoff = nil, nil, nil, 0, 0
}

// errIndex is the rune index in the text of the parse error's column, or
// -1 when there is none on the first line.
func (p *PromQL) errIndex() int {
	if p.errPos == nil || p.errPos.Line != 1 || p.errPos.Col < 1 {
		return -1
	}
	return min(p.errPos.Col-1, len([]rune(p.input.Value())))
}

// cursorToError moves the cursor to the parse error's column, scrolling a
// text wider than the screen so that the column is in the middle: from the
// start to half a screen past the column (the input scrolls to show that),
// then back to the column, which does not scroll.
func (p *PromQL) cursorToError() {
	i := p.errIndex()
	if i < 0 {
		return
	}
	n := len([]rune(p.input.Value()))
	p.input.SetCursor(0)
	p.input.SetCursor(min(i+max(p.input.Width(), 2)/2, n))
	p.input.SetCursor(i)
}

// inputOffset is the rune index of the first character the prompt's input
// shows (it scrolls sideways when the text is wider than the screen),
// found from what it draws.
func (p *PromQL) inputOffset() int {
	shown := strings.TrimPrefix(ansi.Strip(p.input.View()), p.input.Prompt)
	shown = strings.TrimRight(shown, " ")
	val := []rune(p.input.Value())
	if shown == "" {
		return 0
	}
	for o := 0; o < len(val); o++ {
		if strings.HasPrefix(string(val[o:]), shown) {
			return o
		}
	}
	return 0
}

// isNameChar reports whether r can be part of a metric name.
func isNameChar(r rune) bool {
	return r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// complete completes the metric name before the cursor: fully when one
// name matches, else to the longest common prefix, listing the candidates.
func (p *PromQL) complete() {
	val := []rune(p.input.Value())
	pos := min(p.input.Position(), len(val))
	start := pos
	for start > 0 && isNameChar(val[start-1]) {
		start--
	}
	prefix := string(val[start:pos])
	if prefix == "" {
		return
	}
	var matches []string
	for _, n := range p.names {
		if strings.HasPrefix(n, prefix) {
			matches = append(matches, n)
		}
	}
	if len(matches) == 0 {
		return
	}
	common := matches[0]
	for _, m := range matches[1:] {
		for !strings.HasPrefix(m, common) {
			common = common[:len(common)-1]
		}
	}
	if len(matches) > 1 {
		p.candidates = matches
	}
	if len(common) <= len(prefix) {
		return
	}
	out := string(val[:start]) + common + string(val[pos:])
	p.input.SetValue(out)
	p.input.SetCursor(start + len([]rune(common)))
}

func (p *PromQL) setResult(r *query.InstantResult) {
	p.res = r
	p.rows, p.columns, p.offset, p.hoff = nil, nil, 0, 0
	if r == nil || (r.Kind != "vector" && r.Kind != "matrix") {
		return
	}
	seen := map[string]bool{}
	for _, s := range r.Rows {
		for k := range s.Labels {
			if !seen[k] {
				seen[k] = true
				p.columns = append(p.columns, k)
			}
		}
	}
	sort.Strings(p.columns)
	p.columns = append(p.columns, "value")
	p.rows = append([]query.Sample(nil), r.Rows...)
	p.sortCol = len(p.columns) - 1
	p.sortRows()
}

// sortRows sorts by the sort column: values largest first, labels A–Z.
func (p *PromQL) sortRows() {
	if len(p.columns) == 0 {
		return
	}
	col := p.columns[p.sortCol]
	isValue := p.sortCol == len(p.columns)-1
	sort.SliceStable(p.rows, func(a, b int) bool {
		if isValue {
			return greaterNaNLast(p.rows[a].Value, p.rows[b].Value)
		}
		return p.rows[a].Labels[col] < p.rows[b].Labels[col]
	})
}

func greaterNaNLast(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a > b
}

// View implements Screen: the prompt, a line for errors or completions,
// then the result.
func (p *PromQL) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	st := p.ctx.Styles
	var lines []string
	val := []rune(p.input.Value())
	promptW := text.Width(p.input.Prompt)
	// off is the first character shown of a text wider than the screen.
	off := 0
	switch {
	case p.prompting && p.selected:
		// The whole text selected: typing replaces it.
		lines = append(lines, st.Accent.Render(p.input.Prompt)+st.RowSelected.Render(text.Truncate(text.Sanitize(string(val)), max(p.width-promptW, 0))))
	case p.prompting:
		lines = append(lines, p.input.View())
		off = p.inputOffset()
	default:
		// Shifted so that a parse error's column is on the screen.
		if i := p.errIndex(); i >= 0 && promptW+text.Width(string(val[:i])) >= p.width {
			off = max(i-max(p.width-promptW, 2)/2, 0)
		}
		lines = append(lines, st.Accent.Render(p.input.Prompt)+text.Truncate(text.Sanitize(string(val[off:])), max(p.width-promptW, 0)))
	}
	switch {
	case p.err != nil && p.errPos != nil:
		if i := p.errIndex(); i >= off {
			col := promptW + text.Width(text.Sanitize(string(val[off:i])))
			if col < p.width {
				lines = append(lines, st.Error.Render(strings.Repeat(" ", col)+"^"))
			}
		}
		lines = append(lines, st.Error.Render(text.Fit(fmt.Sprintf("%d:%d: %s", p.errPos.Line, p.errPos.Col, text.Sanitize(p.errPos.Msg)), p.width)))
	case p.err != nil:
		for _, l := range text.Wrap("✕ "+text.Sanitize(p.err.Error()), p.width) {
			lines = append(lines, st.Error.Render(l))
		}
	case len(p.candidates) > 0:
		lines = append(lines, st.Muted.Render(text.Truncate(strings.Join(p.candidates, "  "), p.width)))
	case p.running:
		lines = append(lines, st.Muted.Render("running…"))
	default:
		lines = append(lines, "")
	}
	room := p.height - len(lines) - 1
	switch {
	case room <= 0:
	case p.graph != nil:
		lines = append(lines, p.graphView(room)...)
	case p.res != nil:
		lines = append(lines, p.resultView(room)...)
	}
	k, key, keys := p.ctx.Keys, widget.Key, widget.Keys
	hint := key(k.Apply) + " run · " + keys(k.HistoryPrev, k.HistoryNext) + " history · " + key(k.Complete) + " complete · " +
		key(k.GraphExpr) + " graph · " + key(k.Cancel) + " close"
	switch {
	case p.prompting && p.selected:
		ed := p.input.KeyMap
		hint = "type to replace · " + widget.Arrows(ed.CharacterBackward, ed.CharacterForward, ed.LineStart, ed.LineEnd) + " edit · " +
			key(k.Apply) + " run · " + key(k.Cancel) + " close"
	case !p.prompting:
		hint = key(k.PromQL) + " edit · " + key(k.SortColumn) + " sort column · " + widget.Arrows(k.Up, k.Down) + " scroll · " +
			widget.Arrows(k.ScrollLeft, k.ScrollRight) + " sideways · " + key(k.GraphExpr) + " graph · " + key(k.Cancel) + " close"
	}
	out := text.FitBlock(lines, p.width, p.height-1)
	out = append(out, st.Muted.Render(text.Fit(hint, p.width)))
	return strings.Join(out, "\n")
}

// labelColumnMax caps a label column's width; wider values are cut with
// an ellipsis (the table scrolls sideways for the columns themselves).
const labelColumnMax = 120

// tableWidths returns the width of each column of the result table.
func (p *PromQL) tableWidths() []int {
	const valW = 12
	widths := make([]int, len(p.columns))
	if len(p.columns) == 0 {
		return widths
	}
	for i, c := range p.columns[:len(p.columns)-1] {
		w := text.Width(c) + 1
		for _, s := range p.rows {
			w = max(w, text.Width(text.Sanitize(s.Labels[c])))
		}
		widths[i] = min(w, labelColumnMax)
	}
	widths[len(widths)-1] = valW
	return widths
}

// resultWidth is the width of the whole result, in cells, before it is
// cut to the screen.
func (p *PromQL) resultWidth() int {
	if p.res == nil {
		return 0
	}
	switch p.res.Kind {
	case "scalar":
		return text.Width("scalar " + formatNumber(p.res.Scalar))
	case "string":
		return text.Width("string " + text.Sanitize(p.res.Text))
	}
	w := 0
	for i, cw := range p.tableWidths() {
		if i > 0 {
			w++
		}
		w += cw
	}
	return w
}

// shift cuts a line of the result to the screen, scrolled hoff cells.
func (p *PromQL) shift(line string) string {
	return text.Truncate(ansi.Cut(line, p.hoff, p.hoff+p.width), p.width)
}

func (p *PromQL) resultView(h int) []string {
	st := p.ctx.Styles
	r := p.res
	switch r.Kind {
	case "scalar":
		return []string{p.shift("scalar " + formatNumber(r.Scalar))}
	case "string":
		return []string{p.shift("string " + text.Sanitize(r.Text))}
	case "vector", "matrix":
	default:
		return []string{st.Muted.Render("no result")}
	}
	if len(p.rows) == 0 {
		return []string{st.Muted.Render(text.Fit("empty result: no series match", p.width))}
	}
	// Column widths: each label column as wide as its widest value, capped;
	// the value column fixed. The table is drawn whole, then cut to the
	// screen at the sideways scroll.
	widths := p.tableWidths()
	valW := widths[len(widths)-1]
	title := func(i int) string {
		t := p.columns[i]
		if i == p.sortCol {
			t += "▼"
		}
		return t
	}
	var hb strings.Builder
	for i := range p.columns {
		if i > 0 {
			hb.WriteString(" ")
		}
		if i == len(p.columns)-1 {
			hb.WriteString(text.PadLeft(title(i), valW))
		} else {
			hb.WriteString(text.Fit(title(i), widths[i]))
		}
	}
	lines := []string{st.TableHeader.Render(text.PadRight(p.shift(hb.String()), p.width))}
	body := h - 2
	end := min(p.offset+max(body, 0), len(p.rows))
	for _, s := range p.rows[p.offset:end] {
		var b strings.Builder
		for i, c := range p.columns {
			if i > 0 {
				b.WriteString(" ")
			}
			if i == len(p.columns)-1 {
				b.WriteString(text.PadLeft(formatNumber(s.Value), valW))
			} else {
				b.WriteString(text.Fit(text.Sanitize(s.Labels[c]), widths[i]))
			}
		}
		lines = append(lines, p.shift(b.String()))
	}
	foot := fmt.Sprintf("%d series · sorted by %s", len(p.rows), p.columns[p.sortCol])
	if total := p.resultWidth(); total > p.width {
		foot += fmt.Sprintf(" · columns %d–%d of %d, %s scroll", p.hoff+1, min(p.hoff+p.width, total), total, widget.Arrows(p.ctx.Keys.ScrollLeft, p.ctx.Keys.ScrollRight))
	}
	lines = append(lines, st.Muted.Render(text.Fit(foot, p.width)))
	return lines
}

func (p *PromQL) graphView(h int) []string {
	st := p.ctx.Styles
	r := p.graph
	title := p.graphReq.Title
	if title == "" {
		title = p.graphReq.Expr
	}
	lines := []string{st.Title.Render(text.Truncate(text.Sanitize(title), p.width))}
	if len(r.Series) == 0 {
		return append(lines, st.Muted.Render("no series in the range"))
	}
	reserve := 3 // title, legend, time axis
	if !p.graphReq.Marker.IsZero() {
		reserve++
	}
	spec := chartSpec{format: formatNumber, width: p.width, height: max(h-reserve, 2)}
	n := 0
	for i, s := range r.Series {
		spec.lines = append(spec.lines, chartLine{values: s.Values, kind: lineData, series: i})
		n = max(n, len(s.Values))
	}
	if t := p.graphReq.Threshold; t != nil {
		vals := make([]float64, max(n, 2))
		for i := range vals {
			vals[i] = *t
		}
		spec.lines = append(spec.lines, chartLine{values: vals, kind: lineCrit})
	}
	plot := drawPanelChart(st, spec)
	if plot == nil {
		return append(lines, st.Muted.Render("(too small for a graph)"))
	}
	var legend strings.Builder
	for i, s := range r.Series {
		legend.WriteString(st.Series(i).Render("━ "+text.Truncate(text.Sanitize(s.Name), 40)) + "  ")
	}
	if p.graphReq.Threshold != nil {
		legend.WriteString(st.ThresholdCrit.Render("╍ threshold " + formatNumber(*p.graphReq.Threshold)))
	}
	lines = append(lines, text.Truncate(legend.String(), p.width))
	lines = append(lines, plot...)
	axis := timeAxis(r.Start, r.End, min(PlotColumns(p.width), max(n, 2)), p.width)
	if m := p.graphReq.Marker; !m.IsZero() && m.After(r.Start) && r.End.After(r.Start) {
		cols := min(PlotColumns(p.width), max(n, 2))
		at := chartPrefixW - 1 + int(float64(cols-1)*m.Sub(r.Start).Seconds()/r.End.Sub(r.Start).Seconds())
		if at < p.width {
			lines = append(lines, st.Firing.Render(strings.Repeat(" ", at)+"▲ active since "+m.Format("15:04")))
		}
	}
	return append(lines, st.Muted.Render(axis))
}

// ShortHelp implements help.KeyMap.
func (p *PromQL) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	if p.prompting {
		return []key.Binding{k.Apply, k.Complete, k.HistoryPrev, k.GraphExpr, k.Cancel}
	}
	return []key.Binding{k.PromQL, k.SortColumn, k.ScrollLeft, k.ScrollRight, k.GraphExpr, k.Cancel}
}

// FullHelp implements help.KeyMap.
func (p *PromQL) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return [][]key.Binding{{k.Apply, k.Complete, k.HistoryPrev, k.HistoryNext, k.GraphExpr, k.SortColumn, k.ScrollLeft, k.ScrollRight, k.PromQL, k.Cancel}}
}

// Notes implements Screen.
func (p *PromQL) Notes() []string {
	k := p.ctx.Keys
	return []string{widget.Key(k.Apply) + " runs an instant query; " + widget.Key(k.GraphExpr) + " graphs the expression over the detail screen's range (an hour by default)."}
}
