package views

import (
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
	if !strings.Contains(row, MarkerStyle(st, "!").Paint("!")) {
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

// topBlank is the first line whose cell at x is blank.
