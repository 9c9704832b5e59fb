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
