package ui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	statusview "github.com/vigilterm/vigil/views/status"
	"github.com/vigilterm/vigil/views/text"
)

// StatusSource is what the Status screen and the header's delivery alarm
// need from Alertmanager: each peer's status and notification counters.
// *alertmanager.Client is one.
type StatusSource interface {
	Statuses(ctx context.Context) []alertmanager.AMPeerStatus
	NotifyMetrics(ctx context.Context) []alertmanager.PeerNotify
}

// buildInfoSource gives Prometheus's version; *query.Prometheus is one.
type buildInfoSource interface {
	Version(ctx context.Context) (string, error)
	URL() string
}

// engineSource tells which engine answers at the Prometheus URL;
// *query.Prometheus is one.
type engineSource interface {
	DetectEngine(ctx context.Context) (query.Engine, error)
}

// EngineNotes are the quirks of an engine that change what vigil shows,
// for the Status screen.
func EngineNotes(e query.Engine) []string {
	var out []string
	if l := e.Latency(); l > 0 {
		out = append(out, "data ≥"+views.FormatDuration(l)+" old: the engine hides the newest "+views.FormatDuration(l)+" (-search.latencyOffset)")
	}
	if e.Kind != query.EngineUnknown && !e.EvaluatesRules() {
		out = append(out, query.NoRulesText)
	}
	if s := e.PendingScope(); s != "" {
		out = append(out, s)
	}
	return out
}

// statusRead is one round of the status poller.
type statusRead struct {
	at      time.Time
	peers   []alertmanager.AMPeerStatus
	notify  []alertmanager.PeerNotify
	engine  string
	notes   []string
	version string
	promErr error
	promURL string
	noAM    bool
	noProm  bool
	// full is set when the peers' status and Prometheus's version were
	// read too (while the Status screen is shown); otherwise only the
	// notification counters were.
	full bool
}

// statusPart keeps the Status screen and the header's delivery alarm
// fresh. Every refresh, whatever screen is shown, it reads each
// Alertmanager peer's /metrics, since the notification failures are
// counted between readings; while the Status screen is shown, also each
// peer's status and Prometheus's build information.
type statusPart struct {
	m        *Model
	tab      *tab
	screen   *statusview.Screen
	am       StatusSource
	prom     buildInfoSource
	feed     *feed[statusRead]
	history  alertmanager.DeliveryHistory
	delivery alertmanager.DeliveryReport
	last     statusRead // the last full read
}

// statusSpec is the status of Prometheus, its targets and Alertmanager.
var statusSpec = Spec{Name: "status", Help: "status", Build: buildStatus}

// buildStatus registers the Status screen.
func buildStatus(m *Model, t *tab) []part {
	s := &statusPart{m: m, tab: t, screen: statusview.New(m.ctx)}
	if src, ok := m.opts.Alertmanager.(StatusSource); ok && m.opts.Alertmanager != nil {
		s.am = src
	}
	if p, ok := m.opts.Overview.(buildInfoSource); ok && m.opts.Overview != nil {
		s.prom = p
	}
	deadline := m.cfg.Alertmanager.Timeout.D() + time.Second
	s.feed, _ = sharedFeed[statusRead](m, m.teamKey("status"), pollerOptions(m, deadline, 0))
	t.push(s.screen)
	return []part{s}
}

func (s *statusPart) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case shownMsg:
		if msg.tab != s.tab {
			return nil, false
		}
		// Read everything now, over a counters-only read on its way.
		return s.feed.start(s.fetch(true), true), true
	case polled[statusRead]:
		r := msg.Value
		if len(r.notify) > 0 {
			s.history.Add(r.at, r.notify)
			s.delivery = s.history.Report()
		}
		if r.full {
			s.last = r
		}
		f := s.last
		s.m.SetSize(s.m.width, s.m.height) // the alarm line may have come or gone
		if !f.full {
			// Only the counters so far: the screen, not shown yet, keeps
			// saying it is reading.
			return nil, true
		}
		_, cmd := s.screen.Update(statusview.Msg{At: f.at, NoAlertmanager: f.noAM, Alertmanager: f.peers,
			Delivery: s.delivery, NoPrometheus: f.noProm, PrometheusURL: f.promURL,
			PrometheusVersion: f.version, PrometheusErr: f.promErr, Engine: f.engine, EngineNotes: f.notes})
		return cmd, true
	case views.AlertsMsg:
		s.m.SetSize(s.m.width, s.m.height)
		return nil, true
	}
	return nil, false
}

func (s *statusPart) poll(at time.Time, now bool) tea.Cmd {
	if !now && !s.feed.p.Due(at) {
		return nil
	}
	at = dueAt(at, now)
	return s.feed.startDue(s.fetch(s.wantFull()), at)
}

// wantFull is whether a refresh should read everything: the Status screen
// is shown, here or, with a Team, in a console of the same context that
// shares the poller.
func (s *statusPart) wantFull() bool {
	if s.m.activeTab() == s.tab {
		return true
	}
	return s.m.link.anyoneOn(s.m.cfg.Context, s.screen.Title())
}

// fetch reads the counters, and with full the peers' status and
// Prometheus's version, all at once; each source's failure is in the
// result.
func (s *statusPart) fetch(full bool) poll.Fetch[statusRead] {
	am, prom, now := s.am, s.prom, s.m.ctx.Now
	noProm := prom == nil
	if !full {
		prom = nil
	}
	return func(ctx context.Context) (statusRead, error) {
		r := statusRead{at: now(), noAM: am == nil, noProm: noProm, full: full}
		done := make(chan struct{})
		if prom != nil {
			r.promURL = prom.URL()
			go func() {
				defer close(done)
				// Buildinfo is asked on every full read: it says whether
				// Prometheus answers now. The engine is detected once.
				v, err := prom.Version(ctx)
				r.version, r.promErr = v, err
				if es, ok := prom.(engineSource); ok && err == nil {
					if e, derr := es.DetectEngine(ctx); derr == nil {
						r.engine, r.notes, r.version = e.String(), EngineNotes(e), e.Version
					}
				}
			}()
		} else {
			close(done)
		}
		if am != nil {
			ch := make(chan []alertmanager.AMPeerStatus, 1)
			if full {
				go func() { ch <- am.Statuses(ctx) }()
			} else {
				ch <- nil
			}
			r.notify = am.NotifyMetrics(ctx)
			r.at = now()
			r.peers = <-ch
		}
		<-done
		return r, nil
	}
}

// alarmer is a part that raises an alarm under the header while the
// alerting pipeline is broken: long says it, short says it in fewer
// words when several alarms share the line.
type alarmer interface {
	alarm() (long, short string)
}

var _, _ alarmer = (*alertsPart)(nil), (*statusPart)(nil)

// alarm: notifications failing, from the Status screen's last read.
func (s *statusPart) alarm() (string, string) {
	a := statusview.DeliveryAlarm(s.delivery)
	return a, a
}

// alarmLines are the lines under the header for a broken alerting
// pipeline, each part's alarm (the watchdog not firing or unknown,
// notifications failing); none while none. They share one line when they
// fit in it, said shorter if need be; else each has its own.
func (m *Model) alarmLines() []string {
	if m.width <= 0 {
		return nil
	}
	var longs, shorts []string
	for _, p := range m.parts {
		if a, ok := p.(alarmer); ok {
			if l, s := a.alarm(); l != "" {
				longs, shorts = append(longs, l), append(shorts, s)
			}
		}
	}
	st := m.ctx.Styles
	line := func(s string) string { return st.Error.Render(text.Fit(s, m.width)) }
	if len(longs) == 0 {
		return nil
	}
	for _, ws := range [][]string{longs, shorts} {
		if all := strings.Join(ws, " · "); len(ws) == 1 || text.Width(all) <= m.width {
			return []string{line(all)}
		}
	}
	out := make([]string, len(longs))
	for i, l := range longs {
		out[i] = line(l)
	}
	return out
}

// engineKnower tells the engine DetectEngine found; *query.Prometheus is
// one.
type engineKnower interface{ Engine() query.Engine }

// engineText is the header's word on what the engine leaves out: " · data
// ≥30s old" under VictoriaMetrics, " · partial data: 1 store unreachable"
// when Thanos answered without a store; "" otherwise.
func (m *Model) engineText() string {
	st := m.ctx.Styles
	out := ""
	if ek, ok := m.opts.Overview.(engineKnower); ok && m.opts.Overview != nil {
		if l := ek.Engine().Latency(); l > 0 {
			out += st.Muted.Render(" · ") + st.Warn.Render("data ≥"+views.FormatDuration(l)+" old")
		}
	}
	if d := m.figures().data(); d != nil && len(d.Warnings) > 0 && query.IsPartialText(d.Warnings[0]) {
		out += st.Muted.Render(" · ") + st.Warn.Render(text.Sanitize(d.Warnings[0]))
	}
	return out
}
