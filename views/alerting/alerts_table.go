package alerting

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Column widths of the alerts table, in cells.
const (
	alertStateW   = 9 // "inhibited"
	alertForW     = 6 // "23h59m"
	alertSevFullW = 8 // "critical"
	alertSevShort = 4 // "crit"
	alertNameMin  = 10
	alertNameMax  = 28
	alertIndent   = 2 // alert rows under a group header
)

// alertRow is one line of the alerts table: a group header or an alert.
type alertRow struct {
	header bool
	name   string // the group's alertname (header)
	count  int    // alerts in the group (header)
	states string // "2 firing, 1 silenced" (header)
	idx    int    // index into shown (alert)
}

// layout decides which columns fit: narrow terminals shorten the severity,
// then drop the summary, the age and the severity, and finally the state.
func (a *Alerts) layout() {
	longest := 0
	for _, al := range a.list.Items() {
		longest = max(longest, text.Width(text.Sanitize(al.Name)))
	}
	a.indent = 0
	if a.grouped {
		a.indent = alertIndent
	}
	avail := max(a.width-a.indent, 0)
	a.sevW, a.stateW, a.forW = alertSevFullW, alertStateW, alertForW
	if a.width < 100 {
		a.sevW = alertSevShort
	}
	a.nameW = min(max(longest, alertNameMin), alertNameMax)
	fixed := func() int {
		n := a.nameW
		for _, w := range []int{a.sevW, a.stateW, a.forW} {
			if w > 0 {
				n += w + 1
			}
		}
		return n
	}
	flex := avail - fixed() - 1
	if flex < 40 && a.nameW > 16 {
		a.nameW = max(16, a.nameW-(40-flex))
		flex = avail - fixed() - 1
	}
	a.labelsW, a.summaryW = 0, 0
	switch {
	case flex >= 30:
		a.labelsW = max(flex/2, 12)
		a.summaryW = flex - a.labelsW - 1
	case flex >= 10:
		a.labelsW = flex
	default:
		for _, drop := range []*int{&a.forW, &a.sevW} {
			if avail-fixed() >= 0 {
				break
			}
			*drop = 0
		}
		if avail-fixed() < 0 {
			a.nameW = max(avail-a.stateW-1, alertNameMin)
		}
		if avail-fixed() < 0 {
			a.stateW = 0
			a.nameW = max(avail, 1)
		}
	}
}

// rebuild filters, groups and lays out the alerts and puts the cursor back
// on the selected alert.
func (a *Alerts) rebuild() {
	a.picker = query.NewLabelPicker(a.all)
	a.acked = ackedAlerts(a.all, a.silences)
	shown := a.filter.filter.Filter(a.all)
	a.varies = alertVaryingLabels(shown)
	byName := map[string][]query.Alert{}
	for _, al := range shown {
		byName[al.Name] = append(byName[al.Name], al)
	}
	a.variesByName = make(map[string]map[string]bool, len(byName))
	for n, als := range byName {
		a.variesByName[n] = alertVaryingLabels(als)
	}
	if a.grouped {
		// Groups in the order of their first (most severe, oldest) alert.
		var order []string
		byName := map[string][]int{}
		for i := range shown {
			n := shown[i].Name
			if _, ok := byName[n]; !ok {
				order = append(order, n)
			}
			byName[n] = append(byName[n], i)
		}
		regrouped := make([]query.Alert, 0, len(shown))
		a.rows = a.rows[:0]
		for _, n := range order {
			idxs := byName[n]
			a.rows = append(a.rows, alertRow{header: true, name: n, count: len(idxs), states: stateCounts(shown, idxs)})
			for _, i := range idxs {
				a.rows = append(a.rows, alertRow{idx: len(regrouped)})
				regrouped = append(regrouped, shown[i])
			}
		}
		shown = regrouped
	} else {
		a.rows = a.rows[:0]
		for i := range shown {
			a.rows = append(a.rows, alertRow{idx: i})
		}
	}
	a.rowOf = a.rowOf[:0]
	for r := range a.rows {
		if !a.rows[r].header {
			a.rowOf = append(a.rowOf, r)
		}
	}
	a.list.SetItems(shown)
	a.layout()
	a.list.Clamp()
}

// stateCounts is "2 firing, 1 silenced" for a group.
func stateCounts(alerts []query.Alert, idxs []int) string {
	states := []query.AlertState{query.StateFiring, query.StatePending, query.StateSilenced, query.StateInhibited}
	n := map[query.AlertState]int{}
	other := 0
	for _, i := range idxs {
		s := alerts[i].State
		if slices.Contains(states, s) {
			n[s]++
		} else {
			other++
		}
	}
	var parts []string
	for _, s := range states {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	if other > 0 {
		parts = append(parts, fmt.Sprintf("%d other", other))
	}
	return strings.Join(parts, ", ")
}

// tableHeight is the number of body rows that fit.
func (a *Alerts) tableHeight() int {
	return max(a.height-1-len(a.statusLines()), 0)
}

// span is the list's rows to keep in view for the cursor: the alert's row,
// and its group's header with the group's first alert.
func (a *Alerts) span(cursor int) (top, bottom, rows int) {
	row := 0
	if cursor >= 0 && cursor < len(a.rowOf) {
		row = a.rowOf[cursor]
	}
	top = row
	if row > 0 && row < len(a.rows) && a.rows[row-1].header {
		top = row - 1
	}
	return top, row, len(a.rows)
}

// statusLines are the lines under the table: the refresh error, the
// prompt and its parse error, the applied filter.
func (a *Alerts) statusLines() []string {
	st := a.ctx.Styles
	var lines []string
	if a.haveData {
		for _, u := range a.unknownSources() {
			lines = append(lines, st.Error.Render("✕ "+u))
		}
		if sc := a.sources.PendingScope; sc != "" && !a.sources.NoPrometheus && a.sources.PrometheusErr == nil {
			for i, l := range text.Wrap(text.Sanitize(sc), max(a.width-2, 1)) {
				lead := "  "
				if i == 0 {
					lead = "ⓘ "
				}
				lines = append(lines, st.Muted.Render(text.Fit(lead+l, a.width)))
			}
		}
		if a.err != nil && a.sources.At.After(a.at) && !a.at.IsZero() {
			lines = append(lines, st.Error.Render("✕ no source answered the last refresh: showing alerts from "+views.FormatDuration(a.ctx.Now().Sub(a.at))+" ago"))
		}
	}
	if l := a.expiredLine(); l != "" && a.stack.Empty() { // expired.go
		lines = append(lines, l)
	}
	if al, ok := a.list.Selected(); ok && a.stack.Empty() && a.haveData {
		if l := ackLineFor(a.ctx, al, a.all, a.silences, ackErr(a.sources), a.width); l != "" { // ackuntil.go
			lines = append(lines, l)
		}
	}
	return append(lines, a.filter.lines(a.ctx, &a.list.Prompt, a.width, `text, or name="v", name=~"re"`, fmt.Sprintf("%d of %d alerts", a.list.Len(), len(a.all)))...)
}

// unknownSources says, one line each, which source of alerts did not
// answer the last refresh and why: "Alertmanager not configured",
// "Alertmanager unreachable: <cause>", "Prometheus unreachable: <cause>".
// The causes are sanitised.
func (a *Alerts) unknownSources() []string {
	src := a.sources
	var out []string
	switch {
	case !a.amConfigured || src.NoAlertmanager:
		out = append(out, "Alertmanager not configured: silenced and inhibited states are unknown (set --alertmanager)")
	case src.AlertmanagerErr != nil:
		out = append(out, "Alertmanager unreachable: "+text.Sanitize(src.AlertmanagerErr.Error()))
	}
	if src.PrometheusErr != nil {
		out = append(out, "Prometheus unreachable: pending alerts unknown: "+text.Sanitize(src.PrometheusErr.Error()))
	}
	if len(out) == 0 && a.err != nil {
		out = append(out, text.Sanitize(a.err.Error()))
	}
	return out
}

// sourceNames names the sources of alerts.
func (a *Alerts) sourceNames() string {
	if !a.amConfigured || a.sources.NoAlertmanager {
		return "Prometheus"
	}
	return "Alertmanager and Prometheus"
}

// noneText says that there is no alert, and on whose word: "nothing is
// firing" only from a source that answered with nothing.
func (a *Alerts) noneText() string {
	src := a.sources
	amOK := a.amConfigured && !src.NoAlertmanager && src.AlertmanagerErr == nil
	promOK := !src.NoPrometheus && src.PrometheusErr == nil
	switch {
	case src.NoRules != "" && amOK:
		return "no alerts in Alertmanager; " + src.NoRules
	case src.NoRules != "":
		return "alerts unknown: " + src.NoRules + ", and Alertmanager did not answer"
	case promOK && a.noAlertRules():
		// The rules check found none: nothing can fire from Prometheus,
		// which "nothing is firing" would hide.
		if amOK {
			return "no alerts in Alertmanager; Prometheus has no alerting rule loaded (/api/v1/rules), so none of its alerts can fire"
		}
		return "no alerts: Prometheus has no alerting rule loaded (/api/v1/rules), so none can fire"
	case amOK && promOK && src.PendingScope != "":
		return "no alerts: nothing is firing, and nothing pending in the engine's ruler"
	case amOK && promOK:
		return "no alerts: nothing is firing or pending"
	case amOK:
		return "no alerts in Alertmanager: nothing is firing (pending alerts unknown)"
	case promOK && src.PendingScope != "":
		return "no alerts from the engine's ruler: nothing of its rules is firing or pending"
	case promOK:
		return "no alerts from Prometheus: nothing is firing or pending"
	}
	return "no answer: alerts unknown"
}

// noAlertRules reports whether the last rules check found Prometheus with
// no alerting rule.
func (a *Alerts) noAlertRules() bool {
	if a.rules == nil {
		return false
	}
	for _, r := range a.rules.Rules {
		if r.Kind == rulecheck.KindAlert {
			return false
		}
	}
	return true
}

// View implements views.Screen. Only the visible rows are rendered.
func (a *Alerts) View() string {
	if a.width <= 0 || a.height <= 0 {
		return ""
	}
	if !a.stack.Empty() {
		return a.stack.View()
	}
	st := a.ctx.Styles
	lines := make([]string, 0, a.height)
	lines = append(lines, a.header())
	body := a.tableHeight()
	switch {
	case !a.haveData && a.err != nil:
		lines = append(lines, st.Error.Render(text.Fit("  cannot list alerts: no source answered", a.width)))
		for _, u := range a.unknownSources() {
			for _, l := range text.Wrap(u, a.width-4) {
				lines = append(lines, st.Error.Render("    "+l))
			}
		}
	case !a.haveData:
		lines = append(lines, st.Muted.Render(text.Fit("  waiting for the first answer from "+a.sourceNames()+"…", a.width)))
	case len(a.all) == 0:
		lines = append(lines, st.OK.Render(text.Fit("  "+a.noneText(), a.width)))
	case a.list.Len() == 0:
		lines = append(lines, st.Muted.Render(text.Fit("  no alert matches the filter", a.width)))
	default:
		now := a.ctx.Now()
		shown := a.list.Items()
		from, to := a.list.Visible(len(a.rows))
		for r := from; r < to; r++ {
			row := a.rows[r]
			if row.header {
				lines = append(lines, a.renderHeader(row))
				continue
			}
			lines = append(lines, a.renderRow(&shown[row.idx], row.idx == a.list.Cursor(), now))
		}
	}
	return widget.Frame(lines[0], lines[1:], body, a.statusLines(), a.width, a.height)
}

func (a *Alerts) header() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", a.indent))
	sev := "SEVERITY"
	if a.sevW < alertSevFullW {
		sev = "SEV"
	}
	var r widget.Row
	r.Add(sev, a.sevW, false)
	r.Add("ALERT", a.nameW, false)
	r.Add("STATE", a.stateW, false)
	r.Add("FOR", a.forW, true)
	r.Add("LABELS", a.labelsW, false)
	r.Add("SUMMARY", a.summaryW, false)
	b.WriteString(r.String())
	return a.ctx.Styles.TableHeader.Render(text.Fit(b.String(), a.width))
}

func (a *Alerts) renderHeader(row alertRow) string {
	st := a.ctx.Styles
	n := "alerts"
	if row.count == 1 {
		n = "alert"
	}
	s := fmt.Sprintf("▾ %s  %d %s: %s", text.Sanitize(row.name), row.count, n, row.states)
	return st.Title.Render(text.Fit(s, a.width))
}

// shortSeverity is the severity in four cells for narrow terminals.
func shortSeverity(s string) string {
	switch strings.ToLower(s) {
	case "critical":
		return "crit"
	case "warning":
		return "warn"
	case "error":
		return "err"
	case "information", "informational":
		return "info"
	}
	return s
}

// alertAge is how long ago an alert became active, or Dash.
func alertAge(now, at time.Time) string {
	if at.IsZero() {
		return views.Dash
	}
	d := now.Sub(at)
	if d < 0 {
		d = 0
	}
	return views.FormatDuration(d.Truncate(time.Second))
}

// whereLabels are the labels that say where an alert is, shown first.
func whereLabels(endpointLabel string) []string {
	return []string{endpointLabel, "endpoint", "handler", "job", "service", "instance"}
}

// AlertLabelTexts returns, for each alert, the labels that tell it apart
// from the other alerts of its name (see query.LabelPicker), written
// k=v k=v and sanitised, with the endpoint label first: for the snapshot's
// alert lines.
func AlertLabelTexts(alerts []query.Alert, endpointLabel string) []string {
	p := query.NewLabelPicker(alerts)
	first := whereLabels(endpointLabel)
	out := make([]string, len(alerts))
	for i := range alerts {
		var parts []string
		for _, n := range p.Names(alerts[i], first...) {
			parts = append(parts, text.Sanitize(n)+"="+text.Sanitize(alerts[i].Labels[n]))
		}
		out[i] = strings.Join(parts, " ")
	}
	return out
}

// LabelOrder puts the labels that say where an alert is first: the
// endpoint label, job, instance; then the rest by name. alertname and severity
// are left out, as their own columns show them.
func LabelOrder(ls map[string]string, endpointLabel string) []string {
	first := whereLabels(endpointLabel)
	names := make([]string, 0, len(ls))
	seen := map[string]bool{"alertname": true, "severity": true}
	for _, n := range first {
		if _, ok := ls[n]; ok && !seen[n] {
			names = append(names, n)
			seen[n] = true
		}
	}
	rest := make([]string, 0, len(ls))
	for n := range ls {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// compactLabels writes labels as k=v k=v in exactly w cells, sanitised,
// styled unless plain. Only what fits is styled; an ellipsis ends it when
// labels were left out or cut.
func compactLabels(st *themes.Styles, memo *widget.StyleMemo, ls map[string]string, endpointLabel string, w int, plain bool) string {
	return widget.CompactLabels(st, memo, ls, LabelOrder(ls, endpointLabel), w, plain)
}

func (a *Alerts) renderRow(al *query.Alert, selected bool, now time.Time) string {
	st := a.ctx.Styles
	var r widget.Row
	r.Lead(strings.Repeat(" ", a.indent))
	if a.sevW > 0 {
		sev := text.Sanitize(al.Severity)
		if sev == "" {
			sev = views.Dash
		}
		if a.sevW < alertSevFullW {
			sev = shortSeverity(sev)
		}
		c := text.Fit(sev, a.sevW)
		if !selected {
			c = a.memo.Render(st.Severity(al.Severity), widget.MemoSeverity, al.Severity, c)
		}
		r.Cell(c)
	}
	name := text.Sanitize(al.Name)
	if name == "" {
		name = "(no alertname)"
	}
	r.Cell(text.Fit(name, a.nameW))
	if a.stateW > 0 {
		state := string(al.State)
		if a.acked[al.Key()] {
			state += "⟳"
		}
		if a.rules.HasFinding(*al) {
			// Its rule has a finding (views/rulecheck.go): the detail says which.
			state += "⚠"
		}
		c := text.Fit(state, a.stateW)
		if !selected {
			c = a.memo.Render(st.AlertState(string(al.State)), widget.MemoState, string(al.State), c)
		}
		r.Cell(c)
	}
	if a.forW > 0 {
		r.Cell(text.PadLeft(alertAge(now, al.ActiveAt), a.forW))
	}
	if a.labelsW > 0 {
		r.Cell(widget.CompactLabels(st, &a.memo, al.Labels, varyingFirst(varyingFirst(a.picker.Names(*al, a.where...), a.varies), a.variesByName[al.Name]), a.labelsW, selected))
	}
	if a.summaryW > 0 {
		h := text.Sanitize(al.Headline())
		if c := a.claim(al); c != "" {
			if h == "" {
				h = "(no summary)"
			}
			h = "◆ " + c + " · " + h
		}
		if h == "" {
			c := text.Fit("(no summary)", a.summaryW)
			if !selected {
				c = st.Muted.Render(c)
			}
			r.Cell(c)
		} else {
			r.Cell(text.Fit(h, a.summaryW))
		}
	}
	if selected {
		return st.RowSelected.Render(text.Fit(r.String(), a.width))
	}
	return r.String()
}
