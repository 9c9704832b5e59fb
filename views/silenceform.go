package views

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
	"github.com/vigilterm/vigil/views/widget"
)

// The fields of the silence form, in tab order.
type formField int

const (
	fieldMatchers formField = iota
	fieldDuration
	fieldComment
	fieldCreatedBy
	numFormFields
)

// The names the form gives its fields in errors; matchers and comment are
// also Alertmanager's, endsAt is reported on the duration.
const (
	errMatchers  = "matchers"
	errDuration  = "duration"
	errComment   = "comment"
	errCreatedBy = "createdBy"
)

// formLabelW is the width of the field names of the form.
const formLabelW = 12

// discardYes and discardNo answer the question esc asks on a form with
// typed work: discard it, or keep editing.
var (
	discardYes = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "discard"))
	discardNo  = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "keep editing"))
)

// durationPresets are the durations ↑/↓ cycle through.
var durationPresets = [...]string{"15m", "1h", "4h", "1d"}

// matcherItem is one matcher of the list, on or off.
type matcherItem struct {
	m    *labels.Matcher
	text string // m.String(), which is not cheap to make
	on   bool
}

func newMatcherItem(m *labels.Matcher) matcherItem {
	return matcherItem{m: m, text: m.String(), on: true}
}

// SilenceForm creates a silence for an alert: matchers from its labels (a
// list to toggle, or text in amtool's syntax), a duration, a comment and an
// author; a live preview of what it would silence; a confirm step that
// shows the exact silence; and the answer from Alertmanager. It lives
// inside the alerts screen and owns the keyboard while open.
type SilenceForm struct {
	ctx    *Context
	width  int
	height int

	origin  query.Alert   // the alert it was opened from
	current []query.Alert // the alerts of the last refresh, for the preview
	ack     bool

	items    []matcherItem
	item     int // cursor in items
	textMode bool
	text     textinput.Model
	duration textinput.Model
	comment  textinput.Model
	author   textinput.Model
	focus    formField

	confirming bool
	// reviewSeen is set when View has drawn the whole review (the silence
	// and what enter does) at the current size; enter sends only then. A
	// resize clears it, so a review last drawn before the terminal shrank
	// must be drawn again before enter acts.
	reviewSeen bool
	spec       query.SilenceSpec
	dur        time.Duration
	errs       map[string]string

	// initial is what the fields held when the form opened: what differs
	// is typed work that esc must not throw away without asking.
	initial    [numFormFields]string
	initialOn  []bool
	discarding bool // esc asked whether to discard the typed work

	sending bool
	sentAt  time.Time // when the request left, for the elapsed time
	sendErr string
	retry   bool
	closed  bool

	// The preview, recomputed when the matchers or the alerts change.
	matchers labels.Matchers
	matchErr string
	hits     []query.Alert
	warns    []string
	refusal  string
}

// NewSilenceForm opens the form for an alert, with the cursor in the
// comment field: one = matcher per label, all on; the configured duration;
// createdBy as the author.
func NewSilenceForm(ctx *Context, alert query.Alert, current []query.Alert, createdBy string) *SilenceForm {
	f := &SilenceForm{
		ctx:      ctx,
		origin:   alert,
		current:  current,
		text:     widget.NewInput(2000),
		duration: widget.NewInput(32),
		comment:  widget.NewInput(1000),
		author:   widget.NewInput(128),
		errs:     map[string]string{},
	}
	for _, m := range query.MatchersFromLabels(alert.Labels) {
		f.items = append(f.items, newMatcherItem(m))
	}
	f.duration.SetValue(durationText(ctx.Config.Silence.Duration.D()))
	f.author.SetValue(createdBy)
	f.setFocus(fieldComment)
	f.refresh()
	f.SetSize(80, 20)
	f.markClean()
	return f
}

// markClean records the fields as they are now as the form's starting point.
func (f *SilenceForm) markClean() {
	for fl := fieldMatchers; fl < numFormFields; fl++ {
		f.initial[fl] = f.input(fl).Value()
	}
	f.initialOn = f.initialOn[:0]
	for _, it := range f.items {
		f.initialOn = append(f.initialOn, it.on)
	}
}

// Dirty reports whether anything was typed or changed since the form
// opened: closing it then throws work away.
func (f *SilenceForm) Dirty() bool {
	if f.closed {
		return false
	}
	for fl := fieldMatchers; fl < numFormFields; fl++ {
		if f.input(fl).Value() != f.initial[fl] {
			return true
		}
	}
	if len(f.items) != len(f.initialOn) {
		return true
	}
	for i, it := range f.items {
		if it.on != f.initialOn[i] {
			return true
		}
	}
	return false
}

// Discarding reports whether the form asks whether to discard its work.
func (f *SilenceForm) Discarding() bool { return f.discarding }

// Work names the form's unsent work, for the question asked before a quit.
func (f *SilenceForm) Work() string {
	w := "the " + strings.ToLower(f.title()[:1]) + f.title()[1:] + " being typed"
	if c := strings.TrimSpace(f.comment.Value()); c != "" && c != f.initial[fieldComment] {
		w += fmt.Sprintf(" (comment %q)", text.Truncate(text.Sanitize(c), 40))
	}
	return w
}

// NewAckForm opens the form as an ack: exactly this alert's labels, the
// ack duration, the comment "ack by <author>", straight on the confirm
// step, which is still shown before anything is sent.
func NewAckForm(ctx *Context, alert query.Alert, current []query.Alert, createdBy string) *SilenceForm {
	f := NewSilenceForm(ctx, alert, current, createdBy)
	f.ack = true
	f.duration.SetValue(durationText(ctx.Config.Silence.AckDuration.D()))
	f.comment.SetValue("ack by " + createdBy)
	f.comment.CursorEnd()
	f.markClean()
	f.review()
	return f
}

// durationText writes a duration the way the form reads it back (15m, 1h,
// 1d).
func durationText(d time.Duration) string {
	b, err := vigil.Duration(d).MarshalText()
	if err != nil {
		return d.String()
	}
	return string(b)
}

// Closed reports whether the form is done (sent, or cancelled).
func (f *SilenceForm) Closed() bool { return f.closed }

// Confirming reports whether the form shows the confirm step.
func (f *SilenceForm) Confirming() bool { return f.confirming }

// Sending reports whether a request is on its way to Alertmanager.
func (f *SilenceForm) Sending() bool { return f.sending }

// Ack reports whether the form was opened as an ack.
func (f *SilenceForm) Ack() bool { return f.ack }

// Errors returns the field errors of the last review, by field name:
// matchers, duration, comment, createdBy.
func (f *SilenceForm) Errors() map[string]string {
	out := make(map[string]string, len(f.errs))
	for k, v := range f.errs {
		out[k] = v
	}
	return out
}

// SendError is Alertmanager's message from the last failed attempt.
func (f *SilenceForm) SendError() string { return f.sendErr }

// Spec is the silence of the confirm step.
func (f *SilenceForm) Spec() query.SilenceSpec { return f.spec }

// Matches are the current alerts the matchers select.
func (f *SilenceForm) Matches() []query.Alert { return f.hits }

// Warnings are the preview's warnings; Refusal is set when the matchers
// cannot be sent at all.
func (f *SilenceForm) Warnings() []string { return f.warns }

// Refusal is why the matchers cannot be sent, or "".
func (f *SilenceForm) Refusal() string { return f.refusal }

// SetAlerts gives the form the alerts of a new refresh for its preview.
func (f *SilenceForm) SetAlerts(alerts []query.Alert) {
	f.current = alerts
	f.refresh()
}

// SetSize gives the size of the content area.
func (f *SilenceForm) SetSize(w, h int) {
	w, h = max(w, 0), max(h, 0)
	if w != f.width || h != f.height {
		f.reviewSeen = false
	}
	f.width, f.height = w, h
}

// ReviewSeen reports whether the confirm step has been drawn whole at the
// current size, so that enter may send what it shows.
func (f *SilenceForm) ReviewSeen() bool { return f.confirming && f.reviewSeen }

func (f *SilenceForm) input(fl formField) *textinput.Model {
	switch fl {
	case fieldMatchers:
		return &f.text
	case fieldDuration:
		return &f.duration
	case fieldComment:
		return &f.comment
	case fieldCreatedBy:
		return &f.author
	}
	return nil
}

func (f *SilenceForm) setFocus(fl formField) {
	f.focus = (fl + numFormFields) % numFormFields
	for _, i := range []formField{fieldMatchers, fieldDuration, fieldComment, fieldCreatedBy} {
		in := f.input(i)
		if i == f.focus && (i != fieldMatchers || f.textMode) {
			in.Focus()
			in.CursorEnd()
		} else {
			in.Blur()
		}
	}
}

// typing reports whether keys go into a text input.
func (f *SilenceForm) typing() bool { return f.focus != fieldMatchers || f.textMode }

// Update implements Component: a key, a paste, Alertmanager's answer or
// a refresh of the alerts. The form is done once closed.
func (f *SilenceForm) Update(msg tea.Msg) (Component, tea.Cmd) {
	if m, ok := msg.(alertsData); ok {
		f.SetAlerts(m.all)
		return f, nil
	}
	cmd := f.update(msg)
	if f.closed {
		return nil, cmd
	}
	return f, cmd
}

// Capturing implements Component: the form owns the keyboard.
func (f *SilenceForm) Capturing() bool { return true }

// UnsentWork implements Component: the silence typed, once something was.
func (f *SilenceForm) UnsentWork() string {
	if !f.Dirty() {
		return ""
	}
	return f.Work()
}

func (f *SilenceForm) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case SilenceResultMsg:
		return f.onResult(msg)
	case tea.KeyPressMsg:
		if f.confirming {
			return f.confirmKey(msg)
		}
		return f.editKey(msg)
	}
	if !f.confirming && f.typing() {
		in := f.input(f.focus)
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		f.changed()
		return cmd
	}
	return nil
}

func (f *SilenceForm) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	k := f.ctx.Keys
	switch {
	case key.Matches(msg, k.Apply):
		if f.sending {
			return nil // one request at a time
		}
		if !f.reviewSeen {
			// Never send what the person has not seen.
			return Flash("the review is not on screen: enlarge the terminal to see it, then press "+widget.Key(k.Apply), true)
		}
		return f.send()
	case key.Matches(msg, k.Cancel):
		if f.sending {
			f.closed = true
			return Flash("left the form while sending: Alertmanager's answer will show here when it comes", false)
		}
		f.confirming = false
		f.setFocus(f.focus)
	}
	return nil
}

func (f *SilenceForm) editKey(msg tea.KeyPressMsg) tea.Cmd {
	k := f.ctx.Keys
	if f.discarding {
		f.discarding = false
		switch {
		case key.Matches(msg, k.Cancel, discardYes):
			f.closed = true
			return Flash("no silence created: the typed text was discarded", false)
		case key.Matches(msg, discardNo):
			return nil
		}
		// Any other key keeps the work and does what it does.
	}
	switch {
	case key.Matches(msg, k.Cancel):
		if f.Dirty() {
			f.discarding = true
			return nil
		}
		f.closed = true
		return Flash("no silence created", false)
	case key.Matches(msg, k.Apply):
		f.review()
		return nil
	case key.Matches(msg, k.NextField):
		f.setFocus(f.focus + 1)
		return nil
	case key.Matches(msg, k.PrevField):
		f.setFocus(f.focus - 1)
		return nil
	case key.Matches(msg, k.MatcherText):
		if f.focus != fieldMatchers {
			f.setFocus(fieldMatchers)
		}
		f.toggleTextMode()
		return nil
	}
	switch f.focus {
	case fieldMatchers:
		if !f.textMode {
			switch {
			case key.Matches(msg, k.Up):
				f.item = max(f.item-1, 0)
			case key.Matches(msg, k.Down):
				f.item = min(f.item+1, max(len(f.items)-1, 0))
			case key.Matches(msg, k.Toggle):
				if f.item < len(f.items) {
					f.items[f.item].on = !f.items[f.item].on
					f.changed()
				}
			}
			return nil
		}
	case fieldDuration:
		switch {
		case key.Matches(msg, k.PresetPrev):
			f.stepPreset(-1)
			return nil
		case key.Matches(msg, k.PresetNext):
			f.stepPreset(1)
			return nil
		}
	}
	in := f.input(f.focus)
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	f.changed()
	return cmd
}

// toggleTextMode switches the matchers between the list and the text. The
// text starts as the matchers that are on; going back to the list takes
// the text's matchers, all on, when it parses.
func (f *SilenceForm) toggleTextMode() {
	if !f.textMode {
		var parts []string
		for _, it := range f.items {
			if it.on {
				parts = append(parts, it.text)
			}
		}
		f.text.SetValue(strings.Join(parts, ", "))
		f.textMode = true
		f.setFocus(fieldMatchers)
		f.changed()
		return
	}
	ms, err := query.ParseMatchers(f.text.Value())
	if err != nil {
		f.errs[errMatchers] = err.Error()
		return
	}
	f.items = f.items[:0]
	for _, m := range ms {
		f.items = append(f.items, newMatcherItem(m))
	}
	f.item = 0
	f.textMode = false
	delete(f.errs, errMatchers)
	f.setFocus(fieldMatchers)
	f.changed()
}

// stepPreset moves the duration to the previous or next preset.
func (f *SilenceForm) stepPreset(d int) {
	f.duration.SetValue(stepDurationPreset(strings.TrimSpace(f.duration.Value()), d))
	f.duration.CursorEnd()
	f.changed()
}

// changed clears the errors of what was edited and refreshes the preview.
func (f *SilenceForm) changed() {
	switch f.focus {
	case fieldMatchers:
		delete(f.errs, errMatchers)
	case fieldDuration:
		delete(f.errs, errDuration)
	case fieldComment:
		delete(f.errs, errComment)
	case fieldCreatedBy:
		delete(f.errs, errCreatedBy)
	}
	f.refresh()
}

// currentMatchers are the matchers the form would send now.
func (f *SilenceForm) currentMatchers() (labels.Matchers, error) {
	if f.textMode {
		return query.ParseMatchers(f.text.Value())
	}
	ms := labels.Matchers{}
	for _, it := range f.items {
		if it.on {
			ms = append(ms, it.m)
		}
	}
	return ms, nil
}

// refresh recomputes the preview: the alerts hit, the warnings, the
// refusal.
func (f *SilenceForm) refresh() {
	f.hits, f.warns, f.refusal, f.matchErr = nil, nil, "", ""
	ms, err := f.currentMatchers()
	f.matchers = ms
	if err != nil {
		f.matchErr = err.Error()
		return
	}
	switch {
	case len(ms) == 0:
		f.refusal = "no matcher: turn one on (" + widget.Key(f.ctx.Keys.Toggle) + ") or type some (" + widget.Key(f.ctx.Keys.MatcherText) + ")"
		return
	case query.MatchesAll(ms):
		f.refusal = `every matcher matches the empty string, so this would silence every alert; Alertmanager refuses it: add a matcher such as alertname="..."`
		return
	}
	f.hits = query.AlertsMatching(ms, f.current)
	var others []string
	hitsOrigin := false
	ok := f.origin.Key()
	for i := range f.hits {
		if f.hits[i].Name != f.origin.Name && !slices.Contains(others, f.hits[i].Name) {
			others = append(others, f.hits[i].Name)
		}
		if !hitsOrigin && f.hits[i].Key() == ok {
			hitsOrigin = true
		}
	}
	if len(others) > 0 {
		shown := others
		if len(shown) > 3 {
			shown = shown[:3]
		}
		w := "also silences alerts with another name: " + text.Sanitize(strings.Join(shown, ", "))
		if len(others) > 3 {
			w += fmt.Sprintf(" and %d more", len(others)-3)
		}
		f.warns = append(f.warns, w)
	}
	if n, limit := len(f.hits), f.ctx.Config.Silence.WarnMatches; n > limit && limit > 0 {
		f.warns = append(f.warns, fmt.Sprintf("silences %d current alerts, more than silence.warn_matches (%d)", n, limit))
	}
	if !hitsOrigin && slices.ContainsFunc(f.current, func(a query.Alert) bool { return a.Key() == ok }) {
		f.warns = append(f.warns, "does not match the alert it was opened from ("+text.Sanitize(f.origin.Name)+")")
	}
}

// validateSpec runs SilenceSpec.Validate on the form's clock: Validate
// reads the wall clock, so the times are moved by the difference first.
func (f *SilenceForm) validateSpec(s query.SilenceSpec) error {
	shift := time.Until(f.ctx.Now())
	c := s
	if !c.StartsAt.IsZero() {
		c.StartsAt = c.StartsAt.Add(-shift)
	}
	if !c.EndsAt.IsZero() {
		c.EndsAt = c.EndsAt.Add(-shift)
	}
	return c.Validate(f.ctx.Config.Silence.RequireComment)
}

// review checks every field and, when all are good, goes to the confirm
// step. Errors are kept by field, and the cursor goes to the first bad one.
func (f *SilenceForm) review() {
	f.errs = map[string]string{}
	spec := query.SilenceSpec{
		CreatedBy: strings.TrimSpace(f.author.Value()),
		Comment:   strings.TrimSpace(f.comment.Value()),
	}
	ms, err := f.currentMatchers()
	if err != nil {
		f.errs[errMatchers] = err.Error()
	}
	spec.Matchers = ms
	d, err := vigil.ParseDuration(f.duration.Value())
	switch {
	case err != nil:
		f.errs[errDuration] = err.Error()
	case d <= 0:
		f.errs[errDuration] = "must be above 0: write e.g. 15m, 1h, 2h30m or 1d"
	default:
		spec.EndsAt = f.ctx.Now().Add(d)
	}
	if err := f.validateSpec(spec); err != nil {
		var ves query.ValidationErrors
		if errors.As(err, &ves) {
			for _, ve := range ves {
				field := ve.Field
				if field == "endsAt" || field == "startsAt" {
					field = errDuration
				}
				if _, seen := f.errs[field]; !seen {
					f.errs[field] = ve.Msg
				}
			}
		} else {
			f.errs[errMatchers] = err.Error()
		}
	}
	if spec.CreatedBy == "" {
		f.errs[errCreatedBy] = "who creates the silence is required"
	}
	if len(f.errs) > 0 {
		for _, fl := range []struct {
			name  string
			field formField
		}{{errMatchers, fieldMatchers}, {errDuration, fieldDuration}, {errComment, fieldComment}, {errCreatedBy, fieldCreatedBy}} {
			if _, bad := f.errs[fl.name]; bad {
				f.setFocus(fl.field)
				break
			}
		}
		f.confirming = false
		return
	}
	f.spec, f.dur = spec, d
	f.confirming = true
	f.reviewSeen = false
	f.sendErr = ""
}

// send emits the request for the confirmed silence.
func (f *SilenceForm) send() tea.Cmd {
	if f.ctx.Config.UI.ReadOnly {
		return Flash("read-only: silencing alerts is disabled (ui.read_only)", true)
	}
	f.sending = true
	f.sentAt = f.ctx.Now()
	f.sendErr = ""
	req := SilenceRequestMsg{Op: OpCreate, Spec: f.spec, Retry: f.retry, Ack: f.ack}
	return func() tea.Msg { return req }
}

// IsFor reports whether a result answers this form's request: a form
// opened after another one was left while sending must not take the
// other's answer.
func (f *SilenceForm) IsFor(msg SilenceResultMsg) bool {
	r := msg.Request.Spec
	return msg.Request.Op == OpCreate && r.EndsAt.Equal(f.spec.EndsAt) && r.Comment == f.spec.Comment &&
		r.CreatedBy == f.spec.CreatedBy && query.FormatMatchers(r.Matchers) == query.FormatMatchers(f.spec.Matchers)
}

func (f *SilenceForm) onResult(msg SilenceResultMsg) tea.Cmd {
	if !f.sending || !f.IsFor(msg) {
		return nil
	}
	f.sending = false
	if msg.Err != nil {
		// Everything stays as typed; enter tries again, looking first for
		// a silence this attempt may have made.
		f.sendErr = text.Sanitize(msg.Err.Error())
		f.retry = true
		return nil
	}
	f.closed = true
	return Flash(createdText(msg), false)
}

// ShortHelp is the form's keys for the footer.
func (f *SilenceForm) ShortHelp() []key.Binding {
	k := f.ctx.Keys
	if f.confirming {
		return []key.Binding{k.Apply, k.Cancel}
	}
	out := []key.Binding{k.Apply, k.NextField, k.PrevField}
	switch {
	case f.focus == fieldMatchers && !f.textMode:
		out = append(out, k.Toggle, k.MatcherText)
	case f.focus == fieldMatchers:
		out = append(out, k.MatcherText)
	case f.focus == fieldDuration:
		out = append(out, k.PresetPrev, k.PresetNext)
	}
	return append(out, k.Cancel)
}

// FullHelp is every key of the form.
func (f *SilenceForm) FullHelp() [][]key.Binding {
	k := f.ctx.Keys
	return [][]key.Binding{
		{k.Apply, k.Cancel, k.NextField, k.PrevField},
		{k.Up, k.Down, k.Toggle, k.MatcherText},
		{k.PresetPrev, k.PresetNext},
	}
}

// View renders the edit or the confirm step, scrolled so that the focused
// field is in view.
func (f *SilenceForm) View() string {
	if f.width <= 0 || f.height <= 0 {
		return ""
	}
	var lines []string
	focusLine := 0
	if f.confirming {
		// What enter will do stays at the bottom, however short the area.
		body, foot, spec := f.confirmLines()
		if spec+len(foot) > f.height || f.width < confirmMinWidth {
			// The silence itself does not fit: say so rather than show a
			// part of it, and do not let enter send it.
			f.reviewSeen = false
			return text.ClipLines(text.Wrap(text.Sanitize(fmt.Sprintf("the review of this silence needs %dx%d: enlarge the terminal to see it (%s: back)",
				max(f.width, confirmMinWidth), spec+len(foot), widget.Key(f.ctx.Keys.Cancel))), max(f.width, 1)), f.width, f.height)
		}
		f.reviewSeen = true
		if len(body)+len(foot) > f.height {
			body = body[:f.height-len(foot)]
		}
		return text.ClipLines(append(body, foot...), f.width, f.height)
	}
	lines, focusLine = f.editLines()
	h := f.height
	if len(lines) > h {
		top := 0
		if focusLine >= h-1 {
			top = min(focusLine-h/2, len(lines)-h)
		}
		lines = lines[top : top+h]
	}
	return text.ClipLines(lines, f.width, h)
}

func (f *SilenceForm) title() string {
	name := text.Sanitize(f.origin.Name)
	if name == "" {
		name = "alert"
	}
	if f.ack {
		return "Ack " + name
	}
	return "Silence " + name
}

// label is a field's name, marked when focused.
func (f *SilenceForm) label(name string, fl formField) string {
	st := f.ctx.Styles
	if !f.confirming && f.focus == fl {
		return st.Prompt.Render(text.Fit("▸ "+name, formLabelW))
	}
	return st.Muted.Render(text.Fit("  "+name, formLabelW))
}

// errLine is a field's error, under it.
func (f *SilenceForm) errLine(name string) []string {
	msg, ok := f.errs[name]
	if !ok {
		return nil
	}
	st := f.ctx.Styles
	var out []string
	for _, l := range text.Wrap(text.Sanitize("✕ "+name+": "+msg), max(f.width-formLabelW-1, 1)) {
		out = append(out, strings.Repeat(" ", formLabelW+1)+st.Error.Render(l))
	}
	return out
}

func (f *SilenceForm) editLines() ([]string, int) {
	st, k := f.ctx.Styles, f.ctx.Keys
	w := f.width
	inW := max(w-formLabelW-1, 1)
	var out []string
	focusLine := 0
	mark := func(fl formField) {
		if f.focus == fl {
			focusLine = len(out)
		}
	}
	out = append(out, st.Title.Render(f.title())+st.Muted.Render("  — new silence in Alertmanager"))

	// Matchers.
	mark(fieldMatchers)
	if f.textMode {
		out = append(out, f.label("matchers", fieldMatchers)+" "+widget.InputView(st, &f.text, inW, f.focus == fieldMatchers, `name="v", name=~"re", name!="v"`))
		out = append(out, strings.Repeat(" ", formLabelW+1)+st.Muted.Render(text.Truncate("as text (amtool syntax), replaces the list; "+widget.Key(k.MatcherText)+": back to the list", inW)))
	} else {
		hint := widget.Key(k.Toggle) + ": on/off · " + widget.Key(k.MatcherText) + ": edit as text"
		out = append(out, f.label("matchers", fieldMatchers)+" "+st.Muted.Render(text.Truncate(hint, inW)))
		if len(f.items) == 0 {
			out = append(out, strings.Repeat(" ", formLabelW+1)+st.Muted.Render("(none)"))
		}
		for i, it := range f.items {
			box := "[ ]"
			if it.on {
				box = "[x]"
			}
			cur := "  "
			if f.focus == fieldMatchers && i == f.item {
				cur = "▸ "
				focusLine = len(out)
			}
			m := text.Sanitize(it.text)
			line := strings.Repeat(" ", formLabelW-1) + cur + box + " "
			switch {
			case f.focus == fieldMatchers && i == f.item:
				line += st.RowSelected.Render(text.Truncate(m, max(inW-4, 1)))
			case it.on:
				line += st.LabelKey.Render(text.Sanitize(it.m.Name)) + st.LabelValue.Render(strings.TrimPrefix(m, text.Sanitize(it.m.Name)))
			default:
				line += st.Muted.Render(m)
			}
			out = append(out, line)
		}
	}
	out = append(out, f.errLine(errMatchers)...)
	if f.matchErr != "" && f.errs[errMatchers] == "" {
		out = append(out, strings.Repeat(" ", formLabelW+1)+st.Warn.Render(text.Truncate(text.Sanitize("✕ "+f.matchErr), inW)))
	}

	// Duration, with its presets and where it ends.
	mark(fieldDuration)
	dw := min(10, inW)
	line := f.label("duration", fieldDuration) + " " + widget.InputView(st, &f.duration, dw, f.focus == fieldDuration, "1h")
	cur := strings.TrimSpace(f.duration.Value())
	var presets []string
	for _, p := range durationPresets {
		if p == cur {
			presets = append(presets, st.Accent.Render("["+p+"]"))
		} else {
			presets = append(presets, st.Muted.Render(" "+p+" "))
		}
	}
	line += " " + strings.Join(presets, "")
	if d, err := vigil.ParseDuration(cur); err == nil && d > 0 {
		end := f.ctx.Now().Add(d)
		line += st.Muted.Render("  ends " + formatClock(f.ctx.Now(), end))
	}
	out = append(out, line)
	out = append(out, f.errLine(errDuration)...)

	// Comment and author.
	mark(fieldComment)
	ph := "why: ticket, what is being done (required)"
	if !f.ctx.Config.Silence.RequireComment {
		ph = "why (optional)"
	}
	out = append(out, f.label("comment", fieldComment)+" "+widget.InputView(st, &f.comment, inW, f.focus == fieldComment, ph))
	out = append(out, f.errLine(errComment)...)
	mark(fieldCreatedBy)
	out = append(out, f.label("created by", fieldCreatedBy)+" "+widget.InputView(st, &f.author, inW, f.focus == fieldCreatedBy, "user@host"))
	out = append(out, f.errLine(errCreatedBy)...)

	out = append(out, "")
	out = append(out, f.previewLines(true)...)
	out = append(out, "")
	if f.discarding {
		out = append(out, st.Confirm.Render("discard what you typed? "+widget.Key(k.Cancel)+" again or "+widget.Key(discardYes)+": discard · "+
			widget.Key(discardNo)+" or any other key: keep editing"))
		focusLine = len(out) - 1
	} else {
		out = append(out, st.Muted.Render(widget.Key(k.Apply)+": review before sending · "+widget.Keys(k.NextField, k.PrevField)+": fields · "+widget.Key(k.Cancel)+": cancel"))
	}
	return out, focusLine
}

// previewLines say what the matchers would silence now.
func (f *SilenceForm) previewLines(list bool) []string {
	st := f.ctx.Styles
	w := f.width
	var out []string
	switch {
	case f.matchErr != "":
		out = append(out, st.Muted.Render(text.Fit("  preview     (the matchers do not parse)", w)))
		return out
	case f.refusal != "":
		for _, l := range text.Wrap(text.Sanitize("✕ cannot send: "+f.refusal), max(w-2, 1)) {
			out = append(out, "  "+st.Error.Render(l))
		}
		return out
	}
	n := len(f.hits)
	summary := fmt.Sprintf("matches %d current alert%s", n, plural(n))
	if n == 0 {
		summary = "matches no current alert (it will still silence matching alerts that fire later)"
	}
	out = append(out, st.Muted.Render(text.Fit("  preview", formLabelW))+" "+summary)
	if list {
		show := min(n, 4)
		label := f.ctx.Config.Metrics.EndpointLabel
		for i := 0; i < show; i++ {
			a := &f.hits[i]
			name := text.Sanitize(a.Name)
			ls := compactLabels(st, nil, a.Labels, label, max(w-formLabelW-5-text.Width(name), 1), false)
			out = append(out, strings.Repeat(" ", formLabelW+1)+st.AlertState(string(a.State)).Render("● ")+name+"  "+ls)
		}
		if n > show {
			out = append(out, strings.Repeat(" ", formLabelW+1)+st.Muted.Render(fmt.Sprintf("… and %d more", n-show)))
		}
	}
	for _, wn := range f.warns {
		for _, l := range text.Wrap("⚠ "+wn, max(w-2, 1)) {
			out = append(out, "  "+st.Warn.Render(l))
		}
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// formatClock is an absolute time in the clock's zone, with how far away
// it is.
func formatClock(now, t time.Time) string {
	s := t.In(now.Location()).Format("2006-01-02 15:04 MST")
	switch d := t.Sub(now); {
	case d > 0:
		return s + " (in " + FormatDuration(d) + ")"
	case d < 0:
		return s + " (" + FormatDuration(-d) + " ago)"
	}
	return s
}

// confirmMinWidth is the narrowest content area the review is drawn in.
const confirmMinWidth = 30

// confirmLines are the confirm step: the silence, and the footer that says
// what enter does (or that it is sending, or what went wrong). spec is the
// number of lines of body that show the silence itself (up to its comment):
// they must all be on screen for the review to count as seen.
func (f *SilenceForm) confirmLines() (body, foot []string, spec int) {
	st, k := f.ctx.Styles, f.ctx.Keys
	w := f.width
	valW := max(w-formLabelW-1, 1)
	var out []string
	q := "Create this silence?"
	if f.ack {
		q = "Ack " + text.Sanitize(f.origin.Name) + " with this silence?"
	}
	out = append(out, st.Confirm.Render(q))
	field := func(name, value string) {
		for i, l := range text.Wrap(value, valW) {
			n := ""
			if i == 0 {
				n = name
			}
			out = append(out, st.Muted.Render(text.Fit("  "+n, formLabelW))+" "+l)
		}
	}
	now := f.ctx.Now()
	field("matchers", text.Sanitize(query.FormatMatchers(f.spec.Matchers)))
	field("starts", "now ("+now.Format("2006-01-02 15:04:05 MST")+")")
	field("ends", f.spec.EndsAt.In(now.Location()).Format("2006-01-02 15:04:05 MST"))
	field("duration", FormatDuration(f.dur))
	field("created by", text.Sanitize(f.spec.CreatedBy))
	comment := text.Sanitize(f.spec.Comment)
	if comment == "" {
		comment = st.Muted.Render("(none)")
	}
	field("comment", comment)
	spec = len(out)
	out = append(out, "")
	out = append(out, f.previewLines(true)...)
	out = append(out, "")
	switch {
	case f.sending:
		el := int(max(f.ctx.Now().Sub(f.sentAt), 0) / time.Second)
		foot = append(foot, st.Accent.Render(fmt.Sprintf("sending… %ds waiting for Alertmanager (deadline %s; %s leaves, the answer still shows)",
			el, FormatDuration(3*f.ctx.Config.Alertmanager.Timeout.D()+time.Second), widget.Key(k.Cancel))))
	case f.sendErr != "":
		for _, l := range text.Wrap("✕ Alertmanager: "+f.sendErr, max(w, 1)) {
			foot = append(foot, st.Error.Render(l))
		}
		foot = append(foot, st.Confirm.Render(widget.Key(k.Apply)+": try again (checks for a silence the failed attempt made) · "+widget.Key(k.Cancel)+": edit"))
	default:
		foot = append(foot, st.Confirm.Render(widget.Key(k.Apply)+": send to Alertmanager · "+widget.Key(k.Cancel)+": back to editing"))
	}
	return out, foot, spec
}
