package demotest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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

// BarrierHandler is the request Settle sends; it must not be among the
// handlers a caller counts exactly.
const BarrierHandler = "/api/v1/status/buildinfo"

// Settle returns once Prometheus has counted every API request sent to it
// so far: it sends one more, to BarrierHandler, and waits (up to a
// generous deadline) until that one is counted. Prometheus counts a
// request when its handler returns, which can be a moment after the client
// has the answer; a request sent earlier that was still to be counted
// shows by then, so an exact count can be asserted without sleeping on it.
func Settle(t testing.TB, promURL string) {
	t.Helper()
	barrier := PrometheusRequests(t, promURL)[BarrierHandler]
	var info struct{}
	GetJSON(t, promURL+BarrierHandler, &info)
	Eventually(t, 30*time.Second, "Prometheus to count a request sent after the others", func() (bool, string) {
		n := PrometheusRequests(t, promURL)[BarrierHandler]
		return n > barrier, fmt.Sprintf("%s counted %v, was %v", BarrierHandler, n, barrier)
	})
}

// RequestsSince is the count of the named handlers' requests Prometheus has
// served since it counted before, once every request sent so far is in it:
// it waits until the count reaches at least want, then Settles.
func RequestsSince(t testing.TB, promURL string, before, want float64, handlers ...string) float64 {
	t.Helper()
	for _, h := range handlers {
		if h == BarrierHandler {
			t.Fatalf("RequestsSince counts %s, the barrier of Settle", h)
		}
	}
	count := func() float64 { return SumRequests(PrometheusRequests(t, promURL), handlers...) }
	Eventually(t, 30*time.Second, fmt.Sprintf("Prometheus to count %v requests of %v", want, handlers), func() (bool, string) {
		got := count() - before
		return got >= want, fmt.Sprintf("counted %v", got)
	})
	Settle(t, promURL)
	return count() - before
}

// Scrapes is how many scrapes of the target at instance (host:port)
// Prometheus holds from the last hour: a clock that runs as slowly as the
// machine does.
func Scrapes(t testing.TB, promURL, instance string) int {
	t.Helper()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	GetJSON(t, promURL+"/api/v1/query?"+url.Values{"query": {fmt.Sprintf(`count_over_time(up{instance=%q}[1h])`, instance)}}.Encode(), &r)
	if len(r.Data.Result) == 0 {
		return 0
	}
	v, _ := r.Data.Result[0].Value[1].(string)
	n, _ := strconv.ParseFloat(v, 64)
	return int(n)
}

// WaitScrapes waits until Prometheus holds at least n scrapes of the target
// at instance, with a deadline generous for a slow scrape.
func WaitScrapes(t testing.TB, promURL, instance string, n int) {
	t.Helper()
	Eventually(t, time.Duration(n)*5*time.Second+30*time.Second, fmt.Sprintf("%d scrapes of %s", n, instance), func() (bool, string) {
		got := Scrapes(t, promURL, instance)
		return got >= n, fmt.Sprintf("%d scrapes", got)
	})
}

// WaitMoreScrapes waits until Prometheus has scraped the target at instance
// n more times than it had: n scrape intervals of data after whatever was
// just done, however long they take to come.
func WaitMoreScrapes(t testing.TB, promURL, instance string, n int) {
	t.Helper()
	WaitScrapes(t, promURL, instance, Scrapes(t, promURL, instance)+n)
}
