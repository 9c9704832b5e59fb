package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// promAlertsDefaultTimeout bounds a call whose context has no deadline.
const promAlertsDefaultTimeout = 30 * time.Second

// Rule is one alerting rule as Prometheus evaluates it. Query is the
// expression, to graph an alert's rule.
type Rule struct {
	Name        string
	Group       string
	Query       string
	Duration    time.Duration // the rule's `for`
	Interval    time.Duration // its group's evaluation interval; 0 unknown
	Labels      map[string]string
	Annotations map[string]string
	Health      string // ok, err, unknown
	LastError   string
	State       string // firing, pending, inactive
}

// PrometheusAlerts lists the pending and firing alerts of Prometheus's
// /api/v1/alerts, with Source "prometheus". Pending ones are those
// Alertmanager never sees.
func PrometheusAlerts(ctx context.Context, api v1.API) ([]Alert, error) {
	if api == nil {
		return nil, errors.New("prometheus alerts: no Prometheus API")
	}
	ctx, cancel := promAlertsDeadline(ctx)
	defer cancel()
	res, err := api.Alerts(ctx)
	if err != nil {
		return nil, fmt.Errorf("prometheus alerts: %w", err)
	}
	out := make([]Alert, 0, len(res.Alerts))
	for _, pa := range res.Alerts {
		var st AlertState
		switch pa.State {
		case v1.AlertStateFiring:
			st = StateFiring
		case v1.AlertStatePending:
			st = StatePending
		default:
			continue
		}
		ls := labelSetMap(pa.Labels)
		out = append(out, Alert{
			Fingerprint: pa.Labels.Fingerprint().String(),
			Name:        ls["alertname"],
			Severity:    ls["severity"],
			State:       st,
			Labels:      ls,
			Annotations: labelSetMap(pa.Annotations),
			ActiveAt:    pa.ActiveAt,
			Source:      SourcePrometheus,
			Value:       pa.Value,
		})
	}
	return out, nil
}

// PrometheusRules lists the alerting rules of /api/v1/rules (recording
// rules are left out), in Prometheus's order.
func PrometheusRules(ctx context.Context, api v1.API) ([]Rule, error) {
	if api == nil {
		return nil, errors.New("prometheus rules: no Prometheus API")
	}
	ctx, cancel := promAlertsDeadline(ctx)
	defer cancel()
	res, err := api.Rules(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("prometheus rules: %w", err)
	}
	var out []Rule
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			var ar v1.AlertingRule
			switch x := r.(type) {
			case v1.AlertingRule:
				ar = x
			case *v1.AlertingRule:
				if x == nil {
					continue
				}
				ar = *x
			default:
				continue
			}
			out = append(out, Rule{
				Name:        ar.Name,
				Group:       g.Name,
				Query:       ar.Query,
				Duration:    time.Duration(ar.Duration * float64(time.Second)),
				Interval:    time.Duration(g.Interval * float64(time.Second)),
				Labels:      labelSetMap(ar.Labels),
				Annotations: labelSetMap(ar.Annotations),
				Health:      string(ar.Health),
				LastError:   ar.LastError,
				State:       ar.State,
			})
		}
	}
	return out, nil
}

// RuleFor finds the rule that produced an alert: the same name, and every
// label the rule sets present on the alert with the same value.
func RuleFor(a Alert, rules []Rule) (Rule, bool) {
	name := alertName(a)
	for _, r := range rules {
		if r.Name == name && labelsSubset(r.Labels, a.Labels) {
			return r, true
		}
	}
	return Rule{}, false
}

func labelSetMap(ls model.LabelSet) map[string]string {
	out := make(map[string]string, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}

func promAlertsDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, promAlertsDefaultTimeout)
}
