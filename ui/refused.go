package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	"github.com/vigilterm/vigil/views/text"
)

// After a refused key that opens something to type in (the note prompt, a
// silence form), the person types on as if it had opened: a viewer's note
// "pods restarting" would otherwise run as keys, its p pausing the
// console, its r refreshing, its q quitting. So the refusal stays on
// screen and every key typed after it is dropped, until esc or enter.

// typingRefused reports whether msg is a key that would have opened a
// place to type in and is refused, and why: the note key when the person
// may not write, and on the alerts and silences screens the disabled
// keys of the silence forms.
func (m *Model) typingRefused(msg tea.KeyPressMsg) (string, bool) {
	k := m.ctx.Keys
	if key.Matches(msg, k.Note) {
		if why := m.viewerRefusal(); why != "" {
			return why, true
		}
		return "", false
	}
	t := m.activeTab()
	if len(t.stack) == 0 {
		return "", false
	}
	f, ok := t.stack[0].(views.FormOpener)
	if !ok {
		return "", false
	}
	return k.Refusal(msg.String(), f.FormKeys()...)
}

// refuseTyping shows why and starts dropping keys.
func (m *Model) refuseTyping(why string) {
	m.refused = why
	m.SetSize(m.width, m.height)
}

// refusedKey handles a key while keys are dropped after a refusal: esc
// or enter ends it, every other key is dropped.
func (m *Model) refusedKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys
	if key.Matches(msg, k.Cancel, k.Apply) {
		m.refused = ""
		m.SetSize(m.width, m.height)
		m.setFlash("keys act again", false)
	}
	return nil
}

// refusedLines are the lines over the footer while keys are dropped: the
// refusal, and what happens to what is typed.
func (m *Model) refusedLines(w int) []string {
	if m.refused == "" || w <= 0 {
		return nil
	}
	k := m.ctx.Keys
	msg := "✕ " + m.refused + " — what you type now is dropped, not run as keys; " + keys.Name(k.Cancel) + " or " + keys.Name(k.Apply) + " ends this"
	ls := text.WrapWords(text.Sanitize(msg), w)
	if len(ls) > 3 {
		ls = ls[:3]
	}
	for i := range ls {
		ls[i] = m.ctx.Styles.FlashErr.Render(text.Fit(ls[i], w))
	}
	return ls
}
