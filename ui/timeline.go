package ui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	timelineview "github.com/vigilterm/vigil/views/timeline"
)

// timelinePart builds the incident's timeline while its screen is shown:
// once when it is shown, every timelineview.Refresh after, and on r. One
// build is query.TimelineQueriesPerBuild range queries and one
// Alertmanager call, whatever the number of endpoints.
type timelinePart struct {
	m      *Model
	tab    *tab
	screen *timelineview.Screen
	src    TimelineSource
	feed   *feed[timelineBuild]
	stale  bool // a note was saved while the screen was not shown
}

// timelineBuild is one build with the range and sources it was made for.
type timelineBuild struct {
	tl      *timeline.Timeline
	rng     time.Duration
	sources []string
}

// timelineSpec is the incident's timeline.
var timelineSpec = Spec{Name: "timeline", Help: "incident timeline", Build: buildTimeline,
	Sections: func(k *keys.KeyMap) []keys.Section {
		return []keys.Section{{Title: "Timeline", Bindings: []key.Binding{k.Open, k.RangeShorter, k.RangeLonger, k.RangeChoose, k.Back}}}
	}}

// buildTimeline registers the timeline screen.
func buildTimeline(m *Model, t *tab) []part {
	p := &timelinePart{m: m, tab: t, screen: timelineview.New(m.ctx), src: m.opts.Timeline}
	// The window and grouping (the overview's, read before its first
	// answer), then the range queries.
	deadline := 3*max(m.cfg.Prometheus.Timeout.D(), m.cfg.Alertmanager.Timeout.D()) + time.Second
	o := pollerOptions(m, deadline, 0)
	o.Interval = timelineview.Refresh
	p.feed = newFeed(poll.New[timelineBuild](nil, o))
	t.push(p.screen)
	return []part{p}
}

// noteWrittenMsg tells the parts that a note was written.
type noteWrittenMsg struct{}

func (p *timelinePart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case shownMsg:
		if msg.tab != p.tab || !(p.stale || p.feed.p.Due(p.m.now())) {
			return nil, false
		}
		force := p.stale
		p.stale = false
		return p.start(force), true
	case timelineview.FetchMsg:
		return p.start(true), true
	case polled[timelineBuild]:
		if msg.Err != nil {
			p.m.log.Warn("timeline build failed", "err", msg.Err)
		}
		_, cmd := p.screen.Update(timelineview.Msg{Timeline: msg.Value.tl, Range: msg.Value.rng, Sources: msg.Value.sources, Err: msg.Err})
		return cmd, true
	case timelineview.OpenEventMsg:
		return p.openEvent(msg), true
	case noteWrittenMsg:
		if p.m.activeTab() != p.tab {
			p.m.setFlash("note saved ("+keys.Name(p.m.ctx.Keys.Screen("timeline"))+" shows the timeline)", false)
		}
		return p.refreshNow(), true
	case pausedMsg:
		p.screen.Update(views.PausedMsg{Paused: msg.paused, Since: msg.at})
		return nil, true
	}
	return nil, false
}

func (p *timelinePart) poll(at time.Time, now bool) tea.Cmd {
	if p.m.activeTab() != p.tab || (!now && !p.feed.p.Due(at)) {
		return nil
	}
	return p.start(false)
}

// notesPath is where notes are kept: beside the audit log, as the note
// command writes them.
func (m *Model) notesPath() string {
	if m.opts.Audit == nil {
		return ""
	}
	return query.NotesPathFor(m.opts.Audit.Path())
}

// request is what a build asks for, as of now: what `vigil timeline`
// asks for over the same range (vigil.Config.TimelineRequest), the window
// and grouping being the overview's (timeline.Build reads
// them from the client the overview refreshes).
func (p *timelinePart) request() (timeline.Request, []string) {
	m := p.m
	now := m.now()
	req := m.cfg.TimelineRequest(now.Add(-p.screen.Range()), now, now, "")
	sources := []string{query.TimelineAlerts, query.TimelineErrorRatio, query.TimelineP99, query.TimelineChanges}
	if am := m.opts.Alertmanager; am != nil {
		req.Silences = am.Silences
		sources = append(sources, query.TimelineSilences)
	}
	if m.opts.Audit != nil && m.opts.Audit.Path() != "" {
		req.AuditPath, req.NotesPath = m.opts.Audit.Path(), m.notesPath()
		sources = append(sources, query.TimelineAudit, query.TimelineNotes)
	}
	return req, sources
}

// start builds the timeline unless a build is running; force (a new
// range, a note just saved) starts one anyway and drops the older answer.
func (p *timelinePart) start(force bool) tea.Cmd {
	src := p.src
	req, sources := p.request()
	rng := p.screen.Range()
	return p.feed.start(func(ctx context.Context) (timelineBuild, error) {
		if src == nil {
			return timelineBuild{rng: rng}, errors.New("the timeline needs a Prometheus source")
		}
		return timelineBuild{tl: src.Timeline(ctx, req), rng: rng, sources: sources}, nil
	}, force)
}

// refreshNow rebuilds the timeline at once (a note was saved) when its
// screen is shown; else it is rebuilt when shown next.
func (p *timelinePart) refreshNow() tea.Cmd {
	if p.m.activeTab() != p.tab {
		p.stale = true
		return nil
	}
	return p.start(true)
}

// openEvent opens the endpoint detail over the timeline with its charts'
// range ending a little after the event: the event's endpoint, or for a
// deploy or restart (a whole target), the endpoint selected on the
// overview.
func (p *timelinePart) openEvent(msg timelineview.OpenEventMsg) tea.Cmd {
	end := msg.Event.Time.Add(query.DefaultDetailRange / 6)
	if now := p.m.now(); end.After(now) {
		end = now
	}
	ev := msg.Event
	return p.m.toParts(openDetailMsg{on: p.tab, endpoint: msg.Endpoint, end: end, // ui/overview.go
		none: "this event names no endpoint and none is selected on the overview",
		why: func(ep string) string {
			return timelineview.KindName(ev.Kind) + " concerns every endpoint of " + ev.Labels["instance"] + ": showing " + ep + ", selected on the overview"
		}})
}
