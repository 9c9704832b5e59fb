package ui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	promqlview "github.com/vigilterm/vigil/views/promql"
)

// graphAlert graphs an alert's rule in the PromQL prompt when the alerts
// screen asks for it (views.GraphAlertMsg, sent on its graph key).
type graphAlert struct {
	rules      RulesSource
	deadline   time.Duration
	graphRange func() time.Duration
}

func newGraphAlert(m *Model) graphAlert {
	return graphAlert{rules: m.opts.Rules, deadline: m.cfg.Prometheus.Timeout.D(),
		graphRange: m.graphRange}
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
		req := promqlview.GraphMsg{Expr: rule.Query, Range: rng, Marker: al.ActiveAt, Title: al.Name + ": " + rule.Query, Alertname: al.Name}
		if lhs, th, ok := query.RuleThreshold(rule.Query); ok {
			req.Expr, req.Threshold = lhs, &th
		}
		return req
	})
}
