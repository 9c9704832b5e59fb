package ui

import (
	"context"
	"errors"
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
	query.SilenceWriter // written through query.SilenceService only
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
			msg.Alerts = query.SortedAlerts(amAlerts, promAlerts)
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
		m.ov.SetAlerting(views.FiringByEndpoint(msg.Alerts, m.ctx.Config.Metrics.EndpointLabel))
	}
	var cmds []tea.Cmd
	for _, s := range []views.Screen{m.alertsScreen, m.silencesScreen} {
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

// runSilence hands a write asked for by a screen to the silence service,
// which validates, de-duplicates, posts, reads back and audits it; the
// screens show its one result.
func (m *Model) runSilence(req views.SilenceRequestMsg) tea.Cmd {
	if m.ctx.Config.UI.ReadOnly {
		m.setFlash("read-only: vigil does not write to Alertmanager", true)
		return nil
	}
	svc := m.silenceService()
	return func() tea.Msg {
		r := svc.Write(context.Background(), query.SilenceRequest{Op: query.SilenceOp(req.Op), Spec: req.Spec,
			Retry: req.Retry, Silence: req.Silence, NewEnd: req.NewEnd, Ack: req.Ack})
		res := views.SilenceResultMsg{Request: req, ID: r.ID, Reused: r.Reused, Verified: r.Verified, Err: r.Err}
		if r.AuditErr != nil {
			return auditFailed{res: res, err: r.AuditErr}
		}
		return res
	}
}

// silenceService is the write path over the model's Alertmanager, audit log
// and writer.
func (m *Model) silenceService() *query.SilenceService {
	var am query.SilenceWriter
	if m.am != nil {
		am = m.am
	}
	return query.NewSilenceService(query.SilenceServiceOptions{Alertmanager: am, Audit: m.audit, Writer: m.auditUser,
		Peers: m.ctx.Config.Alertmanager.URLs, Timeout: m.ctx.Config.Alertmanager.Timeout.D(), Logger: m.log, Now: m.now})
}

// auditFailed is a write's result whose audit line could not be written.
type auditFailed struct {
	res views.SilenceResultMsg
	err error
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
