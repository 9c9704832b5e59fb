package promql

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/viewstest"
)

func typeInto(p *Screen, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// run feeds keys and returns the message of the last command, if any.
func pqPress(p *Screen, keys ...string) tea.Msg {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = p.Update(viewstest.Key(k))
	}
	if cmd == nil {
		return nil
	}
	return cmd()
}

func newTestPromQL(t *testing.T) *Screen {
	p := New(viewstest.Context(t, "dark"))
	p.SetSize(80, 21)
	p.Open()
	return p
}

func TestPromQLTypingAndEnterRunsTheQuery(t *testing.T) {
	p := newTestPromQL(t)
	if !p.Capturing() {
		t.Fatal("an open prompt must capture the keyboard")
	}
	typeInto(p, "up == 1")
	msg := pqPress(p, "enter")
	run, ok := msg.(RunMsg)
	if !ok || run.Expr != "up == 1" {
		t.Fatalf("got %#v", msg)
	}
	if h := p.History(); len(h) != 1 || h[0] != "up == 1" {
		t.Fatalf("history %q", h)
	}
	p.Update(ResultMsg{Expr: "up == 1", Result: &query.InstantResult{Kind: "vector", Rows: []query.Sample{
		{Labels: map[string]string{"job": "flask", "instance": "b"}, Value: 1},
		{Labels: map[string]string{"job": "am", "instance": "a"}, Value: 3},
	}}})
	if p.Capturing() {
		t.Fatal("the table should have the keyboard after a result")
	}
	cols := p.Columns()
	if strings.Join(cols, ",") != "instance,job,value" || cols[p.SortColumn()] != "value" || p.Rows()[0].Value != 3 {
		t.Fatalf("cols %v sort %d rows %v", cols, p.SortColumn(), p.Rows())
	}
	pqPress(p, "o") // instance
	if p.Rows()[0].Labels["instance"] != "a" {
		t.Fatalf("by instance: %v", p.Rows())
	}
	pqPress(p, "o") // job
	if p.Rows()[0].Labels["job"] != "am" {
		t.Fatalf("by job: %v", p.Rows())
	}
	pqPress(p, "o") // back to value
	if p.SortColumn() != 2 {
		t.Fatal(p.SortColumn())
	}
	out := ansi.Strip(p.View())
	for _, want := range []string{"instance", "job", "value▼", "flask", "2 series"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	// ':' goes back to the prompt with the text kept.
	pqPress(p, ":")
	if !p.Capturing() || p.Value() != "up == 1" {
		t.Fatalf("prompt %v %q", p.Capturing(), p.Value())
	}
	if _, ok := pqPress(p, "esc").(CloseMsg); !ok {
		t.Fatal("esc does not close")
	}
}

func TestPromQLHistoryUpDown(t *testing.T) {
	p := newTestPromQL(t)
	p.SetHistory([]string{"a", "b", "c"})
	typeInto(p, "draft")
	pqPress(p, "up")
	if p.Value() != "c" {
		t.Fatal(p.Value())
	}
	pqPress(p, "up", "up", "up") // stops at the oldest
	if p.Value() != "a" {
		t.Fatal(p.Value())
	}
	pqPress(p, "down")
	if p.Value() != "b" {
		t.Fatal(p.Value())
	}
	pqPress(p, "down", "down")
	if p.Value() != "draft" {
		t.Fatalf("draft lost: %q", p.Value())
	}
}

func TestAddHistoryBoundedAndDeduplicated(t *testing.T) {
	var h []string
	for i := 0; i < HistoryLimit+50; i++ {
		h = AddHistory(h, strings.Repeat("x", i%7+1)+string(rune('a'+i%26)))
	}
	if len(h) != HistoryLimit {
		t.Fatal(len(h))
	}
	h = AddHistory([]string{"a"}, "a")
	h = AddHistory(h, "  ")
	h = AddHistory(h, "x\ny")
	if len(h) != 1 {
		t.Fatal(h)
	}
}

func TestPromQLTabCompletesMetricNames(t *testing.T) {
	p := newTestPromQL(t)
	p.Update(NamesMsg{Names: []string{"flask_http_request_total", "flask_http_request_duration_seconds_count", "up", "article_views_total"}})
	typeInto(p, "rate(art")
	pqPress(p, "tab")
	if p.Value() != "rate(article_views_total" {
		t.Fatal(p.Value())
	}
	p.SetValue("sum(flask")
	pqPress(p, "tab")
	if p.Value() != "sum(flask_http_request_" {
		t.Fatal(p.Value())
	}
	if len(p.Candidates()) != 2 || !strings.Contains(ansi.Strip(p.View()), "flask_http_request_total") {
		t.Fatalf("candidates %v", p.Candidates())
	}
	typeInto(p, "t")
	pqPress(p, "tab")
	if p.Value() != "sum(flask_http_request_total" {
		t.Fatal(p.Value())
	}
	p.SetValue("nomatch")
	pqPress(p, "tab")
	if p.Value() != "nomatch" {
		t.Fatal(p.Value())
	}
}

func TestPromQLParseErrorKeepsTextAndShowsPosition(t *testing.T) {
	p := newTestPromQL(t)
	typeInto(p, "sum(rate(up[5m])")
	pqPress(p, "enter")
	err := &query.ServerError{URL: "http://127.0.0.1:9090", Op: "query", Err: &v1.Error{Type: v1.ErrBadData,
		Msg: `invalid parameter "query": 1:17: parse error: unclosed left parenthesis`}}
	p.Update(ResultMsg{Expr: "sum(rate(up[5m])", Err: err})
	if !p.Capturing() || p.Value() != "sum(rate(up[5m])" {
		t.Fatalf("text lost: %v %q", p.Capturing(), p.Value())
	}
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	caret := strings.Index(lines[1], "^")
	if caret != len(": ")+16 {
		t.Fatalf("caret at %d:\n%s", caret, strings.Join(lines[:3], "\n"))
	}
	if !strings.Contains(lines[2], "1:17: parse error: unclosed left parenthesis") {
		t.Fatal(lines[2])
	}
	// A stale answer to an older expression is ignored.
	p.Update(ResultMsg{Expr: "older", Result: &query.InstantResult{Kind: "scalar"}})
	if e, _ := p.Err(); e == nil {
		t.Fatal("error cleared by a stale answer")
	}
}

func TestPromQLScalarStringGraphAndTinySizes(t *testing.T) {
	p := newTestPromQL(t)
	typeInto(p, "time()")
	pqPress(p, "enter")
	p.Update(ResultMsg{Expr: "time()", Result: &query.InstantResult{Kind: "scalar", Scalar: 42}})
	if !strings.Contains(ansi.Strip(p.View()), "scalar 42") {
		t.Fatal(p.View())
	}
	msg := pqPress(p, "ctrl+g")
	g, ok := msg.(GraphMsg)
	if !ok || g.Expr != "time()" {
		t.Fatalf("%#v", msg)
	}
	th := 0.5
	p.Update(GraphResultMsg{Request: GraphMsg{Expr: "time()", Threshold: &th, Marker: viewstest.FixedNow.Add(-10 * 60e9)},
		Data: &query.RangeData{Start: viewstest.FixedNow.Add(-3600e9), End: viewstest.FixedNow, Series: []query.TimeSeries{{Name: "x", Values: []float64{0.1, 0.7, 0.2, 0.9}}}}})
	out := ansi.Strip(p.View())
	if !strings.Contains(out, "threshold 0.5") || !strings.Contains(out, "active since") {
		t.Fatal(out)
	}
	// Near the right edge the label ends at the mark instead of being cut.
	many := make([]float64, 240)
	for i := range many {
		many[i] = float64(i % 7)
	}
	p.Update(GraphResultMsg{Request: GraphMsg{Expr: "time()", Marker: viewstest.FixedNow.Add(-60e9)},
		Data: &query.RangeData{Start: viewstest.FixedNow.Add(-3600e9), End: viewstest.FixedNow, Series: []query.TimeSeries{{Name: "x", Values: many}}}})
	p.SetSize(80, 24)
	if out := ansi.Strip(p.View()); !strings.Contains(out, "active since "+viewstest.FixedNow.Add(-60e9).Format("15:04")+" ▲") {
		t.Errorf("the active-since label is cut at the right edge:\n%s", out)
	}
	for _, sz := range [][2]int{{20, 5}, {1, 1}, {0, 0}, {200, 60}} {
		p.SetSize(sz[0], sz[1])
		_ = p.View()
	}
}

func TestPromQLGraphMarksTheAlertsFirings(t *testing.T) {
	p := newTestPromQL(t)
	p.SetSize(80, 20)
	start := viewstest.FixedNow.Add(-time.Hour)
	vals := make([]float64, 61)
	for i := range vals {
		vals[i] = float64(i % 5)
	}
	req := GraphMsg{Expr: "x", Alertname: "HighErrorRate", Title: "HighErrorRate: x"}
	fired := query.Event{Time: start.Add(30 * time.Minute), Kind: query.EventAlertFiring, Labels: map[string]string{"alertname": "HighErrorRate"}}
	p.Update(GraphResultMsg{Request: req, Firings: []query.Event{fired},
		Data: &query.RangeData{Start: start, End: viewstest.FixedNow, Step: time.Minute, Series: []query.TimeSeries{{Name: "x", Values: vals}}}})
	out := ansi.Strip(p.View())
	if !strings.Contains(out, "┊ ! "+fired.Time.Format("15:04:05")+" HighErrorRate") {
		t.Errorf("no legend of the firing:\n%s", out)
	}
	// The ! sits in the column of its time: the middle of 61 points.
	col := views.ChartPrefixWidth - 1 + 30
	found := false
	for _, l := range strings.Split(out, "\n") {
		if r := []rune(l); col < len(r) && r[col] == '!' && !strings.Contains(l, "HighErrorRate") {
			found = true
		}
	}
	if !found {
		t.Errorf("no ! at column %d:\n%s", col, out)
	}
	p.Update(GraphResultMsg{Request: req, FiringsErr: errors.New("bad_data: nope"),
		Data: &query.RangeData{Start: start, End: viewstest.FixedNow, Step: time.Minute, Series: []query.TimeSeries{{Name: "x", Values: vals}}}})
	if out := ansi.Strip(p.View()); !strings.Contains(out, "alert firings unknown: bad_data: nope") {
		t.Errorf("a failed firings query must read unknown:\n%s", out)
	}
	for _, sz := range [][2]int{{20, 5}, {9, 9}, {1, 1}} {
		p.SetSize(sz[0], sz[1])
		viewstest.Fits(t, p.View(), sz[0], sz[1])
	}
}

func parseErr(col int) error {
	return &query.ServerError{URL: "http://127.0.0.1:9090", Op: "query", Err: &v1.Error{Type: v1.ErrBadData,
		Msg: fmt.Sprintf(`invalid parameter "query": 1:%d: parse error: unexpected identifier "oops"`, col)}}
}

func TestPromQLCaretUnderTheErrorInAQueryWiderThanTheScreen(t *testing.T) {
	p := newTestPromQL(t)
	p.SetSize(40, 15)
	// The error is at column 91, past the screen's width.
	expr := "sum by (path) (rate(flask_http_request_duration_seconds_count{job=\"flask\"}[5m])) + oops(up)"
	col := strings.Index(expr, "oops") + 1
	typeInto(p, expr)
	pqPress(p, "enter")
	p.Update(ResultMsg{Expr: expr, Err: parseErr(col)})
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	caret := strings.Index(lines[1], "^")
	if caret < 0 {
		t.Fatalf("no caret:\n%s", strings.Join(lines[:3], "\n"))
	}
	if got := string([]rune(lines[0])[caret:]); !strings.HasPrefix(got, "oops") {
		t.Errorf("the caret at column %d is under %q, not under oops:\n%s", caret, got, strings.Join(lines[:3], "\n"))
	}
	// The same when the prompt is closed on the error (a graph's error).
	p.Update(GraphResultMsg{Request: GraphMsg{Expr: expr}, Err: parseErr(col)})
	p.prompting = false
	lines = strings.Split(ansi.Strip(p.View()), "\n")
	caret = strings.Index(lines[1], "^")
	if caret < 0 || !strings.HasPrefix(string([]rune(lines[0])[caret:]), "oops") {
		t.Errorf("closed prompt: caret %d:\n%s", caret, strings.Join(lines[:3], "\n"))
	}
}

func TestPromQLResultScrollsSideways(t *testing.T) {
	p := newTestPromQL(t)
	p.SetSize(40, 15)
	typeInto(p, "up")
	pqPress(p, "enter")
	long := strings.Repeat("x", 50) + "END"
	p.Update(ResultMsg{Expr: "up", Result: &query.InstantResult{Kind: "vector", Rows: []query.Sample{
		{Labels: map[string]string{"instance": "a:9090", "job": long}, Value: 1},
	}}})
	if strings.Contains(ansi.Strip(p.View()), "END") {
		t.Fatalf("the end of the row fits already:\n%s", ansi.Strip(p.View()))
	}
	for range 10 {
		pqPress(p, "right")
	}
	out := ansi.Strip(p.View())
	if !strings.Contains(out, "END") || p.ScrollX() == 0 {
		t.Errorf("→ does not scroll to the end of the row (scroll %d):\n%s", p.ScrollX(), out)
	}
	for _, l := range strings.Split(out, "\n") {
		if ansi.StringWidth(l) > 40 {
			t.Errorf("line wider than the screen: %q", l)
		}
	}
	for range 20 {
		pqPress(p, "left")
	}
	if p.ScrollX() != 0 || !strings.Contains(ansi.Strip(p.View()), "instance") {
		t.Errorf("← does not scroll back (scroll %d)", p.ScrollX())
	}
	// The keys are declared, so help shows them.
	var helpKeys []string
	for _, b := range p.ShortHelp() {
		helpKeys = append(helpKeys, b.Help().Key)
	}
	if h := strings.Join(helpKeys, " "); !strings.Contains(h, "←") || !strings.Contains(h, "→") {
		t.Errorf("help keys %q lack ←/→", h)
	}
}

func TestPromQLOldGraphGoneWhileRunning(t *testing.T) {
	p := newTestPromQL(t)
	typeInto(p, "up")
	pqPress(p, "ctrl+g")
	p.Update(GraphResultMsg{Request: GraphMsg{Expr: "up", Title: "OLDGRAPH"},
		Data: &query.RangeData{Start: viewstest.FixedNow.Add(-3600e9), End: viewstest.FixedNow, Series: []query.TimeSeries{{Name: "x", Values: []float64{1, 2, 3}}}}})
	if !strings.Contains(ansi.Strip(p.View()), "OLDGRAPH") {
		t.Fatal("graph not shown")
	}
	p.Open()
	pqPress(p, "enter")
	out := ansi.Strip(p.View())
	if !strings.Contains(out, "running…") || strings.Contains(out, "OLDGRAPH") {
		t.Errorf("while the new query runs the old graph must be gone:\n%s", out)
	}
	// And the same for a new graph over an old table.
	p.Update(ResultMsg{Expr: "up", Result: &query.InstantResult{Kind: "vector", Rows: []query.Sample{{Labels: map[string]string{"job": "OLDROW"}, Value: 1}}}})
	pqPress(p, "ctrl+g")
	if out := ansi.Strip(p.View()); !strings.Contains(out, "running…") || strings.Contains(out, "OLDROW") {
		t.Errorf("while the graph runs the old table must be gone:\n%s", out)
	}
}

func TestPromQLReopenSelectsTheTextTypingReplacesIt(t *testing.T) {
	p := newTestPromQL(t)
	typeInto(p, "old_query")
	pqPress(p, "enter")
	p.Update(ResultMsg{Expr: "old_query", Result: &query.InstantResult{Kind: "scalar", Scalar: 1}})
	// Reopen with ":" and type: the old text is replaced.
	pqPress(p, ":")
	if !p.Capturing() || !p.Selected() {
		t.Fatalf("reopened: capturing %v selected %v", p.Capturing(), p.Selected())
	}
	typeInto(p, "new")
	if p.Value() != "new" {
		t.Errorf("typing after reopening gives %q, want %q", p.Value(), "new")
	}
	// Reopen and press end or ←: the text stays, for editing in place.
	// Backspace on the selection clears it.
	pqPress(p, "esc")
	for _, c := range []struct{ key, typed, want string }{
		{"end", "_x", "new_x"},
		{"left", "Y", "new_Yx"},
		{"backspace", "", ""},
	} {
		p.prompting = false
		pqPress(p, ":", c.key)
		typeInto(p, c.typed)
		if p.Value() != c.want {
			t.Errorf("reopened, %s then typing %q gives %q, want %q", c.key, c.typed, p.Value(), c.want)
		}
	}
}

// The root opens the prompt and hands it an alert's graph by messages:
// reopened, the last query is selected; a graph from an alert leaves its
// expression in the prompt and closes the typing.
func TestPromQLOpenAndGraphByMessage(t *testing.T) {
	p := newTestPromQL(t)
	p.SetValue("up")
	p.Update(CloseMsg{})
	p.Update(OpenMsg{})
	if !p.Capturing() || !p.Selected() {
		t.Fatalf("reopened: capturing %v selected %v", p.Capturing(), p.Selected())
	}
	_, cmd := p.Update(GraphMsg{Expr: "rate(x[5m])", Title: "HighErrorRate: rate(x[5m]) > 0.05"})
	if cmd != nil || p.Value() != "rate(x[5m])" || p.Capturing() {
		t.Fatalf("graph from an alert: value %q capturing %v cmd %v", p.Value(), p.Capturing(), cmd != nil)
	}
}
