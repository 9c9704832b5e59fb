package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// ackKept is the outcome of one round of the ack keeper.
type ackKept struct {
	ds  []alertmanager.AckDecision
	err error
}

// keepAcks runs a round of the ack keeper over the refresh msg: the
// alerts and silences the console has just read, so keeping acks adds no
// request but the extends themselves. A read-only console keeps nothing.
func (a *alertsPart) keepAcks(msg views.AlertsMsg) tea.Cmd {
	m := a.m
	if a.am == nil || msg.NoAlertmanager || m.cfg.UI.ReadOnly || msg.SilencesErr != nil {
		return nil
	}
	if m.link.keepsAcks() {
		return nil
	}
	marked := false
	for _, s := range msg.Silences {
		if !s.Expired() && s.UntilResolved() {
			marked = true
			break
		}
	}
	if !marked {
		return nil
	}
	if a.keeper == nil {
		sc := m.cfg.Silence
		a.keeper = alertmanager.NewAckKeeper(alertmanager.AckKeeperOptions{Service: m.silenceService(), Logger: m.log,
			Policy: alertmanager.AckPolicy{Duration: sc.AckDuration.D(), Max: sc.AckMax.D()}})
	}
	k, now := a.keeper, m.now()
	alerts, alertsErr, silences := msg.Alerts, msg.AlertmanagerErr, msg.Silences
	return func() tea.Msg {
		ds, err := k.Tick(context.Background(), now, alerts, alertsErr, silences, nil)
		return ackKept{ds: ds, err: err}
	}
}

// onAckKept says what the round wrote: an extend, or its failure. A round
// that wrote nothing says nothing; the alerts screen shows each ack's state.
func (a *alertsPart) onAckKept(msg ackKept) tea.Cmd {
	if msg.err != nil && !errors.Is(msg.err, alertmanager.ErrAckRoundRunning) {
		a.m.log.Warn("ack keeper", "err", msg.err)
	}
	var cmds []tea.Cmd
	extended := false
	for _, d := range msg.ds {
		if d.Action != alertmanager.AckExtend {
			continue
		}
		who := text.Sanitize(d.By)
		if d.Err != nil {
			cmds = append(cmds, views.Flash("ack until resolved by "+who+" NOT extended: "+text.Sanitize(d.Err.Error()), true))
			continue
		}
		extended = true
		cmds = append(cmds, views.Flash("ack until resolved by "+who+": alert still firing, extended to "+d.NewEnd.In(a.m.now().Location()).Format("15:04:05"), false))
	}
	if extended {
		cmds = append(cmds, a.refresh())
	}
	return tea.Batch(cmds...)
}
