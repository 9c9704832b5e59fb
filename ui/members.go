package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	overviewview "github.com/vigilterm/vigil/views/overview"
	"github.com/vigilterm/vigil/views/text"
)

// memberRows is one refresh of a group's members: the overview of the
// member series, ungrouped. Its own type keeps its results apart from the
// overview's.
type memberRows struct{ ov *query.Overview }

// membersPart lists the members of a group row over the overview, worst
// first, with the same columns, and keeps them fresh while the list is
// open. Enter on a member opens its detail over the list.
type membersPart struct {
	m      *Model
	tab    *tab
	src    OverviewSource
	group  string
	screen *overviewview.Screen // while open
	feed   *feed[memberRows]
}

func newMembersPart(m *Model, t *tab, src OverviewSource) *membersPart {
	p := poll.New[memberRows](nil, pollerOptions(m, m.cfg.Prometheus.Timeout.D()+time.Second, firstBackoff))
	return &membersPart{m: m, tab: t, src: src, feed: newFeed(p)}
}

func (g *membersPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case views.OpenGroupMsg:
		return g.open(msg.Group, msg.Members), true
	case views.JumpToEndpointMsg:
		// The overview shows the endpoint: the list closes (the detail over
		// it has closed already).
		if g.screen != nil {
			g.close()
			g.tab.pop()
		}
		return nil, false
	case polled[memberRows]:
		if g.screen == nil {
			return nil, true
		}
		if msg.Err != nil {
			g.m.log.Warn("members refresh failed", "group", g.group, "err", msg.Err)
			return views.Flash("members of "+text.Sanitize(g.group)+": "+text.Sanitize(msg.Err.Error()), true), true
		}
		_, cmd := g.screen.Update(views.OverviewMsg{Overview: msg.Value.ov})
		return cmd, true
	}
	return nil, false
}

// open lists a group's members over the overview and fetches them at once.
func (g *membersPart) open(group string, members int) tea.Cmd {
	if g.src == nil {
		return nil
	}
	g.close()
	g.group = group
	s := overviewview.New(g.m.ctx, views.WithTitle(fmt.Sprintf("Members of %s (%d)", text.Sanitize(group), members)))
	g.screen = s
	g.tab.push(membersScreen{Screen: s, part: g})
	cmd := g.m.showTab(g.tab)
	g.m.SetSize(g.m.width, g.m.height)
	return tea.Batch(cmd, g.start(true))
}

// close drops the list; answers on their way are dropped too.
func (g *membersPart) close() {
	if g.screen == nil {
		return
	}
	g.screen = nil
	g.feed.p.Invalidate()
}

func (g *membersPart) poll(at time.Time, now bool) tea.Cmd {
	// Only while the list is what the person sees: not under a member's
	// detail, not while another tab is shown.
	if g.screen == nil || g.m.activeTab() != g.tab || !g.onTop() || (!now && !g.feed.p.Due(at)) {
		return nil
	}
	return g.start(false)
}

// onTop reports whether the list is the top of its tab.
func (g *membersPart) onTop() bool {
	s, ok := g.tab.top().(membersScreen)
	return ok && s.Screen == g.screen
}

// start fetches the members: the overview of the series the group's rule
// matches, with grouping off, over the overview's window.
func (g *membersPart) start(force bool) tea.Cmd {
	if g.screen == nil {
		return nil
	}
	s := g.m.shape()
	s.Selector = s.MemberSelector(g.group)
	s.Grouping = query.Grouping{Mode: query.GroupOff}
	s = s.WithGroups(nil)
	src := g.src
	return g.feed.start(func(ctx context.Context) (memberRows, error) {
		ov, err := src.Overview(ctx, s)
		return memberRows{ov}, err
	}, force)
}

// membersScreen is the members list as the console shows it: esc with no
// filter closes it.
type membersScreen struct {
	*overviewview.Screen
	part *membersPart
}

// Update implements views.Screen.
func (s membersScreen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && !s.Capturing() && s.Filter() == "" && key.Matches(k, s.part.m.ctx.Keys.Back) {
		s.part.close()
		return nil, nil
	}
	_, cmd := s.Screen.Update(msg)
	return s, cmd
}
