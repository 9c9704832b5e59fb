package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
)

// panelsPart keeps the custom panels fresh while their screen is shown and
// not paused: one query per panel per refresh, all at once.
type panelsPart struct {
	m      *Model
	tab    *tab
	screen *views.Panels
	q      query.Querier
	feed   *feed[[]query.PanelResult]
}

// buildPanels registers the custom panels screen, from the configuration.
func buildPanels(m *Model, t *tab) []part {
	p := &panelsPart{m: m, tab: t, screen: views.NewPanels(m.ctx, m.ctx.Config.PanelSpecs()), q: m.opts.Querier}
	deadline := m.ctx.Config.Prometheus.Timeout.D() + time.Second
	p.feed = newFeed(poll.New[[]query.PanelResult](nil, pollerOptions(m, deadline, 0)))
	t.push(p.screen)
	return []part{p}
}

func (p *panelsPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case shownMsg:
		if msg.tab != p.tab {
			return nil, false
		}
		return p.start(), true
	case polled[[]query.PanelResult]:
		for i, res := range msg.Value {
			if res.Err != nil {
				p.m.log.Warn("panel query failed", "panel", i+1, "query", res.Query, "err", res.Err)
			}
		}
		_, cmd := p.screen.Update(views.PanelsMsg{Results: msg.Value})
		return cmd, true
	}
	return nil, false
}

func (p *panelsPart) poll(at time.Time, now bool) tea.Cmd {
	if p.m.activeTab() != p.tab || (!now && !p.feed.p.Due(at)) {
		return nil
	}
	return p.start()
}

// start refreshes the panels unless one is running or there are none.
func (p *panelsPart) start() tea.Cmd {
	specs := p.screen.Specs()
	if p.q == nil || len(specs) == 0 {
		return nil
	}
	q, vars, now := p.q, query.VarsOf(p.m.shape()), p.m.now()
	return p.feed.start(func(ctx context.Context) ([]query.PanelResult, error) {
		return query.RunPanels(ctx, q, specs, vars, views.PanelGraphRange, now), nil
	}, false)
}
