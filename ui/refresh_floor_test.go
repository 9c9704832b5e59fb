package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
)

// A refresh shorter than the targets' scrape interval is not asked for:
// with a 1s refresh and targets scraped every 2s (and 4s), the overview is
// read every 2s, and the header says so ("every 2s (scrape)").
func TestNoRefreshBeforeNewerSamplesCanExist(t *testing.T) {
	ov := sample()
	ov.Targets.List[0].ScrapeInterval = 2 * time.Second
	second := ov.Targets.List[0]
	second.Instance, second.ScrapeInterval = "10.0.0.2:5000", 4*time.Second
	ov.Targets.List = append(ov.Targets.List, second)
	src := &scripted{ov: ov}
	m, clock := newModel(t, src, func(o *Options) { o.Config.UI.Refresh = vigil.Duration(time.Second) })
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30}) // room for the interval in the header
	run(m, m.Init())
	if src.calls != 1 {
		t.Fatalf("%d reads at start, want 1", src.calls)
	}
	for i := 0; i < 6; i++ {
		tickAfter(m, clock, time.Second)
	}
	if src.calls != 4 {
		t.Errorf("%d reads over 6s of 1s ticks, want 4 (one every 2s, the shortest scrape interval)", src.calls)
	}
	if s := screen(m); !strings.Contains(s, "every 2s (scrape)") {
		t.Errorf("the header does not say the refresh follows the scrape:\n%s", s)
	}
	// Scraped every 500ms: the refresh asked for, 1s, stands.
	ov.Targets.List[0].ScrapeInterval, ov.Targets.List[1].ScrapeInterval = 500*time.Millisecond, 500*time.Millisecond
	tickAfter(m, clock, 2*time.Second)
	before := src.calls
	for i := 0; i < 3; i++ {
		tickAfter(m, clock, time.Second)
	}
	if got := src.calls - before; got != 3 {
		t.Errorf("%d reads over 3 ticks of 1s with a 500ms scrape, want 3", got)
	}
	if s := screen(m); !strings.Contains(s, "every 1s") || strings.Contains(s, "(scrape)") {
		t.Errorf("header with the refresh asked for:\n%s", s)
	}
}

// At 80 columns the tab bar is compact: the Alerts tab's counts are in
// brackets, so the next tab's bare number does not read as a count.
func TestCompactTabsBracketTheCounts(t *testing.T) {
	m, _ := alertsModel(t)
	run(m, m.Init()) // the totals take their room in the header
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	tabs := strings.Split(screen(m), "\n")[1]
	if !strings.Contains(tabs, "(●1)") || strings.Contains(tabs, "●1 3") {
		t.Errorf("tab bar %q: the counts are not in brackets", tabs)
	}
}
