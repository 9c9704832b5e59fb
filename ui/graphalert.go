package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/ui/keys"
	"github.com/vigilterm/vigil/views"
)

// graphAlert is the alerts screen as the console shows it: g graphs the
// selected alert's rule in the PromQL prompt (home still goes to the top),
// and the help says so.
type graphAlert struct {
	*views.Alerts
	k          *keys.KeyMap
	rules      RulesSource
	deadline   time.Duration
	graphRange func() time.Duration
}

func newGraphAlert(m *Model, a *views.Alerts) graphAlert {
	return graphAlert{Alerts: a, k: m.ctx.Keys, rules: m.opts.Rules, deadline: m.ctx.Config.Prometheus.Timeout.D(),
		graphRange: func() time.Duration { return m.ov.detail.graphRange() }}
}

// Update implements views.Screen.
func (g graphAlert) Update(msg tea.Msg) (views.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && !g.Capturing() && key.Matches(k, g.k.GraphAlert) {
		al, ok := g.SelectedAlert()
		if d := g.Detail(); d != nil {
			al, ok = d.Alert(), true
		}
		if !ok {
			return g, nil
		}
		return g, g.graph(al)
	}
	_, cmd := g.Alerts.Update(msg)
	return g, cmd
}

// FullHelp implements views.Screen: the alerts' keys and g.
func (g graphAlert) FullHelp() [][]key.Binding {
	groups := g.Alerts.FullHelp()
	if len(groups) == 0 {
		return [][]key.Binding{{g.k.GraphAlert}}
	}
	last := append(append([]key.Binding(nil), groups[len(groups)-1]...), g.k.GraphAlert)
	return append(groups[:len(groups)-1:len(groups)-1], last)
}

// graph finds the alert's rule in Prometheus's /api/v1/rules and graphs its
// expression: the left side of a trailing comparison with a number, with
// that number as the threshold, or else the whole expression; a marker
// shows when the alert became active.
func (g graphAlert) graph(al query.Alert) tea.Cmd {
	if g.rules == nil {
		return views.Flash("graphing an alert needs a Prometheus source", true)
	}
	rules, deadline, rng := g.rules, g.deadline, g.graphRange()
	return request(deadline, func(ctx context.Context) tea.Msg {
		list, err := rules(ctx)
		if err != nil {
			return views.FlashMsg{Text: "alert rules not read: " + err.Error(), Error: true}
		}
		rule, ok := query.RuleFor(al, list)
		if !ok || strings.TrimSpace(rule.Query) == "" {
			return views.FlashMsg{Text: "no rule in Prometheus for alert " + al.Name + " (it may come from another Prometheus)", Error: true}
		}
		req := views.PromQLGraphMsg{Expr: rule.Query, Range: rng, Marker: al.ActiveAt, Title: al.Name + ": " + rule.Query}
		if lhs, th, ok := query.RuleThreshold(rule.Query); ok {
			req.Expr, req.Threshold = lhs, &th
		}
		return req
	})
}
