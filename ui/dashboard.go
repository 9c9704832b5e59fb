package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	dashboardview "github.com/vigilterm/vigil/views/dashboard"
)

// dashResult is one refresh of a dashboard: the panels shown and the
// variables they were asked with.
type dashResult struct {
	data map[int]*grafana.PanelData
	vars grafana.Vars
	rng  time.Duration
	// scrape is the scrape interval the panels were asked with.
	scrape time.Duration
	// gen is the picker's generation of the variables asked with.
	gen int
	// of is the screen asked for: every dashboard's results share a type.
	of *dashboardview.Screen
}

// dashboardPart keeps a Grafana dashboard fresh while it is shown: one
// request per target of each panel in view, at the dashboard's own
// refresh (at least vigil.MinRefresh) or the console's.
type dashboardPart struct {
	m      *Model
	tab    *tab
	screen *dashboardview.Screen
	src    grafana.Source
	set    map[string][]string
	feed   *feed[dashResult]
	// vars and varsRange: the variables as last resolved, and the range
	// they were resolved for (a new range reads them again).
	vars      grafana.Vars
	varsRange time.Duration
	// scrape is the targets' scrape interval ($__rate_interval and the
	// rate-window check), read with the variables.
	scrape time.Duration
	// asked is what the last refresh asked for (panels and range), and
	// askedGen the picker's generation it asked with.
	asked    string
	askedGen int
	// picked are the picker's choices, by variable (set holds --var's).
	picked map[string][]string
	// gen counts the picker's choices: an answer asked before the last
	// one is dropped and asked again.
	gen int
}

// buildDashboards opens the configured dashboards over the Panels screen
// (the first on top; esc goes back to the next, then to the panels).
func buildDashboards(m *Model, t *tab) []part {
	var parts []part
	ds := m.opts.Dashboards
	for k := len(ds) - 1; k >= 0; k-- {
		d := ds[k]
		interval := m.cfg.UI.Refresh.D()
		if d.Refresh > 0 {
			interval = max(d.Refresh, vigil.MinRefresh)
		}
		o := pollerOptions(m, m.cfg.Prometheus.Timeout.D()+time.Second, 0)
		o.Interval = interval
		p := &dashboardPart{m: m, tab: t, screen: dashboardview.New(m.ctx, d), src: m.opts.DashboardSource,
			set: m.opts.DashboardVars, feed: newFeed(poll.New[dashResult](nil, o))}
		t.push(p.screen)
		parts = append(parts, p)
	}
	return parts
}

// shown reports whether the dashboard is on screen.
func (p *dashboardPart) shown() bool {
	return p.m.activeTab() == p.tab && p.tab.top() == views.Screen(p.screen)
}

func (p *dashboardPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case shownMsg:
		if msg.tab != p.tab || !p.shown() {
			return nil, false
		}
		return p.start(time.Time{}), true
	case dashboardview.WantMsg:
		if !p.shown() {
			return nil, false
		}
		return p.start(time.Time{}), true
	case dashboardview.SetVarMsg:
		if !p.shown() {
			return nil, false
		}
		// This dashboard's own choices, over the --var ones. A later
		// variable may depend on this one: its choice is let go, as
		// Grafana does, rather than kept while no longer offered.
		p.picked = grafana.Choose(p.screen.Grafana(), p.picked, msg.Name, msg.Values)
		p.vars = nil
		p.gen++
		p.m.log.Info("dashboard variable chosen", "dashboard", p.screen.Grafana().Title, "variable", msg.Name, "values", msg.Values)
		return p.start(time.Time{}), true
	case polled[dashResult]:
		if msg.Value.of != p.screen && msg.Err == nil {
			return nil, false
		}
		if msg.Err != nil {
			p.m.log.Warn("dashboard refresh failed", "dashboard", p.screen.Grafana().Title, "err", msg.Err)
			if p.askedGen != p.gen {
				// A choice was made while it ran: ask with it now.
				return p.start(time.Time{}), true
			}
			return nil, true
		}
		r := msg.Value
		if r.gen != p.gen {
			return p.start(time.Time{}), true
		}
		if r.vars != nil {
			p.vars, p.varsRange, p.scrape = r.vars, r.rng, r.scrape
		}
		for i, pd := range r.data {
			if err := pd.Err(); err != nil {
				p.m.log.Warn("dashboard panel failed", "panel", p.screen.Grafana().Panels[i].Title, "err", err)
			}
		}
		_, cmd := p.screen.Update(dashboardview.DataMsg{Data: r.data, Vars: r.vars, Range: r.rng})
		return cmd, true
	}
	return nil, false
}

func (p *dashboardPart) poll(at time.Time, now bool) tea.Cmd {
	if !p.shown() {
		return nil
	}
	if now || p.feed.p.Due(at) || p.wanted() != p.asked {
		return p.start(dueAt(at, now || p.wanted() != p.asked))
	}
	return nil
}

// wanted names what is on screen: the range and the panels in view.
func (p *dashboardPart) wanted() string {
	vis, _ := p.screen.Visible()
	return fmt.Sprint(p.screen.Range(), vis)
}

// start refreshes the panels in view (at zero: now, unless one runs).
func (p *dashboardPart) start(at time.Time) tea.Cmd {
	if p.src == nil {
		return nil
	}
	src, d := p.src, p.screen.Grafana()
	set := maps.Clone(p.set)
	if len(p.picked) > 0 {
		if set == nil {
			set = map[string][]string{}
		}
		maps.Copy(set, p.picked)
	}
	rng := p.screen.Range()
	vis, points := p.screen.Visible()
	vars, scrape, gen := p.vars, p.scrape, p.gen
	if p.varsRange != rng {
		vars = nil
	}
	now, screen, log := p.m.now(), p.screen, p.m.log
	p.asked, p.askedGen = p.wanted(), gen
	return p.feed.startDue(func(ctx context.Context) (dashResult, error) {
		if vars == nil {
			// The variables are read again with each new range or
			// choice; the scrape interval (the whole targets list) once,
			// until it is known.
			if scrape == 0 {
				var err error
				if scrape, err = grafana.ScrapeOf(ctx, src); err != nil {
					log.Warn("dashboard", "scrape interval", err)
					scrape = 0 // asked again with the next variables
				}
			}
			vars = grafana.Resolve(ctx, src, d, set, rng, now, scrape)
		}
		data := grafana.Run(ctx, src, d, vars, grafana.RunOptions{Range: rng, End: now, Only: slices.Clip(vis), Points: points, Scrape: scrape})
		return dashResult{data: data, vars: vars, rng: rng, scrape: scrape, gen: gen, of: screen}, nil
	}, at)
}
