package views

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/query"
)

func ev(t time.Time, k query.EventKind, name string) query.Event {
	return query.Event{Time: t, Kind: k, Summary: name, Labels: map[string]string{"alertname": name}}
}

func TestPlaceMarkersColumnFromTime(t *testing.T) {
	start := fixedNow
	end := start.Add(100 * time.Second) // 11 columns, 10s each
	col := func(ms []chartMarker) string {
		var parts []string
		for _, m := range ms {
			parts = append(parts, fmt.Sprintf("%d%s%d", m.col, m.tag, len(m.events)))
		}
		return strings.Join(parts, " ")
	}
	tests := []struct {
		name   string
		events []query.Event
		want   string
	}{
		{"at the first and last columns", []query.Event{ev(start, query.EventDeploy, ""), ev(end, query.EventRestart, "")}, "0D1 10R1"},
		{"nearest column", []query.Event{ev(start.Add(44*time.Second), query.EventAlertFiring, "A"), ev(start.Add(46*time.Second), query.EventRestart, "")}, "4!1 5R1"},
		{"within half a column of the edges", []query.Event{ev(start.Add(-4*time.Second), query.EventDeploy, ""), ev(end.Add(4*time.Second), query.EventDeploy, "")}, "0D1 10D1"},
		{"outside the range: not drawn", []query.Event{ev(start.Add(-6*time.Second), query.EventDeploy, ""), ev(end.Add(6*time.Second), query.EventRestart, ""), ev(start.Add(-time.Hour), query.EventAlertFiring, "A")}, ""},
		{"one kind in a column keeps its tag", []query.Event{ev(start.Add(31*time.Second), query.EventRestart, ""), ev(start.Add(29*time.Second), query.EventRestart, "")}, "3R2"},
		{"several kinds in a column merge", []query.Event{ev(start.Add(70*time.Second), query.EventDeploy, ""), ev(start.Add(72*time.Second), query.EventAlertFiring, "A"), ev(start.Add(68*time.Second), query.EventRestart, "")}, "7*3"},
		{"ordered by column", []query.Event{ev(end, query.EventRestart, ""), ev(start, query.EventDeploy, "")}, "0D1 10R1"},
	}
	for _, tt := range tests {
		if got := col(placeMarkers(tt.events, start, end, 11)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// Narrow plots and empty spans place nothing rather than divide by 0.
	one := []query.Event{ev(start, query.EventDeploy, "")}
	for _, cols := range []int{-1, 0, 1} {
		if ms := placeMarkers(one, start, end, cols); ms != nil {
			t.Errorf("%d columns: %v", cols, ms)
		}
	}
	if ms := placeMarkers(one, start, start, 20); ms != nil {
		t.Errorf("empty span: %v", ms)
	}
	if got := col(placeMarkers(one, start, start.Add(time.Second), 2)); got != "0D1" {
		t.Errorf("two columns: %q", got)
	}
}

func TestOverlayMarkersKeepTheLineAndColours(t *testing.T) {
	st := testContext(t, "dark").Styles
	cp := chartPainter{st: st}
	vals := []float64{1, 1, 1, 1, 5, 5, 5, 5, 1, 1}
	plot := cp.plot(chartSpec{lines: []chartLine{{values: vals}}, format: FormatRPS, width: PlotColumnsInverse(len(vals)), height: 6})
	ms := []chartMarker{{col: 2, tag: "R"}, {col: 6, tag: "!"}}
	out := overlayMarkers(st, plot, ms, chartPrefixW-1)
	if len(out) != len(plot) {
		t.Fatalf("%d lines, want %d", len(out), len(plot))
	}
	for i := range out {
		a, b := []rune(ansi.Strip(plot[i])), []rune(ansi.Strip(out[i]))
		if ansi.StringWidth(out[i]) != ansi.StringWidth(plot[i]) && ansi.StringWidth(out[i]) > PlotColumnsInverse(len(vals)) {
			t.Errorf("line %d grew: %q", i, string(b))
		}
		for _, m := range ms {
			x := chartPrefixW - 1 + m.col
			switch {
			case i == topBlank(plot, x):
				if x >= len(b) || string(b[x]) != m.tag {
					t.Errorf("line %d, the column's topmost blank: no %s at %d: %q", i, m.tag, x, string(b))
				}
			case x < len(a) && a[x] != ' ':
				if b[x] != a[x] {
					t.Errorf("line %d: the data cell %q at %d became %q", i, a[x], x, b[x])
				}
			case i > topBlank(plot, x):
				if x >= len(b) || string(b[x]) != markerGlyph {
					t.Errorf("line %d: no %s at %d: %q", i, markerGlyph, x, string(b))
				}
			}
		}
		// Every other cell is as it was.
		for x := range a {
			if x != chartPrefixW-1+2 && x != chartPrefixW-1+6 && (x >= len(b) || a[x] != b[x]) {
				t.Errorf("line %d: cell %d changed: %q → %q", i, x, string(a), string(b))
				break
			}
		}
	}
}

func TestSetCellRestoresTheStyle(t *testing.T) {
	line := "ab\x1b[38;5;3mcde\x1b[0mf"
	got := setCell(line, 3, "X", false)
	if want := "ab\x1b[38;5;3mc\x1b[0mX\x1b[38;5;3me\x1b[0mf"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := setCell(line, 2, "X", true); got != line {
		t.Errorf("a non-blank cell was replaced with blankOnly: %q", got)
	}
	if got := setCell("ab", 4, "X", false); ansi.Strip(got) != "ab  X" {
		t.Errorf("short line: %q", got)
	}
	if got := setCell("ab", -1, "X", false); got != "ab" {
		t.Errorf("negative column: %q", got)
	}
}

func TestEndpointDrawsMarkersAndLegend(t *testing.T) {
	e := newTestEndpoint(t, 80, 24, query.CompareOff)
	v := ansi.Strip(e.View())
	lines := strings.Split(v, "\n")
	if !strings.HasPrefix(lines[1], "┊ ! ") || !strings.Contains(lines[1], "HighErrorRate") ||
		!strings.Contains(lines[1], "D ") || !strings.Contains(lines[1], "R ") {
		t.Errorf("legend line: %q", lines[1])
	}
	// The changes, newest first, above the charts.
	if !strings.Contains(lines[2], "D ") || !strings.Contains(lines[2], "version 1.4.0 → 1.5.0") ||
		!strings.Contains(lines[3], "R ") || !strings.Contains(lines[3], "restart of 10.0.0.7:8000") {
		t.Errorf("changes lines:\n%s\n%s", lines[2], lines[3])
	}
	if !strings.Contains(v, "┊") || strings.Count(v, "R") < 2 {
		t.Errorf("no marker column drawn:\n%s", v)
	}

	// More than three changes: three and how many more.
	d := sampleDetail(e.Request())
	for i := range 4 {
		d.Changes = append(d.Changes, query.Event{Time: d.Plan.End.Add(-time.Duration(i+1) * time.Minute), Kind: query.EventRestart, Summary: fmt.Sprintf("restart %d", i)})
	}
	query.SortEvents(d.Changes)
	e.Update(DetailMsg{Detail: d})
	v = ansi.Strip(e.View())
	lines = strings.Split(v, "\n")
	if !strings.Contains(lines[2], "restart 0") || !strings.Contains(lines[4], "restart 2") || !strings.Contains(lines[5], "… 3 more") {
		t.Errorf("want three changes, newest first, then … 3 more:\n%s", strings.Join(lines[:7], "\n"))
	}

	// Unknown, not none, when a marker query failed.
	d = sampleDetail(e.Request())
	d.Changes, d.ChangesErr = nil, errors.New("bad_data: \x1b[31mboom")
	e.Update(DetailMsg{Detail: d})
	v = ansi.Strip(e.View())
	if !strings.Contains(v, "deploys and restarts unknown: bad_data: ") || strings.Contains(v, "no deploy, restart") {
		t.Errorf("a failed changes query must read unknown:\n%s", v)
	}
	// None, said so, when both are known and empty.
	d = sampleDetail(e.Request())
	d.Changes, d.Firings = nil, nil
	e.Update(DetailMsg{Detail: d})
	if v = ansi.Strip(e.View()); !strings.Contains(v, "no deploy, restart or alert firing seen in this range") {
		t.Errorf("no markers:\n%s", v)
	}
	// Tiny sizes do not panic and fit.
	for _, sz := range [][2]int{{20, 5}, {1, 1}, {9, 9}, {30, 8}} {
		e.SetSize(sz[0], sz[1])
		checkFits(t, e.View(), sz[0], sz[1])
	}
}

// topBlank is the first line whose cell at x is blank.
func topBlank(lines []string, x int) int {
	for i, l := range lines {
		r := []rune(ansi.Strip(l))
		if x >= len(r) || r[x] == ' ' {
			return i
		}
	}
	return 0
}
