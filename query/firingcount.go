package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/common/model"
)

// FiringCount counts the alerts Alertmanager sends notifications for: one
// GET /api/v2/alerts?active=true&silenced=false&inhibited=false on the
// first healthy peer. It is the cheap question a console asks of the
// contexts it does not show.
func (a *Alertmanager) FiringCount(ctx context.Context) (int, error) {
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

// FiringCountExpr is the one query of Prometheus's own firing alerts.
const FiringCountExpr = `count(ALERTS{alertstate="firing"}) or vector(0)`

// FiringCount counts Prometheus's own firing alerts with one instant query,
// for a context without an Alertmanager.
func (p *Prometheus) FiringCount(ctx context.Context) (int, error) {
	if e, err := p.DetectEngine(ctx); err == nil && !e.EvaluatesRules() {
		// Its ALERTS would read 0 whatever fires: unknown, not none.
		return 0, &NoRulesError{Engine: e}
	}
	v, _, err := p.Query(ctx, FiringCountExpr, time.Time{})
	if err != nil {
		return 0, err
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) != 1 {
		return 0, fmt.Errorf("prometheus %s: %s: unexpected answer %s", p.url, FiringCountExpr, v)
	}
	f := float64(vec[0].Value)
	if math.IsNaN(f) || f < 0 || f > math.MaxInt32 {
		return 0, fmt.Errorf("prometheus %s: %s: unexpected value %v", p.url, FiringCountExpr, f)
	}
	return int(f), nil
}

// CountFiring is a context's firing count, wherever it is shown (its
// header, its tab, the list of all contexts): the alerts in state firing
// of the list its Alerts screen shows, MergeAlerts of Alertmanager's and
// Prometheus's. A firing alert only Prometheus has (not delivered, or sent
// to no Alertmanager of the context) counts: it fires.
func CountFiring(alerts []Alert) int {
	n := 0
	for _, a := range alerts {
		if a.State == StateFiring {
			n++
		}
	}
	return n
}

// CountFiringOf is CountFiring of ClusterAlerts rows.
func CountFiringOf(rows []ClusterAlert) int {
	n := 0
	for _, a := range rows {
		if a.State == StateFiring {
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
func ContextAlerts(ctx context.Context, am *Alertmanager, prom *Prometheus) ([]Alert, error) {
	var (
		amAlerts, promAlerts []Alert
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
	var nre *NoRulesError
	if am != nil && errors.As(promErr, &nre) {
		promErr = nil
	}
	if err := errors.Join(amErr, promErr); err != nil {
		return nil, err
	}
	return MergeAlerts(amAlerts, promAlerts), nil
}

// ContextFiringCount is CountFiring of ContextAlerts: what a console asks
// of the contexts it does not show, the same number the shown one counts.
func ContextFiringCount(ctx context.Context, am *Alertmanager, prom *Prometheus) (int, error) {
	as, err := ContextAlerts(ctx, am, prom)
	if err != nil {
		return 0, err
	}
	return CountFiring(as), nil
}

// WithPrometheusAlerts merges Prometheus's alerts into a cluster's rows as
// MergeAlerts does into Alertmanager's list: a row Prometheus has takes
// its activation time (one age), and Prometheus's alerts no peer holds
// are added (Source SourcePrometheus, On 0).
func WithPrometheusAlerts(c ClusterAlerts, prom []Alert) ClusterAlerts {
	am := make([]Alert, len(c.Alerts))
	for i, r := range c.Alerts {
		am[i] = r.Alert
	}
	row := make(map[string]int, len(c.Alerts))
	for i, r := range c.Alerts {
		row[r.Key()] = i
	}
	merged := MergeAlerts(am, prom)
	out := c
	out.Alerts = make([]ClusterAlert, len(merged))
	for i, a := range merged {
		if j, ok := row[a.Key()]; ok && a.Source != SourcePrometheus {
			r := c.Alerts[j]
			r.Alert = a
			out.Alerts[i] = r
			continue
		}
		out.Alerts[i] = ClusterAlert{Alert: a, Of: c.Answered()}
	}
	return out
}
