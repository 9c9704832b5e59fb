package views

import (
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A threshold line sits on the row labelled with its value, or is not
// drawn; whatever the height and the data's top. Data under the crit line
// (4.4% against 5%) gets a top that puts 5% on a row exactly.
func TestChartThresholdLinesSitOnTheirValue(t *testing.T) {
	st := testContext(t, "dark").Styles
	cp := chartPainter{st: st}
	const warn, crit = 0.01, 0.05
	flat := func(v float64, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	for _, top := range []float64{0.044, 0.05, 0.07, 0.3, 1} {
		for h := 3; h <= 30; h++ {
			data := flat(top/2, 40)
			data[20] = top
			plot := cp.plot(ChartSpec{Lines: []ChartLine{
				{Values: flat(warn, 40), Kind: LineWarn}, {Values: flat(crit, 40), Kind: LineCrit}, {Values: data},
			}, Format: FormatPercent, Width: 60, Height: h})
			if len(plot) != h {
				t.Fatalf("top %v height %d: %d lines", top, h, len(plot))
			}
			drawn := map[string]bool{}
			for _, l := range plot {
				l = ansi.Strip(l)
				label := strings.TrimSpace(string([]rune(l)[:axisLabelW+1]))
				for glyph, want := range map[string]string{"╍": FormatPercent(crit), "┄": FormatPercent(warn)} {
					if strings.Count(l, glyph) >= 10 {
						drawn[glyph] = true
						if label != want {
							t.Errorf("top %v height %d: the %s line is on the row labelled %q, want %q:\n%s", top, h, glyph, label, want, strings.Join(plot, "\n"))
						}
					}
				}
			}
			// Under the crit line, with room for it, 5% is always drawn.
			if top < crit && h >= 5 && !drawn["╍"] {
				t.Errorf("top %v height %d: no crit line:\n%s", top, h, ansi.Strip(strings.Join(plot, "\n")))
			}
		}
	}
}

func TestFitTop(t *testing.T) {
	// 5% on a row of a 4-interval axis at least 4.4% high: 5% itself.
	if got := fitTop(0.044, []float64{0.05}, 4); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("fitTop = %v, want 0.05", got)
	}
	// 5% and 1% both on rows of 10 intervals from 6%: 10% (5% at row 5, 1% at row 1).
	if got := fitTop(0.06, []float64{0.05, 0.01}, 10); math.Abs(got-0.0625) > 1e-12 && math.Abs(got-0.1) > 1e-12 {
		t.Errorf("fitTop = %v", got)
	}
	// No top within a fifth of the need: the need.
	if got := fitTop(0.3, []float64{0.05}, 3); got != 0.3 {
		t.Errorf("fitTop = %v, want 0.3", got)
	}
}

// A gap in the data leaves blank columns in the plot: no line is drawn
// through it and nothing is drawn at 0.
func TestChartGapsAreBlank(t *testing.T) {
	nan := math.NaN()
	vals := []float64{5, 5, 5, nan, nan, nan, nan, 5, 5, 5}
	cp := chartPainter{st: testContext(t, "dark").Styles}
	lines := cp.plot(ChartSpec{Lines: []ChartLine{{Values: vals}}, Format: FormatRPS, Width: PlotColumnsInverse(len(vals)), Height: 6})
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		l = ansi.Strip(l)
		r := []rune(l)
		// Columns of points 4..6 (x+offset: the segments that start
		// and end in the gap) are blank on every row.
		for x := 4; x <= 5; x++ {
			col := ChartPrefixWidth - 1 + x
			if col < len(r) && r[col] != ' ' {
				t.Fatalf("column of point %d drawn in the gap: %q", x, l)
			}
		}
	}
	// An all-NaN chart does not panic and draws no line.
	lines = cp.plot(ChartSpec{Lines: []ChartLine{{Values: []float64{nan, nan, nan}}}, Format: FormatRPS, Width: 40, Height: 5})
	for _, l := range lines {
		if strings.ContainsAny(ansi.Strip(l), "─╭╮╰╯") {
			t.Fatalf("a line drawn from no data: %q", l)
		}
	}
}

// PlotColumnsInverse is the chart width that draws n points.
func PlotColumnsInverse(n int) int { return n + ChartPrefixWidth - 1 }

func TestPlotColumnsMatchAsciigraph(t *testing.T) {
	cp := chartPainter{st: testContext(t, "dark").Styles}
	for _, w := range []int{20, 39, 80, 200} {
		vals := make([]float64, PlotColumns(w))
		for i := range vals {
			vals[i] = float64(i % 7)
		}
		lines := cp.plot(ChartSpec{Lines: []ChartLine{{Values: vals}}, Format: FormatRPS, Width: w + 50, Height: 8})
		widest := 0
		for _, l := range lines {
			widest = max(widest, ansi.StringWidth(l))
		}
		if widest != w {
			t.Errorf("width %d: %d points drew %d cells", w, len(vals), widest)
		}
	}
}

// BenchmarkChartRender draws the latency chart of a 24h range at 200
// columns with six series (p50, p99, their comparison, the warning and
// critical lines), from 15s-resolution data downsampled to the columns.
func BenchmarkChartRender(b *testing.B) {
	ctx := testContext(b, "dark")
	const points = 24 * 60 * 4
	mk := func(base float64) []float64 {
		v := make([]float64, points)
		for i := range v {
			v[i] = base * (1 + 0.3*math.Sin(float64(i)/50))
			if i%997 == 0 {
				v[i] = math.NaN()
			}
		}
		return v
	}
	spec := ChartSpec{
		Lines: []ChartLine{
			{Values: mk(1), Kind: LineWarn}, {Values: mk(2), Kind: LineCrit},
			{Values: mk(0.08), Kind: LineCompare}, {Values: mk(0.4), Kind: LineCompare},
			{Values: mk(0.1), Series: 1}, {Values: mk(0.5), Series: 0},
		},
		Format: FormatSeconds, Width: 200, Height: 20, Floor: 1.25,
	}
	cp := chartPainter{st: ctx.Styles}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(cp.plot(spec)) != 20 {
			b.Fatal("short chart")
		}
	}
}
