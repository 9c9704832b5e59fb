package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	panelsview "github.com/vigilterm/vigil/views/panels"
)

// panelsPart keeps the custom panels fresh while their screen is shown and
// not paused: one query per panel per refresh, all at once.
type panelsPart struct {
	m      *Model
	tab    *tab
	screen *panelsview.Screen
	q      query.Querier
	feed   *feed[[]query.PanelResult]
	// disc finds the app's own metric families, every DiscoverInterval
	// while the screen is shown.
	disc     *feed[*query.Discovery]
	discover func(ctx context.Context, s query.Shape) (*query.Discovery, error)
	// key and release: the panels' shared poller held, with a Team.
	key     string
	release func()
}

// DiscoverInterval is how often the app's metric families are looked for
// again while the panels are shown.
const DiscoverInterval = 10 * time.Minute

// panelsSpec is the custom panels, with the dashboards over them.
var panelsSpec = Spec{Name: "panels", Help: "custom panels", Build: buildPanels}

// buildPanels registers the custom panels screen, from the configuration.
func buildPanels(m *Model, t *tab) []part {
	p := &panelsPart{m: m, tab: t, screen: panelsview.New(m.ctx, m.cfg.PanelSpecs()), q: m.opts.Querier}
	p.useFeed()
	p.discover = m.opts.Discover
	// With a Team, the search for the app's families is everyone's.
	deadline := m.cfg.Prometheus.Timeout.D() + time.Second
	p.disc, _ = sharedFeed[*query.Discovery](m, m.teamKey("discover", m.baseShape()), poll.Options{Interval: DiscoverInterval, Deadline: deadline,
		FirstBackoff: 30 * time.Second, Slack: 50 * time.Millisecond, Now: m.ctx.Now})
	t.push(p.screen)
	return append([]part{p}, buildDashboards(m, t)...) // ui/dashboard.go
}

func (p *panelsPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case shownMsg:
		if msg.tab != p.tab || p.tab.top() != views.Screen(p.screen) {
			return nil, false
		}
		return tea.Batch(p.startDiscovery(), p.start()), true
	case polled[*query.Discovery]:
		if msg.Err != nil {
			p.m.log.Warn("metric families discovery failed", "err", msg.Err)
		}
		p.screen.Update(panelsview.DiscoveryMsg{Discovery: msg.Value, Err: msg.Err})
		// New panels: their figures at once.
		if !p.m.link.shares() {
			p.feed.p.Invalidate()
		}
		p.useFeed()
		if p.m.activeTab() != p.tab {
			// A discovery shared by a Team reaches every console: the
			// figures wait for the screen to be shown.
			return nil, true
		}
		return p.start(), true
	case polled[[]query.PanelResult]:
		for i, res := range msg.Value {
			if res.Err != nil {
				p.m.log.Warn("panel query failed", "panel", i+1, "query", res.Query, "err", res.Err)
			}
		}
		_, cmd := p.screen.Update(panelsview.Msg{Results: msg.Value})
		return cmd, true
	}
	return nil, false
}

func (p *panelsPart) poll(at time.Time, now bool) tea.Cmd {
	if p.m.activeTab() != p.tab || p.tab.top() != views.Screen(p.screen) {
		return nil
	}
	var cmds []tea.Cmd
	if !now && p.disc.p.Due(at) {
		cmds = append(cmds, p.startDiscovery())
	}
	p.useFeed()
	if now || p.feed.p.Due(at) {
		cmds = append(cmds, p.startDue(dueAt(at, now)))
	}
	return tea.Batch(cmds...)
}

// useFeed holds the panels' poller: with a Team, the one shared by every
// console with the same panels, let go of when they change (a discovery
// adds some).
func (p *panelsPart) useFeed() {
	m := p.m
	key := m.teamKey("panels", p.screen.Specs())
	if p.feed != nil && key == p.key {
		return
	}
	if p.release != nil {
		p.release()
	}
	deadline := m.cfg.Prometheus.Timeout.D() + time.Second
	p.feed, p.release = sharedFeed[[]query.PanelResult](m, key, pollerOptions(m, deadline, 0))
	p.key = key
}

// startDiscovery looks for the app's metric families unless a search is
// running or the last is younger than DiscoverInterval.
func (p *panelsPart) startDiscovery() tea.Cmd {
	if p.discover == nil {
		return nil
	}
	run, s := p.discover, p.m.shape()
	return p.disc.startDue(func(ctx context.Context) (*query.Discovery, error) { return run(ctx, s) }, p.m.now())
}

// start refreshes the panels unless one is running or there are none.
func (p *panelsPart) start() tea.Cmd { return p.startDue(time.Time{}) }

// startDue is start only if a refresh is due at at (any time when at is
// zero).
func (p *panelsPart) startDue(at time.Time) tea.Cmd {
	specs := p.screen.Specs()
	if p.q == nil || len(specs) == 0 {
		return nil
	}
	q, vars, now := p.q, query.VarsOf(p.m.shape()), p.m.now()
	return p.feed.startDue(func(ctx context.Context) ([]query.PanelResult, error) {
		return query.RunPanels(ctx, q, specs, vars, panelsview.GraphRange, now), nil
	}, at)
}
