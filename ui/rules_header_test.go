package ui

import (
	"strings"
	"testing"
)

// The header says "rules ✓" while the figures come from vigil's recording
// rules, "rules partial" while rules of an older vigil record only some,
// and nothing of rules while they come from the raw series.
func TestHeaderSaysRules(t *testing.T) {
	ov := sample()
	ov.Recorded = "5m"
	m, _ := newModel(t, &scripted{ov: ov})
	run(m, m.Init())
	if s := screen(m); !strings.Contains(s, "window 5m (auto) · rules ✓") {
		t.Errorf("header lacks the rules mark:\n%s", s)
	}
	partial := sample()
	partial.Recorded = "5m"
	partial.NotRecorded = []string{"the counter resets, read raw (no vigil:job_path:flask_http_request_duration_seconds_count:resets5m)"}
	m, _ = newModel(t, &scripted{ov: partial})
	run(m, m.Init())
	if s := screen(m); !strings.Contains(s, "window 5m (auto) · rules partial") {
		t.Errorf("rules of an older vigil without the partial mark:\n%s", s)
	}
	raw := sample()
	raw.RulesWhy = "window 5m is not recorded"
	m, _ = newModel(t, &scripted{ov: raw})
	run(m, m.Init())
	if s := screen(m); strings.Contains(s, "rules") {
		t.Errorf("raw figures with a rules mark:\n%s", s)
	}
}
