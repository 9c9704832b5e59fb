package alertmanager

import (
	"context"
	"errors"
	"sync"

	"github.com/prometheus/alertmanager/api/v2/client/alert"

	"github.com/vigilterm/vigil/query"
)

// FiringCount counts the alerts Alertmanager sends notifications for: one
// GET /api/v2/alerts?active=true&silenced=false&inhibited=false on the
// first healthy peer. It is the cheap question a console asks of the
// contexts it does not show.
func (a *Client) FiringCount(ctx context.Context) (int, error) {
	n := 0
	err := a.read(ctx, "count alerts", func(ctx context.Context, p *amPeer) error {
		t, f := true, false
		params := alert.NewGetAlertsParamsWithContext(ctx).WithTimeout(a.timeout).
			WithActive(&t).WithSilenced(&f).WithInhibited(&f)
		res, err := p.api.Alert.GetAlerts(params)
		if err != nil {
			return err
		}
		n = 0
		for _, g := range res.Payload {
			if g != nil {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// CountFiringOf is query.CountFiring of ClusterAlerts rows.
func CountFiringOf(rows []ClusterAlert) int {
	n := 0
	for _, a := range rows {
		if a.State == query.StateFiring {
			n++
		}
	}
	return n
}

// ContextAlerts reads a context's alerts as its Alerts screen merges them,
// both sources at once: Alertmanager's (every state, so that a silenced
// alert Prometheus also has is not counted as firing) and Prometheus's.
// am or prom may be nil. Prometheus's alerts being unknown fails the
// whole (the count would be short), except for an engine that evaluates
// no rules (it has none of its own) when there is an Alertmanager.
func ContextAlerts(ctx context.Context, am *Client, prom *query.Prometheus) ([]query.Alert, error) {
	var (
		amAlerts, promAlerts []query.Alert
		amErr, promErr       error
		wg                   sync.WaitGroup
	)
	if am != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			amAlerts, amErr = am.Alerts(ctx)
		}()
	}
	if prom != nil {
		promAlerts, promErr = prom.Alerts(ctx)
	}
	wg.Wait()
	var nre *query.NoRulesError
	if am != nil && errors.As(promErr, &nre) {
		promErr = nil
	}
	if err := errors.Join(amErr, promErr); err != nil {
		return nil, err
	}
	return query.MergeAlerts(amAlerts, promAlerts), nil
}

// ContextFiringCount is query.CountFiring of ContextAlerts: what a console asks
// of the contexts it does not show, the same number the shown one counts.
func ContextFiringCount(ctx context.Context, am *Client, prom *query.Prometheus) (int, error) {
	as, err := ContextAlerts(ctx, am, prom)
	if err != nil {
		return 0, err
	}
	return query.CountFiring(as), nil
}

// WithPrometheusAlerts merges Prometheus's alerts into a cluster's rows as
// query.MergeAlerts does into Alertmanager's list: a row Prometheus has takes
// its activation time (one age), and Prometheus's alerts no peer holds
// are added (Source SourcePrometheus, On 0).
func WithPrometheusAlerts(c ClusterAlerts, prom []query.Alert) ClusterAlerts {
	am := make([]query.Alert, len(c.Alerts))
	for i, r := range c.Alerts {
		am[i] = r.Alert
	}
	row := make(map[string]int, len(c.Alerts))
	for i, r := range c.Alerts {
		row[r.Key()] = i
	}
	merged := query.MergeAlerts(am, prom)
	out := c
	out.Alerts = make([]ClusterAlert, len(merged))
	for i, a := range merged {
		if j, ok := row[a.Key()]; ok && a.Source != query.SourcePrometheus {
			r := c.Alerts[j]
			r.Alert = a
			out.Alerts[i] = r
			continue
		}
		out.Alerts[i] = ClusterAlert{Alert: a, Of: c.Answered()}
	}
	return out
}
