package alerting

import (
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// AlertsSeen is what a screen that opens alert and silence details keeps
// of the alerts feed and the rules check, so that a detail shows the same
// wherever it was opened (the Alerts screen, the timeline): the silences
// on the alert, who it pages, what inhibits it, acks kept until resolved,
// and the rule's findings.
type AlertsSeen struct {
	All      []query.Alert
	Silences []query.Silence
	// AckErr is why acks kept until resolved are unknown (ackuntil.go).
	AckErr   error
	Rules    *views.RulesCheck
	RulesErr error
	// ClaimOf says who is on an alert; nil where nobody can be.
	ClaimOf func(key string) string

	routing routingInfo
}

// TakeRouting keeps the routing and the acks' state of a refresh.
func (s *AlertsSeen) TakeRouting(msg views.AlertsMsg) {
	s.routing, s.AckErr = routingFrom(msg), ackErr(msg)
}

// Data is the refresh as the open details take it: Broadcast it to them.
func (s *AlertsSeen) Data() tea.Msg {
	return alertsData{all: s.All, silences: s.Silences, routing: s.routing, ackErr: s.AckErr}
}

// OpenAlert is the detail of an alert, and the commands that ask for its
// history and, when its rule has a finding, the rule's backtest.
func (s *AlertsSeen) OpenAlert(ctx *views.Context, a query.Alert) (*AlertDetail, tea.Cmd) {
	d := NewAlertDetail(ctx, a, s.Silences)
	d.ackErr, d.claimOf = s.AckErr, s.ClaimOf
	d.rules, d.rulesErr = s.Rules, s.RulesErr
	d.setRouting(s.routing, s.All)
	return d, tea.Batch(d.WantHistory(), d.wantBacktest())
}

// OpenSilence is the detail of a silence, with the alerts it matches.
func (s *AlertsSeen) OpenSilence(ctx *views.Context, si query.Silence) views.Component {
	d := newSilenceDetail(ctx, si, s.All)
	d.ackErr = s.AckErr
	return d
}
