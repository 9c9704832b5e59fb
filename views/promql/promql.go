package promql

import (
	"math"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/widget"
)

// HistoryLimit bounds the PromQL prompt's history.
const HistoryLimit = 500

// RunMsg asks the root model to run an instant query.
type RunMsg struct{ Expr string }

// ResultMsg is the answer to a RunMsg.
type ResultMsg struct {
	Expr   string
	Result *query.InstantResult
	Err    error
}

// GraphMsg asks the root model to graph an expression over Range
// (the detail screen's range, else an hour). Threshold and Marker are
// drawn when set (an alert's rule threshold and the time it became active).
type GraphMsg struct {
	Expr      string
	Range     time.Duration
	Threshold *float64
	Marker    time.Time
	Title     string
	// Alertname, when set, marks on the graph the moments the alerts of
	// that name began firing (one more range query).
	Alertname string
}

// GraphResultMsg is the answer to a GraphMsg.
type GraphResultMsg struct {
	Request GraphMsg
	Data    *query.RangeData
	Err     error
	// Firings are the alert's firings over the range (Request.Alertname);
	// FiringsErr why they are unknown.
	Firings    []query.Event
	FiringsErr error
}

// NamesMsg carries the metric names for completion.
type NamesMsg struct {
	Names []string
	Err   error
}

// HistoryMsg carries the history read from its file, oldest first.
type HistoryMsg struct{ History []string }

// CloseMsg asks the root model to close the PromQL prompt.
type CloseMsg struct{}

// OpenMsg opens the prompt: on the last query, selected, so that
// typing replaces it.
type OpenMsg struct{}

// Screen is the ad-hoc query prompt with its result: a table of an instant
// vector, a line for a scalar or string, or a graph.
type Screen struct {
	views.NoWork
	ctx    *views.Context
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
	graphReq GraphMsg
	// The firings of the graphed alert, drawn as markers.
	firings    []query.Event
	firingsErr error
}

// New returns the prompt, closed.
func New(ctx *views.Context) *Screen {
	ti := textinput.New()
	ti.Prompt = ": "
	ti.Placeholder = "PromQL, e.g. sum by (path) (rate(flask_http_request_duration_seconds_count[5m]))"
	ti.CharLimit = 4096
	p := &Screen{ctx: ctx, input: ti}
	p.SetSize(80, 20)
	return p
}

// Title implements views.Screen.
func (p *Screen) Title() string { return "PromQL" }

// Capturing implements views.Screen: the prompt takes every key while typing.
func (p *Screen) Capturing() bool { return p.prompting }

// SetSize implements views.Screen.
func (p *Screen) SetSize(w, h int) {
	p.width, p.height = max(w, 0), max(h, 0)
	p.input.SetWidth(max(w-3, 1))
}

// Open focuses the prompt, keeping the text and the last result, with the
// cursor at the end of the text.
func (p *Screen) Open() tea.Cmd {
	p.prompting = true
	p.selected = false
	p.input.CursorEnd()
	return p.input.Focus()
}

// OpenSelected focuses the prompt with the last text selected: typing
// replaces it, a movement key (←, →, home, end) keeps it for editing.
func (p *Screen) OpenSelected() tea.Cmd {
	cmd := p.Open()
	p.selected = p.input.Value() != ""
	return cmd
}

// Selected reports whether the text is selected (typing replaces it).
func (p *Screen) Selected() bool { return p.selected }

// ScrollX returns how many cells the result is scrolled sideways.
func (p *Screen) ScrollX() int { return p.hoff }

// Value returns the typed text.
func (p *Screen) Value() string { return p.input.Value() }

// SetValue replaces the typed text.
func (p *Screen) SetValue(s string) {
	p.input.SetValue(s)
	p.input.CursorEnd()
}

// History returns the history, oldest first.
func (p *Screen) History() []string { return p.history }

// SetHistory sets the history read from its file; entries added since
// the prompt opened stay, as the newest.
func (p *Screen) SetHistory(h []string) {
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
func (p *Screen) SetNames(names []string) {
	p.names = append([]string(nil), names...)
	sort.Strings(p.names)
}

// HasNames reports whether the names for completion are known.
func (p *Screen) HasNames() bool { return p.names != nil }

// Err returns the error of the last query, and its parse position if any.
func (p *Screen) Err() (error, *query.ParseErrorPos) { return p.err, p.errPos }

// Rows returns the rows of the result table as sorted.
func (p *Screen) Rows() []query.Sample { return p.rows }

// Columns returns the columns of the result table; SortColumn the index of
// the sort column.
func (p *Screen) Columns() []string { return p.columns }

// SortColumn returns the index of the sort column.
func (p *Screen) SortColumn() int { return p.sortCol }

// Graph returns the graph shown, or nil.
func (p *Screen) Graph() *query.RangeData { return p.graph }

// Firings returns the firings marked on the graph of an alert's rule and
// why they are unknown.
func (p *Screen) Firings() ([]query.Event, error) { return p.firings, p.firingsErr }

// Candidates returns the completions offered by the last tab.
func (p *Screen) Candidates() []string { return p.candidates }

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

// Update implements views.Screen.
func (p *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case ResultMsg:
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
	case GraphResultMsg:
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
		p.firings, p.firingsErr = msg.Firings, msg.FiringsErr
		return p, nil
	case NamesMsg:
		if msg.Err == nil {
			p.SetNames(msg.Names)
		}
		return p, nil
	case HistoryMsg:
		p.SetHistory(msg.History)
		return p, nil
	case OpenMsg:
		return p, p.OpenSelected()
	case GraphMsg:
		// A graph asked for elsewhere (an alert's rule): the expression is
		// left in the prompt to edit, the graph is on its way.
		p.SetValue(msg.Expr)
		p.RequestGraph(msg)
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

func (p *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		return func() tea.Msg { return CloseMsg{} }
	case key.Matches(msg, k.GraphExpr):
		expr, ok := p.take()
		if !ok {
			return nil
		}
		return p.RequestGraph(GraphMsg{Expr: expr})
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
				return views.Flash("sorted by "+p.columns[p.sortCol], false)
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
		expr, ok := p.take()
		if !ok {
			return nil
		}
		p.expr, p.running, p.err, p.errPos = expr, true, nil, nil
		// The previous result (a table or a graph) is not this query's.
		p.clearResult()
		return func() tea.Msg { return RunMsg{Expr: expr} }
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

// take is the expression typed, added to the history; false when there
// is none.
func (p *Screen) take() (string, bool) {
	expr := strings.TrimSpace(p.input.Value())
	if expr == "" {
		return "", false
	}
	p.history = AddHistory(p.history, expr)
	p.histIdx = len(p.history)
	return expr, true
}

// RequestGraph shows a graph request as running and returns the command
// that hands it to the root model.
func (p *Screen) RequestGraph(req GraphMsg) tea.Cmd {
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
func (p *Screen) clearResult() {
	p.graph = nil
	p.res, p.rows, p.columns, p.offset, p.hoff = nil, nil, nil, 0, 0
}

// errIndex is the rune index in the text of the parse error's column, or
// -1 when there is none on the first line.
func (p *Screen) errIndex() int {
	if p.errPos == nil || p.errPos.Line != 1 || p.errPos.Col < 1 {
		return -1
	}
	return min(p.errPos.Col-1, len([]rune(p.input.Value())))
}

// cursorToError moves the cursor to the parse error's column, scrolling a
// text wider than the screen so that the column is in the middle: from the
// start to half a screen past the column (the input scrolls to show that),
// then back to the column, which does not scroll.
func (p *Screen) cursorToError() {
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
func (p *Screen) inputOffset() int {
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
func (p *Screen) complete() {
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

func (p *Screen) setResult(r *query.InstantResult) {
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
func (p *Screen) sortRows() {
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

// ShortHelp implements help.KeyMap.
func (p *Screen) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	if p.prompting {
		return []key.Binding{k.Apply, k.Complete, k.HistoryPrev, k.GraphExpr, k.Cancel}
	}
	return []key.Binding{k.PromQL, k.SortColumn, k.ScrollLeft, k.ScrollRight, k.GraphExpr, k.Cancel}
}

// FullHelp implements help.KeyMap.
func (p *Screen) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return [][]key.Binding{{k.Apply, k.Complete, k.HistoryPrev, k.HistoryNext, k.GraphExpr, k.SortColumn, k.ScrollLeft, k.ScrollRight, k.PromQL, k.Cancel}}
}

// Notes implements views.Screen.
func (p *Screen) Notes() []string {
	k := p.ctx.Keys
	return []string{widget.Key(k.Apply) + " runs an instant query; " + widget.Key(k.GraphExpr) + " graphs the expression over the detail screen's range (an hour by default)."}
}

var _ views.Screen = (*Screen)(nil)
