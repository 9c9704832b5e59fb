package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sync/errgroup"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/text"
	"github.com/vigilterm/vigil/views"
)

// AlertSource is what the console needs from Alertmanager (one peer or an
// HA cluster).
type AlertSource interface {
	Alerts(ctx context.Context) ([]query.Alert, error)
	Silences(ctx context.Context) ([]query.Silence, error)
	Silence(ctx context.Context, id string) (query.Silence, error)
	CreateSilence(ctx context.Context, spec query.SilenceSpec) (string, error)
	FindDuplicate(ctx context.Context, spec query.SilenceSpec) (string, bool, error)
	ExpireSilence(ctx context.Context, id string) error
	ExtendSilence(ctx context.Context, s query.Silence, newEnd time.Time) (string, error)
	Peers() []query.PeerStatus
	CheckPeers(ctx context.Context) []query.PeerStatus
}

// PendingSource lists Prometheus's own alerts: the pending ones that
// Alertmanager never sees, and the firing ones.
type PendingSource func(ctx context.Context) ([]query.Alert, error)

// alertsResult is the answer to one alerts refresh.
type alertsResult struct {
	msg views.AlertsMsg
}

// startAlertsRefresh fetches alerts and silences from Alertmanager and
// Prometheus's pending alerts, concurrently, unless a fetch is running.
func (m *Model) startAlertsRefresh() tea.Cmd {
	if m.am == nil && m.pending == nil {
		return nil
	}
	if m.alertsInflight {
		return nil
	}
	m.alertsInflight = true
	am, pending := m.am, m.pending
	timeout := m.ctx.Config.Alertmanager.Timeout.D()
	now := m.now()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Second)
		defer cancel()
		var (
			amAlerts, promAlerts []query.Alert
			silences             []query.Silence
			amErr, promErr       error
			silErr               error
		)
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
		msg := views.AlertsMsg{At: now, NoAlertmanager: am == nil, NoPrometheus: pending == nil,
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
		return alertsResult{msg: msg}
	}
}

func (m *Model) onAlerts(r alertsResult) tea.Cmd {
	m.alertsInflight = false
	msg := r.msg
	if msg.Err != nil {
		m.log.Warn("alerts refresh failed", "err", msg.Err)
		m.alertsErr = msg.Err
	} else {
		m.alertsErr = nil
	}
	m.peers = msg.Peers
	if msg.Alerts != nil {
		m.alerts = msg.Alerts
	}
	var cmds []tea.Cmd
	for _, s := range []views.Screen{m.ov, m.alertsScreen, m.silencesScreen} {
		_, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// alertCounts counts firing, pending and silenced alerts for the header.
func (m *Model) alertCounts() (firing, pending, silenced int) {
	for _, a := range m.alerts {
		switch a.State {
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

// openURL opens a URL with the local opener when there is a display;
// over SSH without one it says to copy the URL instead.
func (m *Model) openURL(raw string) tea.Cmd {
	u, ok := text.SafeURL(raw)
	if !ok {
		m.setFlash("not an http(s) URL: "+text.Sanitize(raw), true)
		return nil
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		m.setFlash("no display here: press y to copy the URL instead", false)
		return nil
	}
	opener, err := exec.LookPath("xdg-open")
	if err != nil {
		m.setFlash("no xdg-open here: press y to copy the URL instead", false)
		return nil
	}
	m.setFlash("opening "+u, false)
	return func() tea.Msg {
		cmd := exec.Command(opener, u)
		if err := cmd.Start(); err != nil {
			return views.FlashMsg{Text: "xdg-open: " + err.Error(), Error: true}
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
}

// copyText puts sanitised text on the clipboard with OSC 52, wrapped for
// tmux's passthrough as well when $TMUX is set (see text.OSC52Tmux).
func (m *Model) copyText(msg views.CopyMsg) tea.Cmd {
	inTmux := os.Getenv("TMUX") != ""
	seq := text.OSC52Tmux(msg.Text, inTmux)
	if seq == "" {
		m.setFlash("nothing to copy", true)
		return nil
	}
	note := "copied " + msg.What + " to the clipboard (OSC 52)"
	if inTmux {
		note += "; inside tmux this needs set-clipboard on (or allow-passthrough on)"
	}
	m.setFlash(note, false)
	return tea.Raw(seq)
}
