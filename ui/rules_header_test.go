package ui

import (
	"strings"
	"testing"
)

// The header says "rules ✓" while the figures come from vigil's recording
// rules, and nothing of rules while they come from the raw series.
func TestHeaderSaysRules(t *testing.T) {
	ov := sample()
	ov.Recorded = "5m"
	m, _ := newModel(t, &scripted{ov: ov})
	run(m, m.Init())
	if s := screen(m); !strings.Contains(s, "window 5m (auto) · rules ✓") {
		t.Errorf("header lacks the rules mark:\n%s", s)
	}
	raw := sample()
	raw.RulesWhy = "window 5m is not recorded"
	m, _ = newModel(t, &scripted{ov: raw})
	run(m, m.Init())
	if s := screen(m); strings.Contains(s, "rules") {
		t.Errorf("raw figures with a rules mark:\n%s", s)
	}
}
