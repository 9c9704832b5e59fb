package alerting

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// SilencedPanel is what s opens on an alert that a silence already covers:
// that silence (who made it, until when, why, its matchers), e to extend
// it with the ExtendChooser, and s again to make a new silence all the same. It
// lives inside the alerts screen and owns the keyboard while open.
type SilencedPanel struct {
	views.NoWork
	ctx    *views.Context
	width  int
	height int

	alert    query.Alert
	silences []query.Silence // the unexpired silences that match the alert
	unknown  []string        // ids Alertmanager says silence it, not in the list
	sel      int

	chooser *ExtendChooser
	// chooserSeen is set when View drew the chooser whole (the new end and
	// what enter does) at the current size; enter extends only then.
	chooserSeen bool

	sendState
	sent views.SilenceRequestMsg
	// afterErr is set by a failed extend: the silence may have changed (a
	// write can land though its answer was lost), so e waits for the next
	// refresh to show what Alertmanager holds before extending again.
	afterErr bool

	closed  bool
	wantNew bool
	// newForm opens the silence form in the panel's place (s again).
	newForm func(query.Alert) (views.Component, tea.Cmd)
}

// CoveringSilences are the unexpired silences that match the alert, and
// the ids Alertmanager names as silencing it that are not among them.
func CoveringSilences(al query.Alert, silences []query.Silence) ([]query.Silence, []string) {
	cover := query.SilencesFor(al, unexpired(silences))
	var unknown []string
	for _, id := range al.SilencedBy {
		if !slices.ContainsFunc(cover, func(s query.Silence) bool { return s.ID == id }) {
			unknown = append(unknown, id)
		}
	}
	return cover, unknown
}

// NewSilencedPanel opens the panel for an alert; nil when nothing is
// known to silence it.
func NewSilencedPanel(ctx *views.Context, al query.Alert, silences []query.Silence) *SilencedPanel {
	cover, unknown := CoveringSilences(al, silences)
	if len(cover) == 0 && len(unknown) == 0 {
		return nil
	}
	p := &SilencedPanel{ctx: ctx, alert: al, silences: cover, unknown: unknown}
	p.SetSize(80, 20)
	return p
}

// SetSize sets the area the panel draws in.
func (p *SilencedPanel) SetSize(w, h int) {
	if w != p.width || h != p.height {
		p.chooserSeen = false
	}
	p.width, p.height = max(w, 0), max(h, 0)
}

// Closed reports whether the panel was left; WantsNew whether it was left
// with s again, to open the silence form.
func (p *SilencedPanel) Closed() bool   { return p.closed }
func (p *SilencedPanel) WantsNew() bool { return p.closed && p.wantNew }

// Silences returns the silences shown.
func (p *SilencedPanel) Silences() []query.Silence { return p.silences }

// Selected is the silence e extends.
func (p *SilencedPanel) Selected() (query.Silence, bool) {
	if p.sel < 0 || p.sel >= len(p.silences) {
		return query.Silence{}, false
	}
	return p.silences[p.sel], true
}

// Chooser is the open extend chooser, or nil.
func (p *SilencedPanel) Chooser() *ExtendChooser { return p.chooser }

// Sending reports whether an extend is awaited.
func (p *SilencedPanel) Sending() bool { return p.sending }

// SetSilences takes the alert and the silences of a refresh; the selection
// follows its id.
func (p *SilencedPanel) SetSilences(al query.Alert, silences []query.Silence) {
	selID := ""
	if s, ok := p.Selected(); ok {
		selID = s.ID
	}
	p.alert = al
	p.silences, p.unknown = CoveringSilences(al, silences)
	p.sel = max(slices.IndexFunc(p.silences, func(s query.Silence) bool { return s.ID == selID }), 0)
	p.afterErr = false
}

// IsFor reports whether a result answers this panel's extend.
func (p *SilencedPanel) IsFor(msg views.SilenceResultMsg) bool {
	r := msg.Request
	return p.sending && r.Op == views.OpExtend && r.Silence.ID == p.sent.Silence.ID && r.NewEnd.Equal(p.sent.NewEnd)
}

// Update implements views.Component: a key, a paste, the answer to the extend
// or a refresh. Once left it is done, or, left with s again, the silence
// form takes its place.
func (p *SilencedPanel) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	if m, ok := msg.(alertsData); ok {
		al := p.alert
		for i := range m.all {
			if m.all[i].Key() == al.Key() {
				al = m.all[i]
				break
			}
		}
		p.SetSilences(al, m.silences)
		return p, nil
	}
	cmd := p.update(msg)
	if !p.closed {
		return p, cmd
	}
	if p.wantNew && p.newForm != nil {
		next, open := p.newForm(p.alert)
		return next, tea.Batch(cmd, open)
	}
	return nil, cmd
}

// Capturing implements views.Component: the panel owns the keyboard.
func (p *SilencedPanel) Capturing() bool { return true }

// sendExtend is the chooser's enter: one extend at a time, never in
// read-only mode.
func (p *SilencedPanel) sendExtend(req views.SilenceRequestMsg) tea.Cmd {
	if p.ctx.Settings.ReadOnly {
		return views.Flash("read-only: extending silences is disabled (ui.read_only)", true)
	}
	p.sent = req
	p.start(p.ctx.Now())
	return func() tea.Msg { return req }
}

func (p *SilencedPanel) update(msg tea.Msg) tea.Cmd {
	k := p.ctx.Keys
	switch msg := msg.(type) {
	case views.SilenceResultMsg:
		if !p.IsFor(msg) {
			return nil
		}
		if !p.answer(msg.Err) {
			p.afterErr = true
			return nil
		}
		// The Silences screen flashes the result; the list shows it on
		// the refresh that follows.
		p.closed = true
		return nil
	case tea.KeyPressMsg:
		switch {
		case p.sending:
			if key.Matches(msg, k.Cancel) {
				p.closed = true
				return views.Flash("left while extending: Alertmanager's answer will show as a flash", false)
			}
			return nil // one request at a time
		case p.chooser != nil:
			if key.Matches(msg, k.Apply) && !p.chooserSeen {
				return views.Flash("the new end is not on screen: enlarge the terminal to see it, then press "+widget.Key(k.Apply), true)
			}
			next, cmd := p.chooser.Update(msg)
			if next == nil {
				p.chooser = nil
			}
			return cmd
		}
		switch {
		case key.Matches(msg, k.Cancel):
			p.closed = true
		case key.Matches(msg, k.Up):
			p.sel = max(p.sel-1, 0)
		case key.Matches(msg, k.Down):
			p.sel = min(p.sel+1, max(len(p.silences)-1, 0))
		case key.Matches(msg, k.Extend):
			si, ok := p.Selected()
			switch {
			case !ok:
				return views.Flash("the silence's details are not loaded: it cannot be extended from here; "+widget.Key(k.Silence)+" again makes a new one", true)
			case p.afterErr:
				return views.Flash("the last extend failed: waiting for the next refresh to show what Alertmanager holds", false)
			}
			p.chooser = NewExtendChooser(p.ctx, si, p.sendExtend)
			p.chooserSeen = false
			p.sendErr = ""
		case key.Matches(msg, k.Silence):
			p.closed, p.wantNew = true, true
		}
		return nil
	}
	if p.chooser != nil && !p.sending {
		_, cmd := p.chooser.Update(msg) // a paste cannot confirm
		return cmd
	}
	return nil
}

// ShortHelp is the panel's keys for the footer.
func (p *SilencedPanel) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	switch {
	case p.sending:
		return []key.Binding{k.Cancel}
	case p.chooser != nil:
		return []key.Binding{k.Apply, k.PresetPrev, k.PresetNext, k.Cancel}
	}
	return []key.Binding{k.Extend, k.Silence, k.Up, k.Down, k.Cancel}
}

// FullHelp is every key of the panel.
func (p *SilencedPanel) FullHelp() [][]key.Binding {
	k := p.ctx.Keys
	return [][]key.Binding{{k.Extend, k.Silence, k.Up, k.Down, k.Cancel}, {k.Apply, k.PresetPrev, k.PresetNext}}
}

// View draws the silences, then what the keys do (the chooser while
// extending), which always stays on screen.
func (p *SilencedPanel) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	body, foot := p.lines()
	if p.chooser != nil {
		p.chooserSeen = len(foot) <= p.height
	}
	if len(foot) > p.height {
		foot = foot[:p.height]
	}
	if len(body)+len(foot) > p.height {
		body = body[:p.height-len(foot)]
	}
	return text.ClipLines(append(body, foot...), p.width, p.height)
}

func (p *SilencedPanel) lines() (body, foot []string) {
	st, k := p.ctx.Styles, p.ctx.Keys
	w := max(p.width, 1)
	now := p.ctx.Now()
	name := text.Sanitize(p.alert.Name)
	n := len(p.silences) + len(p.unknown)
	title := fmt.Sprintf("%s is already silenced (%d silence%s)", name, n, views.Plural(n))
	if !slices.ContainsFunc(p.silences, func(s query.Silence) bool { return s.State == query.SilenceActive }) && len(p.unknown) == 0 {
		title = fmt.Sprintf("%s has a silence that has not started yet (%d)", name, n)
	}
	body = append(body, st.Confirm.Render(text.Truncate(title, w)))
	field := func(label, value string) { body = append(body, labelled(st, label, value, w)...) }
	for i, s := range p.silences {
		mark := "  "
		if i == p.sel {
			mark = "▸ "
		}
		body = append(body, st.Accent.Render(text.Truncate(mark+"silence "+text.Sanitize(s.ID), w)))
		field("created by", text.Sanitize(s.CreatedBy))
		until := formatClock(now, s.EndsAt)
		if s.State == query.SilencePending {
			until += ", starts " + formatClock(now, s.StartsAt)
		}
		field("until", until)
		comment := text.Sanitize(s.Comment)
		if comment == "" {
			comment = "(none)"
		}
		field("comment", comment)
		field("matchers", text.Sanitize(query.FormatMatchers(s.Matchers)))
	}
	if len(p.unknown) > 0 {
		for _, l := range text.Wrap("Alertmanager also names "+text.Sanitize(strings.Join(p.unknown, ", "))+
			" as silencing it; its details are unknown (the silences list did not have it)", w) {
			body = append(body, st.Warn.Render(l))
		}
	}
	body = append(body, "")
	switch {
	case p.sending && p.ctx.WriteHeld():
		for _, l := range text.Wrap(text.Sanitize(p.ctx.HeldNote()), w) {
			foot = append(foot, st.Accent.Render(l))
		}
		return body, foot
	case p.sending:
		el := p.elapsed(p.ctx, now)
		for _, l := range text.Wrap(fmt.Sprintf("sending… extend %s to %s, %ds waiting for Alertmanager (%s leaves, the answer still shows)",
			text.Sanitize(p.sent.Silence.ID), formatClock(now, p.sent.NewEnd), el, widget.Key(k.Cancel)), w) {
			foot = append(foot, st.Accent.Render(l))
		}
		return body, foot
	case p.chooser != nil:
		return body, p.chooser.Lines(w)
	}
	if p.sendErr != "" {
		for _, l := range text.Wrap("✕ extend failed: "+p.sendErr, w) {
			foot = append(foot, st.Error.Render(l))
		}
	}
	what := widget.Key(k.Extend) + ": extend this silence · " + widget.Key(k.Silence) + " again: create a new silence anyway · " + widget.Key(k.Cancel) + ": back"
	if len(p.silences) > 1 {
		what = widget.Arrows(k.Up, k.Down) + ": choose · " + what
	}
	for _, l := range text.Wrap(what, w) {
		foot = append(foot, st.Confirm.Render(l))
	}
	return body, foot
}
