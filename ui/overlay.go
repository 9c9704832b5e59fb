package ui

import (
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
)

// overlay is what opens over any screen and, while open, takes the keys
// before it: the help, the PromQL prompt, the note prompt and a protected
// context's confirm. The root keeps them on one stack and knows none of
// them by name: the one opened last of those open gets the keys and draws
// over the screen; when none is open, each may open on its own key.
type overlay interface {
	part
	// isOpen reports whether it is open now.
	isOpen() bool
	// opens opens it when msg is its key (pressed on a screen that is
	// not capturing keys); ok is false for any other key.
	opens(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool)
	// key handles a key while it is open.
	key(msg tea.KeyPressMsg) tea.Cmd

	// screen is the screen it shows in the content area while open
	// (its keys are the footer's), or nil: the screen under it stays.
	screen() views.Screen
	// body is what it draws in the content area, h lines at most, when
	// that is no screen; ok false leaves the content to the screen.
	body(h int) (s string, ok bool)
	// footer replaces the footer's line while open ("" keeps it).
	footer(w int) string
	// bindings are the keys the footer lists while open (nil: the
	// shown screen's).
	bindings() []key.Binding
	// lines are lines it adds over the footer, open or not (a note that
	// was not saved says why there).
	lines(w int) []string
	// setSize gives it the content area's size.
	setSize(w, h int)
	// unsent names what was typed in it and a quit would lose, or "".
	unsent() string
	// where names it for the team's presence list while open, or "".
	where() string
	// order is when it was last opened, in the order of every opening:
	// the one opened last is on top.
	order() uint64
}

// openings counts the overlays' openings: their order on the stack.
var openings atomic.Uint64

// overlayBase gives an overlay its place on the stack and the defaults of
// what it does not draw.
type overlayBase struct{ opened uint64 }

// opening puts the overlay on top of the stack; call it as it opens.
func (b *overlayBase) opening() { b.opened = openings.Add(1) }

func (b overlayBase) order() uint64 { return b.opened }

func (overlayBase) screen() views.Screen           { return nil }
func (overlayBase) body(int) (string, bool)        { return "", false }
func (overlayBase) footer(int) string              { return "" }
func (overlayBase) bindings() []key.Binding        { return nil }
func (overlayBase) lines(int) []string             { return nil }
func (overlayBase) setSize(int, int)               {}
func (overlayBase) unsent() string                 { return "" }
func (overlayBase) where() string                  { return "" }
func (overlayBase) update(tea.Msg) (tea.Cmd, bool) { return nil, false }
func (overlayBase) poll(time.Time, bool) tea.Cmd   { return nil }

// toggler is an overlay that opens and closes on one key even while the
// terminal is too small for anything else (the help).
type toggler interface {
	toggle(msg tea.KeyPressMsg) bool
}

// top is the open overlay opened last, or nil.
func (m *Model) top() overlay { return m.topOf(func(overlay) bool { return true }) }

// topOf is the open overlay opened last among those ok takes, or nil.
func (m *Model) topOf(ok func(overlay) bool) overlay {
	var top overlay
	for _, o := range m.overlays {
		if o.isOpen() && ok(o) && (top == nil || o.order() > top.order()) {
			top = o
		}
	}
	return top
}

// overlayBody is what the open overlay draws in the content area, h
// lines at most; ok false when it draws none there.
func (m *Model) overlayBody(h int) (string, bool) {
	if o := m.top(); o != nil {
		return o.body(h)
	}
	return "", false
}

// overlayLines are the overlays' lines over the footer.
func (m *Model) overlayLines(w int) []string {
	var out []string
	for _, o := range m.overlays {
		out = append(out, o.lines(w)...)
	}
	return out
}
