package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/ui/team"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
	overviewview "github.com/vigilterm/vigil/views/overview"
	"github.com/vigilterm/vigil/views/text"
)

// firstBackoff is the first wait before a retry when Prometheus is failing.
// The wait doubles and is capped at the refresh interval, so recovery is
// noticed within two intervals.
const firstBackoff = time.Second

// conn is the state of the connection to Prometheus.
type conn int

// Connection states.
const (
	connConnecting conn = iota // no answer yet
	connLive                   // the last refresh worked
	connStale                  // the last refresh failed; older data is shown
	connDown                   // no data at all and the last refresh failed
)

// overviewPart keeps the overview fresh: one poller of Prometheus's
// figures for every endpoint, with the past baseline alongside while the
// comparison is on. Its last result is the header's connection state.
type overviewPart struct {
	m        *Model
	tab      *tab
	screen   *overviewview.Screen
	src      OverviewSource
	baseline BaselineSource
	feed     *feed[*query.Overview]
	detail   *detailPart                  // stacked over the overview
	members  *membersPart                 // a group's members, over the overview
	last     poll.Result[*query.Overview] // the last answer, failed or not
	hostName string
	// scope is the selector asked (metrics.selector until S changes it)
	// and the service opened, "" for none.
	scope overviewview.ScopeMsg
	// key and release: the shared poller held, with a Team (teampoll.go).
	key     string
	release func()
}

// overviewSpec is the overview, with the endpoint detail over it.
var overviewSpec = Spec{Name: "overview", Help: "overview", Build: buildOverview,
	Sections: func(k *keys.KeyMap) []keys.Section {
		return []keys.Section{
			{Title: "Overview", Bindings: []key.Binding{k.Sort, k.Reverse, k.Open, k.Selector}},
			{Title: "Endpoint detail", Bindings: []key.Binding{k.RangeShorter, k.RangeLonger, k.RangeChoose, k.Compare, k.Back}},
		}
	}}

// buildOverview registers the overview and, stacked over it, the endpoint
// detail (ui/detail.go).
func buildOverview(m *Model, t *tab) []part {
	o := &overviewPart{m: m, tab: t, screen: overviewview.New(m.ctx), src: m.opts.Overview, baseline: m.opts.Baseline}
	o.scope.Selector = m.cfg.Metrics.Selector
	o.useFeed()
	if o.src != nil {
		o.hostName = hostOf(o.src.URL())
	}
	t.push(overviewScreen{Screen: o.screen, part: o})
	o.detail = newDetailPart(m, t)
	o.members = newMembersPart(m, t, o.src) // ui/members.go
	// The detail first: it closes before the overview shows an endpoint.
	return []part{o.detail, o.members, o}
}

// overviewScreen is the overview as the console shows it: turning the
// comparison on or moving it fetches the baseline at once.
type overviewScreen struct {
	*overviewview.Screen
	part *overviewPart
}

// Update implements views.Screen.
func (s overviewScreen) Update(msg tea.Msg) (views.Component, tea.Cmd) {
	off := s.CompareOffset()
	_, cmd := s.Screen.Update(msg)
	if now := s.CompareOffset(); now != off && now != 0 && !s.part.inflight() {
		return s, tea.Batch(cmd, s.part.start())
	}
	return s, cmd
}

func (o *overviewPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case polled[*query.Overview]:
		return o.onResult(msg.Result), true
	case overviewview.DoctorSummaryMsg:
		// The doctor's line under the table (ui/doctor.go).
		_, cmd := o.screen.Update(msg)
		return cmd, true
	case overviewview.OpenServiceMsg:
		o.scope.Service = msg.Service
		return o.rescope(), true
	case overviewview.SelectorMsg:
		o.scope = overviewview.ScopeMsg{Selector: msg.Selector}
		return o.rescope(), true
	case views.JumpToEndpointMsg:
		// The overview selects the endpoint, or answers with a flash.
		_, cmd := o.screen.Update(msg)
		return tea.Batch(o.m.showTab(o.tab), cmd), true
	case openDetailMsg:
		return o.openDetail(msg), true
	}
	return nil, false
}

// useFeed holds the poller of the overview as asked now: with a Team, the
// one shared by every console asking the same (the context, the shape and
// the comparison's offset), let go of when the question changes.
func (o *overviewPart) useFeed() {
	m := o.m
	key := m.teamKey("overview", m.baseShape(), o.screen.CompareOffset())
	if o.feed != nil && key == o.key {
		return
	}
	if o.release != nil {
		o.release()
	}
	// The client bounds every query with the configured timeout; the
	// poller's deadline bounds the refresh as a whole (a round of them at
	// a time under prometheus.max_concurrent_queries).
	pc := m.cfg.Prometheus
	deadline := query.RefreshDeadline(pc.Timeout.D(), pc.MaxConcurrentQueries) + time.Second
	o.feed, o.release = sharedFeed[*query.Overview](m, key, pollerOptions(m, deadline, firstBackoff))
	o.key = key
}

func (o *overviewPart) poll(at time.Time, now bool) tea.Cmd {
	o.useFeed()
	if o.src == nil || (!now && !o.feed.p.Due(at)) {
		return nil
	}
	at = dueAt(at, now)
	return o.startDue(at)
}

// start starts a refresh unless one is running (then it is skipped).
func (o *overviewPart) start() tea.Cmd { return o.startDue(time.Time{}) }

// startDue starts a refresh if one is due at at (any time when at is zero)
// and none is running.
func (o *overviewPart) startDue(at time.Time) tea.Cmd {
	if o.src == nil {
		return nil
	}
	o.useFeed()
	return o.feed.startDue(o.fetch(), at)
}

// fetch is one refresh as asked now: the shape, and the baseline's offset
// while the comparison is on.
func (o *overviewPart) fetch() poll.Fetch[*query.Overview] {
	src, shape, fixed := o.src, o.m.baseShape(), o.m.shape()
	baseline, off := o.baseline, o.screen.CompareOffset()
	if baseline == nil || off == 0 {
		return func(ctx context.Context) (*query.Overview, error) { return src.Overview(ctx, shape) }
	}
	return func(ctx context.Context) (*query.Overview, error) {
		// With the comparison on, the baseline's queries run alongside the
		// overview's, evaluated at the same time.
		at := time.Now()
		var b *query.Baseline
		var bErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			// The baseline is over the window the overview shows.
			b, bErr = baseline.BaselineAt(ctx, fixed, off, at)
		}()
		ov, err := baseline.OverviewAt(ctx, shape, at)
		<-done
		if ov != nil {
			if bErr != nil {
				ov.Errors = append(ov.Errors, query.QueryError{Name: "baseline", Err: bErr})
			} else {
				b.Apply(ov.Endpoints)
				ov.Errors = append(ov.Errors, b.Errors...)
			}
		}
		return ov, err
	}
}

func (o *overviewPart) onResult(r poll.Result[*query.Overview]) tea.Cmd {
	m := o.m
	if r.Value != nil && r.Value.Selector != m.baseShape().Selector {
		return nil // asked before the scope changed
	}
	prev := o.last
	o.last = r
	// The error line under the content takes a row while it is shown.
	defer m.SetSize(m.width, m.height)
	if r.Err != nil {
		m.log.Warn("refresh failed", "err", r.Err, "failures", r.Failures)
		return nil
	}
	if prev.Err != nil {
		m.log.Info("refresh recovered", "after_failures", prev.Failures)
	}
	if r.Value != nil {
		for _, e := range r.Value.Errors {
			m.log.Warn("query failed", "name", e.Name, "query", e.Query, "err", e.Err)
		}
	}
	if r.Value != nil && o.feed != nil {
		// No refresh before a target can have a newer sample: the
		// shortest scrape interval of the targets read (0 when unknown:
		// the refresh interval alone).
		o.feed.p.SetFloor(r.Value.Targets.ShortestScrapeInterval())
	}
	_, cmd := o.screen.Update(views.OverviewMsg{Overview: r.Value})
	// The doctor's recording rules line follows the newest refresh.
	return tea.Batch(cmd, m.toParts(overviewReadMsg{r.Value}))
}

// every is the time between two refreshes and whether it is the scrape
// interval (longer than the refresh interval asked for).
func (o *overviewPart) every() (time.Duration, bool) {
	asked := o.m.cfg.UI.Refresh.D()
	if o.feed == nil {
		return asked, false
	}
	e := o.feed.p.Every()
	return e, e > asked
}

// rescope asks with the scope now: the screen shows it at once, and a
// refresh starts.
func (o *overviewPart) rescope() tea.Cmd {
	o.screen.Update(o.scope)
	what := "selector {" + o.scope.Selector + "}"
	if o.scope.Service != "" {
		what = "service " + o.scope.Service
	}
	o.m.log.Info("overview scope", "selector", o.scope.Selector, "service", o.scope.Service)
	return tea.Batch(o.start(), views.Flash("reading "+text.Sanitize(what)+"…", false))
}

// baseShape is the configured shape with the overview's scope: the
// selector asked and the service opened. Every screen reads with it.
func (m *Model) baseShape() query.Shape {
	return m.figures().scoped(m.cfg.Shape())
}

// scoped implements figuresRole: s with the selector asked and the service
// opened.
func (o *overviewPart) scoped(s query.Shape) query.Shape {
	s.Selector = o.scope.Selector
	if o.scope.Service != "" {
		s.Selector = query.ServiceSelector(s, o.scope.Service)
	}
	return s
}

// status implements figuresRole.
func (o *overviewPart) status() poll.Status { return o.feed.status() }

// took implements figuresRole.
func (o *overviewPart) took() time.Duration { return o.last.Took }

// host implements figuresRole.
func (o *overviewPart) host() string { return o.hostName }

// onTab implements figuresRole.
func (o *overviewPart) onTab(t *tab) bool { return t == o.tab }

// watching implements watcher: the endpoint open, or selected.
func (o *overviewPart) watching(t *tab, w *team.Where) {
	switch {
	case t != o.tab:
	case o.detail.screen != nil && o.detail.on == o.tab:
		w.Endpoint = o.detail.screen.Endpoint()
	case o.members.screen != nil && o.members.onTop():
		w.Endpoint = o.members.screen.Selected()
	default:
		w.Endpoint = o.screen.Selected()
	}
}

// openDetailMsg asks for the endpoint detail over the tab on, its charts'
// range ending at end: of endpoint, or when that is "", of the endpoint
// selected on the overview; why says so ("" for nothing to say), and
// none is the flash when no endpoint is selected.
type openDetailMsg struct {
	on       *tab
	endpoint string
	end      time.Time
	why      func(selected string) string
	none     string
}

func (o *overviewPart) openDetail(msg openDetailMsg) tea.Cmd {
	ep, note := msg.endpoint, ""
	if ep == "" {
		ep = o.screen.Selected()
		if ep == "" {
			o.m.setFlash(msg.none, false)
			return nil
		}
		if msg.why != nil {
			note = msg.why(ep)
		}
	}
	cmd := o.detail.open(msg.on, ep, msg.end)
	if note != "" {
		o.m.setFlash(text.Sanitize(note), false)
	}
	return cmd
}

func (o *overviewPart) inflight() bool { return o.feed.status().Inflight }

// err is the last refresh's failure, nil when it worked.
func (o *overviewPart) err() error { return o.last.Err }

// data is the overview on screen, nil before the first answer.
func (o *overviewPart) data() *query.Overview { return o.screen.Data() }

// conn is the state of the connection to Prometheus.
func (o *overviewPart) conn() conn {
	switch {
	case o.last.Err != nil && o.data() != nil:
		return connStale
	case o.last.Err != nil:
		return connDown
	case o.data() == nil:
		return connConnecting
	default:
		return connLive
	}
}

// shape is the metric shape with the window in use, for the screens that
// do not pick the window themselves (detail, panels).
func (m *Model) shape() query.Shape {
	s := m.baseShape()
	d := m.figures().data()
	if d != nil && s.AutoWindow && d.WindowAuto {
		s.Window = d.Window
	}
	if d != nil {
		// A group row's detail and members select its rule's paths.
		s = s.WithGroups(d.GroupRules)
	}
	s.AutoWindow = false
	return s
}

// autoShape is shape with the window left to query.ResolveWindow when
// ui.window is auto: the doctor and the timeline read the overview's from
// the client, and so do their commands, before the overview's first
// answer as after it.
func (m *Model) autoShape() query.Shape {
	s := m.shape()
	s.AutoWindow = m.cfg.UI.Window.Auto
	return s
}
