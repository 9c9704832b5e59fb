package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sync/errgroup"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/poll"
	"github.com/vigilterm/vigil/views"
)

// alertsPart keeps the alerts and silences fresh: one poller asks
// Alertmanager (alerts, silences, peers) and Prometheus (its own alerts)
// at once, and the result goes, as an AlertsMsg, to every screen that
// shows alerts. It also runs the writes the screens ask for.
type alertsPart struct {
	m       *Model
	tab     *tab
	am      AlertSource
	pending PendingSource
	feed    *feed[views.AlertsMsg]
	err     error
	alerts  []query.Alert
	peers   []query.PeerStatus
}

// buildAlerts registers the alerts screen, with g graphing an alert's rule
// (ui/graphalert.go).
func buildAlerts(m *Model, t *tab) []part {
	m.alertsScreen = views.NewAlerts(m.ctx)
	m.alertsScreen.SetAlertmanagerConfigured(m.opts.Alertmanager != nil)
	identity := m.opts.Identity
	m.alertsScreen.SetWhoAmI(func() string { return identity })
	t.push(newGraphAlert(m, m.alertsScreen))
	a := &alertsPart{m: m, tab: t, am: m.opts.Alertmanager, pending: m.opts.Pending}
	deadline := m.ctx.Config.Alertmanager.Timeout.D() + time.Second
	a.feed = newFeed(poll.New(a.fetch(), pollerOptions(m, deadline, 0)))
	m.alerts = a
	return []part{a}
}

// buildSilences registers the silences screen; the alerts' poller feeds it.
func buildSilences(m *Model, t *tab) []part {
	m.silencesScreen = views.NewSilences(m.ctx)
	m.silencesScreen.SetAlertmanagerConfigured(m.opts.Alertmanager != nil)
	t.push(m.silencesScreen)
	return nil
}

func (a *alertsPart) update(msg tea.Msg) (tea.Cmd, bool) {
	m := a.m
	switch msg := msg.(type) {
	case polled[views.AlertsMsg]:
		return a.onAlerts(msg.Value), true
	case views.SilenceRequestMsg:
		return m.runSilence(msg), true
	case views.SilenceResultMsg:
		return m.onSilenceResult(msg), true
	case auditFailed:
		// The write happened; say loudly that it is not in the audit log,
		// after the screens' own confirmation.
		text := "audit log not written: " + msg.err.Error()
		return tea.Batch(m.onSilenceResult(msg.res), tea.Tick(2*time.Second, func(time.Time) tea.Msg {
			return views.FlashMsg{Text: text, Error: true}
		})), true
	}
	return nil, false
}

func (a *alertsPart) poll(at time.Time, now bool) tea.Cmd {
	if !now && !a.feed.p.Due(at) {
		return nil
	}
	return a.m.startAlertsRefresh()
}

// startAlertsRefresh starts an alerts refresh unless one is running.
func (m *Model) startAlertsRefresh() tea.Cmd {
	a := m.alerts
	if a.am == nil && a.pending == nil {
		return nil
	}
	return a.feed.start(a.fetch(), false)
}

// fetch asks for alerts and silences from Alertmanager and Prometheus's
// pending alerts, concurrently. It never fails as a whole: each source's
// failure is in the message, so that what one source knows still shows.
func (a *alertsPart) fetch() poll.Fetch[views.AlertsMsg] {
	am, pending, now := a.am, a.pending, a.m.ctx.Now
	return func(ctx context.Context) (views.AlertsMsg, error) {
		var (
			amAlerts, promAlerts []query.Alert
			silences             []query.Silence
			amErr, promErr       error
			silErr               error
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
		}
		if pending != nil {
			g.Go(func() error {
				promAlerts, promErr = pending(gctx)
				return nil
			})
		}
		_ = g.Wait()
		msg := views.AlertsMsg{At: at, NoAlertmanager: am == nil, NoPrometheus: pending == nil,
			AlertmanagerErr: amErr, PrometheusErr: promErr, SilencesErr: silErr}
		if am != nil {
			msg.Peers = am.Peers()
		}
		msg.Err = errors.Join(amErr, promErr)
		// A source that is not configured, or that failed, did not answer:
		// with no answer at all there is no list, not an empty one.
		answered := (am != nil && amErr == nil) || (pending != nil && promErr == nil)
		if answered {
			alerts := query.MergeAlerts(amAlerts, promAlerts)
			query.SortAlerts(alerts)
			msg.Alerts = alerts
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
	if msg.Alerts != nil {
		a.alerts = msg.Alerts
	}
	return tea.Batch(a.m.broadcast(msg), a.m.toParts(msg))
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

// runSilence executes a write asked for by a screen, with a deadline, and
// reads the result back so the screen can say whether it took.
func (m *Model) runSilence(req views.SilenceRequestMsg) tea.Cmd {
	if m.ctx.Config.UI.ReadOnly {
		m.setFlash("read-only: vigil does not write to Alertmanager", true)
		return nil
	}
	if m.am == nil {
		return func() tea.Msg {
			return views.SilenceResultMsg{Request: req, Err: errors.New("no Alertmanager configured: set --alertmanager or alertmanager.urls")}
		}
	}
	am := m.am
	timeout := m.ctx.Config.Alertmanager.Timeout.D()
	logger := m.log
	audit, user, urls := m.audit, m.auditUser, m.ctx.Config.Alertmanager.URLs
	return func() tea.Msg {
		// Room for a duplicate check, the write and the read-back.
		ctx, cancel := context.WithTimeout(context.Background(), 3*timeout+time.Second)
		defer cancel()
		res := views.SilenceResultMsg{Request: req}
		switch req.Op {
		case views.OpCreate:
			if req.Retry {
				if id, found, err := am.FindDuplicate(ctx, req.Spec); err == nil && found {
					res.ID, res.Reused, res.Verified = id, true, true
					break
				}
			}
			res.ID, res.Err = am.CreateSilence(ctx, req.Spec)
			res.Verified = res.Err == nil
		case views.OpExpire:
			res.ID = req.Silence.ID
			if res.Err = am.ExpireSilence(ctx, req.Silence.ID); res.Err == nil {
				s, err := am.Silence(ctx, req.Silence.ID)
				res.Verified = err == nil && s.State == query.SilenceExpired
			}
		case views.OpExtend:
			res.ID, res.Err = am.ExtendSilence(ctx, req.Silence, req.NewEnd)
			if res.Err == nil {
				s, err := am.Silence(ctx, res.ID)
				res.Verified = err == nil && s.State != query.SilenceExpired
			}
		default:
			res.Err = fmt.Errorf("unknown silence operation %q", req.Op)
		}
		logger.Info("silence write", "op", req.Op, "id", res.ID, "reused", res.Reused, "verified", res.Verified, "err", res.Err)
		if audit != nil {
			if err := audit.Append(auditEntry(req, res, user, urls, time.Now())); err != nil {
				logger.Error("audit log", "err", err)
				return auditFailed{res: res, err: err}
			}
		}
		return res
	}
}

// auditFailed is a write's result whose audit line could not be written.
type auditFailed struct {
	res views.SilenceResultMsg
	err error
}

// auditEntry describes a write and its result for the audit log.
func auditEntry(req views.SilenceRequestMsg, res views.SilenceResultMsg, user string, urls []string, now time.Time) query.AuditEntry {
	e := query.AuditEntry{Time: now.UTC(), User: user, Alertmanager: urls, SilenceID: res.ID, Reused: res.Reused, Result: query.AuditOK}
	switch req.Op {
	case views.OpCreate:
		e.Action = query.AuditCreate
		if req.Ack {
			e.Action = query.AuditAck
		}
		e.Matchers, e.Comment, e.EndsAt = query.FormatMatchers(req.Spec.Matchers), req.Spec.Comment, req.Spec.EndsAt.UTC()
	case views.OpExtend, views.OpExpire:
		e.Action = query.AuditExpire
		e.EndsAt = now.UTC()
		if req.Op == views.OpExtend {
			e.Action, e.EndsAt = query.AuditExtend, req.NewEnd.UTC()
			if res.ID != "" && res.ID != req.Silence.ID {
				e.ReplacedID = req.Silence.ID
			}
		}
		if e.SilenceID == "" {
			e.SilenceID = req.Silence.ID
		}
		e.Matchers, e.Comment = query.FormatMatchers(req.Silence.Matchers), req.Silence.Comment
	default:
		e.Action = string(req.Op)
	}
	if res.Err != nil {
		e.Result, e.Error = query.AuditFailed, res.Err.Error()
	}
	return e
}

// onSilenceResult hands the result to the screens and refreshes the alerts
// at once, so the change shows without waiting for the next tick.
func (m *Model) onSilenceResult(r views.SilenceResultMsg) tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range []views.Screen{m.alertsScreen, m.silencesScreen} {
		_, cmd := s.Update(r)
		cmds = append(cmds, cmd)
	}
	if r.Err == nil {
		cmds = append(cmds, m.startAlertsRefresh())
	}
	return tea.Batch(cmds...)
}
