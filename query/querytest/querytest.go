// Package querytest holds what the tests of query's own packages
// (query/doctor, query/timeline) share: a client of a demo stack's
// Prometheus, the demo app's shape, and a one-series read. Only tests
// import it. (query's own tests keep theirs: importing this package from
// inside query would be a cycle.)
package querytest

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/query"
)

// Client is a client of the stack's Prometheus, closed when the test ends.
func Client(t testing.TB, stack *demo.Stack, timeout time.Duration) *query.Prometheus {
	t.Helper()
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// FlaskShape is prometheus_flask_exporter's default shape, of job "flask",
// over the rate window given.
func FlaskShape(window time.Duration) query.Shape {
	return query.Shape{
		Selector:         `job="flask"`,
		EndpointLabel:    "path",
		DurationMetric:   "flask_http_request_duration_seconds",
		RequestsMetric:   "flask_http_request_total",
		ExceptionsMetric: "flask_http_request_exceptions_total",
		ErrorStatus:      "5..",
		Window:           window,
	}
}

// ScalarAt evaluates a one-series expression at the given time; an empty
// result, or ±Inf, is NaN.
func ScalarAt(t testing.TB, p *query.Prometheus, expr string, at time.Time) float64 {
	t.Helper()
	v, _, err := p.Query(context.Background(), expr, at)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) > 1 {
		t.Fatalf("%s: want at most one series, got %v", expr, v)
	}
	if len(vec) == 0 || math.IsInf(float64(vec[0].Value), 0) {
		return math.NaN()
	}
	return float64(vec[0].Value)
}
