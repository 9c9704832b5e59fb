package timeline

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// demoClient is a client of the stack's Prometheus.
func demoClient(t *testing.T, stack *demo.Stack, timeout time.Duration) *query.Prometheus {
	t.Helper()
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// demoShape is the demo app's shape over the rate window given.
func demoShape(window time.Duration) query.Shape {
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

// postControl posts form to the demo app's control path.
func postControl(t *testing.T, app, path string, form url.Values) {
	t.Helper()
	resp, err := http.PostForm(app+path, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %v: %s %s", path, form, resp.Status, body)
	}
}

// queryHandlers are the API handlers queryRequests counts.
var queryHandlers = []string{"/api/v1/query", "/api/v1/query_range", "/api/v1/targets", "/api/v1/rules"}

// queryRequests is how many requests Prometheus's query API has served.
func queryRequests(t *testing.T, promURL string) float64 {
	t.Helper()
	return demotest.SumRequests(demotest.PrometheusRequests(t, promURL), queryHandlers...)
}

// scalarAt evaluates a one-series expression at the given time; an empty
// result, or ±Inf, is NaN.
func scalarAt(t *testing.T, p *query.Prometheus, expr string, at time.Time) float64 {
	t.Helper()
	v, _, err := p.Query(context.Background(), expr, at)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) > 1 {
		t.Fatalf("%s: want at most one series, got %v", expr, v)
	}
	if len(vec) == 0 {
		return math.NaN()
	}
	if v := float64(vec[0].Value); !math.IsInf(v, 0) {
		return v
	}
	return math.NaN()
}
