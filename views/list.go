package views

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/ui/keys"
)

// promptKey handles a key in a list's filter prompt, which filters as you
// type: enter keeps the text and closes the prompt, esc clears it and
// closes, anything else edits. It returns the filter to apply and whether
// the prompt is still open.
func promptKey(in *textinput.Model, msg tea.KeyPressMsg, k *keys.KeyMap) (filter string, open bool, cmd tea.Cmd) {
	switch {
	case key.Matches(msg, k.Apply):
		in.Blur()
		return in.Value(), false, nil
	case key.Matches(msg, k.Cancel):
		in.Blur()
		in.SetValue("")
		return "", false, nil
	}
	*in, cmd = in.Update(msg)
	return in.Value(), true, cmd
}

// scrollTo returns the first row to show of n rows in a window of h rows,
// starting from offset, so that rows top..bottom are in view (bottom wins
// when they do not fit). Every list screen keeps its cursor in view with it.
func scrollTo(offset, top, bottom, n, h int) int {
	if h <= 0 || n <= 0 {
		return 0
	}
	if top < offset {
		offset = top
	}
	if bottom >= offset+h {
		offset = bottom - h + 1
	}
	return min(max(offset, 0), max(n-h, 0))
}

// navDelta is how far a navigation key (up, down, top, bottom, page up,
// page down) moves the cursor of a list of n rows showing page rows at a
// time; ok is false for any other key.
func navDelta(msg tea.KeyPressMsg, k *keys.KeyMap, n, page int) (d int, ok bool) {
	page = max(page, 1)
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.Top):
		return -n, true
	case key.Matches(msg, k.Bottom):
		return n, true
	case key.Matches(msg, k.PageUp):
		return -page, true
	case key.Matches(msg, k.PageDown):
		return page, true
	}
	return 0, false
}

// moveCursor returns cursor moved by d and kept within n rows; -1 when the
// list is empty.
func moveCursor(cursor, d, n int) int {
	if n == 0 {
		return -1
	}
	return min(max(cursor+d, 0), n-1)
}
