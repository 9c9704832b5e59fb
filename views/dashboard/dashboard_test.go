package dashboard

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/viewstest"
)

// sampleDashboardData gives each queried panel of the modern test
// dashboard a plausible answer, with a NaN, a gap and a hostile name.
func sampleDashboardData(d *grafana.Dashboard) map[int]*grafana.PanelData {
	out := map[int]*grafana.PanelData{}
	start := viewstest.FixedNow.Add(-30 * time.Minute)
	vals := func(n int, f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	for i, p := range d.Panels {
		if !p.Queried() {
			continue
		}
		pd := &grafana.PanelData{Index: i, Start: start, End: viewstest.FixedNow, Interval: grafana.Interval{Range: 30 * time.Minute, Step: 15 * time.Second},
			Targets: []grafana.TargetResult{{RefID: "A", Expr: p.Targets[0].Expr}}}
		switch p.Kind {
		case grafana.KindHeatmap:
			pd.Buckets = true
			for k, le := range []float64{0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, math.Inf(1)} {
				pd.Series = append(pd.Series, grafana.Series{Le: le, Values: vals(120, func(j int) float64 {
					if j == 50 {
						return math.NaN()
					}
					return float64((k*7+j)%13) * float64(k%4)
				})})
			}
		default:
			for k, name := range []string{"200", "404", "\x1b]0;pwned\x07\x1b[2Jevil"} {
				s := grafana.Series{Name: name, Values: vals(120, func(j int) float64 { return float64(k+1) * (1 + math.Sin(float64(j)/9)) }), Value: float64(k) * 30}
				if k == 2 {
					s.Value = math.NaN()
				}
				pd.Series = append(pd.Series, s)
			}
		}
		if p.Title == "p99 over raw buckets" {
			pd.Findings = []string{"A: quantile since the process started (histogram/no-rate)"}
		}
		out[i] = pd
	}
	return out
}

func newTestDashboard(t *testing.T, w, h int) *Screen {
	t.Helper()
	d, err := grafana.ReadFile("../../query/grafana/testdata/modern.json")
	if err != nil {
		t.Fatal(err)
	}
	d.Panels[1].Title = "evil \x1b[2J\x1b]8;;http://x\x07title"
	db := New(viewstest.Context(t, "dark"), d)
	db.SetSize(w, h)
	db.Update(DataMsg{Data: sampleDashboardData(d), Range: db.Range()})
	return db
}

func checkDashboardFits(t *testing.T, v string, w, h int) {
	t.Helper()
	if v == "" {
		return
	}
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("%d lines in %d", len(lines), h)
	}
	for _, l := range lines {
		if text.Width(l) > w {
			t.Errorf("line wider than %d: %q", w, ansi.Strip(l))
		}
	}
	if strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b]8;;http://x") {
		t.Error("a hostile escape reached the screen")
	}
}

func TestDashboardRendersAtEverySize(t *testing.T) {
	for _, sz := range [][2]int{{200, 50}, {80, 24}, {120, 40}, {20, 5}, {1, 1}, {0, 0}} {
		db := newTestDashboard(t, sz[0], sz[1])
		v := db.View()
		checkDashboardFits(t, v, sz[0], sz[1])
		// Every panel focused full screen.
		for k := 0; k < len(db.layout); k++ {
			db.Update(tea.KeyPressMsg{Code: tea.KeyRight})
			db.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
			checkDashboardFits(t, db.View(), sz[0], sz[1])
			db.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
		}
	}
}

func TestDashboardWide(t *testing.T) {
	db := newTestDashboard(t, 200, 50)
	db.SetSize(200, 60)
	v := ansi.Strip(db.View())
	for _, want := range []string{"Requests/s", "4xx ratio", "Requests/s by method", "Requests by status", "▾ Overview", "Latency heatmap",
		"piechart", "▸ Business and pitfalls", "2 panels folded", "█", "Runbook"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
	// Panels side by side: the stat and the gauge share a line.
	found := false
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "Requests/s") && strings.Contains(l, "4xx ratio") {
			found = true
		}
	}
	if !found {
		t.Errorf("the first row's panels are not side by side:\n%s", v)
	}
	vis, points := db.Visible()
	if len(vis) == 0 || points[vis[0]] < 10 {
		t.Errorf("visible %v points %v", vis, points)
	}
	for _, i := range vis {
		if db.d.Panels[i].Folded() {
			t.Errorf("folded panel %d visible", i)
		}
	}
}

func TestDashboardNarrowStacksAndScrolls(t *testing.T) {
	db := newTestDashboard(t, 80, 24)
	v := ansi.Strip(db.View())
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "Requests/s") && strings.Contains(l, "4xx ratio") {
			t.Errorf("panels side by side at 80 columns: %q", l)
		}
	}
	first, _ := db.Visible()
	for i := 0; i < 40; i++ {
		db.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	later, _ := db.Visible()
	if len(first) == 0 || len(later) == 0 || first[0] == later[0] {
		t.Errorf("scrolling did not change the panels in view: %v then %v", first, later)
	}
	// The focused heatmap full screen.
	for k := 0; k < len(db.layout); k++ {
		if db.d.Panels[db.layout[db.focus].i].Kind == grafana.KindHeatmap {
			break
		}
		db.Update(tea.KeyPressMsg{Code: tea.KeyRight})
	}
	db.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	v = ansi.Strip(db.View())
	if !strings.Contains(v, "▶ Latency heatmap") || !strings.Contains(v, "+Inf") {
		t.Errorf("focused heatmap:\n%s", v)
	}
	vis, _ := db.Visible()
	if len(vis) != 1 {
		t.Errorf("full screen queries %v", vis)
	}
}

func TestDashboardRangeKeysAndStates(t *testing.T) {
	db := newTestDashboard(t, 120, 40)
	r := db.Range()
	_, cmd := db.Update(tea.KeyPressMsg{Code: ']', Text: "]"})
	if db.Range() <= r || cmd == nil {
		t.Errorf("] gave %s from %s", db.Range(), r)
	}
	db.Update(tea.KeyPressMsg{Code: '[', Text: "["})
	db.Update(tea.KeyPressMsg{Code: '[', Text: "["})
	if db.Range() >= r {
		t.Errorf("[ gave %s", db.Range())
	}
	// A failed query says why; an empty one says no data.
	d := db.Grafana()
	data := map[int]*grafana.PanelData{}
	for i, p := range d.Panels {
		if !p.Queried() {
			continue
		}
		pd := &grafana.PanelData{Interval: grafana.Interval{Range: time.Hour}, Targets: []grafana.TargetResult{{RefID: "A", Expr: "up"}}}
		if i%2 == 0 {
			pd.Targets[0].Err = errString("bad_data: parse error")
		}
		data[i] = pd
	}
	db.Update(DataMsg{Data: data, Range: db.Range()})
	v := ansi.Strip(db.View())
	if !strings.Contains(v, "✕ A: bad_data: parse error") || !strings.Contains(v, "no data in the last 1h") {
		t.Errorf("states:\n%s", v)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// The picker: v lists the variables that can be chosen, enter lists a
// variable's values, space ticks them (All and the values exclude each
// other), enter applies; esc goes back, then closes. Names and values
// from the file are sanitized.
func TestDashboardVariablePicker(t *testing.T) {
	db := newTestDashboard(t, 80, 24)
	v := func(name, label string, multi, all bool, opts []string, sel ...string) *grafana.VarState {
		st := &grafana.VarState{Var: &grafana.Variable{Name: name, Label: label, Type: grafana.VarCustom, Multi: multi, IncludeAll: all}, Selected: sel}
		for _, o := range opts {
			st.Options = append(st.Options, grafana.Option{Text: o, Value: o})
		}
		return st
	}
	hidden := v("secret", "", false, false, []string{"x"}, "x")
	hidden.Var.Hide = 2
	vars := grafana.Vars{
		v("job", "Job", false, false, []string{"flask", "api"}, "flask"),
		hidden,
		v("method", "Method \x1b[31m", true, true, []string{"GET", "POST", "PUT"}, "GET", "POST"),
		{Var: &grafana.Variable{Name: "note", Type: grafana.VarTextbox}, Options: []grafana.Option{{Text: "t", Value: "t"}}, Selected: []string{"t"}},
	}
	press := func(k tea.KeyPressMsg) tea.Cmd {
		t.Helper()
		_, cmd := db.Update(k)
		return cmd
	}
	space := tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	vKey := tea.KeyPressMsg{Code: 'v', Text: "v"}
	// Before the variables are read, v says so.
	if cmd := press(vKey); cmd == nil || db.Capturing() {
		t.Fatal("v before the variables are read: want a message, no picker")
	}
	db.Update(DataMsg{Vars: vars, Range: db.Range()})
	press(vKey)
	if !db.Capturing() {
		t.Fatal("v did not open the picker")
	}
	s := ansi.Strip(db.View())
	checkDashboardFits(t, db.View(), 80, 24)
	if !strings.Contains(s, "Variables") || !strings.Contains(s, "▸ Job") || !strings.Contains(s, "GET + POST") {
		t.Fatalf("picker:\n%s", s)
	}
	picker := strings.SplitN(s, "\n", 2)[1] // below the variables' line
	if strings.Contains(picker, "secret") || strings.Contains(picker, "note") {
		t.Errorf("a hidden or textbox variable is offered:\n%s", s)
	}
	if !strings.Contains(picker, "Method \ufffd[31m") {
		t.Errorf("the label's escape is not sanitized:\n%s", s)
	}
	// Method: untick POST, tick PUT, apply.
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(tea.KeyPressMsg{Code: tea.KeyEnter})
	s = ansi.Strip(db.View())
	if !strings.Contains(s, "[ ] All") || !strings.Contains(s, "[x] GET") || !strings.Contains(s, "[x] POST") || !strings.Contains(s, "[ ] PUT") {
		t.Fatalf("values:\n%s", s)
	}
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(space) // POST off
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(space) // PUT on
	cmd := press(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter applied nothing")
	}
	if got, ok := cmd().(SetVarMsg); !ok || got.Name != "method" || strings.Join(got.Values, ",") != "GET,PUT" {
		t.Errorf("applied %#v, want method = GET,PUT", cmd())
	}
	if db.Capturing() {
		t.Error("the picker stays open after applying")
	}
	// All excludes the values.
	press(vKey)
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(tea.KeyPressMsg{Code: tea.KeyEnter})
	press(space) // All on: GET and POST off
	if got := press(tea.KeyPressMsg{Code: tea.KeyEnter})().(SetVarMsg); strings.Join(got.Values, ",") != grafana.AllValue {
		t.Errorf("All applied as %v", got.Values)
	}
	// A single-value variable: enter takes the value under the cursor;
	// space does nothing.
	press(vKey)
	press(tea.KeyPressMsg{Code: tea.KeyEnter})
	press(tea.KeyPressMsg{Code: tea.KeyDown})
	press(space)
	if got := press(tea.KeyPressMsg{Code: tea.KeyEnter})().(SetVarMsg); got.Name != "job" || strings.Join(got.Values, ",") != "api" {
		t.Errorf("job applied as %#v", got)
	}
	// esc: back to the variables, then closed, nothing applied.
	press(vKey)
	press(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd := press(tea.KeyPressMsg{Code: tea.KeyEscape}); cmd != nil || !db.Capturing() {
		t.Error("esc in the values must go back to the variables")
	}
	if cmd := press(tea.KeyPressMsg{Code: tea.KeyEscape}); cmd != nil || db.Capturing() {
		t.Error("esc in the variables must close the picker, applying nothing")
	}
	// Every size, the picker open.
	press(vKey)
	for _, sz := range [][2]int{{20, 5}, {40, 10}, {200, 50}} {
		db.SetSize(sz[0], sz[1])
		checkDashboardFits(t, db.View(), sz[0], sz[1])
	}
}

// A collapsed row opens on enter, as in Grafana: its panels are placed
// under it, the panels below move down (none overlaps), and they are
// queried; enter again folds them.
func TestDashboardOpensACollapsedRow(t *testing.T) {
	for _, sz := range [][2]int{{160, 40}, {80, 24}} {
		db := newTestDashboard(t, sz[0], sz[1])
		row := -1
		for i, p := range db.d.Panels {
			if p.Kind == grafana.KindRow && p.Collapsed {
				row = i
			}
		}
		if row < 0 {
			t.Fatal("the test dashboard has no collapsed row")
		}
		folded := db.folded(row)
		queried := func() map[int]bool {
			vis, _ := db.Visible()
			m := map[int]bool{}
			for _, i := range vis {
				m[i] = true
			}
			return m
		}
		for k := 0; k < len(db.layout) && db.layout[db.focus].i != row; k++ {
			db.Update(tea.KeyPressMsg{Code: tea.KeyRight})
		}
		if db.layout[db.focus].i != row {
			t.Fatalf("%v: could not focus the collapsed row", sz)
		}
		before := len(db.layout)
		if _, cmd := db.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); cmd == nil || db.full {
			t.Fatalf("%v: enter on a row must open it (and ask for its panels), not show it full screen", sz)
		}
		if len(db.layout) != before+folded {
			t.Fatalf("%v: %d placed after opening, want %d", sz, len(db.layout), before+folded)
		}
		for a := range db.layout {
			for b := a + 1; b < len(db.layout); b++ {
				p, q := db.layout[a], db.layout[b]
				if p.x < q.x+q.w && q.x < p.x+p.w && p.y < q.y+q.h && q.y < p.y+p.h {
					t.Errorf("%v: panels %d and %d overlap: %+v %+v", sz, p.i, q.i, p, q)
				}
			}
		}
		db.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
		s := ansi.Strip(db.View())
		if strings.Contains(s, "folded: not queried") {
			t.Errorf("%v: the opened row still says folded:\n%s", sz, s)
		}
		got := queried()
		opened := 0
		for i := row + 1; i < len(db.d.Panels) && db.d.Panels[i].Kind != grafana.KindRow; i++ {
			if got[i] {
				opened++
			}
		}
		if opened == 0 {
			t.Errorf("%v: none of the opened row's panels is queried at the bottom: %v", sz, got)
		}
		checkDashboardFits(t, db.View(), sz[0], sz[1])
		for k := 0; k < len(db.layout) && db.layout[db.focus].i != row; k++ {
			db.Update(tea.KeyPressMsg{Code: tea.KeyRight})
		}
		db.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		if len(db.layout) != before {
			t.Errorf("%v: enter again left %d placed, want %d", sz, len(db.layout), before)
		}
	}
}

// A collapsed row with panels below it: opened, its panels go under it and
// the panels below move down by their height, overlapping none.
func TestDashboardOpenedRowPushesPanelsDown(t *testing.T) {
	d, err := grafana.Parse("inline", []byte(`{"title": "t", "schemaVersion": 39, "panels": [
	  {"id": 1, "type": "row", "title": "Folded", "collapsed": true, "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1},
	   "panels": [
	     {"id": 2, "type": "timeseries", "title": "inside left", "gridPos": {"x": 0, "y": 1, "w": 12, "h": 6}, "targets": [{"refId": "A", "expr": "up"}]},
	     {"id": 3, "type": "timeseries", "title": "inside right", "gridPos": {"x": 12, "y": 1, "w": 12, "h": 8}, "targets": [{"refId": "A", "expr": "up"}]}]},
	  {"id": 4, "type": "timeseries", "title": "below", "gridPos": {"x": 0, "y": 1, "w": 24, "h": 6}, "targets": [{"refId": "A", "expr": "up"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	db := New(viewstest.Context(t, "dark"), d)
	db.SetSize(160, 60)
	if len(db.layout) != 2 {
		t.Fatalf("closed: %d placed, want the row and the panel below", len(db.layout))
	}
	db.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // the row is focused first
	at := map[string]placed{}
	for _, p := range db.layout {
		at[db.d.Panels[p.i].Title] = p
	}
	row, left, right, below := at["Folded"], at["inside left"], at["inside right"], at["below"]
	if len(db.layout) != 4 || left.y != row.y+row.h || right.y != left.y || below.y != right.y+right.h {
		t.Errorf("opened: row %+v, inside %+v %+v, below %+v: want the row's panels under it and the panel below them", row, left, right, below)
	}
}

// A dashboard shorter than the screen is stretched to fill it, up to 3
// lines a grid unit; a long one keeps a line a unit.
func TestDashboardShortDashboardFillsTheScreen(t *testing.T) {
	d, err := grafana.Parse("inline", []byte(`{"title": "t", "schemaVersion": 39, "panels": [
	  {"id": 1, "type": "timeseries", "title": "a", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 5}, "targets": [{"refId": "A", "expr": "up"}]},
	  {"id": 2, "type": "timeseries", "title": "b", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 5}, "targets": [{"refId": "A", "expr": "up"}]},
	  {"id": 3, "type": "timeseries", "title": "c", "gridPos": {"x": 0, "y": 5, "w": 24, "h": 4}, "targets": [{"refId": "A", "expr": "up"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	db := New(viewstest.Context(t, "dark"), d)
	for _, c := range []struct{ h, wantTotal int }{{41, 27}, {25, 18}, {12, 9}} {
		db.SetSize(120, c.h)
		if db.total != c.wantTotal {
			t.Errorf("at 120x%d the panels take %d lines, want %d", c.h, db.total, c.wantTotal)
		}
		checkDashboardFits(t, db.View(), 120, c.h)
	}
}

// The stretch never makes a dashboard that fits scroll (a panel's least
// height counts), and a row's title stays one line.
func TestDashboardStretchFitsAndKeepsRowsOneLine(t *testing.T) {
	d, err := grafana.Parse("inline", []byte(`{"title": "t", "schemaVersion": 39, "panels": [
	  {"id": 1, "type": "row", "title": "R", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}},
	  {"id": 2, "type": "text", "title": "note", "gridPos": {"x": 0, "y": 1, "w": 24, "h": 1}, "options": {"content": "hi"}},
	  {"id": 3, "type": "timeseries", "title": "g", "gridPos": {"x": 0, "y": 2, "w": 24, "h": 7}, "targets": [{"refId": "A", "expr": "up"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	db := New(viewstest.Context(t, "dark"), d)
	for h := 8; h <= 60; h++ {
		db.SetSize(120, h)
		fits := false
		for _, p := range db.layout {
			if db.d.Panels[p.i].Kind == grafana.KindRow && p.h != 1 {
				t.Errorf("at 120x%d the row takes %d lines", h, p.h)
			}
		}
		// 1 (row) + 4 (the text's least) + 7: fits from 12 lines of panels.
		fits = db.height >= 12
		if fits && db.total > db.height {
			t.Errorf("at 120x%d the panels take %d lines of %d: stretched past the screen", h, db.total, db.height)
		}
	}
}

// The picker's list longer than the screen: the cursor's row is always
// shown, above the line that counts the rest.
func TestDashboardPickerLongListKeepsTheCursor(t *testing.T) {
	db := newTestDashboard(t, 80, 12)
	st := &grafana.VarState{Var: &grafana.Variable{Name: "v", Type: grafana.VarCustom, Multi: true}, Selected: []string{"v0"}}
	for i := range 50 {
		st.Options = append(st.Options, grafana.Option{Text: fmt.Sprintf("v%d", i), Value: fmt.Sprintf("v%d", i)})
	}
	db.Update(DataMsg{Vars: grafana.Vars{st}, Range: db.Range()})
	db.Update(tea.KeyPressMsg{Code: 'v', Text: "v"})
	db.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	for i := 1; i < 50; i++ {
		db.Update(tea.KeyPressMsg{Code: tea.KeyDown})
		s := ansi.Strip(db.View())
		if !strings.Contains(s, fmt.Sprintf("▸ [ ] v%d\n", i)) && !strings.Contains(s, fmt.Sprintf("▸ [ ] v%d ", i)) {
			t.Fatalf("cursor on v%d not shown:\n%s", i, s)
		}
		// 8 rows fit under the title and the help: the rest are counted.
		if rest := 49 - max(i, 7); rest > 0 && !strings.Contains(s, fmt.Sprintf("… %d more", rest)) {
			t.Fatalf("cursor on v%d: the count of the rest is not %d:\n%s", i, rest, s)
		}
		checkDashboardFits(t, db.View(), 80, 12)
	}
}
