package alerting

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// Alerts is the alerts screen: every alert Alertmanager and Prometheus know,
// most severe and oldest first, with the alert detail and the silence form
// opened from it.
type Alerts struct {
	ctx    *views.Context
	width  int
	height int

	all      []query.Alert // the last refresh, sorted
	silences []query.Silence
	routing  routingInfo // who the alerts notify (routing.go)
	at       time.Time
	haveData bool
	err      error
	focus    string // an alert to open once the alerts are read (Focus)

	// list holds all, filtered (grouped when grouped), the cursor on the
	// selected alert's label set, kept across refreshes, and the prompt.
	list    *widget.List[query.Alert]
	rows    []alertRow // the list's alerts, with group headers when grouped
	rowOf   []int      // list index → rows index
	grouped bool

	filter alertListFilter
	// stack holds what is opened from the list: the alert detail, the
	// silence form, the panel of the silence that already covers an alert.
	stack  views.Stack
	whoami func() string
	memo   widget.StyleMemo
	// claimOf says who is on an alert ("NAME is on it · 3m", sanitised),
	// by its key; nil when nobody can claim (a console of one).
	claimOf func(key string) string

	// amConfigured is false when no Alertmanager is configured: silences
	// cannot be made, and no alert list can say what is silenced.
	amConfigured bool
	sources      views.AlertsMsg // the last refresh: which source answered, the causes
	picker       query.LabelPicker
	where        []string        // the labels that say where an alert is, first
	varies       map[string]bool // the labels whose values differ among the alerts shown: before the rest
	// variesByName are, per alert name, the labels whose values differ
	// among the shown alerts of that name: first of all, so two rows of
	// one name cut at a narrow width still tell apart.
	variesByName map[string]map[string]bool

	// rules is the newest rules check: the ⚠ of an alert whose rule has a
	// finding, and the detail's block (rules.go).
	rules    *views.RulesCheck
	rulesErr error // why the newest run failed

	// acked are the keys of the alerts an unexpired ack kept until
	// resolved covers, for the ⟳ of their state (ackuntil.go).
	acked map[string]bool

	// layout, computed in SetSize and when the data changes
	sevW, nameW, forW, stateW, labelsW, summaryW, indent int
}

// NewAlerts returns the alerts screen.
func NewAlerts(ctx *views.Context, opts ...views.Option) *Alerts {
	o := views.Applied(opts)
	a := &Alerts{ctx: ctx, whoami: SystemUser, claimOf: o.ClaimOf, amConfigured: true, where: whereLabels(ctx.Settings.EndpointLabel)}
	if o.Whoami != nil {
		a.whoami = o.Whoami
	}
	a.list = widget.NewList(query.Alert.Key, a.tableHeight)
	a.list.SetSpan(a.span)
	a.SetSize(80, 20)
	return a
}

// SystemUser is the default author of a silence when silence.created_by is
// not set: user@host of the process.
func SystemUser() string { return query.SystemUser() }

// SetAlertmanagerConfigured tells the screen whether an Alertmanager is
// configured (it assumes one until told).
func (a *Alerts) SetAlertmanagerConfigured(ok bool) { a.amConfigured = ok }

// claim is who is on al, or "".
func (a *Alerts) claim(al *query.Alert) string {
	if a.claimOf == nil {
		return ""
	}
	return a.claimOf(al.Key())
}

// createdBy is the default author of a new silence.
func (a *Alerts) createdBy() string {
	if c := strings.TrimSpace(a.ctx.Settings.Silence.CreatedBy); c != "" {
		return c
	}
	return a.whoami()
}

// Title implements views.Screen.
func (a *Alerts) Title() string { return "Alerts" }

// Capturing implements views.Screen: the filter prompt and the silence form own
// the keyboard.
func (a *Alerts) Capturing() bool { return a.list.Prompt.IsOpen() || a.stack.Capturing() }

// SetSize implements views.Screen.
func (a *Alerts) SetSize(w, h int) {
	a.width, a.height = max(w, 0), max(h, 0)
	a.layout()
	a.stack.SetSize(a.width, a.height)
	a.list.Clamp()
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
func (a *Alerts) Detail() *AlertDetail { d, _ := views.Find[*AlertDetail](&a.stack); return d }

// Silenced returns the panel that shows an alert's existing silence, or nil.
func (a *Alerts) Silenced() *SilencedPanel { p, _ := views.Find[*SilencedPanel](&a.stack); return p }

// Form returns the open silence form, or nil.
func (a *Alerts) Form() *SilenceForm { f, _ := views.Find[*SilenceForm](&a.stack); return f }

// Grouped reports whether the alerts are grouped by alertname.
func (a *Alerts) Grouped() bool { return a.grouped }

// Filter returns the applied filter as typed.
func (a *Alerts) Filter() string { return a.filter.filter.String() }

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
	routing  routingInfo
	ackErr   error // why acks kept until resolved are unknown (ackuntil.go)
}

// Update implements views.Screen.
func (a *Alerts) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case views.SourcesMsg:
		a.amConfigured = msg.Alertmanager
		return a, nil
	case views.AlertsMsg:
		return a, a.onAlerts(msg)
	case views.SilenceResultMsg:
		return a, a.onResult(msg)
	case AlertHistoryMsg:
		if d := a.Detail(); d != nil {
			d.Update(msg)
		}
		return a, nil
	case views.RulesCheckMsg:
		a.rulesErr = msg.Err
		if msg.Check != nil {
			a.rules = msg.Check
			a.rebuild()
		}
		if d := a.Detail(); d != nil {
			_, cmd := d.Update(msg)
			return a, cmd
		}
		return a, nil
	case views.BacktestMsg:
		if d := a.Detail(); d != nil {
			d.Update(msg)
		}
		return a, nil
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

func (a *Alerts) onAlerts(msg views.AlertsMsg) tea.Cmd {
	a.err = msg.Err
	a.sources = msg
	if msg.Routing != nil || msg.RoutingErr != nil || msg.NoAlertmanager {
		a.routing = routingFrom(msg)
	}
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
	cmd := a.stack.Broadcast(alertsData{all: a.all, silences: a.silences, routing: a.routing, ackErr: ackErr(msg)})
	if k := a.focus; k != "" {
		a.focus = ""
		return tea.Batch(cmd, a.Focus(k))
	}
	return cmd
}

// Focus selects the alert with this label set (query.Alert.Key) and opens
// its detail; asked before the alerts are read, it does so when they are.
// An open form or view with typed work is never closed for it.
func (a *Alerts) Focus(k string) tea.Cmd {
	if !a.haveData {
		a.focus = k
		return nil
	}
	i := slices.IndexFunc(a.all, func(al query.Alert) bool { return al.Key() == k })
	if i < 0 {
		return views.Flash("that alert is not among this context's alerts now: it may have resolved", true)
	}
	if !a.filter.filter.Empty() && !a.filter.filter.Match(a.all[i]) {
		a.filter = alertListFilter{}
		a.rebuild()
	}
	a.list.Select(k)
	a.list.Clamp()
	if !a.stack.Empty() {
		if a.stack.UnsentWork() != "" || a.stack.Capturing() {
			return views.Flash("selected it under the open form: close the form to see it", false)
		}
		a.stack.Clear()
	}
	d, cmd := a.seen().OpenAlert(a.ctx, a.all[i])
	a.stack.Push(d)
	return cmd
}

// seen is what the screen's details are opened with.
func (a *Alerts) seen() *AlertsSeen {
	return &AlertsSeen{All: a.all, Silences: a.silences, AckErr: ackErr(a.sources), Rules: a.rules, RulesErr: a.rulesErr, ClaimOf: a.claimOf, routing: a.routing}
}

// onResult handles the answer to a silence the form or the silenced panel
// asked for. When the form was left while sending, the result is flashed
// all the same.
func (a *Alerts) onResult(msg views.SilenceResultMsg) tea.Cmd {
	if p := a.Silenced(); msg.Request.Op == views.OpExtend && p != nil && p.IsFor(msg) {
		return a.stack.Update(msg)
	}
	if msg.Request.Op != views.OpCreate {
		return nil
	}
	if f := a.Form(); f != nil && f.Sending() && f.IsFor(msg) {
		return a.stack.Update(msg)
	}
	return silenceResultFlash(msg)
}

// silenceResultFlash is the flash that reports a create.
func silenceResultFlash(msg views.SilenceResultMsg) tea.Cmd {
	if msg.Err != nil {
		return views.Flash("silence not created: "+text.Sanitize(msg.Err.Error()), true)
	}
	return views.Flash(createdText(msg), false)
}

// createdText is "silenced: <id> (verified active)" and its variants.
func createdText(msg views.SilenceResultMsg) string {
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
		switch {
		case (query.Silence{Comment: msg.Request.Spec.Comment}).UntilResolved():
			s += " — ack until resolved"
		case d > 0:
			s += " — ack for " + views.FormatDuration(d)
		default:
			s += " — ack"
		}
	}
	return s
}

// setFilter applies a filter as it is typed (see alertListFilter.apply).
func (a *Alerts) setFilter(s string, _ bool) bool { return a.filter.apply(s, a.rebuild) }

// readOnlyRefusal flashes, with the reason the key map gives, when msg is
// a writing key that was disabled (read-only mode, a viewer's session): a
// disabled binding no longer matches, so it is looked up by its keys.
func readOnlyRefusal(k *keys.KeyMap, msg tea.KeyPressMsg) tea.Cmd {
	if why, ok := k.Refusal(msg.String()); ok {
		return views.Flash(why, true)
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
	case key.Matches(msg, k.Recreate): // expired.go
		return a.recreate(al), true
	case key.Matches(msg, k.Browse):
		return runbook(al, false), true
	case key.Matches(msg, k.Copy):
		return runbook(al, true), true
	case key.Matches(msg, k.GraphAlert):
		return views.GraphAlert(al), true
	case key.Matches(msg, k.Jump):
		label := a.ctx.Settings.EndpointLabel
		v, ok := al.Labels[label]
		if !ok || v == "" {
			return views.Flash(text.Sanitize(al.Name)+" has no "+label+" label: no endpoint to jump to", false), true
		}
		return func() tea.Msg { return views.JumpToEndpointMsg{Endpoint: v} }, true
	}
	return nil, false
}

// runbook opens an alert's runbook URL, or copies it; only a plain
// http(s) URL is opened or put on the clipboard, where it could not run in
// a shell.
func runbook(al query.Alert, copy bool) tea.Cmd {
	u := al.RunbookURL()
	if strings.TrimSpace(u) == "" {
		return views.Flash(text.Sanitize(al.Name)+" has no runbook_url annotation", false)
	}
	safe, ok := text.SafeURL(u)
	switch {
	case !ok && copy:
		return views.Flash("not copied: the runbook URL is not a plain http(s) URL: "+text.Sanitize(u), true)
	case !ok:
		return views.Flash("the runbook URL is not an http(s) URL vigil will open: "+text.Sanitize(u), true)
	case copy:
		return func() tea.Msg { return views.CopyMsg{Text: safe, What: "runbook URL"} }
	}
	return func() tea.Msg { return views.OpenURLMsg{URL: safe} }
}

// noAlertmanagerFlash refuses a silence when no Alertmanager is configured.
func noAlertmanagerFlash() tea.Cmd {
	return views.Flash("cannot silence: Alertmanager not configured (set --alertmanager or alertmanager.urls)", true)
}

// silence is s on an alert: the silence that already covers it, with
// extend and an explicit new one, else the silence form.
func (a *Alerts) silence(al query.Alert) tea.Cmd {
	if cmd := a.refuseSilence(al); cmd != nil {
		return cmd
	}
	if p := NewSilencedPanel(a.ctx, al, a.silences); p != nil {
		p.newForm = func(al query.Alert) (views.Component, tea.Cmd) { return a.newForm(al, false) }
		a.stack.Push(p)
		return nil
	}
	return a.openForm(al, false)
}

// refuseSilence says why an alert cannot be silenced from here, if so.
func (a *Alerts) refuseSilence(al query.Alert) tea.Cmd {
	if a.ctx.Settings.ReadOnly {
		return views.Flash("read-only: silencing alerts is disabled (ui.read_only)", true)
	}
	if !a.amConfigured {
		return noAlertmanagerFlash()
	}
	if len(al.Labels) == 0 {
		return views.Flash("this alert has no labels to silence it by", true)
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
func (a *Alerts) newForm(al query.Alert, ack bool) (views.Component, tea.Cmd) {
	if cmd := a.refuseSilence(al); cmd != nil {
		return nil, cmd
	}
	var f *SilenceForm
	if ack {
		f = NewAckForm(a.ctx, al, a.all, a.createdBy())
	} else {
		f = NewSilenceForm(a.ctx, al, a.all, a.createdBy())
	}
	f.routing = a.routing
	return f, nil
}

func (a *Alerts) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.ctx.Keys
	if key.Matches(msg, k.GraphAlert) {
		// Before the navigation keys: g graphs here, home goes to the top.
		if al, ok := a.SelectedAlert(); ok {
			return views.GraphAlert(al)
		}
		return nil
	}
	if _, ok := a.list.Key(msg, k, a.filter.filter.String(), a.setFilter); ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Group):
		return views.Toggle(&a.grouped, a.rebuild, "grouped by alertname", "not grouped")
	case key.Matches(msg, k.Open):
		if al, ok := a.SelectedAlert(); ok {
			d, cmd := a.seen().OpenAlert(a.ctx, al)
			a.stack.Push(d)
			return cmd
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

// Notes implements views.Screen.
func (a *Alerts) Notes() []string {
	label := a.ctx.Settings.EndpointLabel
	k, key := a.ctx.Keys, widget.Key
	return []string{
		"Alerts from Alertmanager, and pending ones from Prometheus; most severe first, then oldest.",
		"STATE: firing; pending (Prometheus only: its `for` has not elapsed); silenced; inhibited. ⚠ after it: the alert's rule has a finding of the rules check, shown in its detail (docs/rules.md).",
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
		k.NavigationHome(),
		{k.Filter, k.Back, k.Group, k.Open, k.Jump},
		{k.Silence, k.Ack, k.Browse, k.Copy, k.GraphAlert},
	}
}
