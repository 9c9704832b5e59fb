package widget

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views/keys"
)

// Scroll is the first line shown of a text taller than its window, moved
// by the navigation keys: a line, a page (the window less one line), the
// top or the bottom.
type Scroll struct {
	Offset int
}

// Key scrolls on a navigation key over total lines in a window of h;
// false for any other key.
func (s *Scroll) Key(msg tea.KeyPressMsg, k *keys.KeyMap, total, h int) bool {
	page := max(h-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		s.Offset--
	case key.Matches(msg, k.Down):
		s.Offset++
	case key.Matches(msg, k.PageUp):
		s.Offset -= page
	case key.Matches(msg, k.PageDown):
		s.Offset += page
	case key.Matches(msg, k.Top):
		s.Offset = 0
	case key.Matches(msg, k.Bottom):
		s.Offset = total
	default:
		return false
	}
	s.Clamp(total, h)
	return true
}

// Clamp keeps the window within the text.
func (s *Scroll) Clamp(total, h int) {
	s.Offset = min(max(s.Offset, 0), max(total-h, 0))
}

// Window returns the lines in view.
func (s *Scroll) Window(lines []string, h int) []string {
	s.Clamp(len(lines), h)
	return lines[s.Offset:min(s.Offset+max(h, 0), len(lines))]
}
