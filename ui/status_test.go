package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

// The alarm line (a silent watchdog, failing notifications) sits under
// the header on every screen and the content shrinks by one line, so the
// screen stays 24 lines at 80x24; healthy, there is no line.
func TestAlarmLineUnderTheHeader(t *testing.T) {
	m, clock := newModel(t, &scripted{ov: sample()})
	run(m, m.Init())
	if got := strings.Split(screen(m), "\n"); len(got) != 24 || strings.Contains(screen(m), "watchdog") || strings.Contains(screen(m), "notify") {
		t.Fatalf("healthy: %d lines\n%s", len(got), screen(m))
	}

	partOf[*alertsPart](m).watchdog = query.WatchdogState{Name: "Watchdog", Known: true}
	var h alertmanager.DeliveryHistory
	h.Add(clock.Now().Add(-2*time.Minute), []alertmanager.PeerNotify{{URL: "a", Counts: map[string]alertmanager.NotifyCount{"webhook": {Sent: 3, Failed: 1}}}})
	h.Add(clock.Now(), []alertmanager.PeerNotify{{URL: "a", Counts: map[string]alertmanager.NotifyCount{"webhook": {Sent: 9, Failed: 13}}}})
	partOf[*statusPart](m).delivery = h.Report()
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, key := range []string{"1", "2", "3", "6"} {
		m.Update(keyMsg(key))
		lines := strings.Split(screen(m), "\n")
		if len(lines) != 24 {
			t.Fatalf("screen %s: %d lines, want 24\n%s", key, len(lines), screen(m))
		}
		if !strings.Contains(lines[2], "✕ watchdog Watchdog not firing: pipeline broken · notify ✕ webhook 12 failed/2m") {
			t.Errorf("screen %s: line 3 is %q", key, lines[2])
		}
	}
	// Wider: the full sentence.
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	if lines := strings.Split(screen(m), "\n"); !strings.Contains(lines[2], "✕ watchdog Watchdog not firing: alerting pipeline broken · notify ✕ webhook 12 failed/2m") {
		t.Errorf("at 120: line 3 is %q", lines[2])
	}
	// Narrower: one line each, the screen still 24 lines.
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 24})
	lines := strings.Split(screen(m), "\n")
	if len(lines) != 24 || !strings.Contains(lines[2], "✕ watchdog Watchdog not firing") || !strings.Contains(lines[3], "notify ✕ webhook 12") {
		t.Errorf("at 60: %d lines\n%s", len(lines), screen(m))
	}
	// Tiny terminals: no panic.
	for _, sz := range [][2]int{{20, 5}, {40, 10}, {1, 1}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		_ = screen(m)
	}
}
