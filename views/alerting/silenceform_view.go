package alerting

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// ShortHelp is the form's keys for the footer.
func (f *SilenceForm) ShortHelp() []key.Binding {
	k := f.ctx.Keys
	out := []key.Binding{k.Apply}
	if f.ack {
		// An ack's "until resolved" works on both steps.
		out = append(out, k.UntilResolved)
	}
	if f.scoped() && !f.ack {
		out = append(out, k.SilenceScope)
	}
	if f.confirming {
		return append(out, k.Cancel)
	}
	out = append(out, k.NextField, k.PrevField)
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
		{k.Up, k.Down, k.Toggle, k.SilenceScope, k.MatcherText},
		{k.PresetPrev, k.PresetNext, k.UntilResolved},
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
	if f.free != "" {
		return f.free
	}
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
	line += " " + presetChips(st, cur, "")
	if d, err := query.ParseDuration(cur); err == nil && d > 0 {
		end := f.ctx.Now().Add(d)
		line += st.Muted.Render("  ends " + formatClock(f.ctx.Now(), end))
	}
	out = append(out, line)
	out = append(out, f.errLine(errDuration)...)

	// Comment and author.
	mark(fieldComment)
	ph := "why: ticket, what is being done (required)"
	if !f.ctx.Settings.Silence.RequireComment {
		ph = "why (optional)"
	}
	out = append(out, f.label("comment", fieldComment)+" "+widget.InputView(st, &f.comment, inW, f.focus == fieldComment, ph))
	out = append(out, f.errLine(errComment)...)
	mark(fieldCreatedBy)
	if f.authorFixed() {
		// Not an input: the server writes this name, whatever is typed.
		out = append(out, labelled(st, "created by", text.Sanitize(f.createdBy())+st.Muted.Render("  (your key's name: the server signs with it)"), w)...)
	} else {
		out = append(out, f.label("created by", fieldCreatedBy)+" "+widget.InputView(st, &f.author, inW, f.focus == fieldCreatedBy, "user@host"))
	}
	out = append(out, f.errLine(errCreatedBy)...)
	if f.ack {
		out = append(out, labelled(st, "keep", f.untilResolvedText()+st.Muted.Render("  ("+widget.Key(k.UntilResolved)+": change)"), f.width)...)
	}

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
	summary := fmt.Sprintf("matches %d current alert%s", n, views.Plural(n))
	if n == 0 {
		summary = "matches no current alert (it will still silence matching alerts that fire later)"
	}
	out = append(out, st.Muted.Render(text.Fit("  preview", formLabelW))+" "+summary)
	out = append(out, f.receiverLines()...)
	out = append(out, f.scopeLines()...)
	if list {
		show := min(n, 4)
		label := f.ctx.Settings.EndpointLabel
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

// formatClock is an absolute time in the clock's zone, with how far away
// it is.
func formatClock(now, t time.Time) string {
	s := t.In(now.Location()).Format("2006-01-02 15:04 MST")
	switch d := t.Sub(now); {
	case d > 0:
		return s + " (in " + views.FormatDuration(d) + ")"
	case d < 0:
		return s + " (" + views.FormatDuration(-d) + " ago)"
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
	var out []string
	q := "Create this silence?"
	if f.ack {
		q = "Ack " + text.Sanitize(f.origin.Name) + " with this silence?"
	}
	out = append(out, st.Confirm.Render(q))
	field := func(name, value string) { out = append(out, labelled(st, name, value, w)...) }
	now := f.ctx.Now()
	field("matchers", text.Sanitize(query.FormatMatchers(f.spec.Matchers)))
	field("starts", "now ("+now.Format("2006-01-02 15:04:05 MST")+")")
	field("ends", f.spec.EndsAt.In(now.Location()).Format("2006-01-02 15:04:05 MST"))
	field("duration", views.FormatDuration(f.dur))
	by := text.Sanitize(f.spec.CreatedBy)
	if f.authorFixed() {
		by += st.Muted.Render("  (your key's name)")
	}
	field("created by", by)
	comment := text.Sanitize(f.spec.Comment)
	if comment == "" {
		comment = st.Muted.Render("(none)")
	}
	field("comment", comment)
	if f.ack {
		field("keep", f.untilResolvedText()+st.Muted.Render("  ("+widget.Key(k.UntilResolved)+": change)"))
	}
	spec = len(out)
	out = append(out, "")
	out = append(out, f.previewLines(true)...)
	out = append(out, "")
	switch {
	case f.sending && f.ctx.WriteHeld():
		foot = append(foot, st.Accent.Render(text.Sanitize(f.ctx.HeldNote())))
	case f.sending:
		el := f.elapsed(f.ctx, f.ctx.Now())
		foot = append(foot, st.Accent.Render(fmt.Sprintf("sending… %ds waiting for Alertmanager (deadline %s; %s leaves, the answer still shows)",
			el, views.FormatDuration(3*f.ctx.Settings.AlertmanagerTimeout+time.Second), widget.Key(k.Cancel))))
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

// untilResolvedText says how long the ack lasts.
func (f *SilenceForm) untilResolvedText() string {
	if !f.untilResolved {
		if !f.confirming {
			return "for the duration only"
		}
		return "for " + views.FormatDuration(f.dur) + " only"
	}
	sc := f.ctx.Settings.Silence
	return "until resolved: extended while the alert fires, at most " + views.FormatDuration(sc.AckMax)
}

// receiverLines say who the matched alerts notify, and so who the silence
// keeps from being notified: "routes to pager (2), chat (1)".
func (f *SilenceForm) receiverLines() []string {
	st := f.ctx.Styles
	if len(f.hits) == 0 {
		return nil
	}
	l := f.routing.unknown()
	if l == "" {
		l = "routes to " + receiverCounts(f.routing.r, f.hits)
	}
	var out []string
	for _, p := range text.Wrap(l, max(f.width-formLabelW-1, 1)) {
		if f.routing.r == nil {
			p = st.Warn.Render(p)
		}
		out = append(out, strings.Repeat(" ", formLabelW+1)+p)
	}
	return out
}
