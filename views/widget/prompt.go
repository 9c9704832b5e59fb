package widget

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// Prompt is a list's filter prompt, which filters as you type: enter keeps
// the text and closes it, esc clears it and closes, anything else edits.
// What the text means is the screen's: it is handed over through an
// apply function, which may refuse a final text (enter) to keep the prompt
// open.
type Prompt struct {
	In   textinput.Model
	open bool
}

// ApplyFunc applies a filter text; final is set by enter and esc. It
// returns false to refuse the text (the prompt stays open on enter).
type ApplyFunc func(s string, final bool) bool

// NewPrompt returns a closed prompt drawn by vigil (see InputView).
func NewPrompt(limit int) Prompt { return Prompt{In: NewInput(limit)} }

// IsOpen reports whether the prompt owns the keyboard.
func (p *Prompt) IsOpen() bool { return p.open }

// Open shows the prompt on value, the cursor at its end.
func (p *Prompt) Open(value string) tea.Cmd {
	p.open = true
	p.In.SetValue(value)
	p.In.CursorEnd()
	return p.In.Focus()
}

// Close closes the prompt and leaves what was applied as it is.
func (p *Prompt) Close() {
	p.open = false
	p.In.Blur()
}

// Clear empties the text and applies the empty filter.
func (p *Prompt) Clear(apply ApplyFunc) {
	p.In.SetValue("")
	apply("", true)
}

// Key handles a key while the prompt is open.
func (p *Prompt) Key(msg tea.KeyPressMsg, k *keys.KeyMap, apply ApplyFunc) tea.Cmd {
	switch {
	case key.Matches(msg, k.Apply):
		if apply(p.In.Value(), true) {
			p.open = false
			p.In.Blur()
		}
		return nil
	case key.Matches(msg, k.Cancel):
		p.open = false
		p.In.Blur()
		p.Clear(apply)
		return nil
	}
	return p.Update(msg, apply)
}

// Update passes anything else (a paste) to the text and applies it.
func (p *Prompt) Update(msg tea.Msg, apply ApplyFunc) tea.Cmd {
	var cmd tea.Cmd
	p.In, cmd = p.In.Update(msg)
	apply(p.In.Value(), false)
	return cmd
}

// View draws the open prompt on one line of w cells: the prompt sign, the
// text and the cursor, or the placeholder.
func (p *Prompt) View(st *themes.Styles, w int, placeholder string) string {
	return st.Prompt.Render("/") + InputView(st, &p.In, w-1, true, placeholder)
}

// FilterLine is the line under a list while a filter applies: the filter,
// how many rows it leaves, and the key that clears it.
func FilterLine(k *keys.KeyMap, filter, count string) string {
	return "filter /" + text.Sanitize(filter) + "  " + count + "  (" + Key(k.Back) + " clears)"
}
