package timeline

import (
	"testing"

	"github.com/vigilterm/vigil/demo/demotest"
)

// queryHandlers are the API handlers queryRequests counts.
var queryHandlers = []string{"/api/v1/query", "/api/v1/query_range", "/api/v1/targets", "/api/v1/rules"}

// queryRequests is how many requests Prometheus's query API has served.
func queryRequests(t *testing.T, promURL string) float64 {
	t.Helper()
	return demotest.SumRequests(demotest.PrometheusRequests(t, promURL), queryHandlers...)
}
