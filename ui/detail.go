package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	endpointview "github.com/vigilterm/vigil/views/endpoint"
	"github.com/vigilterm/vigil/views/text"
)

// detailPart opens an endpoint's detail over the overview, in the
// overview's tab, and keeps it fresh while it is open: the overview keeps
// its selection under it. A change the person makes (range, comparison)
// fetches at once and drops the answer still on its way.
type detailPart struct {
	m      *Model
	tab    *tab
	src    DetailSource
	screen *endpointview.Screen // while open
	on     *tab                 // the tab it is open over: the overview's, or the timeline's
	feed   *feed[*query.Detail]
	alerts []query.Alert // the last alerts known, for a detail opened later
	paused pausedMsg
}

func newDetailPart(m *Model, t *tab) *detailPart {
	p := poll.New[*query.Detail](nil, pollerOptions(m, m.cfg.Prometheus.Timeout.D()+time.Second, 0))
	return &detailPart{m: m, tab: t, src: m.opts.Detail, feed: newFeed(p)}
}

func (d *detailPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case views.OpenEndpointMsg:
		return d.open(d.tab, msg.Endpoint, time.Time{}), true
	case polled[*query.Detail]:
		return d.onResult(msg.Result), true
	case endpointview.FetchMsg:
		return d.start(true), true
	case endpointview.CloseMsg:
		d.close()
		return nil, true
	case views.JumpToEndpointMsg:
		d.close()
		return nil, false // the overview shows the endpoint
	case views.AlertsMsg:
		if msg.Alerts != nil {
			d.alerts = msg.Alerts
		}
		return nil, false
	case pausedMsg:
		d.paused = msg
		if d.screen == nil {
			return nil, true
		}
		d.screen.Update(views.PausedMsg{Paused: msg.paused, Since: msg.at})
		if msg.paused {
			return nil, true
		}
		return d.start(true), true
	}
	return nil, false
}

// open opens the detail screen of an endpoint over tab on (the overview's,
// or the timeline's with its range ending at end) and fetches its data at
// once.
func (d *detailPart) open(on *tab, endpoint string, end time.Time) tea.Cmd {
	if d.src == nil {
		d.m.setFlash("endpoint detail for "+text.Sanitize(endpoint)+" needs a Prometheus source", false)
		return nil
	}
	d.close()
	e := endpointview.New(d.m.ctx, endpoint, views.EndingAt(end))
	e.Update(views.AlertsMsg{Alerts: d.alerts})
	e.Update(views.PausedMsg{Paused: d.paused.paused, Since: d.paused.at})
	d.screen, d.on = e, on
	on.push(e)
	cmd := d.m.showTab(on)
	d.m.SetSize(d.m.width, d.m.height)
	return tea.Batch(cmd, d.start(true))
}

// close puts the overview back, its selection where it was; answers still
// on their way are dropped.
func (d *detailPart) close() {
	if d.screen == nil {
		return
	}
	d.on.pop()
	d.screen = nil
	d.feed.p.Invalidate()
	d.m.SetSize(d.m.width, d.m.height)
}

func (d *detailPart) poll(at time.Time, now bool) tea.Cmd {
	if d.screen == nil || (!now && !d.feed.p.Due(at)) {
		return nil
	}
	return d.start(false)
}

// start fetches the detail screen's data. A tick skips while a fetch is
// running; a person's change (force) starts a new one and the older
// answer is dropped when it arrives.
func (d *detailPart) start(force bool) tea.Cmd {
	if d.screen == nil || d.src == nil {
		return nil
	}
	src, req, shape := d.src, d.screen.Request(), d.m.shape()
	return d.feed.start(func(ctx context.Context) (*query.Detail, error) {
		return src.Detail(ctx, shape, req)
	}, force)
}

func (d *detailPart) onResult(r poll.Result[*query.Detail]) tea.Cmd {
	if d.screen == nil {
		return nil
	}
	if r.Err != nil {
		d.m.log.Warn("detail refresh failed", "err", r.Err)
	} else if r.Value != nil {
		for _, e := range r.Value.Errors {
			d.m.log.Warn("detail query failed", "name", e.Name, "query", e.Query, "err", e.Err)
		}
	}
	_, cmd := d.screen.Update(endpointview.Msg{Detail: r.Value, Err: r.Err})
	return cmd
}

// graphRange is the detail's range while it is open, else an hour: the
// range a graph from the PromQL prompt or an alert starts with.
func (d *detailPart) graphRange() time.Duration {
	if d.screen != nil {
		if r := d.screen.Range(); r > 0 {
			return r
		}
	}
	return time.Hour
}
