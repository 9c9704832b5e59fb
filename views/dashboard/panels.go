package dashboard

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// maxDrawnSeries is the number of series a dashboard graph draws.
const maxDrawnSeries = 6

// gLevel is the theme level of a threshold colour; NaN is unknown.
func gLevel(f *grafana.Field, v float64) themes.Level {
	if math.IsNaN(v) {
		return themes.LevelUnknown
	}
	switch f.LevelFor(v) {
	case grafana.LevelOK:
		return themes.LevelOK
	case grafana.LevelWarn:
		return themes.LevelWarn
	case grafana.LevelCrit:
		return themes.LevelCrit
	}
	return themes.LevelNone
}

// panel draws panel i in exactly h lines of at most w cells.
func (db *Screen) panel(i, w, h int, focused bool) []string {
	st := db.ctx.Styles
	p := &db.d.Panels[i]
	sc := db.vars.Scope()
	if p.Kind == grafana.KindRow {
		mark := "▾ "
		closed := p.Collapsed && !db.opened[i]
		if closed {
			mark = "▸ "
		}
		title := strings.TrimSpace(text.Sanitize(grafana.InterpolateText(p.Title, sc)))
		if n := db.folded(i); n > 0 && closed {
			title += fmt.Sprintf("  (%d panels folded: not queried; enter opens)", n)
		}
		tstyle := st.Title
		if focused {
			mark = "▶ " + mark
			tstyle = st.TabActive
		}
		return text.FitBlock([]string{tstyle.Render(text.Truncate(mark+title, w))}, w, h)
	}
	title := text.Sanitize(grafana.InterpolateText(p.Title, sc))
	if title == "" {
		title = "(" + text.Sanitize(p.Type) + ")"
	}
	tstyle := st.Title
	if focused {
		title = "▶ " + title
		tstyle = st.TabActive
	}
	head := tstyle.Render(text.Truncate(title, w))
	pd := db.data[i]
	if pd != nil && len(pd.Findings) > 0 && text.Width(title)+3 < w {
		head += st.Level(themes.LevelWarn).Render(text.Truncate(" ⚠ "+text.Sanitize(pd.Findings[0]), w-text.Width(title)))
	}
	lines := []string{head}
	body := max(h-1, 0)
	lines = append(lines, db.body(p, pd, sc, w, body)...)
	return text.FitBlock(lines, w, h)
}

// folded counts the panels folded into row i.
func (db *Screen) folded(i int) int {
	n := 0
	for j := i + 1; j < len(db.d.Panels) && db.d.Panels[j].Kind != grafana.KindRow; j++ {
		if db.d.Panels[j].Collapsed {
			n++
		}
	}
	return n
}

func (db *Screen) body(p *grafana.Panel, pd *grafana.PanelData, sc grafana.Scope, w, h int) []string {
	st := db.ctx.Styles
	muted := func(s string) []string { return []string{st.Muted.Render(text.Fit(s, w))} }
	if h <= 0 {
		return nil
	}
	switch p.Kind {
	case grafana.KindUnsupported:
		return muted("▢ " + text.Sanitize(p.Unsupported))
	case grafana.KindText:
		var out []string
		for _, l := range strings.Split(text.SanitizeMultiline(grafana.InterpolateText(p.Text, sc)), "\n") {
			out = append(out, text.WrapWords(l, w)...)
		}
		return out
	}
	if !p.Queried() {
		return muted("no query")
	}
	if pd == nil {
		return muted("waiting for Prometheus…")
	}
	if err := pd.Err(); err != nil {
		var out []string
		for _, l := range text.Wrap("✕ "+text.Sanitize(err.Error()), w) {
			out = append(out, st.Error.Render(l))
		}
		if len(out) > max(h-1, 1) {
			out = out[:max(h-1, 1)]
		}
		for _, t := range pd.Targets {
			if t.Err != nil {
				out = append(out, st.Muted.Render(text.Truncate(text.Sanitize(t.Expr), w)))
				break
			}
		}
		return out
	}
	if len(pd.Series) == 0 {
		return muted("no data in the last " + views.FormatDuration(pd.Interval.Range))
	}
	switch p.Kind {
	case grafana.KindStat:
		return db.stat(p, pd, w, h)
	case grafana.KindGauge, grafana.KindBarGauge:
		return db.bars(p, pd, w, h)
	case grafana.KindTable:
		return db.table(p, pd, w, h)
	case grafana.KindHeatmap:
		if pd.Buckets {
			return db.heatmap(p, pd, w, h)
		}
		return append(muted("a heatmap needs histogram buckets (an le label); drawn as a graph"), db.graph(p, pd, w, h-1)...)
	}
	return db.graph(p, pd, w, h)
}

func fmtField(f *grafana.Field, v float64) string {
	return text.Sanitize(grafana.Format(v, f.Unit, f.Decimals))
}

// stat draws the value (the series reduced) big, in its threshold
// colour, with a sparkline; several series one a line.
func (db *Screen) stat(p *grafana.Panel, pd *grafana.PanelData, w, h int) []string {
	st := db.ctx.Styles
	f := &p.Field
	if len(pd.Series) == 1 {
		s := pd.Series[0]
		v := fmtField(f, s.Value)
		out := []string{st.Level(gLevel(f, s.Value)).Bold(true).Render(text.Truncate("  "+v, w))}
		if s.Values != nil && h >= 3 {
			out = append(out, st.Level(gLevel(f, s.Value)).Render(views.Sparkline(s.Values, w, 0)))
		}
		return out
	}
	var out []string
	for k, s := range pd.Series {
		if k >= h {
			break
		}
		v := fmtField(f, s.Value)
		nameW := max(w-text.Width(v)-1, 1)
		out = append(out, text.Fit(text.Sanitize(s.Name), nameW)+" "+st.Level(gLevel(f, s.Value)).Render(v))
	}
	return out
}

// bars draws each series' value as a bar between min (default 0) and max
// (default the largest value), in its threshold colour.
func (db *Screen) bars(p *grafana.Panel, pd *grafana.PanelData, w, h int) []string {
	st := db.ctx.Styles
	f := &p.Field
	lo, hi := 0.0, math.Inf(-1)
	if f.Min != nil {
		lo = *f.Min
	}
	if f.Max != nil {
		hi = *f.Max
	} else {
		for _, s := range pd.Series {
			if !math.IsNaN(s.Value) {
				hi = math.Max(hi, s.Value)
			}
		}
	}
	nameW := 0
	if len(pd.Series) > 1 {
		for _, s := range pd.Series {
			nameW = max(nameW, min(text.Width(text.Sanitize(s.Name)), w/3))
		}
	}
	var out []string
	for k, s := range pd.Series {
		if k >= h {
			break
		}
		v := fmtField(f, s.Value)
		valW := max(text.Width(v), 8)
		barW := max(w-nameW-valW-2, 1)
		frac := 0.0
		if hi > lo && !math.IsNaN(s.Value) {
			frac = math.Max(0, math.Min(1, (s.Value-lo)/(hi-lo)))
		}
		n := int(math.Round(frac * float64(barW)))
		bar := st.Level(gLevel(f, s.Value)).Render(strings.Repeat("█", n)) + st.Muted.Render(strings.Repeat("░", barW-n))
		line := ""
		if nameW > 0 {
			line = text.Fit(text.Sanitize(s.Name), nameW) + " "
		}
		line += bar + " " + st.Level(gLevel(f, s.Value)).Render(text.PadLeft(v, valW))
		out = append(out, text.Truncate(line, w))
	}
	return out
}

// table lists the series, largest value first.
func (db *Screen) table(p *grafana.Panel, pd *grafana.PanelData, w, h int) []string {
	st := db.ctx.Styles
	f := &p.Field
	rows := append([]grafana.Series(nil), pd.Series...)
	sort.SliceStable(rows, func(a, b int) bool {
		x, y := rows[a].Value, rows[b].Value
		return !math.IsNaN(x) && (math.IsNaN(y) || x > y)
	})
	out := []string{st.TableHeader.Render(text.Fit(text.PadRight("series", max(w-12, 1))+text.PadLeft("value", 11), w))}
	for k, s := range rows {
		if len(out) >= h {
			out[len(out)-1] = st.Muted.Render(text.Fit(fmt.Sprintf("… %d more", len(rows)-k+1+pd.More), w))
			break
		}
		v := fmtField(f, s.Value)
		out = append(out, text.Fit(text.Sanitize(s.Name), max(w-12, 1))+" "+st.Level(gLevel(f, s.Value)).Render(text.PadLeft(v, 11)))
	}
	return out
}

// graph draws the series with the chart renderer and a legend.
func (db *Screen) graph(p *grafana.Panel, pd *grafana.PanelData, w, h int) []string {
	st := db.ctx.Styles
	f := &p.Field
	ser := pd.Series
	more := pd.More
	if len(ser) > maxDrawnSeries {
		more += len(ser) - maxDrawnSeries
		ser = ser[:maxDrawnSeries]
	}
	var lines []string
	var b strings.Builder
	for k, s := range ser {
		if k > 0 {
			b.WriteString("  ")
		}
		b.WriteString(st.Series(k).Render("━ " + text.Truncate(text.Sanitize(s.Name), 24) + " " + fmtField(f, grafana.Last(s.Values))))
	}
	if more > 0 {
		b.WriteString(st.Muted.Render(fmt.Sprintf("  +%d more", more)))
	}
	if h >= 4 {
		lines = append(lines, text.Truncate(b.String(), w))
	}
	plotH := h - len(lines) - 1
	spec := views.ChartSpec{Format: func(v float64) string { return grafana.Format(v, f.Unit, f.Decimals) }, Width: w, Height: plotH}
	n := 0
	for k, s := range ser {
		spec.Lines = append(spec.Lines, views.ChartLine{Values: s.Values, Kind: views.LineData, Series: k})
		n = max(n, len(s.Values))
	}
	if f.Min != nil {
		spec.Floor = math.Max(spec.Floor, 0)
	}
	plot := views.DrawChart(st, spec)
	if plot == nil {
		// Too small for a chart: the current values.
		return append(lines, st.Muted.Render(text.Fit("(too small for a graph)", w)))
	}
	lines = append(lines, plot...)
	lines = append(lines, st.Muted.Render(views.TimeAxis(pd.Start, pd.End, min(views.PlotColumns(w), max(n, 2)), w)))
	return lines
}

var heatShades = []string{" ", "░", "▒", "▓", "█"}

// heatmap draws a histogram's buckets over time: a line per bucket (the
// largest le at the top), a column per step fitted to the width, shaded
// by the count relative to the largest cell.
func (db *Screen) heatmap(p *grafana.Panel, pd *grafana.PanelData, w, h int) []string {
	st := db.ctx.Styles
	f := &p.Field
	rows := pd.Series
	labW := 9
	cols := max(w-labW-1, 1)
	plotH := max(h-1, 1)
	// Too many buckets for the height: neighbouring buckets are merged.
	group := (len(rows) + plotH - 1) / plotH
	type line struct {
		le    float64
		cells []float64
	}
	var lines []line
	for k := 0; k < len(rows); k += group {
		end := min(k+group, len(rows))
		var sum []float64
		for _, s := range rows[k:end] {
			d := downsampleSum(s.Values, cols)
			if sum == nil {
				sum = d
				continue
			}
			for j := range sum {
				if j < len(d) && !math.IsNaN(d[j]) {
					if math.IsNaN(sum[j]) {
						sum[j] = 0
					}
					sum[j] += d[j]
				}
			}
		}
		lines = append(lines, line{le: rows[end-1].Le, cells: sum})
	}
	top := 0.0
	for _, l := range lines {
		for _, v := range l.cells {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	var out []string
	for k := len(lines) - 1; k >= 0; k-- {
		l := lines[k]
		lab := "+Inf"
		if !math.IsInf(l.le, 1) {
			lab = grafana.Format(l.le, f.Unit, nil)
		}
		var b strings.Builder
		for _, v := range l.cells {
			switch {
			case math.IsNaN(v):
				b.WriteString(" ")
			case top <= 0 || v <= 0:
				b.WriteString(heatShades[0])
			default:
				b.WriteString(heatShades[min(1+int(v/top*float64(len(heatShades)-2)+0.5), len(heatShades)-1)])
			}
		}
		out = append(out, st.Muted.Render(text.PadLeft(text.Truncate(text.Sanitize(lab), labW), labW))+" "+st.Level(themes.LevelWarn).Render(b.String()))
	}
	out = append(out, st.Muted.Render(strings.Repeat(" ", labW+1)+views.TimeAxis(pd.Start, pd.End, cols, max(w-labW-1, 1))))
	return out
}

// downsampleSum fits values into width cells summing each cell's values
// (counts add up), or widens them when there are fewer; a cell with no
// value is NaN.
func downsampleSum(values []float64, width int) []float64 {
	if width <= 0 {
		return nil
	}
	out := make([]float64, width)
	if len(values) <= width {
		// Fewer steps than cells: each step widened, so the plot spans
		// the time axis.
		for i := range out {
			out[i] = math.NaN()
			if len(values) > 0 {
				out[i] = values[i*len(values)/width]
			}
		}
		return out
	}
	for i := range out {
		lo, hi := i*len(values)/width, (i+1)*len(values)/width
		s := math.NaN()
		for _, v := range values[lo:hi] {
			if !math.IsNaN(v) {
				if math.IsNaN(s) {
					s = 0
				}
				s += v
			}
		}
		out[i] = s
	}
	return out
}
