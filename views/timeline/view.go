package timeline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// How the timeline screen draws: its rows, header, status lines, help.

// KindName is an event kind as the timeline lists it.
func KindName(k query.EventKind) string {
	switch k {
	case query.EventAlertFiring:
		return "FIRING"
	case query.EventAlertResolved:
		return "RESOLVED"
	case query.EventAlertPending:
		return "PENDING"
	case query.EventSilenceCreated:
		return "SILENCE+"
	case query.EventSilenceExpired:
		return "SILENCE-"
	case query.EventNote:
		return "NOTE"
	case query.EventThreshold:
		return "THRESHOLD"
	case query.EventDeploy:
		return "DEPLOY"
	case query.EventRestart:
		return "RESTART"
	case query.EventTargetDown:
		return "DOWN"
	case query.EventTargetUp:
		return "UP"
	case query.EventWrite:
		return "WRITE"
	}
	return strings.ToUpper(text.Sanitize(string(k)))
}

// kindStyle colours a kind: alert states as the alerts screen does,
// changes to the service as warnings, people's notes as the accent.
func (t *Screen) kindStyle(k query.EventKind) lipgloss.Style {
	st := t.ctx.Styles
	switch k {
	case query.EventAlertFiring:
		return st.Firing
	case query.EventAlertPending:
		return st.Pending
	case query.EventAlertResolved, query.EventTargetUp:
		return st.OK
	case query.EventTargetDown:
		return st.Firing
	case query.EventSilenceCreated, query.EventSilenceExpired:
		return st.Silenced
	case query.EventThreshold:
		return st.Warn
	case query.EventDeploy, query.EventRestart:
		return st.Info
	case query.EventNote:
		return st.Accent
	}
	return st.Muted
}

// rowHidden are labels a row leaves out: long ones, and the ones its
// summary already says. The detail shows every label.
var rowHidden = []string{"comment", "matchers", "start_time", "previous_start_time", "last_seen_firing", "alertmanager",
	"context", "metric", "direction", "figure", "level", "value", "silence_id", "result", "action", "user", "author", "created_by"}

// rowLabelOrder is the labels a row shows: where first (endpoint, job,
// instance), then the rest by name.
func (t *Screen) rowLabelOrder(ls map[string]string) []string {
	keep := make(map[string]string, len(ls))
	for k, v := range ls {
		if !slices.Contains(rowHidden, k) && v != "" {
			keep[k] = v
		}
	}
	return alerting.LabelOrder(keep, t.ctx.Settings.EndpointLabel)
}

// rowSummary is the summary column. An alert's is its name, then (when
// there is no labels column beside it) its labels, where first: the kind
// already says its state.
func (t *Screen) rowSummary(e *query.Event) string {
	switch e.Kind {
	case query.EventAlertFiring, query.EventAlertPending, query.EventAlertResolved:
		name := e.Labels["alertname"]
		if name == "" {
			break
		}
		if t.labelsW > 0 {
			if sev := e.Labels["severity"]; sev != "" {
				name += " (" + sev + ")"
			}
			return name
		}
		parts := []string{name}
		for _, k := range t.rowLabelOrder(e.Labels) {
			parts = append(parts, k+"="+e.Labels[k])
		}
		return strings.Join(parts, " ")
	case query.EventSilenceCreated, query.EventSilenceExpired, query.EventWrite:
		// A silence id is long: its first 8 characters tell it apart in a
		// row, the detail shows it whole.
		if id := e.Labels["silence_id"]; len(id) > 8 {
			return strings.Replace(e.Summary, id, id[:8], 1)
		}
	}
	return e.Summary
}

func (t *Screen) clock(at time.Time) string {
	at = at.In(t.ctx.Now().Location())
	if t.timeW > 8 {
		return at.Format("01-02 15:04")
	}
	return at.Format("15:04:05")
}

func (t *Screen) renderRow(r *tlRow, selected bool) string {
	st := t.ctx.Styles
	e := &r.e
	var row widget.Row
	row.Cell(text.Fit(t.clock(e.Time), t.timeW))
	kind := text.Fit(KindName(e.Kind), tlKindW)
	if !selected {
		kind = t.kindStyle(e.Kind).Render(kind)
	}
	row.Cell(kind)
	row.Cell(text.Fit(text.Sanitize(t.rowSummary(e)), t.summaryW))
	if t.labelsW > 0 {
		row.Cell(widget.CompactLabels(st, nil, e.Labels, t.rowLabelOrder(e.Labels), t.labelsW, selected))
	}
	if selected {
		return st.RowSelected.Render(text.Fit(row.String(), t.width))
	}
	return text.Truncate(row.String(), t.width)
}

// sourceNames are the sources of the last build, for the empty timeline.
func (t *Screen) sourceNames() string {
	if len(t.sources) == 0 {
		return views.Dash
	}
	return strings.Join(t.sources, ", ")
}

// statusLines are the lines under the list: failed sources, the range
// chooser, the filter.
func (t *Screen) statusLines() []string {
	st := t.ctx.Styles
	var lines []string
	if t.err != nil {
		lines = append(lines, st.Error.Render(text.Fit("unknown: timeline failed: "+text.Sanitize(t.err.Error()), t.width)))
	}
	if t.data != nil {
		// Each failed source on up to two lines; beyond two sources, a count.
		for i, e := range t.data.Errors {
			if i == 2 && len(t.data.Errors) > 3 {
				lines = append(lines, st.Error.Render(text.Fit(fmt.Sprintf("unknown: %d more sources failed", len(t.data.Errors)-2), t.width)))
				break
			}
			ls := text.WrapWords("unknown: "+text.Sanitize(e.Source)+" failed: "+text.Sanitize(e.Err.Error()), max(t.width, 1))
			for j, l := range ls[:min(len(ls), 2)] {
				if j == 1 && len(ls) > 2 {
					l = text.Truncate(l+" "+strings.Join(ls[2:], " "), t.width)
				}
				lines = append(lines, st.Error.Render(text.Fit(l, t.width)))
			}
		}
		if n := len(t.data.Warnings); n > 0 {
			lines = append(lines, st.Warn.Render(text.Fit(fmt.Sprintf("%d warning(s): %s", n, text.Sanitize(t.data.Warnings[0])), t.width)))
		}
	}
	switch {
	case t.chooser.Open:
		lines = append(lines, st.Accent.Render(text.Fit(t.chooser.Line(t.ctx.Keys), t.width)))
	case t.list.Prompt.IsOpen():
		lines = append(lines, t.list.Prompt.View(st, t.width, "text in kind, summary or labels"))
	case t.filter != "":
		lines = append(lines, st.Accent.Render(text.Fit(widget.FilterLine(t.ctx.Keys, t.filter, fmt.Sprintf("%d shown", t.list.Len())), t.width)))
	}
	return lines
}

// header is the first line: the range, the order, how many, when.
func (t *Screen) header() string {
	st := t.ctx.Styles
	left := st.Title.Render("Timeline") + st.Muted.Render(" · last ") + st.Accent.Render(views.FormatDuration(t.rng))
	if t.data != nil {
		left += st.Muted.Render(" · window ") + st.Accent.Render(text.Sanitize(t.data.WindowText(false)))
	}
	left += st.Muted.Render(" · newest first")
	var right string
	switch {
	case t.paused:
		right = st.StateStale.Render("⏸ paused " + t.pausedAt.Format("15:04:05"))
	case t.loading:
		right = st.Muted.Render("loading…")
	case t.data != nil:
		right = st.Muted.Render(fmt.Sprintf("%d event%s · at %s", len(t.data.Events), views.Plural(len(t.data.Events)), t.data.Plan.Until.In(t.ctx.Now().Location()).Format("15:04:05")))
	}
	return text.SpreadKeepLeft(left, right, t.width)
}

// View implements views.Screen. Only the visible rows are rendered.
func (t *Screen) View() string {
	if t.width <= 0 || t.height <= 0 {
		return ""
	}
	if !t.detail.Empty() {
		t.detail.SetSize(t.width, t.height)
		return text.ClipLines(t.detail.Lines(), t.width, t.height)
	}
	st := t.ctx.Styles
	var body []string
	switch {
	case t.data == nil && t.err == nil:
		body = append(body, st.Muted.Render(text.Fit("  building the timeline…", t.width)))
	case t.data == nil:
		// The failure is on the status line: no list, not an empty one.
	case t.list.Len() == 0 && t.filter != "":
		body = append(body, st.Muted.Render(text.Fit("  no event matches the filter", t.width)))
	case len(t.data.Events) == 0 && len(t.data.Errors) > 0:
		body = append(body, st.Error.Render(text.Fit("  unknown: no events from the sources that answered, and some failed (below)", t.width)))
	case len(t.data.Events) == 0:
		for _, l := range text.WrapWords("no events in the last "+views.FormatDuration(t.rng)+" (sources: "+t.sourceNames()+")", max(t.width-2, 1)) {
			body = append(body, st.Muted.Render("  "+l))
		}
	default:
		body = t.list.Render(t.renderRow)
	}
	return widget.Frame(t.header(), body, t.listHeight(), t.statusLines(), t.width, t.height)
}

// Notes implements views.Screen.
func (t *Screen) Notes() []string {
	k, key := t.ctx.Keys, widget.Key
	return []string{
		"What happened in the context over the range, newest first: alerts (FIRING, PENDING, RESOLVED), THRESHOLD crossings of the error ratio and p99, DEPLOY, RESTART, DOWN and UP of targets, SILENCE+ and SILENCE- from Alertmanager, WRITE for vigil's own writes and NOTE for notes.",
		"The crossings are read over the overview's window, shown in the header, as `vigil timeline` does; twin rules (same labels) are one alert; a target whose processes answer in turn has no RESTART.",
		"Rebuilt every " + views.FormatDuration(Refresh) + " while shown and on " + key(k.Refresh) + "; " + key(k.RangeShorter) + " " + key(k.RangeLonger) + " " + key(k.RangeChoose) + " change the range.",
		key(k.Open) + " opens an event: the alert's detail (with the ⚠ findings of its rule, the fix and the backtest, as on the Alerts screen), the silence's, the endpoint's charts at the event's time, or the note in full; " + key(k.Back) + " comes back.",
		key(k.Note) + " adds a note from any screen; a source that failed is named under the list, never shown as no events.",
	}
}

// ShortHelp implements help.KeyMap.
func (t *Screen) ShortHelp() []key.Binding {
	k := t.ctx.Keys
	switch {
	case t.chooser.Open, t.list.Prompt.IsOpen():
		return []key.Binding{k.Apply, k.Cancel}
	case !t.detail.Empty():
		if _, ok := t.detail.Top().(*alerting.AlertDetail); ok {
			return []key.Binding{k.Back, k.Up, k.Down, k.Jump, k.Note, k.Help}
		}
		return []key.Binding{k.Back, k.Up, k.Down, k.Note, k.Help}
	}
	return []key.Binding{k.Open, k.Filter, k.RangeChoose, k.Note, k.Refresh, k.Help}
}

// FullHelp implements help.KeyMap.
func (t *Screen) FullHelp() [][]key.Binding {
	k := t.ctx.Keys
	return [][]key.Binding{
		k.Navigation(),
		{k.Open, k.Filter, k.Back},
		{k.RangeShorter, k.RangeLonger, k.RangeChoose},
	}
}
