package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// helpPart is the help: the keys of the screen under it, the global ones,
// the symbols and the notes, over the content area; it scrolls when
// taller than the room, and its key or back closes it.
type helpPart struct {
	overlayBase
	m    *Model
	open bool
	// top is the first line of the body shown, max the last it can be.
	top, max int
}

func (p *helpPart) isOpen() bool { return p.open }

func (p *helpPart) opens(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, p.m.ctx.Keys.Help) {
		return nil, false
	}
	p.open, p.top = true, 0
	p.opening()
	return nil, true
}

func (p *helpPart) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.m.ctx.Keys
	if key.Matches(msg, k.Help, k.Back, k.Quit) {
		p.open = false
		return nil
	}
	p.scroll(msg)
	return nil
}

// toggle opens or closes the help on its key, even on a screen too small.
func (p *helpPart) toggle(msg tea.KeyPressMsg) bool {
	if !key.Matches(msg, p.m.ctx.Keys.Help) {
		return false
	}
	p.open = !p.open
	if p.open {
		p.opening()
	}
	return true
}

func (p *helpPart) body(h int) (string, bool) {
	if !p.open {
		return "", false
	}
	return p.view(h), true
}

func (p *helpPart) bindings() []key.Binding {
	k := p.m.ctx.Keys
	return []key.Binding{k.Down, k.Up, k.PageDown, k.PageUp, k.Back}
}

func (p *helpPart) where() string { return "help" }

func (p *helpPart) view(h int) string {
	m := p.m
	st := m.ctx.Styles
	k := m.ctx.Keys
	scr := m.shown()
	groups := [][]key.Binding{k.Global()}
	if tk := m.link.keys(k); tk != nil {
		groups = append(groups, tk)
	}
	groups = append(groups, scr.FullHelp()...)
	var entries []string
	for _, g := range groups {
		n := 0
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			hb := b.Help()
			entries = append(entries, st.HelpKey.Render(text.PadRight(hb.Key, 7))+" "+st.HelpDesc.Render(hb.Desc))
			n++
		}
		if n > 0 {
			entries = append(entries, "")
		}
	}
	var notes []string
	if m.cfg.UI.ReadOnly {
		note := "read-only: keys that write to Alertmanager are disabled"
		if p := m.opts.Principal; p != nil && !p.Role.CanWrite() {
			note = (&query.ForbiddenError{Principal: *p}).Error()
		}
		notes = append(notes, note)
	}
	for _, n := range scr.Notes() {
		notes = append(notes, text.WrapWords(n, max(m.width-4, 10))...)
	}
	// Two columns of keys when they do not fit in one and the width allows.
	cols := 1
	if len(entries) > h-1 && m.width >= 2*34 {
		cols = 2
	}
	per := (len(entries) + cols - 1) / cols
	colW := m.width/cols - 2
	var body []string
	if len(notes) > 0 && m.cfg.UI.ReadOnly {
		// First, so that it is seen before any scrolling.
		body = append(body, "  "+st.Warn.Render(notes[0]))
		notes = notes[1:]
	}
	for r := 0; r < per; r++ {
		line := ""
		for c := 0; c < cols; c++ {
			i := c*per + r
			if i < len(entries) {
				line += "  " + text.Fit(entries[i], colW)
			}
		}
		body = append(body, line)
	}
	if syms := views.LegendOf(scr); len(syms) > 0 {
		body = append(body, st.Accent.Render("Symbols — "+text.Sanitize(scr.Title())))
		body = append(body, m.legendLines(syms)...)
	}
	body = append(body, st.Accent.Render("Symbols — header"))
	body = append(body, m.legendLines(m.headerLegend())...)
	if len(notes) > 0 {
		body = append(body, "", st.Accent.Render("Notes"))
	}
	for _, n := range notes {
		body = append(body, "  "+st.Muted.Render(n))
	}

	// The body scrolls under the title when taller than the room.
	room := max(h-1, 1)
	p.max = max(len(body)-room, 0)
	p.top = min(max(p.top, 0), p.max)
	closes := fmt.Sprintf("   (%s or %s closes)", keys.Name(k.Help), keys.Name(k.Back))
	if p.max > 0 {
		closes = fmt.Sprintf("   %d–%d of %d · %s %s scroll · %s closes", p.top+1, min(p.top+room, len(body)), len(body),
			keys.Name(k.Down), keys.Name(k.PageDown), keys.Name(k.Back))
	}
	lines := []string{st.Accent.Render("Keys — "+text.Sanitize(scr.Title())) + st.Muted.Render(closes)}
	lines = append(lines, body[p.top:min(p.top+room, len(body))]...)
	return text.FitLines(lines, m.width, h)
}

// scroll scrolls the help screen; false for keys that do not scroll it.
func (p *helpPart) scroll(msg tea.KeyPressMsg) bool {
	m := p.m
	k := m.ctx.Keys
	page := max(m.height-4, 1)
	switch {
	case key.Matches(msg, k.Down):
		p.top++
	case key.Matches(msg, k.Up):
		p.top--
	case key.Matches(msg, k.PageDown):
		p.top += page
	case key.Matches(msg, k.PageUp):
		p.top -= page
	case key.Matches(msg, k.Top):
		p.top = 0
	case key.Matches(msg, k.Bottom):
		p.top = p.max
	default:
		return false
	}
	p.top = min(max(p.top, 0), p.max)
	return true
}
