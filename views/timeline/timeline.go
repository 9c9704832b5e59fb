package timeline

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Ranges are the ranges the timeline screen offers, shortest
// first; DefaultRange is the one it opens with.
var Ranges = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// DefaultRange is the timeline screen's first range.
const DefaultRange = 2 * time.Hour

// Refresh is how often the timeline is rebuilt while its screen is
// shown: a build is several range queries, so not at every refresh of the
// overview.
const Refresh = 30 * time.Second

// Msg carries a build of the timeline to its screen. Err is set
// when no build could be made at all (no Prometheus source); Sources names
// the sources the build asked.
type Msg struct {
	Timeline *timeline.Timeline
	Range    time.Duration
	Sources  []string
	Err      error
}

// FetchMsg asks the root model to rebuild the timeline now (its
// range changed).
type FetchMsg struct{}

// Column widths of the timeline, in cells.
const (
	tlKindW    = 9 // "THRESHOLD"
	tlLabelMin = 100
)

// Screen is the incident's timeline: alert transitions, threshold
// crossings, deploys and restarts, silences, vigil's writes and notes of
// the context over a range, newest first, so that what just happened is on
// top without scrolling. Enter opens what an event is about.
type Screen struct {
	views.NoWork
	ctx           *views.Context
	width, height int

	rng     time.Duration
	data    *timeline.Timeline
	sources []string
	err     error
	loading bool

	paused   bool
	pausedAt time.Time

	// seen is the alerts, silences and rules check, for the details
	// opened here, as on the Alerts screen.
	seen alerting.AlertsSeen

	list   *widget.List[tlRow]
	filter string
	// detail is what enter opened over the list.
	detail views.Stack

	chooser views.RangeChooser // t: the row of ranges

	summaryW, labelsW, timeW int
}

// New returns the timeline screen, over the default range, loading.
func New(ctx *views.Context) *Screen {
	t := &Screen{ctx: ctx, rng: DefaultRange, loading: true, chooser: views.RangeChooser{Ranges: Ranges}}
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

// Title implements views.Screen.
func (t *Screen) Title() string { return "Timeline" }

// Range is the range shown.
func (t *Screen) Range() time.Duration { return t.rng }

// Rows returns the events as listed, newest first.
func (t *Screen) Rows() []query.Event {
	out := make([]query.Event, t.list.Len())
	for i, r := range t.list.Items() {
		out[i] = r.e
	}
	return out
}

// Selected is the event under the cursor.
func (t *Screen) Selected() (query.Event, bool) {
	r, ok := t.list.Selected()
	return r.e, ok
}

// DetailOpen reports whether enter opened something over the list.
func (t *Screen) DetailOpen() bool { return !t.detail.Empty() }

// Capturing implements views.Screen: the filter prompt and the range chooser own
// the keyboard.
func (t *Screen) Capturing() bool {
	return t.list.Prompt.IsOpen() || t.chooser.Open || t.detail.Capturing()
}

// SetSize implements views.Screen.
func (t *Screen) SetSize(w, h int) {
	t.width, t.height = max(w, 0), max(h, 0)
	t.layout()
	t.detail.SetSize(t.width, t.height)
	t.list.Clamp()
}

func (t *Screen) layout() {
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
	if t.labelsW > 0 {
		// The summaries keep the width of the longest (at least 30
		// cells), the labels get the rest: no blank half line while
		// labels are cut.
		longest := 0
		for _, r := range t.list.Items() {
			longest = max(longest, text.Width(text.Sanitize(t.rowSummary(&r.e))))
		}
		room := t.width - t.timeW - tlKindW - cols
		if s := max(longest, 30); s < t.summaryW {
			t.summaryW = s
			t.labelsW = room - s
		}
	}
}

func (t *Screen) listHeight() int {
	return max(t.height-1-len(t.statusLines()), 0)
}

// Update implements views.Screen.
func (t *Screen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case Msg:
		t.onTimeline(msg)
		return t, nil
	case views.AlertsMsg:
		if msg.Alerts != nil {
			t.seen.All = msg.Alerts
		}
		if msg.Silences != nil {
			t.seen.Silences = msg.Silences
		}
		t.seen.TakeRouting(msg)
		return t, t.detail.Broadcast(t.seen.Data())
	case alerting.AlertHistoryMsg:
		// The history of an alert detail opened from here.
		if d, ok := t.detail.Top().(*alerting.AlertDetail); ok {
			d.Update(msg)
		}
		return t, nil
	case views.RulesCheckMsg:
		t.seen.RulesErr = msg.Err
		if msg.Check != nil {
			t.seen.Rules = msg.Check
		}
		if d, ok := t.detail.Top().(*alerting.AlertDetail); ok {
			_, cmd := d.Update(msg)
			return t, cmd
		}
		return t, nil
	case views.BacktestMsg:
		// The backtest an alert detail opened from here asked for (it
		// checks the rule is its alert's).
		if d, ok := t.detail.Top().(*alerting.AlertDetail); ok {
			d.Update(msg)
		}
		return t, nil
	case views.PausedMsg:
		t.paused, t.pausedAt = msg.Paused, msg.Since
		return t, nil
	case tea.KeyPressMsg:
		switch {
		case t.chooser.Open:
			if r, ok := t.chooser.Key(msg, t.ctx.Keys); ok {
				return t, t.setRange(r)
			}
			return t, nil
		case t.list.Prompt.IsOpen():
			return t, t.list.Prompt.Key(msg, t.ctx.Keys, t.applyFilter)
		case !t.detail.Empty():
			if _, ok := t.detail.Top().(*alerting.AlertDetail); ok && key.Matches(msg, t.ctx.Keys.Jump) {
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

func (t *Screen) onTimeline(msg Msg) {
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
func (t *Screen) rebuild() {
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
func (t *Screen) matches(e *query.Event) bool {
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

func (t *Screen) applyFilter(f string, _ bool) bool {
	t.filter = strings.TrimSpace(f)
	t.rebuild()
	return true
}

func timelineRangeIndex(r time.Duration) int {
	if i := slices.Index(Ranges, r); i >= 0 {
		return i
	}
	return slices.Index(Ranges, DefaultRange)
}

func (t *Screen) setRange(r time.Duration) tea.Cmd {
	if r == t.rng {
		return nil
	}
	t.rng, t.loading = r, true
	t.layout()
	return tea.Batch(func() tea.Msg { return FetchMsg{} }, views.Flash("timeline range "+views.FormatDuration(r)+": loading…", false))
}

func (t *Screen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
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
			return views.Flash(views.FormatDuration(t.rng)+" is the shortest range", false)
		}
		return t.setRange(Ranges[i-1])
	case key.Matches(msg, k.RangeLonger):
		if i == len(Ranges)-1 {
			return views.Flash(views.FormatDuration(t.rng)+" is the longest range", false)
		}
		return t.setRange(Ranges[i+1])
	case key.Matches(msg, k.RangeChoose):
		t.chooser.Show(i)
		t.list.Clamp()
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
func (t *Screen) open(e query.Event) tea.Cmd {
	switch e.Kind {
	case query.EventAlertFiring, query.EventAlertPending, query.EventAlertResolved:
		if a, ok := activeAlertOf(e, t.seen.All); ok {
			d, cmd := t.seen.OpenAlert(t.ctx, a)
			t.detail.Push(d)
			return cmd
		}
		why := "this alert is not active now: it is not among the current alerts"
		if t.seen.All == nil {
			why = "unknown whether this alert is active now: no alerts have been read yet"
		}
		t.detail.Push(newEventDetail(t.ctx, e, why))
	case query.EventSilenceCreated, query.EventSilenceExpired:
		id := e.Labels["silence_id"]
		for _, si := range t.seen.Silences {
			if si.ID == id {
				t.detail.Push(t.seen.OpenSilence(t.ctx, si))
				return nil
			}
		}
		why := "silence " + id + " is not among Alertmanager's silences now"
		if t.seen.Silences == nil {
			why = "unknown whether silence " + id + " still exists: no silences have been read yet"
		}
		t.detail.Push(newEventDetail(t.ctx, e, why))
	case query.EventThreshold, query.EventDeploy, query.EventRestart, query.EventTargetDown, query.EventTargetUp:
		ev := e
		ep := e.Labels[t.ctx.Settings.EndpointLabel]
		return func() tea.Msg { return OpenEventMsg{Event: ev, Endpoint: ep} }
	default:
		t.detail.Push(newEventDetail(t.ctx, e, ""))
	}
	return nil
}

// jump shows the open alert's endpoint on the overview.
func (t *Screen) jump() tea.Cmd {
	d, ok := t.detail.Top().(*alerting.AlertDetail)
	if !ok {
		return nil
	}
	label := t.ctx.Settings.EndpointLabel
	v, ok := d.Alert().Labels[label]
	if !ok || v == "" {
		return views.Flash("this alert has no "+text.Sanitize(label)+" label", false)
	}
	return func() tea.Msg { return views.JumpToEndpointMsg{Endpoint: v} }
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
