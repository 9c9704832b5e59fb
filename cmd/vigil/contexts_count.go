package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/ui"
)

// counted gives sp its cheap questions, asked while the context is not
// shown: the count of its firing alerts and its alerts for the list of all
// contexts, from its Alertmanager cluster and its Prometheus, merged as
// its Alerts screen merges them, so that its firing count is one number
// wherever it is shown (query.CountFiring). err is why a client could not
// be made: each answer is it.
func counted(sp ui.ContextSpec, cfg *vigil.Config, am *alertmanager.Client, prom *query.Prometheus, err error) ui.ContextSpec {
	sp.Alerts = listAlerts(am, prom, err)
	if len(cfg.Alertmanager.URLs) > 0 {
		sp.Timeout = max(cfg.Alertmanager.Timeout.D(), cfg.Prometheus.Timeout.D())
	}
	sp.Count = func(ctx context.Context) (int, error) {
		if err != nil {
			return 0, err
		}
		return alertmanager.ContextFiringCount(ctx, am, prom)
	}
	return sp
}

// listAlerts reads a context's alerts for the list of all contexts: every
// peer of its Alertmanager cluster with its Prometheus's alerts merged in
// (alertmanager.WithPrometheusAlerts), else its Prometheus's own (an engine that
// evaluates no rules says so); err is why its client could not be made.
func listAlerts(am *alertmanager.Client, prom *query.Prometheus, err error) ui.ListAlerts {
	return func(ctx context.Context) (alertmanager.ClusterAlerts, bool, error) {
		if err != nil {
			return alertmanager.ClusterAlerts{}, am == nil, err
		}
		if am != nil {
			var (
				promAlerts []query.Alert
				promErr    error
				done       = make(chan struct{})
			)
			go func() {
				defer close(done)
				promAlerts, promErr = prom.Alerts(ctx)
			}()
			a, err := am.ClusterAlerts(ctx)
			<-done
			var nre *query.NoRulesError
			if errors.As(promErr, &nre) {
				promErr = nil
			}
			if err == nil && promErr != nil {
				// The rows stand; the count would be short: unknown.
				return a, false, fmt.Errorf("prometheus alerts: %w", promErr)
			}
			if err == nil {
				a = alertmanager.WithPrometheusAlerts(a, promAlerts)
			}
			return a, false, err
		}
		alerts, err := prom.Alerts(ctx)
		if err != nil {
			return alertmanager.ClusterAlerts{}, true, err
		}
		out := alertmanager.ClusterAlerts{Peers: 1}
		for _, a := range alerts {
			out.Alerts = append(out.Alerts, alertmanager.ClusterAlert{Alert: a, On: 1, Of: 1})
		}
		return out, true, nil
	}
}
