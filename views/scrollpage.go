package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// scrollPage is a page of lines that scrolls, closed by esc: the detail
// screens of a silence and of a timeline event embed it and give the
// lines. The global keys still act while it is open.
type scrollPage struct {
	ctx           *Context
	width, height int
	scr           widget.Scroll
}

// SetSize implements Component.
func (p *scrollPage) SetSize(w, h int) { p.width, p.height = max(w, 0), max(h, 0) }

// Capturing implements Component.
func (p *scrollPage) Capturing() bool { return false }

// key scrolls a page of n lines; it reports true for the key that closes
// the page.
func (p *scrollPage) key(kp tea.KeyPressMsg, n int) (closed bool) {
	if key.Matches(kp, p.ctx.Keys.Back) {
		return true
	}
	p.scr.Key(kp, p.ctx.Keys, n, p.height)
	return false
}

// window is the lines in view, clipped to the page.
func (p *scrollPage) window(lines []string) string {
	return text.ClipLines(p.scr.Window(lines, p.height), p.width, p.height)
}
