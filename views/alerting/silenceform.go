package alerting

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
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

// formLabelW is the width of the field names of the form, and of the
// silence details and panels that share its look.
const formLabelW = 12

// labelled is a field of a form or a detail: the value wrapped to what w
// cells leave after the muted label, the label on its first line only.
func labelled(st *themes.Styles, label, value string, w int) []string {
	ls := text.Wrap(value, max(w-formLabelW-1, 1))
	for i, l := range ls {
		if i > 0 {
			label = ""
		}
		ls[i] = st.Muted.Render(text.Fit("  "+label, formLabelW)) + " " + l
	}
	return ls
}

// discardYes and discardNo answer the question esc asks on a form with
// typed work: discard it, or keep editing.
var (
	discardYes = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "discard"))
	discardNo  = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "keep editing"))
)

// sendState is a write on its way from a form or a panel: one at a time,
// when it left (for the "sending… Ns" note), and the error of the last
// answer.
type sendState struct {
	sending bool
	sentAt  time.Time
	sendErr string
}

func (s *sendState) start(now time.Time) { s.sending, s.sentAt, s.sendErr = true, now, "" }

// answer takes Alertmanager's answer; false when it is an error, kept
// sanitised for the view.
func (s *sendState) answer(err error) bool {
	s.sending = false
	if err != nil {
		s.sendErr = text.Sanitize(err.Error())
		return false
	}
	return true
}

// elapsed is the whole seconds since the write left (since its release
// when it was held for a protected context's name).
func (s *sendState) elapsed(c *views.Context, now time.Time) int {
	from := s.sentAt
	if c != nil && c.HeldWrite != nil {
		if _, rel := c.HeldWrite(); rel.After(from) {
			from = rel
		}
	}
	return int(max(now.Sub(from), 0) / time.Second)
}

// presetChips are the duration presets in a row, written with sign
// ("+1h"), the one equal to cur marked.
func presetChips(st *themes.Styles, cur, sign string) string {
	var b strings.Builder
	for _, p := range durationPresets {
		if p == cur {
			b.WriteString(st.Accent.Render("[" + sign + p + "]"))
		} else {
			b.WriteString(st.Muted.Render(" " + sign + p + " "))
		}
	}
	return b.String()
}

// durationPresets are the durations ↑/↓ cycle through.
var durationPresets = [...]string{"15m", "1h", "4h", "1d"}

// matcherItem is one matcher of the list, on or off.
type matcherItem struct {
	m    *query.Matcher
	text string // m.String(), which is not cheap to make
	on   bool
}

func newMatcherItem(m *query.Matcher) matcherItem {
	return matcherItem{m: m, text: m.String(), on: true}
}

// SilenceForm creates a silence for an alert: matchers from its labels (a
// list to toggle, or text in amtool's syntax), a duration, a comment and an
// author; a live preview of what it would silence; a confirm step that
// shows the exact silence; and the answer from Alertmanager. It lives
// inside the alerts screen and owns the keyboard while open.
type SilenceForm struct {
	ctx    *views.Context
	width  int
	height int

	origin  query.Alert   // the alert it was opened from
	current []query.Alert // the alerts of the last refresh, for the preview
	ack     bool
	// untilResolved keeps the ack until its alert resolves: the comment
	// gets the marker the ack keeper looks for (query.AckMarker).
	untilResolved bool

	// free is the title of a form opened from matchers alone, not from an
	// alert (silenceform_free.go); "" otherwise.
	free string

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

	sendState
	retry  bool
	closed bool

	// The preview, recomputed when the matchers or the alerts change.
	matchers query.Matchers
	matchErr string
	hits     []query.Alert
	warns    []string
	routing  routingInfo // who the matched alerts notify (routing.go)
	refusal  string
}

// NewSilenceForm opens the form for an alert, with the cursor in the
// comment field: one = matcher per label, those that identify the alert on
// its service on (silenceform_scope.go), the ones that vary among its
// firing series off; the configured duration; createdBy as the author.
func NewSilenceForm(ctx *views.Context, alert query.Alert, current []query.Alert, createdBy string) *SilenceForm {
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
	f.scopeWholeAlert()
	f.duration.SetValue(query.FormatDuration(ctx.Settings.Silence.Duration))
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
	// Whole, not cut: after a quit this is the only copy of what was typed.
	w := "the " + strings.ToLower(f.title()[:1]) + f.title()[1:] + " being typed"
	if ms, err := f.currentMatchers(); err == nil && len(ms) > 0 {
		w += " " + text.Sanitize(query.FormatMatchers(ms))
	} else if f.textMode {
		w += fmt.Sprintf(" (matchers %q)", text.Sanitize(f.text.Value()))
	}
	if c := strings.TrimSpace(f.comment.Value()); c != "" && c != f.initial[fieldComment] {
		w += fmt.Sprintf(" (comment %q)", text.Sanitize(c))
	}
	return w
}

// NewAckForm opens the form as an ack: exactly this alert's labels, the
// ack duration, the comment "ack by <author>", straight on the confirm
// step, which is still shown before anything is sent.
func NewAckForm(ctx *views.Context, alert query.Alert, current []query.Alert, createdBy string) *SilenceForm {
	f := NewSilenceForm(ctx, alert, current, createdBy)
	f.ack = true
	f.scopeOneSeries()
	f.refresh()
	f.untilResolved = ctx.Settings.Silence.AckUntilResolved
	f.duration.SetValue(query.FormatDuration(ctx.Settings.Silence.AckDuration))
	f.comment.SetValue("ack by " + createdBy)
	f.comment.CursorEnd()
	f.markClean()
	f.review()
	return f
}

// UntilResolved reports whether the ack is to be kept until its alert
// resolves.
func (f *SilenceForm) UntilResolved() bool { return f.untilResolved }

// toggleUntilResolved turns "until resolved" on or off; on the confirm
// step the silence shown is made again with or without the marker.
func (f *SilenceForm) toggleUntilResolved() {
	f.untilResolved = !f.untilResolved
	if f.confirming {
		f.review()
	}
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

// authorFixed reports whether the author is not the person's to choose:
// a served console signs with the key's name (Context.SignedBy).
func (f *SilenceForm) authorFixed() bool { return f.ctx.SignedBy != nil }

// author is who the silence will name as its creator.
func (f *SilenceForm) createdBy() string {
	if f.authorFixed() {
		return strings.TrimSpace(f.ctx.SignedBy())
	}
	return strings.TrimSpace(f.author.Value())
}

// stepFocus moves the cursor to the next (d=1) or previous (d=-1) field
// that can be edited.
func (f *SilenceForm) stepFocus(d formField) {
	fl := (f.focus + d + numFormFields) % numFormFields
	if fl == fieldCreatedBy && f.authorFixed() {
		fl = (fl + d + numFormFields) % numFormFields
	}
	f.setFocus(fl)
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

// Update implements views.Component: a key, a paste, Alertmanager's answer or
// a refresh of the alerts. The form is done once closed.
func (f *SilenceForm) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	if m, ok := msg.(alertsData); ok {
		f.routing = m.routing
		f.SetAlerts(m.all)
		return f, nil
	}
	cmd := f.update(msg)
	if f.closed {
		return nil, cmd
	}
	return f, cmd
}

// Capturing implements views.Component: the form owns the keyboard.
func (f *SilenceForm) Capturing() bool { return true }

// UnsentWork implements views.Component: the silence typed, once something was.
func (f *SilenceForm) UnsentWork() string {
	if !f.Dirty() {
		return ""
	}
	return f.Work()
}

func (f *SilenceForm) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case views.SilenceResultMsg:
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
	case f.ack && !f.sending && key.Matches(msg, k.UntilResolved):
		f.toggleUntilResolved()
	case !f.ack && !f.sending && f.scoped() && key.Matches(msg, k.SilenceScope):
		// Narrowed or widened on the review: the new silence is shown,
		// and must be seen, before enter sends it.
		f.switchScope()
		f.review()
	case key.Matches(msg, k.Apply):
		if f.sending {
			return nil // one request at a time
		}
		if !f.reviewSeen {
			// Never send what the person has not seen.
			return views.Flash("the review is not on screen: enlarge the terminal to see it, then press "+widget.Key(k.Apply), true)
		}
		return f.send()
	case key.Matches(msg, k.Cancel):
		if f.sending {
			f.closed = true
			return views.Flash("left the form while sending: Alertmanager's answer will show here when it comes", false)
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
			return views.Flash("no silence created: the typed text was discarded", false)
		case key.Matches(msg, discardNo):
			return nil
		}
		// Any other key keeps the work and does what it does.
	}
	switch {
	case f.ack && key.Matches(msg, k.UntilResolved):
		f.untilResolved = !f.untilResolved
		return nil
	case key.Matches(msg, k.Cancel):
		if f.Dirty() {
			f.discarding = true
			return nil
		}
		f.closed = true
		return views.Flash("no silence created", false)
	case key.Matches(msg, k.Apply):
		f.review()
		return nil
	case key.Matches(msg, k.NextField):
		f.stepFocus(1)
		return nil
	case key.Matches(msg, k.PrevField):
		f.stepFocus(-1)
		return nil
	case !f.ack && key.Matches(msg, k.SilenceScope):
		f.switchScope()
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

// send emits the request for the confirmed silence.
func (f *SilenceForm) send() tea.Cmd {
	if f.ctx.Settings.ReadOnly {
		return views.Flash("read-only: silencing alerts is disabled (ui.read_only)", true)
	}
	f.start(f.ctx.Now())
	req := views.SilenceRequestMsg{Op: views.OpCreate, Spec: f.spec, Retry: f.retry, Ack: f.ack}
	return func() tea.Msg { return req }
}

// IsFor reports whether a result answers this form's request: a form
// opened after another one was left while sending must not take the
// other's answer.
func (f *SilenceForm) IsFor(msg views.SilenceResultMsg) bool {
	r := msg.Request.Spec
	return msg.Request.Op == views.OpCreate && r.EndsAt.Equal(f.spec.EndsAt) && r.Comment == f.spec.Comment &&
		r.CreatedBy == f.spec.CreatedBy && query.FormatMatchers(r.Matchers) == query.FormatMatchers(f.spec.Matchers)
}

func (f *SilenceForm) onResult(msg views.SilenceResultMsg) tea.Cmd {
	if !f.sending || !f.IsFor(msg) {
		return nil
	}
	if !f.answer(msg.Err) {
		// Everything stays as typed; enter tries again, looking first for
		// a silence this attempt may have made.
		f.retry = true
		return nil
	}
	f.closed = true
	return views.Flash(createdText(msg), false)
}
