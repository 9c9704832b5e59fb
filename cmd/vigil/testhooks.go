//go:build vigil_testhooks

package main

import (
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
)

// testPanicEnv is a hook for the end-to-end tests, built only with the
// vigil_testhooks tag (the tests' binary; testhooks_off.go otherwise) and
// inert unless set: with
// VIGIL_TEST_PANIC=after-first-frame the console panics inside Update once
// its first frame has been drawn, so a test can check that a crash gives the
// terminal back in a usable state. Any other value, or none, changes nothing.
const testPanicEnv = "VIGIL_TEST_PANIC"

// withTestHooks returns m itself unless a test hook is set.
func withTestHooks(m tea.Model, getenv func(string) string) tea.Model {
	if getenv(testPanicEnv) != "after-first-frame" {
		return m
	}
	return &panicAfterFirstFrame{Model: m}
}

type panicAfterFirstFrame struct {
	tea.Model
	drawn atomic.Bool
}

func (p *panicAfterFirstFrame) View() tea.View {
	p.drawn.Store(true)
	return p.Model.View()
}

func (p *panicAfterFirstFrame) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if p.drawn.Load() {
		panic("test panic (" + testPanicEnv + ")")
	}
	m, cmd := p.Model.Update(msg)
	p.Model = m
	return p, cmd
}
