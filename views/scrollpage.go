package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// ScrollPage is a page of lines that scrolls, closed by esc: the detail
// screens of a silence and of a timeline event embed it and give the
// lines. The global keys still act while it is open.
type ScrollPage struct {
	ctx           *Context
	width, height int
	scr           widget.Scroll
}

// NewScrollPage returns a page that scrolls in the keys of ctx.
func NewScrollPage(ctx *Context) ScrollPage { return ScrollPage{ctx: ctx} }

// Width is the width the page was given.
func (p *ScrollPage) Width() int { return p.width }

// SetSize implements Component.
func (p *ScrollPage) SetSize(w, h int) { p.width, p.height = max(w, 0), max(h, 0) }

// Capturing implements Component.
func (p *ScrollPage) Capturing() bool { return false }

// Key scrolls a page of n lines; it reports true for the key that closes
// the page.
func (p *ScrollPage) Key(kp tea.KeyPressMsg, n int) (closed bool) {
	if key.Matches(kp, p.ctx.Keys.Back) {
		return true
	}
	p.scr.Key(kp, p.ctx.Keys, n, p.height)
	return false
}

// Window is the lines in view, clipped to the page.
func (p *ScrollPage) Window(lines []string) string {
	return text.ClipLines(p.scr.Window(lines, p.height), p.width, p.height)
}
