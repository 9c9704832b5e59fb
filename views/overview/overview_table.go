package overview

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

func (o *Screen) header() string {
	title := func(t string, w int, k query.SortKey, right bool) string {
		if o.sortKey == k && k != query.SortWorst {
			arrow := "▼"
			if o.reverse {
				arrow = "▲"
			}
			t += arrow
		}
		if right {
			return text.PadLeft(t, w)
		}
		return text.PadRight(t, w)
	}
	name := "ENDPOINT"
	if o.data != nil && o.data.ChangesErr != nil {
		// What changed is unknown: not "nothing changed".
		name += " ⟳ unknown"
	}
	if o.sortKey == query.SortWorst {
		if o.reverse {
			name += " (best first)"
		} else {
			name += " (worst first)"
		}
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerW))
	b.WriteString(title(name, o.nameW, query.SortEndpoint, false))
	b.WriteString(" " + title("REQ/S", rpsW, query.SortRPS, true))
	b.WriteString(" " + title("ERR%", errW, query.SortErrorRatio, true))
	if o.showErrs {
		b.WriteString(" " + text.PadLeft("5XX/S", errsW))
	}
	if o.showP50 {
		p50 := "P50"
		if o.data != nil && o.data.LatencyMean {
			p50 = "MEAN" // a summary: no buckets, no quantile
		}
		b.WriteString(" " + title(p50, latW, query.SortP50, true))
	}
	b.WriteString(" " + title("P99", latW, query.SortP99, true))
	if o.showExc {
		b.WriteString(" " + title(o.excTitle(), excW, query.SortExceptions, true))
	}
	if o.showChg {
		b.WriteString(" " + title("ΔERR", chgW, query.SortChange, true))
	}
	if o.showTrend {
		b.WriteString(" " + text.PadRight("TREND 15m", o.trendW))
	}
	return o.ctx.Styles.TableHeader.Render(text.Fit(b.String(), o.width))
}

// View implements views.Screen. Only the visible rows are rendered.
func (o *Screen) View() string {
	if o.width <= 0 || o.height <= 0 {
		return ""
	}
	st := o.ctx.Styles
	lines := make([]string, 0, o.height)
	body := o.tableHeight()
	if o.servicesMode() {
		lines = append(lines, o.servicesHeader())
		lines = append(lines, o.servicesBody()...)
		return widget.Frame(lines[0], lines[1:], body, o.statusLines(), o.width, o.height)
	}
	lines = append(lines, o.header())
	switch {
	case o.data == nil:
		lines = append(lines, st.Muted.Render(text.Fit("  waiting for the first answer from Prometheus…", o.width)))
	case len(o.data.Endpoints) == 0:
		for _, l := range o.emptyLines() {
			lines = append(lines, text.Fit(l, o.width))
		}
	case o.list.Len() == 0:
		lines = append(lines, st.Muted.Render(text.Fit("  no endpoint matches the filter", o.width)))
	default:
		th := o.ctx.Thresholds()
		lines = append(lines, o.list.Render(func(e *query.Endpoint, sel bool) string { return o.renderRow(e, sel, th) })...)
	}
	return widget.Frame(lines[0], lines[1:], body, o.statusLines(), o.width, o.height)
}

// cell is one table cell: text, width, alignment and the level it shows.
type cell struct {
	s     string
	w     int
	right bool
	lvl   themes.Level
}

// emptyLines say why there is no endpoint: the targets are down, the
// selector matches nothing, or its targets expose no duration histogram.
func (o *Screen) emptyLines() []string {
	st := o.ctx.Styles
	m := o.ctx.Settings
	sel := text.Sanitize(m.Selector)
	tg := &o.data.Targets
	down := tg.Down()
	switch {
	case len(down) > 0:
		out := []string{st.StateDown.Render(fmt.Sprintf("  no fresh series: %s", TargetsDownText(tg, o.ctx.Now())))}
		for i, t := range down {
			if i == 3 {
				out = append(out, st.Muted.Render(fmt.Sprintf("    … and %d more", len(down)-3)))
				break
			}
			out = append(out, "    "+TargetText(t))
		}
		return out
	case tg.Known && len(tg.List) == 0:
		return []string{st.Muted.Render(fmt.Sprintf("  no series matches {%s}: no %s series and no target (up) in the last %s — check metrics.selector",
			sel, m.DurationMetric, views.FormatDuration(o.data.Window)))}
	}
	return []string{st.Muted.Render(fmt.Sprintf("  no endpoints: no %s series with {%s} in the last %s — check metrics.selector and metrics.duration_metric",
		m.DurationMetric, sel, views.FormatDuration(o.data.Window)))}
}

// TargetsDownText is "1 of 3 targets down since 15:04:05".
func TargetsDownText(tg *query.Targets, now time.Time) string {
	down := tg.Down()
	s := fmt.Sprintf("%d of %d targets down", len(down), len(tg.List))
	switch first := tg.FirstDown(); {
	case !first.IsZero():
		s += " since " + first.Local().Format("15:04:05")
	case tg.LastUpErr != nil:
		s += ", since when unknown (their last good scrape was not read)"
	default:
		s += fmt.Sprintf(" for over %s", views.FormatDuration(query.TargetsLookback))
	}
	return s
}

// TargetText is one target: job, instance and its last error.
func TargetText(t query.Target) string {
	s := "job " + text.Sanitize(t.Job) + " " + text.Sanitize(t.Instance)
	if t.Up {
		return s + " up"
	}
	s += " down"
	if !t.Since.IsZero() {
		s += " since " + t.Since.Local().Format("15:04:05")
	}
	if t.LastError != "" {
		s += ": " + text.Sanitize(ShortScrapeError(t.LastError))
	}
	return s
}

// ShortScrapeError drops what a scrape error repeats of the target from
// Go's wording: `Get "http://h:p/metrics": dial tcp h:p: connect:
// connection refused` is "connection refused".
func ShortScrapeError(e string) string {
	if strings.HasPrefix(e, "Get \"") {
		if i := strings.Index(e, "\": "); i > 0 {
			e = e[i+3:]
		}
	}
	if strings.HasPrefix(e, "dial tcp ") || strings.HasPrefix(e, "read tcp ") {
		if i := strings.LastIndex(e, ": "); i > 0 {
			e = e[i+2:]
		}
	}
	return e
}

// staleText is "◌ stale 42s", the age since the target went down.
func (o *Screen) staleText(e *query.Endpoint) string {
	if e.StaleSince.IsZero() {
		return "◌ stale"
	}
	return "◌ stale " + views.FormatDuration(o.ctx.Now().Sub(e.StaleSince).Truncate(time.Second))
}

func (o *Screen) renderRow(e *query.Endpoint, selected bool, th query.Thresholds) string {
	st := o.ctx.Styles
	marker := "  "
	if n := o.alerting[e.Name]; n > 0 {
		marker = "● "
	}
	name := o.nameText(e)
	if e.Stale {
		// No figure: the rate would only repeat samples from before the
		// series went stale.
		rest := o.width - markerW - o.nameW - 1
		line := o.levels[themes.LevelCrit].Paint(marker) + text.Fit(name, o.nameW) + " " +
			o.levels[themes.LevelCrit].Paint(text.Fit(o.staleText(e)+" — no fresh series", max(rest, 0)))
		if selected {
			return st.RowSelected.Render(text.Fit(marker+text.Fit(name, o.nameW)+" "+text.Fit(o.staleText(e)+" — no fresh series", max(rest, 0)), o.width))
		}
		return line
	}
	errLvl := views.ThemeLevel(e.ErrorRatio, th.ErrorLevel(e.ErrorRatio))
	nameLvl := themes.LevelNone
	if o.outlier(e, th) != "" || e.Unknown != "" {
		nameLvl = themes.LevelWarn
	}
	// fig is a figure's text, or ? when the row's figures are known wrong.
	fig := func(s string) string {
		if e.Unknown != "" {
			return "?"
		}
		return s
	}
	p99Lvl := views.ThemeLevel(e.P99, th.P99Level(e.P99))
	excLvl := themes.LevelNone
	if !query.Missing(e.Exceptions) && e.Exceptions >= 0.5 {
		excLvl = themes.LevelWarn
	}
	nameCell := name // sanitised, with its marks
	mark := o.changedMark(e)
	if mark != "" && o.nameW >= text.Width(mark)+4 {
		// In a column of marks just after the longest name (the table's
		// columns do not move), or at the cell's end when names are cut.
		const markW = 4 // ⟳30m
		at := min(o.nameW-markW-1, max(o.longestName, text.Width(nameCell))+1)
		nameCell = text.Fit(nameCell, at) + " " + mark
	}
	cells := []cell{
		{marker, markerW, false, themes.LevelCrit},
		{nameCell, o.nameW, false, nameLvl},
		{fig(views.FormatRPS(e.RPS)), rpsW, true, views.ThemeLevel(e.RPS, query.LevelOK)},
		{fig(views.FormatPercent(e.ErrorRatio)), errW, true, errLvl},
	}
	if o.showErrs {
		// Errors per second: the same two figures, multiplied.
		eps := math.NaN()
		if !query.Missing(e.RPS) && !query.Missing(e.ErrorRatio) {
			eps = e.RPS * e.ErrorRatio
		}
		cells = append(cells, cell{fig(views.FormatRPS(eps)), errsW, true, errLvl})
	}
	if o.showP50 {
		cells = append(cells, cell{fig(views.FormatSeconds(e.P50)), latW, true, views.ThemeLevel(e.P50, query.LevelOK)})
	}
	cells = append(cells, cell{fig(o.p99Text(e.P99)), latW, true, p99Lvl})
	if o.showExc {
		cells = append(cells, cell{fig(views.FormatCount(e.Exceptions)), excW, true, excLvl})
	}
	if o.showChg {
		lvl := themes.LevelNone
		if !query.Missing(e.ErrorRatioChange) && e.ErrorRatioChange >= th.ErrorRatioWarn {
			lvl = views.ThemeLevel(e.ErrorRatioChange, th.ErrorLevel(e.ErrorRatioChange))
		}
		cells = append(cells, cell{views.FormatChange(e.ErrorRatioChange), chgW, true, lvl})
	}
	if o.showTrend {
		last := themes.LevelNone
		for i := len(e.Trend) - 1; i >= 0; i-- {
			if !query.Missing(e.Trend[i]) {
				last = views.ThemeLevel(e.Trend[i], th.ErrorLevel(e.Trend[i]))
				break
			}
		}
		cells = append(cells, cell{views.Sparkline(e.Trend, o.trendW, th.ErrorRatioCrit), o.trendW, false, last})
	}
	var b strings.Builder
	for i, c := range cells {
		if i > 1 {
			b.WriteByte(' ')
		}
		var s string
		if c.right {
			s = text.PadLeft(c.s, c.w)
		} else {
			s = text.Fit(c.s, c.w)
		}
		if !selected && c.lvl != themes.LevelNone && c.lvl != themes.LevelOK {
			s = o.levels[c.lvl].Paint(s)
		}
		if i == 1 && mark != "" && !selected {
			if j := strings.LastIndex(s, mark); j >= 0 {
				s = s[:j] + st.Accent.Render(mark) + s[j+len(mark):]
			}
		}
		b.WriteString(s)
	}
	if selected {
		return st.RowSelected.Render(text.Fit(b.String(), o.width))
	}
	if o.width < o.nameW+o.fixedW {
		return text.Truncate(b.String(), o.width)
	}
	return b.String()
}

// nameText is the row's name as shown: sanitised, "×N" after a group's
// name, then the mark of what is wrong beyond the figures (! a member far
// worse than the group), kept in view however narrow the column.
func (o *Screen) nameText(e *query.Endpoint) string {
	name := text.Sanitize(e.Name)
	if e.Name == "" {
		name = "(no " + text.Sanitize(o.ctx.Settings.EndpointLabel) + ")"
	}
	var suffix string
	if e.Group && e.Members > 0 {
		suffix += fmt.Sprintf(" ×%d", e.Members)
	}
	if o.outlier(e, o.ctx.Thresholds()) != "" {
		suffix += " !"
	}

	if suffix == "" {
		return name
	}
	room := o.nameW - text.Width(suffix)
	if room < 4 {
		return text.Fit(name+suffix, o.nameW)
	}
	if text.Width(name) > room {
		name = text.Truncate(name, room)
	}
	return name + suffix
}

// outlier says how one member of a group is far worse than the group: its
// error ratio or p99 is critical while the group's is not, or its error
// ratio is at least three times the group's and past the warning level.
// "" when none is, or for a plain row.
func (o *Screen) outlier(e *query.Endpoint, th query.Thresholds) string {
	if !e.Group || e.Members < 2 {
		return ""
	}
	if w := e.WorstMemberErrorRatio; e.WorstMember != "" && !query.Missing(w) {
		crit := th.ErrorLevel(w) == query.LevelCrit && th.ErrorLevel(e.ErrorRatio) != query.LevelCrit
		far := th.ErrorLevel(w) != query.LevelOK && (query.Missing(e.ErrorRatio) || w >= 3*e.ErrorRatio)
		if crit || far {
			return fmt.Sprintf("%s errs %s (group %s)", text.Sanitize(e.WorstMember), views.FormatPercent(w), views.FormatPercent(e.ErrorRatio))
		}
	}
	if q := e.SlowestMemberP99; e.SlowestMember != "" && !query.Missing(q) &&
		th.P99Level(q) == query.LevelCrit && th.P99Level(e.P99) != query.LevelCrit {
		return fmt.Sprintf("%s p99 %s (group %s)", text.Sanitize(e.SlowestMember), o.p99Text(q), o.p99Text(e.P99))
	}
	return ""
}

// p99Text is a p99 as the overview shows it (P99Text).
func (o *Screen) p99Text(v float64) string { return P99Text(o.data, v) }

// P99Text is a p99, "≥10s" when it is at the top bucket of ov's
// histogram: the true value is that or more.
func P99Text(ov *query.Overview, v float64) string {
	if ov.P99Capped(v) {
		return "≥" + views.FormatSeconds(v)
	}
	return views.FormatSeconds(v)
}

// changedMark is "⟳12m" for an endpoint whose targets restarted or were
// deployed within query.ChangedWithin, the age of the newest change; ""
// for none (or unknown: the header says so).
func (o *Screen) changedMark(e *query.Endpoint) string {
	if e.Changed.IsZero() {
		return ""
	}
	return "⟳" + shortAge(o.ctx.Now().Sub(e.Changed))
}

// shortAge is an age in its largest unit: 45s, 12m, 3h, 2d.
func shortAge(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
