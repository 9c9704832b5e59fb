package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
	"github.com/vigilterm/vigil/views"
)

// DetailSource is what the endpoint detail screen needs from Prometheus.
// The Prometheus client implements it; a source that does not makes enter
// on the overview say so instead of opening an empty screen.
type DetailSource interface {
	Detail(ctx context.Context, s query.Shape, r query.DetailRequest) (*query.Detail, error)
}

// detailState is the root's side of the detail screen: while it is open it
// takes the overview's place in the screens, so keys, size and drawing
// reach it like any screen; the overview keeps its selection meanwhile.
type detailState struct {
	screen    *views.Endpoint
	seq       int // of the newest fetch started
	inflight  bool
	lastStart time.Time
	fetches   int
}

// detailResult is the answer to one detail fetch; seq tells whether it is
// the newest.
type detailResult struct {
	seq    int
	detail *query.Detail
	err    error
}

// Detail returns the detail screen while it is open, else nil.
func (m *Model) Detail() *views.Endpoint { return m.detail.screen }

// DetailFetches returns how many detail fetches were started.
func (m *Model) DetailFetches() int { return m.detail.fetches }

// updateDetail handles the detail screen's messages; ok is false for any
// other message.
func (m *Model) updateDetail(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case detailResult:
		return m.onDetailResult(msg), true
	case views.DetailFetchMsg:
		return m.startDetailRefresh(true), true
	case views.CloseDetailMsg:
		m.closeDetail()
		return nil, true
	}
	return nil, false
}

// openDetail opens the detail screen of an endpoint in the overview's
// place and fetches its data at once.
func (m *Model) openDetail(endpoint string) tea.Cmd {
	if _, ok := m.prom.(DetailSource); !ok {
		m.setFlash("endpoint detail for "+text.Sanitize(endpoint)+" needs a Prometheus source", false)
		return nil
	}
	d := views.NewEndpoint(m.ctx, endpoint)
	d.Update(views.AlertsMsg{Alerts: m.alerts})
	d.Update(views.PausedMsg{Paused: m.paused, Since: m.pausedAt})
	m.detail.screen = d
	m.detail.inflight = false
	m.screens[ScreenOverview] = d
	m.active = ScreenOverview
	m.SetSize(m.width, m.height)
	return m.startDetailRefresh(true)
}

// closeDetail puts the overview back, its selection where it was.
func (m *Model) closeDetail() {
	if m.detail.screen == nil {
		return
	}
	m.detail.screen = nil
	m.detail.inflight = false
	m.detail.seq++ // answers still on their way are dropped
	m.screens[ScreenOverview] = m.ov
	m.SetSize(m.width, m.height)
}

// startDetailRefresh fetches the detail screen's data. A tick skips while a
// fetch is running; a user's change (force) starts a new one and the older
// answer is dropped when it arrives.
func (m *Model) startDetailRefresh(force bool) tea.Cmd {
	d := m.detail.screen
	src, ok := m.prom.(DetailSource)
	if d == nil || !ok {
		return nil
	}
	if m.detail.inflight && !force {
		return nil
	}
	m.detail.seq++
	m.detail.inflight = true
	m.detail.fetches++
	m.detail.lastStart = m.now()
	seq, req, shape := m.detail.seq, d.Request(), m.shape()
	deadline := m.ctx.Config.Prometheus.Timeout.D() + time.Second
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		det, err := src.Detail(ctx, shape, req)
		return detailResult{seq: seq, detail: det, err: err}
	}
}

func (m *Model) onDetailResult(r detailResult) tea.Cmd {
	if r.seq != m.detail.seq || m.detail.screen == nil {
		return nil
	}
	m.detail.inflight = false
	if r.err != nil {
		m.log.Warn("detail refresh failed", "err", r.err)
	} else if r.detail != nil {
		for _, e := range r.detail.Errors {
			m.log.Warn("detail query failed", "name", e.Name, "query", e.Query, "err", e.Err)
		}
	}
	m.detail.screen.Update(views.AlertsMsg{Alerts: m.alerts})
	_, cmd := m.detail.screen.Update(views.DetailMsg{Detail: r.detail, Err: r.err})
	return cmd
}

// detailTick starts a detail refresh on the refresh interval, unless
// paused or one is running.
func (m *Model) detailTick(now time.Time) tea.Cmd {
	if m.detail.screen == nil || m.paused || m.detail.inflight {
		return nil
	}
	if now.Sub(m.detail.lastStart) < m.ctx.Config.UI.Refresh.D()-50*time.Millisecond {
		return nil
	}
	return m.startDetailRefresh(false)
}

// detailOnPause tells the detail screen about a pause; resuming refreshes
// it at once.
func (m *Model) detailOnPause() tea.Cmd {
	if m.detail.screen == nil {
		return nil
	}
	m.detail.screen.Update(views.PausedMsg{Paused: m.paused, Since: m.pausedAt})
	if m.paused {
		return nil
	}
	return m.startDetailRefresh(true)
}

// detailOnAlerts hands the new alerts to the detail screen.
func (m *Model) detailOnAlerts() {
	if m.detail.screen != nil {
		m.detail.screen.Update(views.AlertsMsg{Alerts: m.alerts})
	}
}
