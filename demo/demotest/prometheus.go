package demotest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// PrometheusRequests reads Prometheus's own count of the API requests it
// has served (prometheus_http_requests_total), by handler
// ("/api/v1/query", "/api/v1/query_range", "/api/v1/labels", …).
func PrometheusRequests(t testing.TB, promURL string) map[string]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, promURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s/metrics: %v", promURL, err)
	}
	fam, ok := fams["prometheus_http_requests_total"]
	if !ok {
		t.Fatalf("%s/metrics has no prometheus_http_requests_total", promURL)
	}
	out := map[string]float64{}
	for _, m := range fam.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "handler" && strings.HasPrefix(l.GetValue(), "/api/v1/") {
				out[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// SumRequests is the sum of the named handlers' counts.
func SumRequests(counts map[string]float64, handlers ...string) float64 {
	total := 0.0
	for _, h := range handlers {
		total += counts[h]
	}
	return total
}
