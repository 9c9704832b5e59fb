package views

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Component is the contract of everything in the console that takes keys
// and draws: screens, and the forms, details, panels and questions they
// open. A parent stacks its children (see Stack) and talks to them through
// this contract only.
type Component interface {
	// Update handles a message and returns what takes the component's
	// place: itself, another component (a panel that becomes a form), or
	// nil when it is done and its parent drops it.
	Update(msg tea.Msg) (Component, tea.Cmd)
	// View renders the component in the size it was given.
	View() string
	// SetSize gives the size of the area the component draws in.
	SetSize(width, height int)
	// ShortHelp and FullHelp make the component a help.KeyMap.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing is true while the component owns the keyboard (a prompt,
	// a form, a question), so that global keys (q, 1, 2, ...) reach it
	// instead.
	Capturing() bool
	// UnsentWork names what was typed and would be lost if the program
	// quit now ("" when nothing was).
	UnsentWork() string
}

// Screen is a top-level component: it has a title in the header and notes
// for the help screen.
type Screen interface {
	Component
	// Title names the screen in the header.
	Title() string
	// Notes are extra lines for the help screen (e.g. what a column means).
	Notes() []string
}

// FormOpener is a screen with keys that open a form to type in (a silence):
// when such a key is refused (read-only), what is typed after it is dropped
// rather than run as keys.
type FormOpener interface {
	FormKeys() []key.Binding
}

// Stack is a parent's open children, the top one on screen and owning the
// keys. A child that returns nil from Update is popped; one that returns
// another component is replaced by it.
type Stack struct {
	items         []Component
	width, height int
}

// Push opens a child on top, at the stack's size.
func (s *Stack) Push(c Component) {
	c.SetSize(s.width, s.height)
	s.items = append(s.items, c)
}

// Top is the child on screen, or nil.
func (s *Stack) Top() Component {
	if len(s.items) == 0 {
		return nil
	}
	return s.items[len(s.items)-1]
}

// Empty reports whether no child is open.
func (s *Stack) Empty() bool { return len(s.items) == 0 }

// Pop closes the top child.
func (s *Stack) Pop() {
	if len(s.items) > 0 {
		s.items = s.items[:len(s.items)-1]
	}
}

// Clear closes every child.
func (s *Stack) Clear() { s.items = nil }

// SetSize sizes every child.
func (s *Stack) SetSize(w, h int) {
	s.width, s.height = w, h
	for _, c := range s.items {
		c.SetSize(w, h)
	}
}

// Update routes a message to the top child.
func (s *Stack) Update(msg tea.Msg) tea.Cmd {
	if len(s.items) == 0 {
		return nil
	}
	return s.updateAt(len(s.items)-1, msg)
}

// Broadcast hands a message (a refresh of data) to every child.
func (s *Stack) Broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := len(s.items) - 1; i >= 0; i-- {
		if i < len(s.items) {
			cmds = append(cmds, s.updateAt(i, msg))
		}
	}
	return tea.Batch(cmds...)
}

func (s *Stack) updateAt(i int, msg tea.Msg) tea.Cmd {
	old := s.items[i]
	next, cmd := old.Update(msg)
	switch {
	case next == nil:
		s.items = append(s.items[:i], s.items[i+1:]...)
	case next != old:
		next.SetSize(s.width, s.height)
		s.items[i] = next
	}
	return cmd
}

// View is the top child's.
func (s *Stack) View() string {
	if c := s.Top(); c != nil {
		return c.View()
	}
	return ""
}

// Lines is the top child's view as lines (for a child drawn under a list).
func (s *Stack) Lines() []string {
	if c := s.Top(); c != nil {
		return strings.Split(c.View(), "\n")
	}
	return nil
}

// Capturing reports whether the top child owns the keyboard.
func (s *Stack) Capturing() bool {
	c := s.Top()
	return c != nil && c.Capturing()
}

// UnsentWork is the first unsent work of the children, top first.
func (s *Stack) UnsentWork() string {
	for i := len(s.items) - 1; i >= 0; i-- {
		if w := s.items[i].UnsentWork(); w != "" {
			return w
		}
	}
	return ""
}

// Find returns the topmost child of type T.
func Find[T Component](s *Stack) (T, bool) {
	for i := len(s.items) - 1; i >= 0; i-- {
		if c, ok := s.items[i].(T); ok {
			return c, true
		}
	}
	var zero T
	return zero, false
}

// NoWork is embedded by the components in which nothing is typed that a
// quit could lose.
type NoWork struct{}

// UnsentWork implements Component: nothing.
func (NoWork) UnsentWork() string { return "" }
