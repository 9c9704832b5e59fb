package views

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/guptarohit/asciigraph"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/text"
)

// DownsampleMax fits values into width buckets keeping each bucket's
// largest value, so a one-point spike survives; a bucket with no value is
// NaN (a gap). Values that already fit are returned as they are.
func DownsampleMax(values []float64, width int) []float64 {
	if width <= 0 {
		return nil
	}
	if len(values) <= width {
		return values
	}
	out := make([]float64, width)
	for i := range out {
		lo, hi := i*len(values)/width, (i+1)*len(values)/width
		m := math.NaN()
		for _, v := range values[lo:hi] {
			if !query.Missing(v) && (math.IsNaN(m) || v > m) {
				m = v
			}
		}
		out[i] = m
	}
	return out
}

// LineKind is what a chart line stands for; it picks the line's style and,
// for thresholds and comparisons, its glyphs.
type LineKind int

const (
	LineData LineKind = iota
	LineCompare
	LineWarn
	LineCrit
)

// ChartLine is one line of a chart. Series picks the colour of a data or
// comparison line among the graph series styles.
type ChartLine struct {
	Values []float64
	Kind   LineKind
	Series int
	// now is the current value of a data line (NaN when unknown).
	Now float64
}

// ChartSpec is a chart to draw in width×height cells (the plot and its
// y-axis labels; the caption and the time axis are drawn by the caller).
type ChartSpec struct {
	Lines  []ChartLine
	Format func(float64) string // a y-axis label, unit included
	Width  int
	Height int
	// floor is the least top of the y axis (so a threshold line or a
	// little traffic does not fill the whole height).
	Floor float64
}

// fitTop is the top of a y axis of the given intervals, at least need,
// on which the first mark falls exactly on a row (and the others too when
// one allows it), wasting at most a third of the height; else need.
func fitTop(need float64, marks []float64, intervals int) float64 {
	if intervals < 1 || len(marks) == 0 || !(marks[0] > 0) || !(need > 0) {
		return need
	}
	c := marks[0]
	first := math.NaN()
	for k := intervals; k >= 1; k-- {
		t := c * float64(intervals) / float64(k)
		if t < need*(1-1e-9) {
			continue
		}
		if t > 1.5*need {
			break
		}
		if math.IsNaN(first) {
			first = t
		}
		all := true
		for _, m := range marks[1:] {
			x := m * float64(k) / c // the mark's row
			if m > 0 && (math.Abs(x-math.Round(x)) > 1e-6 || math.Round(x) < 1) {
				all = false
			}
		}
		if all {
			return t
		}
	}
	if math.IsNaN(first) {
		return need
	}
	return first
}

// placeMarks puts each threshold line on the row of its value and returns
// the label of each such row: the threshold's value. A line whose value is
// on no row (fitTop found no top for it), on the zero row, or on the row
// of a line placed before it (crit before warn), is not drawn: its value is
// in the caption. The rows' labels stay evenly spaced.
func placeMarks(lines []ChartLine, data [][]float64, top float64, intervals int) (labels map[int]float64, drop map[int]bool) {
	labels, drop = map[int]float64{}, map[int]bool{}
	for _, kind := range []LineKind{LineCrit, LineWarn} {
		for i, l := range lines {
			if l.Kind != kind || len(l.Values) == 0 {
				continue
			}
			v := l.Values[0]
			x := v / top * float64(intervals)
			row := int(math.Round(x))
			// Off its row, the line would be read at another value: not
			// drawn.
			if _, taken := labels[row]; taken || row < 1 || row > intervals || !(v > 0) || math.Abs(x-float64(row)) > 1e-6 {
				drop[i] = true
				continue
			}
			labels[row] = v
			at := float64(row) * top / float64(intervals)
			for j := range data[i] {
				if !math.IsNaN(data[i][j]) {
					data[i][j] = at
				}
			}
		}
	}
	return labels, drop
}

// axisLabelW is the width of the y-axis labels, padded so the plot starts
// at the same column in every chart.
const axisLabelW = 7

// ChartPrefixWidth is what asciigraph puts before the first plot column: a
// space, the label and the axis.
const ChartPrefixWidth = axisLabelW + 2

// PlotColumns is the number of points a chart of the given width draws.
func PlotColumns(width int) int { return max(width-ChartPrefixWidth+1, 0) }

// Glyphs of the threshold and comparison lines, so they are told apart
// without colour (and in the goldens, which are stripped of it).
var (
	warnChars    = asciigraph.CreateCharSet("┄")
	critChars    = asciigraph.CreateCharSet("╍")
	compareChars = asciigraph.CreateCharSet("·")
)

// Tags are colours asciigraph writes that chartPainter then replaces with
// the theme's styles: asciigraph knows only its own palette.
const (
	tagAxis  = 30
	tagLabel = 31
	tagBase  = 40 // + line index
)

// chartPainter draws charts in the theme's styles.
type chartPainter struct {
	st *themes.Styles
}

func (cp chartPainter) style(kind LineKind, series int) Painter {
	switch kind {
	case LineWarn:
		return NewPainter(cp.st.ThresholdWarn)
	case LineCrit:
		return NewPainter(cp.st.ThresholdCrit)
	case LineCompare:
		return NewPainter(cp.st.Muted)
	}
	return NewPainter(cp.st.Series(series))
}

// plot draws the chart in exactly spec.height lines of at most spec.width
// cells. It returns nil when the size leaves no room for a plot.
func (cp chartPainter) plot(spec ChartSpec) []string {
	cols := PlotColumns(spec.Width)
	if cols < 2 || spec.Height < 2 {
		return nil
	}
	top := spec.Floor
	data := make([][]float64, 0, len(spec.Lines))
	colors := make([]asciigraph.AnsiColor, 0, len(spec.Lines))
	chars := make([]asciigraph.CharSet, 0, len(spec.Lines))
	painters := map[int]Painter{
		tagAxis:  NewPainter(cp.st.GraphAxis),
		tagLabel: NewPainter(cp.st.GraphAxis),
	}
	n := 0
	for _, l := range spec.Lines {
		n = max(n, min(len(l.Values), cols))
	}
	if n < 2 {
		n = 2
	}
	for i, l := range spec.Lines {
		v := DownsampleMax(l.Values, cols)
		row := make([]float64, n)
		for j := range row {
			row[j] = math.NaN()
		}
		// The newest value stays at the right edge.
		copy(row[max(n-len(v), 0):], v[max(len(v)-n, 0):])
		for j, x := range row {
			if query.Missing(x) {
				row[j] = math.NaN()
			} else if x > top {
				top = x
			}
		}
		data = append(data, row)
		tag := tagBase + i
		colors = append(colors, asciigraph.AnsiColor(tag))
		painters[tag] = cp.style(l.Kind, l.Series)
		switch l.Kind {
		case LineWarn:
			chars = append(chars, warnChars)
		case LineCrit:
			chars = append(chars, critChars)
		case LineCompare:
			chars = append(chars, compareChars)
		default:
			chars = append(chars, asciigraph.DefaultCharSet)
		}
	}
	if len(data) == 0 {
		return nil
	}
	if !(top > 0) {
		top = 1
	}
	intervals := spec.Height - 1
	var marks []float64
	for _, kind := range []LineKind{LineCrit, LineWarn} {
		for _, l := range spec.Lines {
			if l.Kind == kind && len(l.Values) > 0 {
				marks = append(marks, l.Values[0])
			}
		}
	}
	top = fitTop(top, marks, intervals)
	labels, drop := placeMarks(spec.Lines, data, top, intervals)
	if len(drop) > 0 {
		keep := 0
		for i := range data {
			if !drop[i] {
				data[keep], colors[keep], chars[keep] = data[i], colors[i], chars[i]
				keep++
			}
		}
		data, colors, chars = data[:keep], colors[:keep], chars[:keep]
	}
	format := spec.Format
	out := asciigraph.PlotMany(data,
		asciigraph.Height(spec.Height-1),
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(top),
		asciigraph.Offset(2),
		asciigraph.YAxisValueFormatter(func(v float64) string {
			if math.Abs(v) < top*1e-9 {
				v = 0 // not a float residue such as 1e-17
			}
			if m, ok := labels[int(math.Round(v/top*float64(intervals)))]; ok {
				v = m // the threshold drawn on this row
			}
			return text.PadLeft(text.Truncate(format(v), axisLabelW), axisLabelW)
		}),
		asciigraph.SeriesColors(colors...),
		asciigraph.SeriesChars(chars...),
		asciigraph.AxisColor(tagAxis),
		asciigraph.LabelColor(tagLabel),
	)
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = text.Truncate(repaint(l, painters), spec.Width)
	}
	// asciigraph rounds the rows; the block is always spec.height lines.
	for len(lines) < spec.Height {
		lines = append([]string{""}, lines...)
	}
	if len(lines) > spec.Height {
		lines = lines[len(lines)-spec.Height:]
	}
	return lines
}

// repaint replaces asciigraph's colour sequences by the theme's styles.
func repaint(s string, painters map[int]Painter) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	var run strings.Builder
	cur := -1
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if p, ok := painters[cur]; ok {
			b.WriteString(p.Paint(run.String()))
		} else {
			b.WriteString(run.String())
		}
		run.Reset()
	}
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := strings.IndexByte(s[i:], 'm')
			if j < 0 {
				break
			}
			seq := s[i+2 : i+j]
			flush()
			cur = -1
			if rest, ok := strings.CutPrefix(seq, "38;5;"); ok {
				if n, err := strconv.Atoi(rest); err == nil {
					cur = n
				}
			}
			i += j + 1
			continue
		}
		run.WriteByte(s[i])
		i++
	}
	flush()
	return b.String()
}

// TimeAxis is the line under a plot of cols points from start to end: the
// start, middle and end times under their columns, after the label gutter.
func TimeAxis(start, end time.Time, cols, width int) string {
	if cols < 2 || width <= ChartPrefixWidth {
		return ""
	}
	layout := "15:04"
	if end.Sub(start) > 36*time.Hour {
		layout = "Mon 15h"
	}
	l, r := start.Format(layout), end.Format(layout)
	mid := start.Add(end.Sub(start) / 2).Format(layout)
	line := []rune(strings.Repeat(" ", cols))
	put := func(at int, s string) {
		rs := []rune(s)
		at = min(max(at, 0), len(line)-len(rs))
		if at < 0 {
			return
		}
		copy(line[at:], rs)
	}
	if cols >= len(l)+len(r)+2 {
		put(0, l)
		put(cols-len([]rune(r)), r)
		if cols >= len(l)+len(r)+len(mid)+6 {
			put(cols/2-len([]rune(mid))/2, mid)
		}
	} else {
		put(cols-len([]rune(r)), r)
	}
	return text.Truncate(strings.Repeat(" ", ChartPrefixWidth-1)+strings.TrimRight(string(line), " "), width)
}

// DrawChart is the one place the screens draw a chart (panels, the PromQL
// graph, the dashboard).
func DrawChart(st *themes.Styles, spec ChartSpec) []string {
	return chartPainter{st: st}.plot(spec)
}
