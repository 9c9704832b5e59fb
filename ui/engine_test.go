package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
)

// Thanos's partial response, folded by query into one warning, is named in
// the header's first line; an overview without it says nothing of the kind.
// (Thanos runs under make test-engines only: the warning is given here.)
func TestHeaderNamesPartialData(t *testing.T) {
	ov := sample()
	ov.Warnings = []string{query.PartialText(1), "rps: something else"}
	m, _ := newModel(t, &scripted{ov: ov})
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 24})
	run(m, m.Init())
	first := strings.Split(screen(m), "\n")[0]
	if !strings.Contains(first, "● live") || !strings.Contains(first, "partial data: 1 store unreachable") {
		t.Errorf("header:\n%s", first)
	}
	m2, _ := newModel(t, &scripted{ov: sample()})
	run(m2, m2.Init())
	if s := screen(m2); strings.Contains(s, "partial data") || strings.Contains(s, "data ≥") {
		t.Errorf("a whole answer said partial or late:\n%s", s)
	}
}
