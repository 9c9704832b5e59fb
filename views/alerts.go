package views

import (
	"fmt"
	"os"
	"os/user"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/ui/keys"
	"github.com/vigilterm/vigil/ui/text"
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

// Alerts is the alerts screen: every alert Alertmanager and Prometheus know,
// most severe and oldest first, with the alert detail and the silence form
// opened from it.
type Alerts struct {
	ctx    *Context
	width  int
	height int

	all      []query.Alert // the last refresh, sorted
	silences []query.Silence
	at       time.Time
	haveData bool
	err      error

	// list holds all, filtered (grouped when grouped), the cursor on the
	// selected alert's label set, kept across refreshes, and the prompt.
	list    *widget.List[query.Alert]
	rows    []alertRow // the list's alerts, with group headers when grouped
	rowOf   []int      // list index → rows index
	grouped bool

	filter    query.AlertFilter
	filterErr string
	// stack holds what is opened from the list: the alert detail, the
	// silence form, the panel of the silence that already covers an alert.
	stack  Stack
	whoami func() string
	memo   widget.StyleMemo

	// amConfigured is false when no Alertmanager is configured: silences
	// cannot be made, and no alert list can say what is silenced.
	amConfigured bool
	sources      AlertsMsg // the last refresh: which source answered, the causes
	picker       query.LabelPicker

	// layout, computed in SetSize and when the data changes
	sevW, nameW, forW, stateW, labelsW, summaryW, indent int
}

var _ Screen = (*Alerts)(nil)

// NewAlerts returns the alerts screen.
func NewAlerts(ctx *Context) *Alerts {
	a := &Alerts{ctx: ctx, whoami: SystemUser, amConfigured: true}
	a.list = widget.NewList(query.Alert.Key, a.tableHeight)
	a.list.SetSpan(a.span)
	a.SetSize(80, 20)
	return a
}

// SystemUser is the default author of a silence when silence.created_by is
// not set: user@host of the process.
func SystemUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "vigil"
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return name + "@" + h
	}
	return name
}

// SetAlertmanagerConfigured tells the screen whether an Alertmanager is
// configured (it assumes one until told).
func (a *Alerts) SetAlertmanagerConfigured(ok bool) { a.amConfigured = ok }

// SetWhoAmI replaces the function that names the author of a silence when
// silence.created_by is not set (tests fix it).
func (a *Alerts) SetWhoAmI(f func() string) {
	if f != nil {
		a.whoami = f
	}
}

// createdBy is the default author of a new silence.
func (a *Alerts) createdBy() string {
	if c := strings.TrimSpace(a.ctx.Config.Silence.CreatedBy); c != "" {
		return c
	}
	return a.whoami()
}

// Title implements Screen.
func (a *Alerts) Title() string { return "Alerts" }

// Capturing implements Screen: the filter prompt and the silence form own
// the keyboard.
func (a *Alerts) Capturing() bool { return a.list.Prompt.IsOpen() || a.stack.Capturing() }

// SetSize implements Screen.
func (a *Alerts) SetSize(w, h int) {
	a.width, a.height = max(w, 0), max(h, 0)
	a.layout()
	a.stack.SetSize(a.width, a.height)
	a.list.Clamp()
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

// Alerts returns the alerts as shown: filtered, in order.
func (a *Alerts) Alerts() []query.Alert { return a.list.Items() }

// All returns every alert of the last refresh.
func (a *Alerts) All() []query.Alert { return a.all }

// SelectedAlert returns the alert under the cursor.
func (a *Alerts) SelectedAlert() (query.Alert, bool) { return a.list.Selected() }

// UnsentWork names the silence being typed in the open form, or "" when no
// form is open or nothing was typed in it.
func (a *Alerts) UnsentWork() string { return a.stack.UnsentWork() }

// Detail returns the open alert detail, or nil.
func (a *Alerts) Detail() *AlertDetail { d, _ := find[*AlertDetail](&a.stack); return d }

// Silenced returns the panel that shows an alert's existing silence, or nil.
func (a *Alerts) Silenced() *SilencedPanel { p, _ := find[*SilencedPanel](&a.stack); return p }

// Form returns the open silence form, or nil.
func (a *Alerts) Form() *SilenceForm { f, _ := find[*SilenceForm](&a.stack); return f }

// Grouped reports whether the alerts are grouped by alertname.
func (a *Alerts) Grouped() bool { return a.grouped }

// Filter returns the applied filter as typed.
func (a *Alerts) Filter() string { return a.filter.String() }

// FiringByEndpoint counts the firing alerts naming each endpoint in the
// given label: the overview marks those endpoints.
func FiringByEndpoint(alerts []query.Alert, label string) map[string]int {
	out := map[string]int{}
	if label == "" {
		return out
	}
	for i := range alerts {
		if alerts[i].State != query.StateFiring {
			continue
		}
		if v := alerts[i].Labels[label]; v != "" {
			out[v]++
		}
	}
	return out
}

// alertsData is a refresh as the children of the alerts screen see it:
// every alert, sorted, and the silences.
type alertsData struct {
	all      []query.Alert
	silences []query.Silence
}

// Update implements Screen.
func (a *Alerts) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case SourcesMsg:
		a.amConfigured = msg.Alertmanager
		return a, nil
	case AlertsMsg:
		return a, a.onAlerts(msg)
	case SilenceResultMsg:
		return a, a.onResult(msg)
	case tea.KeyPressMsg:
		switch top := a.stack.Top(); {
		case top != nil:
			if d, ok := top.(*AlertDetail); ok {
				// The keys that act on an alert act on the one shown.
				if cmd, ok := a.actionKey(msg, d.Alert()); ok {
					return a, cmd
				}
			}
			return a, a.stack.Update(msg)
		case a.list.Prompt.IsOpen():
			return a, a.list.Prompt.Key(msg, a.ctx.Keys, a.setFilter)
		}
		return a, a.handleKey(msg)
	}
	// Pastes and the like go to whatever owns the keyboard.
	switch {
	case !a.stack.Empty():
		return a, a.stack.Update(msg)
	case a.list.Prompt.IsOpen():
		return a, a.list.Prompt.Update(msg, a.setFilter)
	}
	return a, nil
}

func (a *Alerts) onAlerts(msg AlertsMsg) tea.Cmd {
	a.err = msg.Err
	a.sources = msg
	if msg.NoAlertmanager {
		a.amConfigured = false
	}
	if msg.Alerts == nil {
		// No source answered: keep what we had, and never show an empty
		// list for an unknown one.
		return nil
	}
	a.all = append(a.all[:0:0], msg.Alerts...)
	query.SortAlerts(a.all)
	if msg.Silences != nil || msg.NoAlertmanager {
		a.silences = msg.Silences
	}
	a.at = msg.At
	a.haveData = true
	a.rebuild()
	return a.stack.Broadcast(alertsData{all: a.all, silences: a.silences})
}

// onResult handles the answer to a silence the form or the silenced panel
// asked for. When the form was left while sending, the result is flashed
// all the same.
func (a *Alerts) onResult(msg SilenceResultMsg) tea.Cmd {
	if p := a.Silenced(); msg.Request.Op == OpExtend && p != nil && p.IsFor(msg) {
		return a.stack.Update(msg)
	}
	if msg.Request.Op != OpCreate {
		return nil
	}
	if f := a.Form(); f != nil && f.Sending() && f.IsFor(msg) {
		return a.stack.Update(msg)
	}
	return silenceResultFlash(msg)
}

// silenceResultFlash is the flash that reports a create.
func silenceResultFlash(msg SilenceResultMsg) tea.Cmd {
	if msg.Err != nil {
		return Flash("silence not created: "+text.Sanitize(msg.Err.Error()), true)
	}
	return Flash(createdText(msg), false)
}

// createdText is "silenced: <id> (verified active)" and its variants.
func createdText(msg SilenceResultMsg) string {
	s := "silenced: " + text.Sanitize(msg.ID)
	var notes []string
	if msg.Reused {
		notes = append(notes, "made by the earlier attempt")
	}
	if msg.Verified {
		notes = append(notes, "verified active")
	} else {
		notes = append(notes, "not verified: could not read it back")
	}
	s += " (" + strings.Join(notes, ", ") + ")"
	if msg.Request.Ack {
		d := msg.Request.Spec.EndsAt.Sub(msg.Request.Spec.StartsAt)
		if msg.Request.Spec.StartsAt.IsZero() {
			d = 0
		}
		if d > 0 {
			s += " — ack for " + FormatDuration(d)
		} else {
			s += " — ack"
		}
	}
	return s
}

// setFilter parses and applies a filter, as it is typed. A text that does
// not parse keeps the last good filter and sets the error shown under the
// prompt; it returns false then, so that enter leaves the prompt open.
func (a *Alerts) setFilter(s string, _ bool) bool {
	f, err := query.ParseAlertFilter(s)
	if err != nil {
		a.filterErr = text.Sanitize(err.Error())
		return false
	}
	a.filterErr = ""
	a.filter = f
	a.rebuild()
	return true
}

// readOnlyRefusal flashes when msg is a writing key that read-only mode
// disabled: a disabled binding no longer matches, so it is looked up by
// its keys.
func readOnlyRefusal(k *keys.KeyMap, msg tea.KeyPressMsg) tea.Cmd {
	s := msg.String()
	for _, d := range []struct {
		b    key.Binding
		what string
	}{
		{k.Silence, "silencing alerts"},
		{k.Ack, "acking alerts"},
		{k.Expire, "expiring silences"},
		{k.Extend, "extending silences"},
	} {
		if !d.b.Enabled() && slices.Contains(d.b.Keys(), s) {
			return Flash("read-only: "+d.what+" is disabled (ui.read_only)", true)
		}
	}
	return nil
}

// actionKey handles the keys that act on one alert, from the list and from
// the detail. ok is false when msg is none of them.
func (a *Alerts) actionKey(msg tea.KeyPressMsg, al query.Alert) (tea.Cmd, bool) {
	k := a.ctx.Keys
	if cmd := readOnlyRefusal(k, msg); cmd != nil {
		return cmd, true
	}
	switch {
	case key.Matches(msg, k.Silence):
		return a.silence(al), true
	case key.Matches(msg, k.Ack):
		return a.openForm(al, true), true
	case key.Matches(msg, k.Browse):
		u := al.RunbookURL()
		if strings.TrimSpace(u) == "" {
			return Flash(text.Sanitize(al.Name)+" has no runbook_url annotation", false), true
		}
		safe, ok := text.SafeURL(u)
		if !ok {
			return Flash("the runbook URL is not an http(s) URL vigil will open: "+text.Sanitize(u), true), true
		}
		return func() tea.Msg { return OpenURLMsg{URL: safe} }, true
	case key.Matches(msg, k.Copy):
		u := al.RunbookURL()
		if strings.TrimSpace(u) == "" {
			return Flash(text.Sanitize(al.Name)+" has no runbook_url annotation", false), true
		}
		safe, ok := text.SafeURL(u)
		if !ok {
			// Never put on the clipboard what could run in a shell.
			return Flash("not copied: the runbook URL is not a plain http(s) URL: "+text.Sanitize(u), true), true
		}
		return func() tea.Msg { return CopyMsg{Text: safe, What: "runbook URL"} }, true
	case key.Matches(msg, k.GraphAlert):
		return graphAlert(al), true
	case key.Matches(msg, k.Jump):
		label := a.ctx.Config.Metrics.EndpointLabel
		v, ok := al.Labels[label]
		if !ok || v == "" {
			return Flash(text.Sanitize(al.Name)+" has no "+label+" label: no endpoint to jump to", false), true
		}
		return func() tea.Msg { return JumpToEndpointMsg{Endpoint: v} }, true
	}
	return nil, false
}

// noAlertmanagerFlash refuses a silence when no Alertmanager is configured.
func noAlertmanagerFlash() tea.Cmd {
	return Flash("cannot silence: Alertmanager not configured (set --alertmanager or alertmanager.urls)", true)
}

// silence is s on an alert: the silence that already covers it, with
// extend and an explicit new one, else the silence form.
func (a *Alerts) silence(al query.Alert) tea.Cmd {
	if cmd := a.refuseSilence(al); cmd != nil {
		return cmd
	}
	if p := NewSilencedPanel(a.ctx, al, a.silences); p != nil {
		p.newForm = func(al query.Alert) (Component, tea.Cmd) { return a.newForm(al, false) }
		a.stack.Push(p)
		return nil
	}
	return a.openForm(al, false)
}

// refuseSilence says why an alert cannot be silenced from here, if so.
func (a *Alerts) refuseSilence(al query.Alert) tea.Cmd {
	if a.ctx.Config.UI.ReadOnly {
		return Flash("read-only: silencing alerts is disabled (ui.read_only)", true)
	}
	if !a.amConfigured {
		return noAlertmanagerFlash()
	}
	if len(al.Labels) == 0 {
		return Flash("this alert has no labels to silence it by", true)
	}
	return nil
}

// openForm opens the silence form for an alert; an ack lands on the
// confirm step.
func (a *Alerts) openForm(al query.Alert, ack bool) tea.Cmd {
	f, cmd := a.newForm(al, ack)
	if f != nil {
		a.stack.Push(f)
	}
	return cmd
}

// newForm is the silence form for an alert, or nil and why not.
func (a *Alerts) newForm(al query.Alert, ack bool) (Component, tea.Cmd) {
	if cmd := a.refuseSilence(al); cmd != nil {
		return nil, cmd
	}
	if ack {
		return NewAckForm(a.ctx, al, a.all, a.createdBy()), nil
	}
	return NewSilenceForm(a.ctx, al, a.all, a.createdBy()), nil
}

func (a *Alerts) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.ctx.Keys
	if key.Matches(msg, k.GraphAlert) {
		// Before the navigation keys: g graphs here, home goes to the top.
		if al, ok := a.SelectedAlert(); ok {
			return graphAlert(al)
		}
		return nil
	}
	if a.list.NavKey(msg, k) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		_ = a.list.Prompt.Open(a.filter.String())
		return nil
	case key.Matches(msg, k.Back):
		if a.filter.String() != "" {
			a.list.Prompt.Clear(a.setFilter)
		}
		return nil
	case key.Matches(msg, k.Group):
		a.grouped = !a.grouped
		a.rebuild()
		if a.grouped {
			return Flash("grouped by alertname", false)
		}
		return Flash("not grouped", false)
	case key.Matches(msg, k.Open):
		if al, ok := a.SelectedAlert(); ok {
			a.stack.Push(NewAlertDetail(a.ctx, al, a.silences))
		}
		return nil
	}
	if cmd := readOnlyRefusal(k, msg); cmd != nil {
		return cmd
	}
	if !a.amConfigured && (key.Matches(msg, k.Silence) || key.Matches(msg, k.Ack)) {
		return noAlertmanagerFlash()
	}
	if al, ok := a.SelectedAlert(); ok {
		cmd, _ := a.actionKey(msg, al)
		return cmd
	}
	return nil
}

// rebuild filters, groups and lays out the alerts and puts the cursor back
// on the selected alert.
func (a *Alerts) rebuild() {
	a.picker = query.NewLabelPicker(a.all)
	shown := a.filter.Filter(a.all)
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
		if a.err != nil && a.sources.At.After(a.at) && !a.at.IsZero() {
			lines = append(lines, st.Error.Render("✕ no source answered the last refresh: showing alerts from "+FormatDuration(a.ctx.Now().Sub(a.at))+" ago"))
		}
	}
	switch {
	case a.list.Prompt.IsOpen():
		lines = append(lines, a.list.Prompt.View(st, a.width, `text, or name="v", name=~"re"`))
		if a.filterErr != "" {
			lines = append(lines, st.Error.Render("✕ "+a.filterErr))
		}
	case a.filter.String() != "":
		f := widget.FilterLine(a.ctx.Keys, a.filter.String(), fmt.Sprintf("%d of %d alerts", a.list.Len(), len(a.all)))
		lines = append(lines, st.Accent.Render(f))
	}
	return lines
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
	case amOK && promOK:
		return "no alerts: nothing is firing or pending"
	case amOK:
		return "no alerts in Alertmanager: nothing is firing (pending alerts unknown)"
	case promOK:
		return "no alerts from Prometheus: nothing is firing or pending"
	}
	return "no answer: alerts unknown"
}

// Notes implements Screen.
func (a *Alerts) Notes() []string {
	label := a.ctx.Config.Metrics.EndpointLabel
	k, key := a.ctx.Keys, widget.Key
	return []string{
		"Alerts from Alertmanager, and pending ones from Prometheus; most severe first, then oldest.",
		"STATE: firing; pending (Prometheus only: its `for` has not elapsed); silenced; inhibited.",
		"FOR is the time since the alert became active. LABELS are its labels other than alertname and severity.",
		`Filter: plain words match the name, state, summary and label values; name="v", name!="v", name=~"re", name!~"re" match labels.`,
		key(k.Jump) + " shows the alert's " + label + " on the overview; " + key(k.Browse) + " opens and " + key(k.Copy) + " copies its runbook_url.",
		key(k.Silence) + " opens the silence form (matchers from the alert's labels), or, on an alert a silence already covers, that silence with " +
			key(k.Extend) + " to extend it and " + key(k.Silence) + " again for a new one; " + key(k.Ack) + " acks: a short silence of exactly this alert, confirmed before it is sent.",
	}
}

// ShortHelp implements help.KeyMap.
func (a *Alerts) ShortHelp() []key.Binding {
	k := a.ctx.Keys
	switch {
	case !a.stack.Empty():
		return a.stack.Top().ShortHelp()
	case a.list.Prompt.IsOpen():
		return []key.Binding{k.Apply, k.Cancel}
	}
	return []key.Binding{k.Filter, k.Open, k.Silence, k.Ack, k.Group, k.Browse, k.Refresh, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (a *Alerts) FullHelp() [][]key.Binding {
	k := a.ctx.Keys
	if top := a.stack.Top(); top != nil {
		if h := top.FullHelp(); h != nil {
			return h
		}
	}
	return [][]key.Binding{
		k.Navigation(),
		{k.Filter, k.Back, k.Group, k.Open, k.Jump},
		{k.Silence, k.Ack, k.Browse, k.Copy, k.GraphAlert},
	}
}

// View implements Screen. Only the visible rows are rendered.
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
	if len(lines) > 1+body {
		lines = lines[:1+body]
	}
	for len(lines) < 1+body {
		lines = append(lines, "")
	}
	lines = append(lines, a.statusLines()...)
	return text.ClipLines(lines, a.width, a.height)
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
		return Dash
	}
	d := now.Sub(at)
	if d < 0 {
		d = 0
	}
	return FormatDuration(d.Truncate(time.Second))
}

// firstLabels are the labels that say where an alert is, shown first.
func (a *Alerts) firstLabels() []string {
	return []string{a.ctx.Config.Metrics.EndpointLabel, "endpoint", "handler", "job", "service", "instance"}
}

// AlertLabelTexts returns, for each alert, the labels that tell it apart
// from the other alerts of its name (see query.LabelPicker), written
// k=v k=v and sanitised, with the endpoint label first: for the snapshot's
// alert lines.
func AlertLabelTexts(alerts []query.Alert, endpointLabel string) []string {
	p := query.NewLabelPicker(alerts)
	first := []string{endpointLabel, "endpoint", "handler", "job", "service", "instance"}
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

// labelOrder puts the labels that say where an alert is first: the
// endpoint label, job, instance; then the rest by name. alertname and severity
// are left out, as their own columns show them.
func labelOrder(ls map[string]string, endpointLabel string) []string {
	first := []string{endpointLabel, "endpoint", "handler", "job", "service", "instance"}
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
	return widget.CompactLabels(st, memo, ls, labelOrder(ls, endpointLabel), w, plain)
}

func (a *Alerts) renderRow(al *query.Alert, selected bool, now time.Time) string {
	st := a.ctx.Styles
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", a.indent))
	first := true
	add := func(s string) {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(s)
	}
	if a.sevW > 0 {
		sev := text.Sanitize(al.Severity)
		if sev == "" {
			sev = Dash
		}
		if a.sevW < alertSevFullW {
			sev = shortSeverity(sev)
		}
		c := text.Fit(sev, a.sevW)
		if !selected {
			c = a.memo.Render(st.Severity(al.Severity), widget.MemoSeverity, al.Severity, c)
		}
		add(c)
	}
	name := text.Sanitize(al.Name)
	if name == "" {
		name = "(no alertname)"
	}
	add(text.Fit(name, a.nameW))
	if a.stateW > 0 {
		c := text.Fit(string(al.State), a.stateW)
		if !selected {
			c = a.memo.Render(st.AlertState(string(al.State)), widget.MemoState, string(al.State), c)
		}
		add(c)
	}
	if a.forW > 0 {
		add(text.PadLeft(alertAge(now, al.ActiveAt), a.forW))
	}
	if a.labelsW > 0 {
		add(widget.CompactLabels(st, &a.memo, al.Labels, a.picker.Names(*al, a.firstLabels()...), a.labelsW, selected))
	}
	if a.summaryW > 0 {
		h := text.Sanitize(al.Headline())
		if h == "" {
			c := text.Fit("(no summary)", a.summaryW)
			if !selected {
				c = st.Muted.Render(c)
			}
			add(c)
		} else {
			add(text.Fit(h, a.summaryW))
		}
	}
	if selected {
		return st.RowSelected.Render(text.Fit(b.String(), a.width))
	}
	return b.String()
}

// reportAlertLabels is AlertLabelTexts for the snapshot's alerts, each
// followed by a space when not empty.
func reportAlertLabels(ras []ReportAlert, endpointLabel string) []string {
	if endpointLabel == "" {
		endpointLabel = "path"
	}
	as := make([]query.Alert, len(ras))
	for i, ra := range ras {
		as[i] = query.Alert{Name: ra.Name, Labels: ra.Labels}
	}
	out := AlertLabelTexts(as, endpointLabel)
	for i := range out {
		if out[i] != "" {
			out[i] = "{" + out[i] + "} "
		}
	}
	return out
}

// reportHeadline is the snapshot's text after an alert's name: its
// summary (the snapshot fills it with query.Alert.Headline), sanitised, or
// "(no summary)".
func reportHeadline(ra ReportAlert) string {
	if s := strings.TrimSpace(text.Sanitize(ra.Summary)); s != "" {
		return s
	}
	return "(no summary)"
}
