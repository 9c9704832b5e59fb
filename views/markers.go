package views

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/text"
)

// Markers over a chart: a deploy (D), a restart (R) or an alert that began
// firing (!) is a dim ┊ column at its time, over the blank cells of the
// plot, with its tag in the top row. Events in one column merge: their
// tag when they are all of one kind, else *.

// markerGlyph is the column of a marker over blank plot cells.
const markerGlyph = "┊"

// ChartMarker is the marker column of one or more events.
type ChartMarker struct {
	col    int // plot column, 0 the first
	tag    string
	events []query.Event
}

// PlaceMarkers puts each event in the plot column of its time, on a plot
// of cols columns whose first is at start and last at end: the nearest
// column. An event more than half a column before start or after end (or
// any, with fewer than two columns or an empty span) is not placed.
// Events in one column merge; the result is ordered by column.
func PlaceMarkers(events []query.Event, start, end time.Time, cols int) []ChartMarker {
	span := end.Sub(start)
	if cols < 2 || span <= 0 {
		return nil
	}
	per := float64(span) / float64(cols-1) // one column
	byCol := map[int]int{}
	var out []ChartMarker
	for _, e := range events {
		x := float64(e.Time.Sub(start)) / per
		if x < -0.5 || x > float64(cols-1)+0.5 || math.IsNaN(x) {
			continue
		}
		c := min(max(int(math.Round(x)), 0), cols-1)
		tag := query.MarkerTag(e.Kind)
		if i, ok := byCol[c]; ok {
			m := &out[i]
			if m.tag != tag {
				m.tag = "*"
			}
			m.events = append(m.events, e)
			continue
		}
		byCol[c] = len(out)
		out = append(out, ChartMarker{col: c, tag: tag, events: []query.Event{e}})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].col < out[j-1].col; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// MarkerStyle is the style of a marker's tag.
func MarkerStyle(st *themes.Styles, tag string) Painter {
	switch tag {
	case "!":
		return NewPainter(st.Firing)
	case "D", "R", "*":
		return NewPainter(st.Accent)
	}
	return NewPainter(st.Muted)
}

// MarkerRow is the row of markers under a plot whose first plot column is
// at cell offset: each tag in its column, in a row of its own so no tag is
// read as a point of the data. Empty with no marker.
func MarkerRow(st *themes.Styles, ms []ChartMarker, offset, width int) string {
	if len(ms) == 0 || width <= 0 {
		return ""
	}
	line := ""
	for _, m := range ms {
		if at := offset + m.col; at < width {
			line = setCell(line, at, MarkerStyle(st, m.tag).Paint(m.tag), false)
		}
	}
	return line
}

// cellBlank reports whether the cell at col is a space (or past the end).
func cellBlank(line string, col int) bool {
	return setCell(line, col, "x", true) != line
}

// setCell replaces the cell at col of a line of one-cell characters and
// SGR escape sequences by repl (which ends its own style); the style in
// force there is restored after it. With blankOnly a cell that is not a
// space is left as it is. A line shorter than col is padded with spaces.
func setCell(line string, col int, repl string, blankOnly bool) string {
	if col < 0 {
		return line
	}
	var b strings.Builder
	b.Grow(len(line) + len(repl) + 16)
	active := ""
	cell := 0
	for i := 0; i < len(line); {
		if line[i] == 0x1b && i+1 < len(line) && line[i+1] == '[' {
			j := i + 2
			for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
				j++
			}
			if j >= len(line) {
				b.WriteString(line[i:])
				return b.String()
			}
			seq := line[i : j+1]
			if line[j] == 'm' {
				if seq == "\x1b[0m" || seq == "\x1b[m" {
					active = ""
				} else {
					active += seq
				}
			}
			b.WriteString(seq)
			i = j + 1
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		if cell == col {
			if blankOnly && r != ' ' {
				return line
			}
			if active != "" {
				b.WriteString("\x1b[0m")
			}
			b.WriteString(repl)
			b.WriteString(active)
			b.WriteString(line[i+size:])
			return b.String()
		}
		b.WriteString(line[i : i+size])
		i += size
		cell++
	}
	if active != "" {
		b.WriteString("\x1b[0m")
	}
	b.WriteString(strings.Repeat(" ", col-cell))
	b.WriteString(repl)
	return b.String()
}

// MarkerLegend is one line naming the markers, newest first, each as its
// tag, time and what it is ("! 14:09 HighErrors"), in w cells; what does
// not fit is counted ("… 3 more"). unknown names the marker sources that
// failed, with their errors.
func MarkerLegend(st *themes.Styles, events []query.Event, unknown []string, loc *time.Location, w int) string {
	head := st.Muted.Render(markerGlyph + " ")
	if len(events) == 0 && len(unknown) == 0 {
		return text.Truncate(head+st.Muted.Render("no deploy, restart or alert firing seen in this range"), w)
	}
	var parts []string
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		tag := query.MarkerTag(e.Kind)
		label := shortMarkerLabel(e)
		parts = append(parts, MarkerStyle(st, tag).Paint(tag)+" "+e.Time.In(loc).Format("15:04:05")+" "+text.Sanitize(label))
	}
	var unk []string
	for _, u := range unknown {
		unk = append(unk, st.Error.Render(text.Sanitize(u)))
	}
	sep := st.Muted.Render(" · ")
	line := head
	for i, p := range parts {
		more := ""
		if n := len(parts) - i - 1; n > 0 {
			more = sep + st.Muted.Render(fmt.Sprintf("… %d more", n))
		}
		next := line
		if i > 0 {
			next += sep
		}
		next += p
		if text.Width(next)+text.Width(more) > w && i > 0 {
			line += sep + st.Muted.Render(fmt.Sprintf("… %d more", len(parts)-i))
			break
		}
		line = next
	}
	for _, u := range unk {
		if len(parts) > 0 || u != unk[0] {
			line += sep
		}
		line += u
	}
	return text.Truncate(line, w)
}

// shortMarkerLabel is what a marker is, in a word or two.
func shortMarkerLabel(e query.Event) string {
	switch e.Kind {
	case query.EventAlertFiring:
		return e.Labels["alertname"]
	case query.EventDeploy:
		return "deploy"
	case query.EventRestart:
		return "restart"
	}
	return string(e.Kind)
}
