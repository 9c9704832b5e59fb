package query

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// An alert's history: how often it fired in each hour of the last day,
// from one range query of ALERTS_FOR_STATE (whose value is the time the
// alert became active) kept where ALERTS says the alert was firing.

// AlertHistoryHours is the number of hours of an alert's history.
const AlertHistoryHours = 24

// AlertHistoryStep is the step of the history's range query: an
// activation that fired for less than a step between two points can be
// missed. A day at 15s is 5761 points, under Prometheus's 11000.
const AlertHistoryStep = 15 * time.Second

// AlertHistory is how often an alert fired in each clock hour of the last
// AlertHistoryHours, oldest first: Counts[i] holds the activations whose
// active-since time falls in [Start+i·1h, Start+(i+1)·1h). The last hour
// is the current one, still running.
type AlertHistory struct {
	Start, End time.Time
	Counts     [AlertHistoryHours]int
	Total      int
	Query      string
}

// AlertHistoryQuery is ALERTS_FOR_STATE of an alert name where the alert
// of the same labels is firing.
func AlertHistoryQuery(alertname string) string {
	m := LabelMatch("alertname", "=", alertname)
	return "ALERTS_FOR_STATE{" + m + "} and ignoring (alertstate) ALERTS{" + m + `,alertstate="firing"}`
}

// AlertHistoryRange is the range of the history as of now: from the start
// of the clock hour AlertHistoryHours-1 hours before now's, to now.
func AlertHistoryRange(now time.Time) v1.Range {
	end := now.Truncate(time.Second)
	start := now.Truncate(time.Hour).Add(-(AlertHistoryHours - 1) * time.Hour)
	return v1.Range{Start: start, End: end, Step: AlertHistoryStep}
}

// BucketActivations counts the activations in the answer to
// AlertHistoryQuery: each distinct value (an active-since time) of a series
// whose labels all belong to the alert (labels nil: every series) counts
// once, in the hour it falls in; one before start or at or after
// start+AlertHistoryHours counts in none.
func BucketActivations(mat model.Matrix, labels map[string]string, start time.Time) (h AlertHistory) {
	h.Start = start
	h.End = start.Add(AlertHistoryHours * time.Hour)
	seen := map[int64]bool{}
	for _, ss := range mat {
		if !seriesOf(ss.Metric, labels) {
			continue
		}
		for _, sp := range ss.Values {
			v := float64(sp.Value)
			if Missing(v) {
				continue
			}
			at := unixTime(v)
			key := at.Unix()
			if seen[key] {
				continue
			}
			seen[key] = true
			if at.Before(start) || !at.Before(h.End) {
				continue
			}
			i := int(at.Sub(start) / time.Hour)
			h.Counts[i]++
			h.Total++
		}
	}
	return h
}

// seriesOf reports whether every label of the series (but its name) has
// the same value among labels: the alert's labels hold the series' and
// maybe more (the external labels Alertmanager sees).
func seriesOf(m model.Metric, labels map[string]string) bool {
	if labels == nil {
		return true
	}
	for k, v := range m {
		if k == model.MetricNameLabel || k == "alertstate" {
			continue
		}
		if labels[string(k)] != string(v) {
			return false
		}
	}
	return true
}

// ReadAlertHistory reads an alert's history as of now with one range query.
func ReadAlertHistory(ctx context.Context, q Querier, al Alert, now time.Time) (*AlertHistory, error) {
	name := al.Name
	if name == "" {
		name = al.Labels["alertname"]
	}
	if name == "" {
		return nil, fmt.Errorf("alert history: the alert has no alertname")
	}
	expr := AlertHistoryQuery(name)
	rng := AlertHistoryRange(now)
	v, _, err := q.QueryRange(ctx, expr, rng)
	if err != nil {
		return nil, fmt.Errorf("%w (query %s)", err, expr)
	}
	mat, ok := v.(model.Matrix)
	if !ok && v != nil {
		return nil, fmt.Errorf("unexpected result type %s (query %s)", v.Type(), expr)
	}
	labels := al.Labels
	if len(labels) == 0 {
		labels = nil
	}
	h := BucketActivations(mat, labels, rng.Start)
	h.Query = expr
	return &h, nil
}
