package endpoint

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// chartBlock is one chart: its caption, plot and time axis, in exactly h
// lines of at most w cells.
func (e *Screen) chartBlock(c query.DetailChart, w, h int) []string {
	st := e.ctx.Styles
	th := e.ctx.Thresholds()
	var ch *query.Chart
	if e.data != nil {
		ch = &e.data.Charts[c]
	}
	var (
		name   string
		format func(float64) string
		value  func(float64) string
		lines  []views.ChartLine
		floor  float64
		cap    []string
		level  = func(float64) themes.Level { return themes.LevelNone }
		warn   float64
		crit   float64
	)
	get := func(n string) []float64 {
		if ch == nil {
			return nil
		}
		if s := ch.Get(n); s != nil {
			return s.Values
		}
		return nil
	}
	// now is the current value of a series: the figure over the overview's
	// window as of the refresh, whatever the range (never the last point
	// of the chart, whose window depends on the range).
	now := func(n string) float64 {
		if ch == nil {
			return math.NaN()
		}
		if s := ch.Get(n); s != nil {
			return s.Now
		}
		return math.NaN()
	}
	data := func(n string, series int) views.ChartLine {
		return views.ChartLine{Values: get(n), Series: series, Now: now(n)}
	}
	switch c {
	case query.ChartErrorRatio:
		name, format, value = "error ratio", views.FormatPercent, views.FormatPercent
		warn, crit = th.ErrorRatioWarn, th.ErrorRatioCrit
		level = func(v float64) themes.Level { return views.ThemeLevel(v, th.ErrorLevel(v)) }
		lines = append(lines, views.ChartLine{Values: get(query.SeriesErrorRatio + query.CompareSuffix), Kind: views.LineCompare},
			data(query.SeriesErrorRatio, 0))
	case query.ChartLatency:
		name, format, value = "latency", views.FormatSeconds, views.FormatSeconds
		warn, crit = th.P99Warn.Seconds(), th.P99Crit.Seconds()
		level = func(v float64) themes.Level { return views.ThemeLevel(v, th.P99Level(v)) }
		lines = append(lines,
			views.ChartLine{Values: get(query.SeriesP50 + query.CompareSuffix), Kind: views.LineCompare},
			views.ChartLine{Values: get(query.SeriesP99 + query.CompareSuffix), Kind: views.LineCompare},
			data(query.SeriesP50, 1),
			data(query.SeriesP99, 0))
	case query.ChartRPS:
		name = "requests/s"
		format = func(v float64) string { return views.FormatRPS(v) + "/s" }
		value = withUnit(views.FormatRPS, "/s")
		lines = append(lines, views.ChartLine{Values: get(query.SeriesRPS + query.CompareSuffix), Kind: views.LineCompare},
			data(query.SeriesRPS, 2))
	case query.ChartExceptions:
		src := query.SeriesStatus500
		// Without an endpoint label on the exceptions counter, the
		// status 500 responses stand in for it.
		name = "exceptions*" // as EXC*: the legend says why
		if e.data != nil && e.data.ExceptionsByEndpoint {
			src, name = query.SeriesExceptions, "exceptions"
		}
		format = func(v float64) string { return views.FormatRPS(v) + "/m" }
		value = withUnit(views.FormatRPS, "/min")
		lines = append(lines, views.ChartLine{Values: get(src + query.CompareSuffix), Kind: views.LineCompare},
			data(src, 3))
	}
	// The current value and the maximum over the range of each data line,
	// the most important line (p99) first.
	painters := [themes.LevelUnknown + 1]views.Painter{}
	for l := range painters {
		painters[l] = views.NewPainter(st.Level(themes.Level(l)))
	}
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if l.Kind != views.LineData {
			continue
		}
		cur, mx := l.Now, query.Max(l.Values)
		if !query.Missing(cur) && (query.Missing(mx) || cur > mx) {
			// The current figure is newer than the range's last point:
			// the max over the range includes it.
			mx = cur
		}
		label := ""
		if c == query.ChartLatency {
			label = map[int]string{0: "p99 ", 1: "p50 "}[l.Series]
		}
		cap = append(cap, label+painters[level(cur)].Paint(value(cur))+st.Muted.Render(" max ")+painters[level(mx)].Paint(value(mx)))
	}
	// Thresholds are drawn under the data, before it.
	if warn > 0 || crit > 0 {
		n := 0
		for _, l := range lines {
			n = max(n, len(l.Values))
		}
		n = max(n, 2)
		th := func(v float64, k views.LineKind) views.ChartLine {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = v
			}
			return views.ChartLine{Values: vals, Kind: k}
		}
		var ts []views.ChartLine
		if warn > 0 {
			ts = append(ts, th(warn, views.LineWarn))
		}
		if crit > 0 {
			ts = append(ts, th(crit, views.LineCrit))
		}
		lines = append(ts, lines...)
		floor = warn
	}
	// Parts that do not fit are left out whole rather than cut. The
	// thresholds come right after the first figure: a threshold line is
	// drawn on the nearest row, whose axis label is not its value (a 1%
	// line on a 0%–30% chart sits on the 0% row), so its value is written.
	capLine := st.Title.Render(name)
	for i, part := range cap {
		if i > 0 && text.Width(capLine)+2+text.Width(part) > w {
			break
		}
		capLine += "  " + part
		if i == 0 {
			capLine = e.thresholdLabels(capLine, warn, crit, value, w)
		}
	}
	if e.compare != query.CompareOff {
		cmp := ""
		for _, l := range lines {
			if l.Kind == views.LineCompare && len(l.Values) > 0 {
				cmp = value(query.Last(l.Values))
				if c == query.ChartLatency {
					cmp = value(query.Last(get(query.SeriesP99 + query.CompareSuffix)))
				}
			}
		}
		ago := "  1d ago "
		if e.compare == query.CompareWeek {
			ago = "  1w ago "
		}
		if cmp != "" && text.Width(capLine)+text.Width(ago)+text.Width(cmp) <= w {
			capLine += st.Muted.Render(ago + cmp)
		}
	}
	out := []string{text.Truncate(capLine, w)}
	if h < chartMinH {
		return text.FitBlock(out, w, h)
	}
	plotH := h - 2
	hasData := false
	for _, l := range lines {
		if l.Kind == views.LineData && !query.Missing(query.Max(l.Values)) {
			hasData = true
		}
	}
	if ch == nil || !hasData {
		msg := "no data in this range"
		if e.data == nil {
			msg = "loading…"
		}
		out = append(out, st.Muted.Render(text.Fit("  "+msg, w)))
		return text.FitBlock(out, w, h)
	}
	if floor > 0 {
		// Leave a little room above the warning line.
		floor *= 1.25
	}
	for _, l := range lines {
		// The axis reaches the current figure the caption shows, though
		// the range's last point may not have it yet.
		if l.Kind == views.LineData && !query.Missing(l.Now) && l.Now > floor {
			floor = l.Now
		}
	}
	spec := views.ChartSpec{Lines: lines, Format: format, Width: w, Height: plotH, Floor: floor}
	if e.data == nil {
		return text.FitBlock(append(out, views.DrawChart(st, spec)...), w, h)
	}
	p := e.data.Plan
	n := min(p.Points, views.PlotColumns(w))
	start := p.End.Add(-time.Duration(n-1) * p.Step)
	// Markers in a row of their own under the plot, when the plot keeps
	// three rows; else the list above the charts has them.
	ms := views.PlaceMarkers(e.markerEvents(), start, p.End, n)
	if len(ms) > 0 && plotH > 3 {
		spec.Height--
	} else {
		ms = nil
	}
	out = append(out, views.DrawChart(st, spec)...)
	if len(ms) > 0 {
		out = append(out, views.MarkerRow(st, ms, views.ChartPrefixWidth-1, w))
	}
	out = append(out, st.GraphAxis.Render(views.TimeAxis(start.In(e.loc()), p.End.In(e.loc()), n, w)))
	return text.FitBlock(out, w, h)
}

// thresholdLabels appends the thresholds' values to a caption, named
// ("┄ warn 1%  ╍ crit 5%") when that fits in w cells, else short ("┄1% ╍5%").
// With neither fitting the caption is returned as it is.
func (e *Screen) thresholdLabels(caption string, warn, crit float64, value func(float64) string, w int) string {
	st := e.ctx.Styles
	label := func(long bool) string {
		var parts []string
		if warn > 0 {
			s := "┄" + shortFigure(value(warn))
			if long {
				s = "┄ warn " + shortFigure(value(warn))
			}
			parts = append(parts, st.ThresholdWarn.Render(s))
		}
		if crit > 0 {
			s := "╍" + shortFigure(value(crit))
			if long {
				s = "╍ crit " + shortFigure(value(crit))
			}
			parts = append(parts, st.ThresholdCrit.Render(s))
		}
		sep := " "
		if long {
			sep = "  "
		}
		return strings.Join(parts, sep)
	}
	if warn <= 0 && crit <= 0 {
		return caption
	}
	for _, long := range []bool{true, false} {
		l := label(long)
		if text.Width(caption)+2+text.Width(l) <= w {
			return caption + "  " + l
		}
	}
	return caption
}

// shortFigure drops the trailing zeros of a formatted figure: "1.00%" is
// "1%", "2.50s" is "2.5s"; "500ms" stays as it is.
func shortFigure(f string) string {
	end := strings.IndexFunc(f, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(f)
	}
	num, unit := f[:end], f[end:]
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + unit
}

// statusPainter paints a status code: 5xx critical, 4xx warning.
func (e *Screen) statusLevel(status string) themes.Level {
	switch {
	case strings.HasPrefix(status, "5"):
		return themes.LevelCrit
	case strings.HasPrefix(status, "4"):
		return themes.LevelWarn
	}
	return themes.LevelNone
}

func (e *Screen) alertGlyph(a query.Alert) string {
	st := e.ctx.Styles
	switch a.State {
	case query.StateFiring:
		return st.Firing.Render("●")
	case query.StatePending:
		return st.Pending.Render("◐")
	case query.StateSilenced:
		return st.Silenced.Render("◌")
	case query.StateInhibited:
		return st.Inhibited.Render("◌")
	}
	return " "
}

// compactLines are the breakdowns and alerts on one line each, for screens
// without the side panel.
func (e *Screen) compactLines() []string {
	n := e.bottomLines()
	if n == 0 {
		return nil
	}
	st := e.ctx.Styles
	status := st.Muted.Render("status ") + e.inline(e.statusBreakdown(), true)
	methods := st.Muted.Render("method ") + e.inline(e.methodBreakdown(), false)
	var al string
	if len(e.alerts) == 0 {
		al = st.Muted.Render("alerts none name this endpoint")
	} else {
		parts := make([]string, 0, len(e.alerts))
		for _, a := range e.alerts {
			parts = append(parts, e.alertGlyph(a)+" "+text.Sanitize(a.Name)+" "+st.Muted.Render(string(a.State)))
		}
		al = st.Muted.Render("alerts ") + strings.Join(parts, st.Muted.Render(" · "))
	}
	all := []string{status, methods, al}
	if n == 2 {
		all = []string{status + st.Muted.Render(" · ") + methods, al}
	}
	if n == 1 {
		// One line: alerts first when there are any, they matter most.
		if len(e.alerts) > 0 {
			return []string{text.Truncate(al, e.width)}
		}
		return []string{text.Truncate(status, e.width)}
	}
	for i := range all {
		all[i] = text.Truncate(all[i], e.width)
	}
	return all
}

func (e *Screen) statusBreakdown() []query.Breakdown {
	if e.data == nil {
		return nil
	}
	return e.data.Status
}

func (e *Screen) methodBreakdown() []query.Breakdown {
	if e.data == nil {
		return nil
	}
	return e.data.Methods
}

func (e *Screen) inline(bs []query.Breakdown, status bool) string {
	st := e.ctx.Styles
	if e.data == nil {
		return st.Muted.Render("…")
	}
	if len(bs) == 0 {
		return st.Muted.Render("no requests in the last " + views.FormatDuration(e.data.Window))
	}
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		v := text.Sanitize(b.Value)
		if status {
			if l := e.statusLevel(b.Value); l != themes.LevelNone {
				v = st.Level(l).Render(v)
			}
		}
		parts = append(parts, v+" "+views.FormatRPS(b.RPS)+"/s")
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// sidePanel is the right-hand panel of wide screens: the breakdowns as
// tables and the alerts, in h lines of sidePanelW cells.
func (e *Screen) sidePanel(h int) []string {
	st := e.ctx.Styles
	w := sidePanelW
	var lines []string
	table := func(title string, bs []query.Breakdown, status bool) {
		lines = append(lines, st.TableHeader.Render(text.PadRight(title, w-16)+text.PadLeft("REQ/S", 8)+text.PadLeft("SHARE", 8)))
		if e.data == nil {
			lines = append(lines, st.Muted.Render("…"))
			return
		}
		if len(bs) == 0 {
			lines = append(lines, st.Muted.Render(text.Fit("no requests in "+views.FormatDuration(e.data.Window), w)))
			return
		}
		total := 0.0
		for _, b := range bs {
			if !query.Missing(b.RPS) {
				total += b.RPS
			}
		}
		for i, b := range bs {
			if i == 6 {
				lines = append(lines, st.Muted.Render(fmt.Sprintf("… %d more", len(bs)-i)))
				break
			}
			share := views.Dash
			if total > 0 && !query.Missing(b.RPS) {
				share = views.FormatPercent(b.RPS / total)
			}
			name := text.Fit(text.Sanitize(b.Value), w-16)
			if status {
				if l := e.statusLevel(b.Value); l != themes.LevelNone {
					name = st.Level(l).Render(name)
				}
			}
			lines = append(lines, name+text.PadLeft(views.FormatRPS(b.RPS), 8)+text.PadLeft(share, 8))
		}
	}
	win := ""
	if e.data != nil {
		win = " (" + views.FormatDuration(e.data.Window) + ")"
	}
	table("STATUS"+win, e.statusBreakdown(), true)
	lines = append(lines, "")
	table("METHOD"+win, e.methodBreakdown(), false)
	lines = append(lines, "")
	lines = append(lines, st.TableHeader.Render(text.PadRight("ALERTS NAMING THIS ENDPOINT", w)))
	if len(e.alerts) == 0 {
		lines = append(lines, st.Muted.Render("none"))
	}
	for _, a := range e.alerts {
		sev := ""
		if a.Severity != "" {
			sev = " " + st.Level(themes.SeverityLevel(a.Severity)).Render(text.Sanitize(a.Severity))
		}
		lines = append(lines, e.alertGlyph(a)+" "+text.Truncate(text.Sanitize(a.Name), w-14)+sev)
		if s := a.Summary(); s != "" {
			lines = append(lines, st.Muted.Render(text.Fit("  "+text.Sanitize(s), w)))
		}
	}
	return text.FitBlock(lines, w, h)
}

// withUnit is f with the unit after the figure, and "—" alone when the
// figure is unknown.
func withUnit(f func(float64) string, unit string) func(float64) string {
	return func(v float64) string {
		if query.Missing(v) {
			return views.Dash
		}
		return f(v) + unit
	}
}
