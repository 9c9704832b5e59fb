package views

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// TimelineRanges are the ranges the timeline screen offers, shortest
// first; DefaultTimelineRange is the one it opens with.
var TimelineRanges = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// DefaultTimelineRange is the timeline screen's first range.
const DefaultTimelineRange = 2 * time.Hour

// TimelineRefresh is how often the timeline is rebuilt while its screen is
// shown: a build is several range queries, so not at every refresh of the
// overview.
const TimelineRefresh = 30 * time.Second

// TimelineMsg carries a build of the timeline to its screen. Err is set
// when no build could be made at all (no Prometheus source); Sources names
// the sources the build asked.
type TimelineMsg struct {
	Timeline *query.Timeline
	Range    time.Duration
	Sources  []string
	Err      error
}

// TimelineFetchMsg asks the root model to rebuild the timeline now (its
// range changed).
type TimelineFetchMsg struct{}

// Column widths of the timeline, in cells.
const (
	tlKindW    = 9 // "THRESHOLD"
	tlLabelMin = 100
)

// Timeline is the incident's timeline: alert transitions, threshold
// crossings, deploys and restarts, silences, vigil's writes and notes of
// the context over a range, newest first, so that what just happened is on
// top without scrolling. Enter opens what an event is about.
type Timeline struct {
	noWork
	ctx           *Context
	routing       routingInfo // who the alerts notify, for an alert detail opened here
	width, height int

	rng     time.Duration
	data    *query.Timeline
	sources []string
	err     error
	loading bool

	paused   bool
	pausedAt time.Time

	alerts   []query.Alert
	silences []query.Silence

	list   *widget.List[tlRow]
	filter string
	// detail is what enter opened over the list.
	detail Stack

	choosing bool
	choice   int

	summaryW, labelsW, timeW int
}

var _ Screen = (*Timeline)(nil)

// NewTimeline returns the timeline screen, over the default range, loading.
func NewTimeline(ctx *Context) *Timeline {
	t := &Timeline{ctx: ctx, rng: DefaultTimelineRange, loading: true}
	t.list = widget.NewList(func(r tlRow) string { return r.key }, t.listHeight)
	t.list.StayOnTop()
	t.SetSize(80, 20)
	return t
}

// tlRow is a listed event and its key, which follows the event across
// builds: its kind and labels (less the figure's value) and which of the
// events of that identity it is, counting from the oldest. The time is not
// in it: each build's grid of points is a little later, so an event's time
// can move by a step.
type tlRow struct {
	e   query.Event
	key string
}

// rowKeys keys the events of a build, oldest first.
func rowKeys(ev []query.Event) []string {
	seen := map[string]int{}
	out := make([]string, len(ev))
	for i, e := range ev {
		names := make([]string, 0, len(e.Labels))
		for k := range e.Labels {
			if k != "value" && k != "last_seen_firing" {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		var b strings.Builder
		b.WriteString(string(e.Kind))
		for _, k := range names {
			b.WriteString("\x00" + k + "=" + e.Labels[k])
		}
		if len(names) == 0 {
			b.WriteString("\x00" + e.Summary)
		}
		id := b.String()
		out[i] = fmt.Sprintf("%s\x00%d", id, seen[id])
		seen[id]++
	}
	return out
}

// Title implements Screen.
func (t *Timeline) Title() string { return "Timeline" }

// Range is the range shown.
func (t *Timeline) Range() time.Duration { return t.rng }

// Rows returns the events as listed, newest first.
func (t *Timeline) Rows() []query.Event {
	out := make([]query.Event, t.list.Len())
	for i, r := range t.list.Items() {
		out[i] = r.e
	}
	return out
}

// Selected is the event under the cursor.
func (t *Timeline) Selected() (query.Event, bool) {
	r, ok := t.list.Selected()
	return r.e, ok
}

// DetailOpen reports whether enter opened something over the list.
func (t *Timeline) DetailOpen() bool { return !t.detail.Empty() }

// Capturing implements Screen: the filter prompt and the range chooser own
// the keyboard.
func (t *Timeline) Capturing() bool {
	return t.list.Prompt.IsOpen() || t.choosing || t.detail.Capturing()
}

// SetSize implements Screen.
func (t *Timeline) SetSize(w, h int) {
	t.width, t.height = max(w, 0), max(h, 0)
	t.layout()
	t.detail.SetSize(t.width, t.height)
	t.list.Clamp()
}

func (t *Timeline) layout() {
	t.timeW = 8
	if t.rng >= 24*time.Hour {
		t.timeW = 11 // "01-02 15:04"
	}
	t.labelsW = 0
	if t.width >= tlLabelMin {
		t.labelsW = min(t.width*40/100, 70)
	}
	cols := 2
	if t.labelsW > 0 {
		cols = 3
	}
	t.summaryW = max(t.width-t.timeW-tlKindW-t.labelsW-cols, 1)
}

func (t *Timeline) listHeight() int {
	return max(t.height-1-len(t.statusLines()), 0)
}

// Update implements Screen.
func (t *Timeline) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case TimelineMsg:
		t.onTimeline(msg)
		return t, nil
	case AlertsMsg:
		if msg.Alerts != nil {
			t.alerts = msg.Alerts
		}
		if msg.Silences != nil {
			t.silences = msg.Silences
		}
		t.routing = routingFrom(msg)
		return t, t.detail.Broadcast(alertsData{all: t.alerts, silences: t.silences, routing: t.routing})
	case AlertHistoryMsg:
		// The history of an alert detail opened from here.
		if d, ok := t.detail.Top().(*AlertDetail); ok {
			d.Update(msg)
		}
		return t, nil
	case PausedMsg:
		t.paused, t.pausedAt = msg.Paused, msg.Since
		return t, nil
	case tea.KeyPressMsg:
		switch {
		case t.choosing:
			return t, t.chooserKey(msg)
		case t.list.Prompt.IsOpen():
			return t, t.list.Prompt.Key(msg, t.ctx.Keys, t.applyFilter)
		case !t.detail.Empty():
			if _, ok := t.detail.Top().(*AlertDetail); ok && key.Matches(msg, t.ctx.Keys.Jump) {
				return t, t.jump()
			}
			return t, t.detail.Update(msg)
		}
		return t, t.handleKey(msg)
	}
	if t.list.Prompt.IsOpen() {
		return t, t.list.Prompt.Update(msg, t.applyFilter)
	}
	return t, nil
}

func (t *Timeline) onTimeline(msg TimelineMsg) {
	if msg.Err != nil {
		t.err, t.loading = msg.Err, false
		t.data = nil
		t.rebuild()
		return
	}
	if msg.Timeline == nil || msg.Range != t.rng {
		return // an answer for a range no longer shown
	}
	t.data, t.err, t.loading, t.sources = msg.Timeline, nil, false, msg.Sources
	t.rebuild()
}

// rebuild lists the events that pass the filter, newest first.
func (t *Timeline) rebuild() {
	var rows []tlRow
	if t.data != nil {
		keys := rowKeys(t.data.Events)
		for i := len(t.data.Events) - 1; i >= 0; i-- {
			if t.matches(&t.data.Events[i]) {
				rows = append(rows, tlRow{e: t.data.Events[i], key: keys[i]})
			}
		}
	}
	t.list.SetItems(rows)
	t.layout()
	t.list.Clamp()
}

// matches reports whether an event passes the filter: every word in its
// kind, summary or labels, ignoring case.
func (t *Timeline) matches(e *query.Event) bool {
	if t.filter == "" {
		return true
	}
	var b strings.Builder
	b.WriteString(KindName(e.Kind) + "\x00" + string(e.Kind) + "\x00" + e.Summary)
	for k, v := range e.Labels {
		b.WriteString("\x00" + k + "=" + v)
	}
	hay := strings.ToLower(b.String())
	for _, w := range strings.Fields(strings.ToLower(t.filter)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func (t *Timeline) applyFilter(f string, _ bool) bool {
	t.filter = strings.TrimSpace(f)
	t.rebuild()
	return true
}

func timelineRangeIndex(r time.Duration) int {
	if i := slices.Index(TimelineRanges, r); i >= 0 {
		return i
	}
	return slices.Index(TimelineRanges, DefaultTimelineRange)
}

func (t *Timeline) setRange(r time.Duration) tea.Cmd {
	if r == t.rng {
		return nil
	}
	t.rng, t.loading = r, true
	t.layout()
	return tea.Batch(func() tea.Msg { return TimelineFetchMsg{} }, Flash("timeline range "+FormatDuration(r)+": loading…", false))
}

func (t *Timeline) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.ctx.Keys
	if cmd, ok := t.list.Key(msg, k, t.filter, t.applyFilter); ok {
		return cmd
	}
	i := timelineRangeIndex(t.rng)
	switch {
	case key.Matches(msg, k.Open):
		if r, ok := t.list.Selected(); ok {
			return t.open(r.e)
		}
	case key.Matches(msg, k.RangeShorter):
		if i == 0 {
			return Flash(FormatDuration(t.rng)+" is the shortest range", false)
		}
		return t.setRange(TimelineRanges[i-1])
	case key.Matches(msg, k.RangeLonger):
		if i == len(TimelineRanges)-1 {
			return Flash(FormatDuration(t.rng)+" is the longest range", false)
		}
		return t.setRange(TimelineRanges[i+1])
	case key.Matches(msg, k.RangeChoose):
		t.choosing, t.choice = true, i
		t.list.Clamp()
	}
	return nil
}

func (t *Timeline) chooserKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.ctx.Keys
	switch {
	case key.Matches(msg, k.Apply):
		t.choosing = false
		return t.setRange(TimelineRanges[t.choice])
	case key.Matches(msg, k.Cancel):
		t.choosing = false
	case key.Matches(msg, k.Up, k.RangeShorter, k.ScrollLeft):
		t.choice = max(t.choice-1, 0)
	case key.Matches(msg, k.Down, k.RangeLonger, k.ScrollRight):
		t.choice = min(t.choice+1, len(TimelineRanges)-1)
	}
	return nil
}

// OpenEventMsg asks the root model to open the view of an event that is
// not the timeline's own: the endpoint detail at the event's time.
type OpenEventMsg struct {
	Event query.Event
	// Endpoint is the endpoint the event names, "" for one about a whole
	// target (a deploy, a restart).
	Endpoint string
}

// open opens what an event is about: the alert's detail (or, for an alert
// no longer active, what the event knows of it), the silence's, the
// endpoint's detail at the event's time, or the event in full.
func (t *Timeline) open(e query.Event) tea.Cmd {
	switch e.Kind {
	case query.EventAlertFiring, query.EventAlertPending, query.EventAlertResolved:
		if a, ok := activeAlertOf(e, t.alerts); ok {
			d := NewAlertDetail(t.ctx, a, t.silences)
			d.setRouting(t.routing, t.alerts)
			t.detail.Push(d)
			return d.WantHistory()
		}
		why := "this alert is not active now: it is not among the current alerts"
		if t.alerts == nil {
			why = "unknown whether this alert is active now: no alerts have been read yet"
		}
		t.detail.Push(newEventDetail(t.ctx, e, why))
	case query.EventSilenceCreated, query.EventSilenceExpired:
		id := e.Labels["silence_id"]
		for _, si := range t.silences {
			if si.ID == id {
				t.detail.Push(newSilenceDetail(t.ctx, si, t.alerts))
				return nil
			}
		}
		why := "silence " + id + " is not among Alertmanager's silences now"
		if t.silences == nil {
			why = "unknown whether silence " + id + " still exists: no silences have been read yet"
		}
		t.detail.Push(newEventDetail(t.ctx, e, why))
	case query.EventThreshold, query.EventDeploy, query.EventRestart:
		ev := e
		ep := e.Labels[t.ctx.Config.EndpointLabel()]
		return func() tea.Msg { return OpenEventMsg{Event: ev, Endpoint: ep} }
	default:
		t.detail.Push(newEventDetail(t.ctx, e, ""))
	}
	return nil
}

// jump shows the open alert's endpoint on the overview.
func (t *Timeline) jump() tea.Cmd {
	d, ok := t.detail.Top().(*AlertDetail)
	if !ok {
		return nil
	}
	label := t.ctx.Config.EndpointLabel()
	v, ok := d.Alert().Labels[label]
	if !ok || v == "" {
		return Flash("this alert has no "+text.Sanitize(label)+" label", false)
	}
	return func() tea.Msg { return JumpToEndpointMsg{Endpoint: v} }
}

// activeAlertOf finds the current alert an alert event is about: the one
// with the same labels (Alertmanager may add external labels).
func activeAlertOf(e query.Event, alerts []query.Alert) (query.Alert, bool) {
	for _, a := range alerts {
		if a.Labels["alertname"] != e.Labels["alertname"] {
			continue
		}
		same := true
		for k, v := range e.Labels {
			if k == "last_seen_firing" {
				continue
			}
			if a.Labels[k] != v {
				same = false
				break
			}
		}
		if same {
			return a, true
		}
	}
	return query.Alert{}, false
}

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
	case query.EventWrite:
		return "WRITE"
	}
	return strings.ToUpper(text.Sanitize(string(k)))
}

// kindStyle colours a kind: alert states as the alerts screen does,
// changes to the service as warnings, people's notes as the accent.
func (t *Timeline) kindStyle(k query.EventKind) lipgloss.Style {
	st := t.ctx.Styles
	switch k {
	case query.EventAlertFiring:
		return st.Firing
	case query.EventAlertPending:
		return st.Pending
	case query.EventAlertResolved:
		return st.OK
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
func (t *Timeline) rowLabelOrder(ls map[string]string) []string {
	keep := make(map[string]string, len(ls))
	for k, v := range ls {
		if !slices.Contains(rowHidden, k) && v != "" {
			keep[k] = v
		}
	}
	return labelOrder(keep, t.ctx.Config.EndpointLabel())
}

// rowSummary is the summary column. An alert's is its name, then (when
// there is no labels column beside it) its labels, where first: the kind
// already says its state.
func (t *Timeline) rowSummary(e *query.Event) string {
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

func (t *Timeline) clock(at time.Time) string {
	at = at.In(t.ctx.Now().Location())
	if t.timeW > 8 {
		return at.Format("01-02 15:04")
	}
	return at.Format("15:04:05")
}

func (t *Timeline) renderRow(r *tlRow, selected bool) string {
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
func (t *Timeline) sourceNames() string {
	if len(t.sources) == 0 {
		return Dash
	}
	return strings.Join(t.sources, ", ")
}

// statusLines are the lines under the list: failed sources, the range
// chooser, the filter.
func (t *Timeline) statusLines() []string {
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
	case t.choosing:
		var b strings.Builder
		b.WriteString("range:")
		for i, r := range TimelineRanges {
			s := FormatDuration(r)
			if i == t.choice {
				s = "[" + s + "]"
			} else {
				s = " " + s + " "
			}
			b.WriteString(" " + s)
		}
		k := t.ctx.Keys
		b.WriteString("   " + widget.Arrows(k.ScrollLeft, k.ScrollRight) + " choose · " + widget.Key(k.Apply) + " apply · " + widget.Key(k.Cancel) + " cancel")
		lines = append(lines, st.Accent.Render(text.Fit(b.String(), t.width)))
	case t.list.Prompt.IsOpen():
		lines = append(lines, t.list.Prompt.View(st, t.width, "text in kind, summary or labels"))
	case t.filter != "":
		lines = append(lines, st.Accent.Render(text.Fit(widget.FilterLine(t.ctx.Keys, t.filter, fmt.Sprintf("%d shown", t.list.Len())), t.width)))
	}
	return lines
}

// header is the first line: the range, the order, how many, when.
func (t *Timeline) header() string {
	st := t.ctx.Styles
	left := st.Title.Render("Timeline") + st.Muted.Render(" · last ") + st.Accent.Render(FormatDuration(t.rng)) + st.Muted.Render(" · newest first")
	var right string
	switch {
	case t.paused:
		right = st.StateStale.Render("⏸ paused " + t.pausedAt.Format("15:04:05"))
	case t.loading:
		right = st.Muted.Render("loading…")
	case t.data != nil:
		right = st.Muted.Render(fmt.Sprintf("%d event%s · at %s", len(t.data.Events), plural(len(t.data.Events)), t.data.Plan.Until.In(t.ctx.Now().Location()).Format("15:04:05")))
	}
	return text.SpreadKeepLeft(left, right, t.width)
}

// View implements Screen. Only the visible rows are rendered.
func (t *Timeline) View() string {
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
		for _, l := range text.WrapWords("no events in the last "+FormatDuration(t.rng)+" (sources: "+t.sourceNames()+")", max(t.width-2, 1)) {
			body = append(body, st.Muted.Render("  "+l))
		}
	default:
		body = t.list.Render(t.renderRow)
	}
	return widget.Frame(t.header(), body, t.listHeight(), t.statusLines(), t.width, t.height)
}

// Notes implements Screen.
func (t *Timeline) Notes() []string {
	k, key := t.ctx.Keys, widget.Key
	return []string{
		"What happened in the context over the range, newest first: alerts (FIRING, PENDING, RESOLVED), THRESHOLD crossings of the error ratio and p99, DEPLOY and RESTART of targets, SILENCE+ and SILENCE- from Alertmanager, WRITE for vigil's own writes and NOTE for notes.",
		"Rebuilt every " + FormatDuration(TimelineRefresh) + " while shown and on " + key(k.Refresh) + "; " + key(k.RangeShorter) + " " + key(k.RangeLonger) + " " + key(k.RangeChoose) + " change the range.",
		key(k.Open) + " opens an event: the alert's detail, the silence's, the endpoint's charts at the event's time, or the note in full; " + key(k.Back) + " comes back.",
		key(k.Note) + " adds a note from any screen; a source that failed is named under the list, never shown as no events.",
	}
}

// ShortHelp implements help.KeyMap.
func (t *Timeline) ShortHelp() []key.Binding {
	k := t.ctx.Keys
	switch {
	case t.choosing, t.list.Prompt.IsOpen():
		return []key.Binding{k.Apply, k.Cancel}
	case !t.detail.Empty():
		if _, ok := t.detail.Top().(*AlertDetail); ok {
			return []key.Binding{k.Back, k.Up, k.Down, k.Jump, k.Note, k.Help}
		}
		return []key.Binding{k.Back, k.Up, k.Down, k.Note, k.Help}
	}
	return []key.Binding{k.Open, k.Filter, k.RangeChoose, k.Note, k.Refresh, k.Help}
}

// FullHelp implements help.KeyMap.
func (t *Timeline) FullHelp() [][]key.Binding {
	k := t.ctx.Keys
	return [][]key.Binding{
		k.Navigation(),
		{k.Open, k.Filter, k.Back},
		{k.RangeShorter, k.RangeLonger, k.RangeChoose},
	}
}

// eventDetail shows one event in full: when, what, from where, its whole
// text and every label, with a notice (an alert no longer active).
type eventDetail struct {
	noWork
	ctx           *Context
	e             query.Event
	notice        string
	width, height int
	scr           widget.Scroll
}

func newEventDetail(ctx *Context, e query.Event, notice string) *eventDetail {
	return &eventDetail{ctx: ctx, e: e, notice: notice}
}

// Update implements Component: it scrolls and is done on esc.
func (d *eventDetail) Update(msg tea.Msg) (Component, tea.Cmd) {
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		if key.Matches(kp, d.ctx.Keys.Back) {
			return nil, nil
		}
		d.scr.Key(kp, d.ctx.Keys, len(d.lines()), d.height)
	}
	return d, nil
}

// SetSize implements Component.
func (d *eventDetail) SetSize(w, h int) { d.width, d.height = max(w, 0), max(h, 0) }

// Capturing implements Component.
func (d *eventDetail) Capturing() bool { return false }

// ShortHelp implements Component.
func (d *eventDetail) ShortHelp() []key.Binding { return []key.Binding{d.ctx.Keys.Back} }

// FullHelp implements Component.
func (d *eventDetail) FullHelp() [][]key.Binding {
	return [][]key.Binding{append([]key.Binding{d.ctx.Keys.Back}, d.ctx.Keys.Navigation()...)}
}

// View implements Component.
func (d *eventDetail) View() string {
	return text.ClipLines(d.scr.Window(d.lines(), d.height), d.width, d.height)
}

func (d *eventDetail) lines() []string {
	st, w, e := d.ctx.Styles, d.width, d.e
	if w <= 0 {
		return nil
	}
	var out []string
	add := func(s string) { out = append(out, text.Truncate(s, w)) }
	valueW := max(w-detailKeyW-1, 1)
	field := func(name, value string) {
		add(st.Muted.Render(text.Fit("  "+name, detailKeyW)) + " " + value)
	}
	block := func(name, s string) {
		for i, l := range text.Wrap(text.SanitizeMultiline(s), valueW) {
			if i == 0 {
				field(name, l)
			} else {
				add(strings.Repeat(" ", detailKeyW+1) + l)
			}
		}
	}
	title := KindName(e.Kind)
	switch e.Kind {
	case query.EventAlertFiring, query.EventAlertPending, query.EventAlertResolved:
		title = text.Sanitize(e.Labels["alertname"]) + " · " + title
	case query.EventNote:
		title = "Note by " + text.Sanitize(e.Labels["author"])
	case query.EventWrite:
		title = "Write to Alertmanager by " + text.Sanitize(e.Labels["user"])
	}
	add(st.Title.Render(title))
	if d.notice != "" {
		for _, l := range text.WrapWords(text.Sanitize(d.notice), max(w-2, 1)) {
			add(st.Warn.Render("  " + l))
		}
	}
	loc := d.ctx.Now().Location()
	field("time", e.Time.In(loc).Format("2006-01-02 15:04:05 MST")+st.Muted.Render(" ("+e.Time.UTC().Format("15:04:05Z")+")"))
	field("kind", d.styleKind(e.Kind).Render(KindName(e.Kind)))
	field("source", text.Sanitize(e.Source))
	what := e.Summary
	if e.Kind == query.EventNote {
		what = strings.TrimPrefix(e.Summary, e.Labels["author"]+": ")
		block("text", what)
	} else {
		block("what", what)
	}
	if len(e.Labels) > 0 {
		add("")
		add(st.TableHeader.Render("LABELS"))
		names := make([]string, 0, len(e.Labels))
		keyW := 0
		for n := range e.Labels {
			names = append(names, n)
			keyW = max(keyW, text.Width(text.Sanitize(n)))
		}
		sort.Strings(names)
		keyW = min(keyW, max(w/3, 8))
		for _, n := range names {
			for i, v := range text.Wrap(text.SanitizeMultiline(e.Labels[n]), max(w-keyW-5, 1)) {
				if i > 0 {
					add("  " + strings.Repeat(" ", keyW+3) + st.LabelValue.Render(v))
					continue
				}
				add("  " + st.LabelKey.Render(text.Fit(text.Sanitize(n), keyW)) + " = " + st.LabelValue.Render(v))
			}
		}
	}
	return out
}

func (d *eventDetail) styleKind(k query.EventKind) lipgloss.Style {
	return (&Timeline{ctx: d.ctx}).kindStyle(k)
}
