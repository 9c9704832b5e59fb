package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
)

// part is what a screen's file adds to the console besides its component:
// the messages it owns and the polls it runs.
type part interface {
	// update handles the part's own messages; ok is false for others.
	update(msg tea.Msg) (cmd tea.Cmd, ok bool)
	// poll starts the part's polls that are due at the heartbeat at, or,
	// with now set (r, resume), at once unless one is running.
	poll(at time.Time, now bool) tea.Cmd
}

// tab is a top-level screen: the key that shows it and a stack of
// components, the screen first and what is opened over it after (the
// endpoint detail over the overview). The top one is drawn, titles the
// tab and gets the keys; the ones under it keep their state.
type tab struct {
	key   key.Binding
	stack []views.Screen
}

func (t *tab) top() views.Screen { return t.stack[len(t.stack)-1] }

// push opens a component over the tab's current one.
func (t *tab) push(s views.Screen) { t.stack = append(t.stack, s) }

// update hands a message to the top component. One that answers nil is
// done and closes; one that answers another screen is replaced by it.
func (t *tab) update(msg tea.Msg) tea.Cmd {
	next, cmd := t.top().Update(msg)
	switch s := next.(type) {
	case nil:
		t.pop()
	case views.Screen:
		t.stack[len(t.stack)-1] = s
	}
	return cmd
}

// pop closes the top component, never the screen itself.
func (t *tab) pop() {
	if len(t.stack) > 1 {
		t.stack = t.stack[:len(t.stack)-1]
	}
}

// shownMsg tells a part that its tab was just shown.
type shownMsg struct{ tab *tab }

// pausedMsg tells the parts that refreshing was paused or resumed.
type pausedMsg struct {
	paused bool
	at     time.Time
}

// buildTabs builds every registered screen.
func (m *Model) buildTabs() {
	for i, s := range screens {
		t := &tab{key: m.ctx.Keys.ScreenAt(i)}
		m.parts = append(m.parts, s.Build(m, t)...)
		m.tabs = append(m.tabs, t)
	}
}

// activeTab is the tab shown.
func (m *Model) activeTab() *tab { return m.tabs[m.active] }

// show makes tab i the one shown and tells its parts.
func (m *Model) show(i int) tea.Cmd {
	m.active = i
	return m.toParts(shownMsg{tab: m.tabs[i]})
}

// showTab shows t.
func (m *Model) showTab(t *tab) tea.Cmd {
	for i, x := range m.tabs {
		if x == t {
			return m.show(i)
		}
	}
	return nil
}

// toParts hands a message to every part that takes it.
func (m *Model) toParts(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range m.parts {
		if cmd, ok := p.update(msg); ok {
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// broadcast hands a message to every component of every tab: results
// that several screens show (the alerts) reach each of them this way.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, t := range m.tabs {
		for i, s := range t.stack {
			next, cmd := s.Update(msg)
			if n, ok := next.(views.Screen); ok {
				t.stack[i] = n
			}
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// pollAll starts the parts' polls due at the heartbeat at, or all at once.
func (m *Model) pollAll(at time.Time, now bool) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range m.parts {
		cmds = append(cmds, p.poll(at, now))
	}
	return tea.Batch(cmds...)
}
