package alerting

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
	"github.com/vigilterm/vigil/views/widget"
)

// confirmQuestion asks before a write: the question, then "enter
// confirms, esc cancels". Enter runs yes; esc, or yes, closes it. It owns
// the keyboard while open.
type confirmQuestion struct {
	views.NoWork
	ctx   *views.Context
	ask   string // sanitized by the caller
	yes   func() tea.Cmd
	width int
}

func newConfirm(ctx *views.Context, ask string, yes func() tea.Cmd) *confirmQuestion {
	return &confirmQuestion{ctx: ctx, ask: ask, yes: yes}
}

// Update implements views.Component.
func (q *confirmQuestion) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, q.ctx.Keys.Apply):
			return nil, q.yes()
		case key.Matches(kp, q.ctx.Keys.Cancel):
			return nil, nil
		}
	}
	return q, nil
}

// SetSize implements views.Component.
func (q *confirmQuestion) SetSize(w, _ int) { q.width = w }

// Capturing implements views.Component: the question owns the keyboard.
func (q *confirmQuestion) Capturing() bool { return true }

// ShortHelp implements views.Component.
func (q *confirmQuestion) ShortHelp() []key.Binding {
	return []key.Binding{q.ctx.Keys.Apply, q.ctx.Keys.Cancel}
}

// FullHelp implements views.Component.
func (q *confirmQuestion) FullHelp() [][]key.Binding { return [][]key.Binding{q.ShortHelp()} }

// View implements views.Component: the question wrapped to the width.
func (q *confirmQuestion) View() string {
	k := q.ctx.Keys
	ask := q.ask + "? " + widget.Key(k.Apply) + " confirms, " + widget.Key(k.Cancel) + " cancels"
	var out []string
	for _, l := range text.Wrap(ask, q.width) {
		out = append(out, q.ctx.Styles.Confirm.Render(l))
	}
	return strings.Join(out, "\n")
}
