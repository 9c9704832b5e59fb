package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/sync/errgroup"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
	alertingview "github.com/vigilterm/vigil/views/alerting"
	"github.com/vigilterm/vigil/views/keys"
	statusview "github.com/vigilterm/vigil/views/status"
)

// alertsPart keeps the alerts and silences fresh: one poller asks
// Alertmanager (alerts, silences, peers) and Prometheus (its own alerts)
// at once, and the result goes, as an AlertsMsg, to every screen that
// shows alerts. It also runs the writes the screens ask for.
type alertsPart struct {
	m   *Model
	tab *tab
	// screen is the Alerts screen. The writes its forms and the Silences
	// screen's ask for are this part's.
	screen  *alertingview.Alerts
	am      AlertSource
	pending PendingSource
	feed    *feed[views.AlertsMsg]
	err     error
	alerts  []query.Alert
	peers   []alertmanager.PeerStatus
	grapher graphAlert
	// forceRouting makes the next fetch read Alertmanager's configuration
	// even when the one read is younger than alertmanager.RoutingMaxAge.
	forceRouting bool
	// watchdog is the dead man's switch of the last refresh (ui/status.go).
	watchdog query.WatchdogState
	// keeper keeps acks until resolved, fed by each refresh (ui/ackkeeper.go).
	keeper *alertmanager.AckKeeper
}

// alertsSpec is the alerts, with an alert's detail and the silence form
// over them.
var alertsSpec = Spec{Name: "alerts", Help: "alerts", Build: buildAlerts,
	Sections: func(k *keys.KeyMap) []keys.Section {
		return []keys.Section{
			{Title: "Alerts and alert details", Bindings: []key.Binding{k.Open, k.Group, k.Browse, k.Copy, k.Jump, k.Silence, k.Ack, k.GraphAlert, k.Recreate}},
			{Title: "Silence form", Bindings: []key.Binding{k.NextField, k.PrevField, k.Toggle, k.SilenceScope, k.MatcherText, k.PresetPrev, k.PresetNext, k.UntilResolved}},
		}
	}}

// silencesSpec is the silences; the alerts' part runs their writes.
var silencesSpec = Spec{Name: "silences", Help: "silences", Build: buildSilences,
	Sections: func(k *keys.KeyMap) []keys.Section {
		return []keys.Section{{Title: "Silences", Bindings: []key.Binding{k.Expire, k.Extend, k.ShowExpired, k.Mark, k.NewSilence}}}
	}}

// buildAlerts registers the alerts screen, with g graphing an alert's rule
// (ui/graphalert.go).
func buildAlerts(m *Model, t *tab) []part {
	identity := m.opts.Identity
	scr := alertingview.NewAlerts(m.ctx, views.WithAuthor(func() string { return identity }),
		views.WithClaims(m.link.claims(m))) // ui/teammodel.go
	scr.Update(views.SourcesMsg{Alertmanager: m.opts.Alertmanager != nil})
	t.push(scr)
	a := &alertsPart{m: m, tab: t, screen: scr, am: m.opts.Alertmanager, pending: m.opts.Pending, grapher: newGraphAlert(m)}
	deadline := m.cfg.Alertmanager.Timeout.D() + time.Second
	// With a Team, one poller for every console of the context.
	a.feed, _ = sharedFeed[views.AlertsMsg](m, m.teamKey("alerts"), pollerOptions(m, deadline, 0))
	return []part{a}
}

// buildSilences registers the silences screen; the alerts' poller feeds it.
func buildSilences(m *Model, t *tab) []part {
	identity := m.opts.Identity
	scr := alertingview.NewSilences(m.ctx, views.WithAuthor(func() string { return identity }))
	scr.Update(views.SourcesMsg{Alertmanager: m.opts.Alertmanager != nil})
	t.push(scr) // its writes and its data are the alerts part's
	return nil
}

func (a *alertsPart) update(msg tea.Msg) (tea.Cmd, bool) {
	m := a.m
	switch msg := msg.(type) {
	case polled[views.AlertsMsg]:
		return a.onAlerts(msg.Value), true
	case views.GraphAlertMsg:
		return a.grapher.graph(msg.Alert), true
	case alertingview.AlertHistoryWantMsg:
		return a.history(msg.Alert), true
	case alertingview.AlertHistoryMsg:
		// To the alert detail that asked: the Alerts screen's or the
		// timeline's (each checks the key is its alert's).
		return m.broadcast(msg), true
	case views.SilenceRequestMsg:
		return m.runSilence(msg), true
	case views.SilenceResultMsg:
		return a.onSilenceResult(msg), true
	case focusAlertMsg:
		return tea.Batch(m.showTab(a.tab), a.screen.Focus(msg.key)), true
	case ackKept:
		return a.onAckKept(msg), true
	case auditFailed:
		// The write happened; say loudly that it is not in the audit log,
		// after the screens' own confirmation.
		text := "audit log not written: " + msg.err.Error()
		return tea.Batch(a.onSilenceResult(msg.res), tea.Tick(2*time.Second, func(time.Time) tea.Msg {
			return views.FlashMsg{Text: text, Error: true}
		})), true
	}
	return nil, false
}

func (a *alertsPart) poll(at time.Time, now bool) tea.Cmd {
	if !now && !a.feed.p.Due(at) {
		return nil
	}
	// A refresh asked for reads Alertmanager's configuration again too.
	a.forceRouting = now
	at = dueAt(at, now)
	return a.refreshDue(at)
}

// focusAlertMsg shows the alerts' tab with the alert of that key selected
// (the list of every context's alerts opens one this way).
type focusAlertMsg struct{ key string }

// refresh starts an alerts refresh unless one is running.
func (a *alertsPart) refresh() tea.Cmd { return a.refreshDue(time.Time{}) }

// refreshDue starts an alerts refresh if one is due at at (any time when
// at is zero) and none is running.
func (a *alertsPart) refreshDue(at time.Time) tea.Cmd {
	if a.am == nil && a.pending == nil {
		return nil
	}
	return a.feed.startDue(a.fetch(), at)
}

// fetch asks for alerts and silences from Alertmanager and Prometheus's
// pending alerts, concurrently. It never fails as a whole: each source's
// failure is in the message, so that what one source knows still shows.
func (a *alertsPart) fetch() poll.Fetch[views.AlertsMsg] {
	am, pending, now := a.am, a.pending, a.m.ctx.Now
	engine := a.m.opts.Overview // *query.Prometheus knows its engine
	force := a.forceRouting
	a.forceRouting = false
	watchdog := a.m.cfg.Alertmanager.Watchdog
	return func(ctx context.Context) (views.AlertsMsg, error) {
		var (
			amAlerts, promAlerts []query.Alert
			silences             []query.Silence
			amErr, promErr       error
			silErr               error
			routing              *alertmanager.Routing
			routingErr           error
		)
		at := now()
		g, gctx := errgroup.WithContext(ctx)
		if am != nil {
			g.Go(func() error {
				amAlerts, amErr = am.Alerts(gctx)
				return nil
			})
			g.Go(func() error {
				silences, silErr = am.Silences(gctx)
				return nil
			})
			// A peer marked down is tried again only when the healthy ones
			// fail; this check notices it coming back, for the header.
			g.Go(func() error {
				am.CheckPeers(gctx)
				return nil
			})
			if rs, ok := am.(RoutingSource); ok {
				g.Go(func() error {
					routing, routingErr = rs.Routing(gctx, force)
					return nil
				})
			} else {
				routingErr = errors.New("this Alertmanager source cannot read the configuration")
			}
		}
		if pending != nil {
			g.Go(func() error {
				promAlerts, promErr = pending(gctx)
				return nil
			})
		}
		_ = g.Wait()
		noRules := ""
		var nre *query.NoRulesError
		if errors.As(promErr, &nre) {
			// Not a failure: the engine has no alerts of its own.
			noRules, promErr, pending = query.NoRulesText, nil, nil
		}
		msg := views.AlertsMsg{NoRules: noRules, At: at, NoAlertmanager: am == nil, NoPrometheus: pending == nil,
			AlertmanagerErr: amErr, PrometheusErr: promErr, SilencesErr: silErr, Routing: routing, RoutingErr: routingErr}
		if es, ok := engine.(engineSource); ok && pending != nil && promErr == nil {
			// Known after the alerts call: no request of its own.
			if e, err := es.DetectEngine(ctx); err == nil {
				msg.PendingScope = e.PendingScope()
			}
		}
		if am != nil {
			msg.Peers = am.Peers()
			msg.Watchdog = query.CheckWatchdog(watchdog, amAlerts, amErr)
		}
		msg.Err = errors.Join(amErr, promErr)
		// A source that is not configured, or that failed, did not answer:
		// with no answer at all there is no list, not an empty one.
		answered := (am != nil && amErr == nil) || (pending != nil && promErr == nil)
		if answered {
			msg.Alerts = query.SortedAlerts(amAlerts, promAlerts)
		}
		if am != nil && silErr == nil {
			msg.Silences = silences
			if msg.Silences == nil {
				msg.Silences = []query.Silence{}
			}
		}
		return msg, nil
	}
}

// onAlerts keeps what the header shows and hands the alerts to every
// screen and part.
func (a *alertsPart) onAlerts(msg views.AlertsMsg) tea.Cmd {
	if msg.Err != nil {
		a.m.log.Warn("alerts refresh failed", "err", msg.Err)
	}
	a.err = msg.Err
	a.peers = msg.Peers
	a.watchdog = msg.Watchdog
	if msg.Alerts != nil {
		a.alerts = msg.Alerts
	}
	if msg.Alerts != nil && msg.Err == nil {
		// Every source answered: a claim on an alert no longer listed ends.
		a.m.link.alertsListed(a.m.cfg.Context, msg.Alerts)
	}
	return tea.Batch(a.m.broadcast(msg), a.m.toParts(msg), a.keepAcks(msg))
}

// counts counts firing, pending and silenced alerts for the header.
func (a *alertsPart) counts() (firing, pending, silenced int) {
	for _, al := range a.alerts {
		switch al.State {
		case query.StateFiring:
			firing++
		case query.StatePending:
			pending++
		case query.StateSilenced, query.StateInhibited:
			silenced++
		}
	}
	return
}

// alarm: the watchdog not firing, or unknown (ui/status.go).
func (a *alertsPart) alarm() (string, string) {
	wd := statusview.WatchdogAlarm(a.watchdog)
	return wd, strings.Replace(wd, "alerting pipeline broken", "pipeline broken", 1)
}

// runSilence hands a write asked for by a screen to the silence service,
// which validates, de-duplicates, posts, reads back and audits it; the
// screens show its one result.
func (m *Model) runSilence(req views.SilenceRequestMsg) tea.Cmd {
	if m.cfg.UI.ReadOnly {
		m.setFlash("read-only: vigil does not write to Alertmanager", true)
		return nil
	}
	if m.cfg.Protected {
		return m.toParts(holdWriteMsg{req}) // at once (ui/protect.go)
	}
	return m.sendSilence(req, "")
}

// sendSilence hands the write to the silence service; confirmed is the
// context's name as typed (a protected context's writes need it).
func (m *Model) sendSilence(req views.SilenceRequestMsg, confirmed string) tea.Cmd {
	svc := m.silenceService()
	return func() tea.Msg {
		r := svc.Write(context.Background(), alertmanager.SilenceRequest{Op: alertmanager.SilenceOp(req.Op), Spec: req.Spec,
			Retry: req.Retry, Silence: req.Silence, NewEnd: req.NewEnd, Ack: req.Ack, Confirmed: confirmed})
		res := views.SilenceResultMsg{Request: req, ID: r.ID, Reused: r.Reused, Verified: r.Verified, Err: r.Err}
		if r.AuditErr != nil {
			return auditFailed{res: res, err: r.AuditErr}
		}
		return res
	}
}

// silenceService is the write path over the model's Alertmanager, audit log
// and writer.
func (m *Model) silenceService() *alertmanager.SilenceService {
	var am alertmanager.SilenceWriter
	if m.opts.Alertmanager != nil {
		am = m.opts.Alertmanager
	}
	return alertmanager.NewSilenceService(alertmanager.SilenceServiceOptions{Alertmanager: am, Audit: m.opts.Audit, Writer: m.opts.AuditUser,
		Peers: m.cfg.Alertmanager.URLs, Timeout: m.cfg.Alertmanager.Timeout.D(), Logger: m.log, Now: m.now,
		Protected: protectedName(m.cfg.Protected, m.cfg.Context),
		Principal: m.opts.Principal, Observe: m.opts.ObserveWrite})
}

// auditFailed is a write's result whose audit line could not be written.
type auditFailed struct {
	res views.SilenceResultMsg
	err error
}

// onSilenceResult hands the result to the screens (the Alerts and Silences
// screens and their forms take it) and refreshes the alerts at once, so the
// change shows without waiting for the next tick.
func (a *alertsPart) onSilenceResult(r views.SilenceResultMsg) tea.Cmd {
	cmd := a.m.broadcast(r)
	if r.Err == nil {
		cmd = tea.Batch(cmd, a.refresh())
	}
	return cmd
}

// history reads an alert's firings per hour of the last day: one range
// query of Prometheus.
func (a *alertsPart) history(al query.Alert) tea.Cmd {
	q := a.m.opts.Querier
	key := al.Key()
	if q == nil {
		return func() tea.Msg {
			return alertingview.AlertHistoryMsg{Key: key, Err: errors.New("needs a Prometheus source")}
		}
	}
	now := a.m.ctx.Now()
	return request(a.m.cfg.Prometheus.Timeout.D(), func(ctx context.Context) tea.Msg {
		h, err := query.ReadAlertHistory(ctx, q, al, now)
		return alertingview.AlertHistoryMsg{Key: key, History: h, Err: err}
	})
}

// protectedName is the name a protected context's writes must carry.
func protectedName(protected bool, name string) string {
	if protected {
		return name
	}
	return ""
}
