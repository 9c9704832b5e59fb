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
	col := func(ms []ChartMarker) string {
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
		if got := col(PlaceMarkers(tt.events, start, end, 11)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// Narrow plots and empty spans place nothing rather than divide by 0.
	one := []query.Event{ev(start, query.EventDeploy, "")}
	for _, cols := range []int{-1, 0, 1} {
		if ms := PlaceMarkers(one, start, end, cols); ms != nil {
			t.Errorf("%d columns: %v", cols, ms)
		}
	}
	if ms := PlaceMarkers(one, start, start, 20); ms != nil {
		t.Errorf("empty span: %v", ms)
	}
	if got := col(PlaceMarkers(one, start, start.Add(time.Second), 2)); got != "0D1" {
		t.Errorf("two columns: %q", got)
	}
}

// The markers sit in a row of their own, each tag in its column, in its
// colour; nothing else is in that row.
func TestMarkerRowTagsInTheirColumns(t *testing.T) {
	st := testContext(t, "dark").Styles
	ms := []ChartMarker{{col: 2, tag: "R"}, {col: 6, tag: "!"}}
	row := MarkerRow(st, ms, ChartPrefixWidth-1, 40)
	r := []rune(ansi.Strip(row))
	for x, c := range r {
		want := ' '
		switch x {
		case ChartPrefixWidth - 1 + 2:
			want = 'R'
		case ChartPrefixWidth - 1 + 6:
			want = '!'
		}
		if c != want {
			t.Errorf("cell %d: %q, want %q (row %q)", x, c, want, string(r))
		}
	}
	if !strings.Contains(row, markerStyle(st, "!").paint("!")) {
		t.Errorf("the firing tag is not in its colour: %q", row)
	}
	if MarkerRow(st, nil, 0, 40) != "" || MarkerRow(st, ms, 0, 0) != "" {
		t.Error("no marker or no width: not an empty row")
	}
	// A marker past the width is left out, not drawn past it.
	if w := ansi.StringWidth(MarkerRow(st, []ChartMarker{{col: 50, tag: "D"}}, 0, 40)); w != 0 {
		t.Errorf("a marker past the width drew %d cells", w)
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
