package promql

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// View implements views.Screen: the prompt, a line for errors or completions,
// then the result.
func (p *Screen) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	st := p.ctx.Styles
	var lines []string
	val := []rune(p.input.Value())
	promptW := text.Width(p.input.Prompt)
	// off is the first character shown of a text wider than the screen.
	off := 0
	switch {
	case p.prompting && p.selected:
		// The whole text selected: typing replaces it.
		lines = append(lines, st.Accent.Render(p.input.Prompt)+st.RowSelected.Render(text.Truncate(text.Sanitize(string(val)), max(p.width-promptW, 0))))
	case p.prompting:
		lines = append(lines, p.input.View())
		off = p.inputOffset()
	default:
		// Shifted so that a parse error's column is on the screen.
		if i := p.errIndex(); i >= 0 && promptW+text.Width(string(val[:i])) >= p.width {
			off = max(i-max(p.width-promptW, 2)/2, 0)
		}
		lines = append(lines, st.Accent.Render(p.input.Prompt)+text.Truncate(text.Sanitize(string(val[off:])), max(p.width-promptW, 0)))
	}
	switch {
	case p.err != nil && p.errPos != nil:
		if i := p.errIndex(); i >= off {
			col := promptW + text.Width(text.Sanitize(string(val[off:i])))
			if col < p.width {
				lines = append(lines, st.Error.Render(strings.Repeat(" ", col)+"^"))
			}
		}
		lines = append(lines, st.Error.Render(text.Fit(fmt.Sprintf("%d:%d: %s", p.errPos.Line, p.errPos.Col, text.Sanitize(p.errPos.Msg)), p.width)))
	case p.err != nil:
		for _, l := range text.Wrap("✕ "+text.Sanitize(p.err.Error()), p.width) {
			lines = append(lines, st.Error.Render(l))
		}
	case len(p.candidates) > 0:
		lines = append(lines, st.Muted.Render(text.Truncate(strings.Join(p.candidates, "  "), p.width)))
	case p.running:
		lines = append(lines, st.Muted.Render("running…"))
	default:
		lines = append(lines, "")
	}
	room := p.height - len(lines) - 1
	switch {
	case room <= 0:
	case p.graph != nil:
		lines = append(lines, p.graphView(room)...)
	case p.res != nil:
		lines = append(lines, p.resultView(room)...)
	}
	k, key, keys := p.ctx.Keys, widget.Key, widget.Keys
	hint := key(k.Apply) + " run · " + keys(k.HistoryPrev, k.HistoryNext) + " history · " + key(k.Complete) + " complete · " +
		key(k.GraphExpr) + " graph · " + key(k.Cancel) + " close"
	switch {
	case p.prompting && p.selected:
		ed := p.input.KeyMap
		hint = "type to replace · " + widget.Arrows(ed.CharacterBackward, ed.CharacterForward, ed.LineStart, ed.LineEnd) + " edit · " +
			key(k.Apply) + " run · " + key(k.Cancel) + " close"
	case !p.prompting:
		hint = key(k.PromQL) + " edit · " + key(k.SortColumn) + " sort column · " + widget.Arrows(k.Up, k.Down) + " scroll · " +
			widget.Arrows(k.ScrollLeft, k.ScrollRight) + " sideways · " + key(k.GraphExpr) + " graph · " + key(k.Cancel) + " close"
	}
	out := text.FitBlock(lines, p.width, p.height-1)
	out = append(out, st.Muted.Render(text.Fit(hint, p.width)))
	return strings.Join(out, "\n")
}

// labelColumnMax caps a label column's width; wider values are cut with
// an ellipsis (the table scrolls sideways for the columns themselves).
const labelColumnMax = 120

// tableWidths returns the width of each column of the result table.
func (p *Screen) tableWidths() []int {
	const valW = 12
	widths := make([]int, len(p.columns))
	if len(p.columns) == 0 {
		return widths
	}
	for i, c := range p.columns[:len(p.columns)-1] {
		w := text.Width(c) + 1
		for _, s := range p.rows {
			w = max(w, text.Width(text.Sanitize(s.Labels[c])))
		}
		widths[i] = min(w, labelColumnMax)
	}
	widths[len(widths)-1] = valW
	return widths
}

// resultWidth is the width of the whole result, in cells, before it is
// cut to the screen.
func (p *Screen) resultWidth() int {
	if p.res == nil {
		return 0
	}
	switch p.res.Kind {
	case "scalar":
		return text.Width("scalar " + views.FormatNumber(p.res.Scalar))
	case "string":
		return text.Width("string " + text.Sanitize(p.res.Text))
	}
	w := 0
	for i, cw := range p.tableWidths() {
		if i > 0 {
			w++
		}
		w += cw
	}
	return w
}

// shift cuts a line of the result to the screen, scrolled hoff cells.
func (p *Screen) shift(line string) string {
	return text.Truncate(ansi.Cut(line, p.hoff, p.hoff+p.width), p.width)
}

func (p *Screen) resultView(h int) []string {
	st := p.ctx.Styles
	r := p.res
	switch r.Kind {
	case "scalar":
		return []string{p.shift("scalar " + views.FormatNumber(r.Scalar))}
	case "string":
		return []string{p.shift("string " + text.Sanitize(r.Text))}
	case "vector", "matrix":
	default:
		return []string{st.Muted.Render("no result")}
	}
	if len(p.rows) == 0 {
		return []string{st.Muted.Render(text.Fit("empty result: no series match", p.width))}
	}
	// Column widths: each label column as wide as its widest value, capped;
	// the value column fixed. The table is drawn whole, then cut to the
	// screen at the sideways scroll.
	widths := p.tableWidths()
	valW := widths[len(widths)-1]
	title := func(i int) string {
		t := p.columns[i]
		if i == p.sortCol {
			t += "▼"
		}
		return t
	}
	var hb strings.Builder
	for i := range p.columns {
		if i > 0 {
			hb.WriteString(" ")
		}
		if i == len(p.columns)-1 {
			hb.WriteString(text.PadLeft(title(i), valW))
		} else {
			hb.WriteString(text.Fit(title(i), widths[i]))
		}
	}
	lines := []string{st.TableHeader.Render(text.PadRight(p.shift(hb.String()), p.width))}
	body := h - 2
	end := min(p.offset+max(body, 0), len(p.rows))
	for _, s := range p.rows[p.offset:end] {
		var b strings.Builder
		for i, c := range p.columns {
			if i > 0 {
				b.WriteString(" ")
			}
			if i == len(p.columns)-1 {
				b.WriteString(text.PadLeft(views.FormatNumber(s.Value), valW))
			} else {
				b.WriteString(text.Fit(text.Sanitize(s.Labels[c]), widths[i]))
			}
		}
		lines = append(lines, p.shift(b.String()))
	}
	foot := fmt.Sprintf("%d series · sorted by %s", len(p.rows), p.columns[p.sortCol])
	if total := p.resultWidth(); total > p.width {
		foot += fmt.Sprintf(" · columns %d–%d of %d, %s scroll", p.hoff+1, min(p.hoff+p.width, total), total, widget.Arrows(p.ctx.Keys.ScrollLeft, p.ctx.Keys.ScrollRight))
	}
	lines = append(lines, st.Muted.Render(text.Fit(foot, p.width)))
	return lines
}

func (p *Screen) graphView(h int) []string {
	st := p.ctx.Styles
	r := p.graph
	title := p.graphReq.Title
	if title == "" {
		title = p.graphReq.Expr
	}
	lines := []string{st.Title.Render(text.Truncate(text.Sanitize(title), p.width))}
	if len(r.Series) == 0 {
		return append(lines, st.Muted.Render("no series in the range"))
	}
	reserve := 3 // title, legend, time axis
	if !p.graphReq.Marker.IsZero() {
		reserve++
	}
	if p.graphReq.Alertname != "" {
		reserve += 2 // the markers' legend and their row
	}
	spec := views.ChartSpec{Format: views.FormatNumber, Width: p.width, Height: max(h-reserve, 2)}
	n := 0
	for i, s := range r.Series {
		spec.Lines = append(spec.Lines, views.ChartLine{Values: s.Values, Kind: views.LineData, Series: i})
		n = max(n, len(s.Values))
	}
	if t := p.graphReq.Threshold; t != nil {
		vals := make([]float64, max(n, 2))
		for i := range vals {
			vals[i] = *t
		}
		spec.Lines = append(spec.Lines, views.ChartLine{Values: vals, Kind: views.LineCrit})
	}
	plot := views.DrawChart(st, spec)
	if plot == nil {
		return append(lines, st.Muted.Render("(too small for a graph)"))
	}
	var legend strings.Builder
	for i, s := range r.Series {
		legend.WriteString(st.Series(i).Render("━ "+text.Truncate(text.Sanitize(s.Name), 40)) + "  ")
	}
	if p.graphReq.Threshold != nil {
		legend.WriteString(st.ThresholdCrit.Render("╍ threshold " + views.FormatNumber(*p.graphReq.Threshold)))
	}
	lines = append(lines, text.Truncate(legend.String(), p.width))
	cols := min(views.PlotColumns(p.width), max(n, 2))
	if p.graphReq.Alertname != "" {
		var unknown []string
		if p.firingsErr != nil {
			unknown = append(unknown, "alert firings unknown: "+p.firingsErr.Error())
		}
		loc := p.ctx.Now().Location()
		lines = append(lines, views.MarkerLegend(st, p.firings, unknown, loc, p.width))
		if row := views.MarkerRow(st, views.PlaceMarkers(p.firings, r.Start, r.End, cols), views.ChartPrefixWidth-1, p.width); row != "" {
			plot = append(plot, row)
		}
	}
	lines = append(lines, plot...)
	axis := views.TimeAxis(r.Start, r.End, cols, p.width)
	if m := p.graphReq.Marker; !m.IsZero() && m.After(r.Start) && r.End.After(r.Start) {
		cols := min(views.PlotColumns(p.width), max(n, 2))
		at := views.ChartPrefixWidth - 1 + int(float64(cols-1)*m.Sub(r.Start).Seconds()/r.End.Sub(r.Start).Seconds())
		if at < p.width {
			label := "▲ active since " + m.Format("15:04")
			if w := text.Width(label); at+w > p.width && at+1 >= w {
				// Near the right edge: the text ends at the mark.
				label = "active since " + m.Format("15:04") + " ▲"
				at = at + 1 - w
			}
			lines = append(lines, st.Firing.Render(strings.Repeat(" ", at)+label))
		}
	}
	return append(lines, st.Muted.Render(axis))
}
