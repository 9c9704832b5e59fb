// Package dashboard is the screen of a Grafana dashboard (query/grafana
// reads and runs it): its panels on the grid, each drawn as Grafana would,
// the variables' picker, and vigil snapshot's report of the same.
package dashboard

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// DataMsg carries a refresh of a Grafana dashboard's shown
// panels, by panel index, and the variables it was asked with.
type DataMsg struct {
	Data map[int]*grafana.PanelData
	Vars grafana.Vars
	// Range is the range the panels were asked over.
	Range time.Duration
}

// WantMsg tells the dashboard's poller that what is shown (the
// range, the panels in view) changed: a refresh is wanted now.
type WantMsg struct{}

// dashboardRanges are the ranges [ and ] step through.
var dashboardRanges = []time.Duration{5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour}

// Below this width the panels stack, one a line of the screen.
const dashboardStackBelow = 100

// placed is a panel's rectangle on the screen's canvas.
type placed struct {
	i          int // index in the dashboard's panels
	x, y, w, h int
}

// Screen shows a Grafana dashboard: its panels on the 24-column grid
// fitted to the width (stacked when narrow), each drawn as Grafana would.
type Screen struct {
	views.NoWork
	ctx  *views.Context
	d    *grafana.Dashboard
	vars grafana.Vars
	data map[int]*grafana.PanelData
	rng  time.Duration

	width, height int
	layout        []placed
	total         int // canvas lines
	offset        int // first canvas line shown
	focus         int // position in layout of the focused panel
	full          bool
	at            time.Time
	// next and prev move the focus: the keymap's sideways keys.
	next, prev key.Binding
	// pick opens the variable picker, open while picker is set.
	pick   key.Binding
	picker *varPicker
	// opened are the collapsed rows opened on screen (by panel index):
	// their panels are placed and queried.
	opened map[int]bool
}

// New returns the screen of d; vars are its variables as first
// resolved (nil before).
func New(ctx *views.Context, d *grafana.Dashboard) *Screen {
	db := &Screen{ctx: ctx, d: d, rng: d.Range,
		next: key.NewBinding(key.WithKeys(ctx.Keys.ScrollRight.Keys()...), key.WithHelp(ctx.Keys.ScrollRight.Help().Key, "focus the next panel")),
		prev: key.NewBinding(key.WithKeys(ctx.Keys.ScrollLeft.Keys()...), key.WithHelp(ctx.Keys.ScrollLeft.Help().Key, "focus the previous panel")),
		pick: key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "choose the variables"))}
	if db.rng <= 0 {
		db.rng = time.Hour
	}
	db.SetSize(80, 20)
	return db
}

// Title implements views.Screen.
func (db *Screen) Title() string { return "Dashboard · " + text.Sanitize(db.d.Title) }

// Capturing implements views.Component: the variable picker owns the keyboard.
func (db *Screen) Capturing() bool { return db.picker != nil }

// Range is the time range the panels show.
func (db *Screen) Range() time.Duration { return db.rng }

// Grafana returns the dashboard.
func (db *Screen) Grafana() *grafana.Dashboard { return db.d }

// Visible lists the panels on screen that send queries, and the points
// each is drawn with (its width in cells).
func (db *Screen) Visible() ([]int, map[int]int) {
	out := []int{}
	points := map[int]int{}
	for k, p := range db.layout {
		if db.full && k != db.focus {
			continue
		}
		if !db.full && (p.y+p.h <= db.offset || p.y >= db.offset+db.height) {
			continue
		}
		if db.d.Panels[p.i].Queried() {
			out = append(out, p.i)
			w := p.w
			if db.full {
				w = db.width
			}
			points[p.i] = max(views.PlotColumns(w), 10)
		}
	}
	sort.Ints(out)
	return out, points
}

// SetSize implements views.Component and lays out the grid.
func (db *Screen) SetSize(w, h int) {
	db.width, db.height = max(w, 0), max(h-1, 0) // a line for the variables
	db.relayout()
}

// relayout places the panels again (the width or an opened row changed).
func (db *Screen) relayout() {
	db.layout = db.layoutFor(db.width)
	db.total = 0
	for _, p := range db.layout {
		db.total = max(db.total, p.y+p.h)
	}
	db.focus = min(max(db.focus, 0), max(len(db.layout)-1, 0))
	db.clamp()
}

func (db *Screen) clamp() {
	db.offset = min(max(db.offset, 0), max(db.total-db.height, 0))
}

// layoutFor places the panels that are not folded in a collapsed row:
// x scaled from 24 columns to the width, a grid unit of height one line
// (at least 4); below dashboardStackBelow columns each panel takes the
// whole width, one under the other.
func (db *Screen) layoutFor(w int) []placed {
	var out []placed
	stack := w < dashboardStackBelow
	minH := func(p *grafana.Panel) int {
		switch {
		case p.Kind == grafana.KindRow:
			return 1
		case stack:
			return max(p.Grid.H, 7)
		}
		return max(p.Grid.H, 4)
	}
	hidden := db.hidden()
	if stack {
		y := 0
		for i := range db.d.Panels {
			p := &db.d.Panels[i]
			if hidden[i] {
				continue
			}
			out = append(out, placed{i: i, w: w, y: y, h: minH(p)})
			y += minH(p)
		}
		return out
	}
	// Each line of the grid gets a canvas line; a panel shorter than it
	// may be drawn stretches the lines below it. endAt lists the panels
	// by the grid line they end on; rowAt the lines that are a row's title.
	grid := db.grids()
	endAt := map[int][]int{}
	rowAt := map[int]bool{}
	for i := range db.d.Panels {
		if hidden[i] {
			continue
		}
		g := grid[i]
		endAt[g.Y+g.H] = append(endAt[g.Y+g.H], i)
		if db.d.Panels[i].Kind == grafana.KindRow && g.H == 1 {
			rowAt[g.Y] = true
		}
	}
	ys := make([]int, 0, len(endAt)*2)
	for i := range db.d.Panels {
		if !hidden[i] {
			ys = append(ys, grid[i].Y, grid[i].Y+grid[i].H)
		}
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	canvas := func(unit int) (map[int]int, int) {
		canvasY := map[int]int{}
		c := 0
		for k, y := range ys {
			if k > 0 {
				step := (y - ys[k-1]) * unit
				if rowAt[ys[k-1]] && y == ys[k-1]+1 {
					step = 1 // a row's title is never stretched
				}
				c = canvasY[ys[k-1]] + step
			}
			for _, i := range endAt[y] {
				c = max(c, canvasY[grid[i].Y]+minH(&db.d.Panels[i]))
			}
			canvasY[y] = c
		}
		return canvasY, c
	}
	// A grid unit is a line; a dashboard that fits the screen with more is
	// stretched, up to 3 lines a unit (Grafana's unit is 30 pixels), so
	// its charts get the height there is.
	var canvasY map[int]int
	for unit := 3; unit >= 1; unit-- {
		var total int
		if canvasY, total = canvas(unit); total <= db.height {
			break
		}
	}
	for i := range db.d.Panels {
		if hidden[i] {
			continue
		}
		g := grid[i]
		x0 := g.X * w / grafana.GridColumns
		x1 := (g.X + g.W) * w / grafana.GridColumns
		top := canvasY[g.Y]
		out = append(out, placed{i: i, x: x0, y: top, w: max(x1-x0, 1), h: canvasY[g.Y+g.H] - top})
	}
	return out
}

// hidden reports, by panel, those folded in a collapsed row that is not
// opened on screen (a row's panels follow it).
func (db *Screen) hidden() []bool {
	out := make([]bool, len(db.d.Panels))
	row := -1
	for i := range db.d.Panels {
		if db.d.Panels[i].Kind == grafana.KindRow {
			row = i
		}
		out[i] = db.d.Panels[i].Folded() && !db.opened[row]
	}
	return out
}

// grids are the panels' grid positions as on screen: as Grafana does when
// a collapsed row is opened, its panels are placed under it, in their
// saved order, and every panel below moves down by their height.
func (db *Screen) grids() []grafana.GridPos {
	out := make([]grafana.GridPos, len(db.d.Panels))
	for i := range db.d.Panels {
		out[i] = db.d.Panels[i].Grid
	}
	shift := 0
	for i := 0; i < len(out); i++ {
		p := &db.d.Panels[i]
		if p.Kind != grafana.KindRow || !p.Collapsed || !db.opened[i] {
			if !p.Folded() {
				out[i].Y += shift
			}
			continue
		}
		out[i].Y += shift
		// The row's panels: from just under it, as saved relative to the
		// highest of them.
		top, bottom := -1, 0
		j := i + 1
		for ; j < len(out) && db.d.Panels[j].Kind != grafana.KindRow; j++ {
			if g := db.d.Panels[j].Grid; db.d.Panels[j].Folded() {
				if top < 0 || g.Y < top {
					top = g.Y
				}
				bottom = max(bottom, g.Y+g.H)
			}
		}
		if top < 0 {
			continue
		}
		for k := i + 1; k < j; k++ {
			if db.d.Panels[k].Folded() {
				out[k].Y = out[i].Y + 1 + db.d.Panels[k].Grid.Y - top
			}
		}
		shift += bottom - top
	}
	return out
}

// Update implements views.Component.
func (db *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case DataMsg:
		if db.data == nil || msg.Range == db.rng {
			if db.data == nil {
				db.data = map[int]*grafana.PanelData{}
			}
			for i, pd := range msg.Data {
				db.data[i] = pd
			}
		}
		if msg.Vars != nil {
			db.vars = msg.Vars
		}
		db.at = db.ctx.Now()
		return db, nil
	case tea.KeyPressMsg:
		return db.key(msg)
	}
	return db, nil
}

func (db *Screen) key(msg tea.KeyPressMsg) (views.Component, tea.Cmd) {
	k := db.ctx.Keys
	want := func() tea.Msg { return WantMsg{} }
	if db.picker != nil {
		done, cmd := db.picker.key(msg)
		if done {
			db.picker = nil
		}
		return db, cmd
	}
	before := db.offset
	switch {
	case key.Matches(msg, db.pick):
		if len(pickable(db.vars)) == 0 {
			if len(db.vars) == 0 {
				return db, views.Flash("the variables are not read yet", false)
			}
			return db, views.Flash("this dashboard has no variable to choose (set a textbox with --var)", false)
		}
		db.picker = newVarPicker(db.ctx, db.vars)
		return db, nil
	case key.Matches(msg, k.Back):
		if db.full {
			db.full = false
			return db, want
		}
		return nil, nil
	case key.Matches(msg, k.Open):
		if len(db.layout) == 0 {
			return db, want
		}
		if i := db.layout[db.focus].i; db.d.Panels[i].Kind == grafana.KindRow && !db.full {
			// A row: opened or closed, its panels placed and queried.
			if db.d.Panels[i].Collapsed {
				if db.opened == nil {
					db.opened = map[int]bool{}
				}
				db.opened[i] = !db.opened[i]
				db.relayout()
			}
			return db, want
		}
		db.full = !db.full
		return db, want
	case key.Matches(msg, db.next):
		db.moveFocus(1)
		if db.full {
			return db, want
		}
	case key.Matches(msg, db.prev):
		db.moveFocus(-1)
		if db.full {
			return db, want
		}
	case key.Matches(msg, k.RangeShorter):
		db.stepRange(-1)
		return db, want
	case key.Matches(msg, k.RangeLonger):
		db.stepRange(1)
		return db, want
	case key.Matches(msg, k.Up):
		db.offset--
	case key.Matches(msg, k.Down):
		db.offset++
	case key.Matches(msg, k.PageUp):
		db.offset -= max(db.height-1, 1)
	case key.Matches(msg, k.PageDown):
		db.offset += max(db.height-1, 1)
	case key.Matches(msg, k.Top):
		db.offset = 0
	case key.Matches(msg, k.Bottom):
		db.offset = db.total
	}
	db.clamp()
	if db.offset != before || db.full {
		return db, want
	}
	return db, nil
}

// moveFocus focuses the next (or previous) panel and scrolls it into view.
func (db *Screen) moveFocus(by int) {
	n := len(db.layout)
	if n == 0 {
		return
	}
	db.focus = ((db.focus+by)%n + n) % n
	p := db.layout[db.focus]
	if p.y < db.offset {
		db.offset = p.y
	} else if p.y+p.h > db.offset+db.height {
		db.offset = p.y + p.h - db.height
	}
	db.clamp()
}

func (db *Screen) stepRange(by int) {
	i := sort.Search(len(dashboardRanges), func(i int) bool { return dashboardRanges[i] >= db.rng })
	if by > 0 && i < len(dashboardRanges) && dashboardRanges[i] == db.rng {
		i++
	} else if by < 0 {
		i--
	}
	db.rng = dashboardRanges[min(max(i, 0), len(dashboardRanges)-1)]
}

// View implements views.Component.
func (db *Screen) View() string {
	if db.width <= 0 || db.height <= 0 {
		return ""
	}
	st := db.ctx.Styles
	head := db.varLine()
	var lines []string
	switch {
	case db.picker != nil:
		lines = db.picker.view(db.width, db.height)
	case len(db.layout) == 0:
		lines = []string{st.Muted.Render(text.Fit("  This dashboard has no panels.", db.width))}
	case db.full:
		p := db.layout[db.focus]
		lines = db.panel(p.i, db.width, db.height, true)
	default:
		lines = db.canvas()
	}
	return strings.Join(text.FitBlock(append([]string{head}, lines...), db.width, db.height+1), "\n")
}

// varLine shows the range and each shown variable's selection.
func (db *Screen) varLine() string {
	st := db.ctx.Styles
	parts := []string{"range " + views.FormatDuration(db.rng)}
	for _, v := range db.vars {
		if !v.Var.Shown() {
			continue
		}
		name := v.Var.Label
		if name == "" {
			name = v.Var.Name
		}
		s := text.Sanitize(name) + "=" + text.Sanitize(v.Text())
		if v.Err != nil {
			s += " (" + text.Sanitize(v.Err.Error()) + ")"
		}
		parts = append(parts, s)
	}
	return st.Muted.Render(text.Truncate(strings.Join(parts, " · "), db.width))
}

// canvas draws the panels in view, line by line.
func (db *Screen) canvas() []string {
	type seg struct {
		x     int
		lines []string
		y     int
	}
	var segs []seg
	for k, p := range db.layout {
		if p.y+p.h <= db.offset || p.y >= db.offset+db.height {
			continue
		}
		w := p.w
		if p.x+p.w < db.width {
			w = max(p.w-1, 1) // a column between panels
		}
		segs = append(segs, seg{x: p.x, y: p.y, lines: db.panel(p.i, w, p.h, k == db.focus)})
	}
	out := make([]string, 0, db.height)
	for l := db.offset; l < db.offset+db.height && l < db.total; l++ {
		var row []seg
		for _, s := range segs {
			if l >= s.y && l < s.y+len(s.lines) {
				row = append(row, s)
			}
		}
		sort.Slice(row, func(a, b int) bool { return row[a].x < row[b].x })
		var b strings.Builder
		col := 0
		for _, s := range row {
			if s.x < col {
				continue
			}
			b.WriteString(strings.Repeat(" ", s.x-col))
			line := s.lines[l-s.y]
			b.WriteString(line)
			col = s.x + text.Width(line)
		}
		out = append(out, b.String())
	}
	if db.total > db.height {
		more := fmt.Sprintf("lines %d–%d of %d (↑/↓ scroll, %s focus, enter full screen)", db.offset+1, min(db.offset+db.height, db.total), db.total, db.next.Help().Key)
		if len(out) >= db.height && len(out) > 0 {
			out[len(out)-1] = db.ctx.Styles.Muted.Render(text.Fit(more, db.width))
		}
	}
	return out
}

// ShortHelp implements help.KeyMap.
func (db *Screen) ShortHelp() []key.Binding {
	k := db.ctx.Keys
	if db.picker != nil {
		if db.picker.open >= 0 && db.picker.vars[db.picker.open].Var.Multi {
			return []key.Binding{k.Up, k.Down, db.picker.toggle, k.Open, k.Back}
		}
		return []key.Binding{k.Up, k.Down, k.Open, k.Back}
	}
	return []key.Binding{k.Up, k.Down, db.next, k.Open, db.pick, k.RangeShorter, k.RangeLonger, k.Back, k.Help}
}

// FullHelp implements help.KeyMap.
func (db *Screen) FullHelp() [][]key.Binding {
	k := db.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {db.next, db.prev, k.Open, k.Back, db.pick, k.RangeShorter, k.RangeLonger}}
}

// Notes implements views.Screen.
func (db *Screen) Notes() []string {
	return []string{
		"A Grafana dashboard read from " + text.Sanitize(db.d.Source) + ": → (or l) focuses the next panel, ← the previous, enter shows it full screen, [ and ] change the range of every panel, v chooses the variables' values.",
		"Only the panels on screen are queried: one request per target per refresh, at a step fitted to the panel's width.",
		"A panel vigil does not draw is shown as a placeholder naming its type; a panel whose query is known wrong is marked with the check that found it.",
	}
}

var _ views.Screen = (*Screen)(nil)
