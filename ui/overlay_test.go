package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/views"
)

// partOf is the part of type T among m's parts (the overlays among
// them), for tests that look inside one.
func partOf[T part](m *Model) T {
	for _, p := range m.parts {
		if t, ok := p.(T); ok {
			return t
		}
	}
	var zero T
	return zero
}

// The overlays take the keys before the screen and before one another's
// keys: the help open, : and n are not run; with the PromQL prompt open,
// ? and n are typed into it; esc closes each, and the screen keeps its
// keys again.
func TestOverlayStackTakesKeysFirst(t *testing.T) {
	m, _ := newModel(t, &scripted{ov: sample()})
	run(m, m.Init())
	help, prompt, note := partOf[*helpPart](m), partOf[*promqlPart](m), partOf[*notePart](m)
	run(m, m.onKey(keyMsg("?")))
	if !help.open || !strings.Contains(screen(m), "Keys — ") {
		t.Fatalf("? did not open the help:\n%s", screen(m))
	}
	for _, k := range []string{":", "n", "2"} {
		run(m, m.onKey(keyMsg(k)))
	}
	if prompt.open || note.open || m.active != 0 || !help.open {
		t.Fatalf("keys under the help ran: prompt %v, note %v, tab %d, help %v", prompt.open, note.open, m.active, help.open)
	}
	run(m, m.onKey(keyMsg("esc")))
	if help.open || m.top() != nil {
		t.Fatal("esc did not close the help")
	}
	run(m, m.onKey(keyMsg(":")))
	for _, k := range []string{"?", "n", "2"} {
		run(m, m.onKey(keyMsg(k)))
	}
	if !prompt.open || help.open || note.open || m.active != 0 || prompt.scr.Value() != "?n2" {
		t.Fatalf("keys in the prompt ran: prompt %v %q, help %v, note %v, tab %d", prompt.open, prompt.scr.Value(), help.open, note.open, m.active)
	}
	if m.shown() != views.Screen(prompt.scr) {
		t.Fatal("the prompt is open but not shown")
	}
	run(m, m.onKey(keyMsg("esc")))
	if prompt.open || m.top() != nil {
		t.Fatalf("esc did not close the prompt")
	}
	// Opened last is on top: the help opened over the prompt (possible
	// while the terminal is too small) takes the keys and lists the
	// prompt's; esc gives the keys back to the prompt.
	run(m, m.onKey(keyMsg(":")))
	m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	m.Update(keyMsg("?"))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if m.top() != overlay(help) || !prompt.open || !strings.Contains(screen(m), "Keys — PromQL") {
		t.Fatalf("the help opened over the prompt is not on top:\n%s", screen(m))
	}
	run(m, m.onKey(keyMsg("x")))
	run(m, m.onKey(keyMsg("esc")))
	if m.top() != overlay(prompt) || strings.Contains(prompt.scr.Value(), "x") {
		t.Fatalf("after the help: top %T, prompt %q", m.top(), prompt.scr.Value())
	}
	run(m, m.onKey(keyMsg("esc")))
	run(m, m.onKey(keyMsg("2")))
	if m.active != 1 {
		t.Fatalf("2 with no overlay open: tab %d", m.active)
	}
}
