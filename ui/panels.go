package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// ScreenPanels is the custom panels screen (4).
const ScreenPanels = ScreenSilences + 1

// panelsState is the root's side of the panels screen: it refreshes on the
// refresh interval while the screen is shown, one query per panel.
type panelsState struct {
	screen    *views.Panels
	inflight  bool
	lastStart time.Time
	fetches   int
	queries   int
}

// panelsResult is the answer to one panels refresh.
type panelsResult struct {
	results []query.PanelResult
}

// newPanels builds the panels screen from the configuration.
func (m *Model) newPanels() *views.Panels {
	m.panels.screen = views.NewPanels(m.ctx, m.ctx.Config.PanelSpecs())
	return m.panels.screen
}

// Panels returns the panels screen.
func (m *Model) Panels() *views.Panels { return m.panels.screen }

// PanelQueries returns how many panel queries were started.
func (m *Model) PanelQueries() int { return m.panels.queries }

// startPanelsRefresh refreshes the panels unless one is running or there
// are none; every panel's query runs at once under the usual deadline.
func (m *Model) startPanelsRefresh() tea.Cmd {
	q, ok := m.prom.(query.Querier)
	specs := m.panels.screen.Specs()
	if !ok || len(specs) == 0 || m.panels.inflight {
		return nil
	}
	m.panels.inflight = true
	m.panels.fetches++
	m.panels.queries += len(specs)
	m.panels.lastStart = m.now()
	vars, now := query.VarsOf(m.shape()), m.now()
	deadline := m.ctx.Config.Prometheus.Timeout.D() + time.Second
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		return panelsResult{results: query.RunPanels(ctx, q, specs, vars, views.PanelGraphRange, now)}
	}
}

// panelsTick refreshes the panels on the refresh interval while their
// screen is shown and not paused.
func (m *Model) panelsTick(now time.Time) tea.Cmd {
	if m.active != ScreenPanels || m.paused || m.panels.inflight {
		return nil
	}
	if now.Sub(m.panels.lastStart) < m.ctx.Config.UI.Refresh.D()-50*time.Millisecond {
		return nil
	}
	return m.startPanelsRefresh()
}

func (m *Model) onPanelsResult(r panelsResult) tea.Cmd {
	m.panels.inflight = false
	for i, res := range r.results {
		if res.Err != nil {
			m.log.Warn("panel query failed", "panel", i+1, "query", res.Query, "err", res.Err)
		}
	}
	_, cmd := m.panels.screen.Update(views.PanelsMsg{Results: r.results})
	return cmd
}

// panelsRefreshKey refreshes the panels on r while their screen is shown.
func (m *Model) panelsRefreshKey() tea.Cmd {
	if m.active != ScreenPanels {
		return nil
	}
	return m.startPanelsRefresh()
}
