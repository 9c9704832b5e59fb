package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// These tests run the real Prometheus scraping vigil's demo app.

func demoShape(window time.Duration) Shape {
	s := flaskShape()
	s.Window = window
	return s
}

func demoClient(t *testing.T, stack *demo.Stack, timeout time.Duration) *Prometheus {
	t.Helper()
	return newTestClient(t, stack.PrometheusURL, timeout, 0)
}

// scalarAt evaluates a one-series expression at the given time; an empty
// result is NaN.
func scalarAt(t *testing.T, p *Prometheus, expr string, at time.Time) float64 {
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
	return finite(float64(vec[0].Value))
}

func closeTo(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9+1e-7*math.Max(math.Abs(a), math.Abs(b))
}

func TestIntegrationOverview(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}, QueryLog: true})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.6})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(time.Minute)
	paths := stack.App.Paths()

	// Wait for a few scrapes: every endpoint has a rate and checkout fails.
	var ov *Overview
	demotest.Eventually(t, 45*time.Second, "every endpoint to have a rate", func() (bool, string) {
		var err error
		ov, err = p.Overview(context.Background(), s)
		if err != nil {
			return false, err.Error()
		}
		withRate := 0
		for _, e := range ov.Endpoints {
			if e.RPS > 0 {
				withRate++
			}
		}
		return withRate >= len(paths)-2 && len(ov.Endpoints) == len(paths), fmt.Sprintf("%d endpoints, %d with traffic", len(ov.Endpoints), withRate)
	})

	t.Run("shape of the table", func(t *testing.T) {
		if len(paths) < 25 || len(paths) > 30 {
			t.Errorf("the demo app has %d paths, want about 30", len(paths))
		}
		if got := names(ov.Endpoints); !slices.Equal(got, slices.Sorted(slices.Values(paths))) {
			t.Errorf("endpoints %v\nwant the app's paths %v", got, paths)
		}
		if len(ov.Errors) != 0 {
			t.Errorf("errors: %v", ov.Errors)
		}
		if ov.Window != time.Minute || ov.At.IsZero() || ov.Took <= 0 || time.Since(ov.At) > time.Minute {
			t.Errorf("window %s at %s took %s", ov.Window, ov.At, ov.Took)
		}
		co := find(t, ov, "/api/checkout")
		if co.ErrorRatio < 0.4 || co.ErrorRatio > 0.85 {
			t.Errorf("/api/checkout error ratio %v with a 0.6 fault", co.ErrorRatio)
		}
		// The trend's last point lies on its 30s grid: in the first
		// seconds of the stack it may be before any traffic (unknown), and
		// once known it shows the incident. At 0.2 requests a second a
		// step holds a few requests, so its ratio is far from the fault's
		// 0.6 now and then (0.28 was seen): it must only stand clear of
		// the endpoint's errors without a fault (none).
		if last := co.Trend[len(co.Trend)-1]; co.Exceptions <= 0 || len(co.Trend) != TrendPoints || (!Missing(last) && (last < 0 || last > 1)) {
			t.Errorf("/api/checkout = %+v", co)
		}
		// A step of a few requests can hold no error at all (0 was seen
		// in the stack's first step): wait for a step that shows the
		// incident, as the next refreshes of the console would.
		demotest.Eventually(t, 90*time.Second, "a trend step of /api/checkout that shows its errors", func() (bool, string) {
			o, err := p.Overview(context.Background(), s)
			if err != nil {
				return false, err.Error()
			}
			for _, e := range o.Endpoints {
				if e.Name == "/api/checkout" && len(e.Trend) > 0 {
					last := e.Trend[len(e.Trend)-1]
					return !Missing(last) && last > 0.1, fmt.Sprintf("last trend point %v", last)
				}
			}
			return false, "no /api/checkout row"
		})
		if ov.ExceptionsByEndpoint || ov.ExceptionsSource != `flask_http_request_duration_seconds_count{status="500"}` {
			t.Errorf("default app: by endpoint %v source %q", ov.ExceptionsByEndpoint, ov.ExceptionsSource)
		}
		if h := find(t, ov, "/health"); h.ErrorRatio != 0 || h.Exceptions != 0 {
			t.Errorf("/health has traffic and no errors: ratio %v exceptions %v, want 0 and 0", h.ErrorRatio, h.Exceptions)
		}
		eps := slices.Clone(ov.Endpoints)
		SortEndpoints(eps, SortWorst, false, testThresholds)
		if eps[0].Name != "/api/checkout" {
			t.Errorf("worst first is %s, want /api/checkout", eps[0].Name)
		}
	})

	// The figures, with the quantiles asked of Prometheus (the first
	// refresh of a client) and computed in vigil from one read of the
	// buckets (the refreshes after, at this scale).
	for _, c := range []struct {
		name    string
		p       *Prometheus
		inVigil bool
	}{{"asked", demoClient(t, stack, 10*time.Second), false}, {"from the buckets", p, true}} {
		t.Run("figures equal PromQL computed per path, quantiles "+c.name, func(t *testing.T) { figuresEqualPromQL(t, c.p, s, c.inVigil) })
	}

	t.Run("queries per refresh are constant: all of them, or all but the slow ones", func(t *testing.T) {
		checkQueriesPerRefresh(t, p, stack, s, 3)
	})

	t.Run("bad error_status regex", func(t *testing.T) {
		bad := s
		bad.ErrorStatus = "5(("
		ov, err := p.Overview(context.Background(), bad)
		if err != nil {
			t.Fatalf("a bad query must not fail the refresh: %v", err)
		}
		var failed []string
		for _, qe := range ov.Errors {
			failed = append(failed, qe.Name)
			ae := qe.Err.(*ServerError).APIError()
			if ae == nil || ae.Type != "bad_data" || !strings.HasPrefix(qe.Error(), "query "+qe.Name+": prometheus "+p.URL()+": bad_data: ") ||
				!strings.Contains(qe.Error(), "parse error: error parsing regexp: missing closing )") || !strings.Contains(qe.Query, `status=~"5(("`) {
				t.Errorf("%s: %v (query %s)", qe.Name, qe.Err, qe.Query)
			}
			if IsUnreachable(qe.Err) {
				t.Errorf("%s: a bad query is not unreachable", qe.Name)
			}
		}
		t.Logf("first error: %v", ov.Errors[0])
		// The error matcher is in the rates (with the requests/s it
		// travels with) and the trend: those are unknown, the rest fills.
		if !slices.Equal(failed, []string{"rates", "trend"}) {
			t.Errorf("failed queries %v, want rates, trend", failed)
		}
		co := find(t, ov, "/api/checkout")
		if !math.IsNaN(co.RPS) || !(co.P99 > 0) || !(co.P50 > 0) || !math.IsNaN(co.Exceptions) || !math.IsNaN(co.ErrorRatio) || co.Trend != nil {
			t.Errorf("the latency must still fill, the rates be unknown: %+v", co)
		}
		if len(ov.Endpoints) != len(paths) || !math.IsNaN(ov.Totals.RPS) || !math.IsNaN(ov.Totals.ErrorRatio) || !(ov.Totals.P99 > 0) || !(ov.Totals.Exceptions > 0) {
			t.Errorf("%d endpoints, totals %+v", len(ov.Endpoints), ov.Totals)
		}
	})

	t.Run("bad metric name", func(t *testing.T) {
		bad := s
		bad.ExceptionsMetric = "flask-exceptions"
		ov, err := p.Overview(context.Background(), bad)
		if err != nil {
			t.Fatal(err)
		}
		var failed []string
		for _, qe := range ov.Errors {
			failed = append(failed, qe.Name)
			if !strings.Contains(qe.Error(), "bad_data") {
				t.Errorf("%s: %v", qe.Name, qe)
			}
		}
		if !slices.Equal(failed, []string{"rates", "totals"}) {
			t.Errorf("failed queries %v", failed)
		}
		// The latency still fills; what the failed queries carry is
		// unknown. The overall p99 travels in the totals when asked of
		// Prometheus; computed from the buckets it is still known.
		co := find(t, ov, "/api/checkout")
		if ov.ExceptionsByEndpoint || !math.IsNaN(co.Exceptions) || !(co.P99 > 0) || !math.IsNaN(ov.Totals.Exceptions) {
			t.Errorf("by endpoint %v, checkout %+v, total exceptions %v", ov.ExceptionsByEndpoint, co, ov.Totals.Exceptions)
		}
		if knownP99 := ov.Totals.P99 > 0; knownP99 != ov.QuantilesInVigil {
			t.Errorf("total p99 %v with the quantiles computed in vigil %v", ov.Totals.P99, ov.QuantilesInVigil)
		}
	})

	t.Run("prometheus down", func(t *testing.T) {
		if err := stack.StopPrometheus(); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		ov, err := p.Overview(context.Background(), s)
		wantUnreachable(t, ov, err, stack.PrometheusURL, "connection refused")
		if time.Since(begin) > 5*time.Second {
			t.Errorf("took %s to see Prometheus is down", time.Since(begin))
		}
	})
}

func TestIntegrationExceptionsByEndpoint(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3, ExceptionsByEndpoint: true}})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(time.Minute)
	// Evaluated a little in the past, so no scrape older than the
	// evaluation time is still being written.
	var ov *Overview
	demotest.Eventually(t, 45*time.Second, "exceptions by endpoint", func() (bool, string) {
		var err error
		ov, err = p.OverviewAt(context.Background(), s, time.Now().Add(-3*time.Second))
		if err != nil {
			return false, err.Error()
		}
		co := Endpoint{Exceptions: math.NaN()}
		if i := slices.IndexFunc(ov.Endpoints, func(e Endpoint) bool { return e.Name == "/api/checkout" }); i >= 0 {
			co = ov.Endpoints[i]
		}
		return ov.ExceptionsByEndpoint && co.Exceptions > 0, fmt.Sprintf("by endpoint %v, source %s, checkout %v", ov.ExceptionsByEndpoint, ov.ExceptionsSource, co.Exceptions)
	})
	if !ov.ExceptionsByEndpoint || ov.ExceptionsSource != "flask_http_request_exceptions_total" {
		t.Fatalf("by endpoint %v source %q", ov.ExceptionsByEndpoint, ov.ExceptionsSource)
	}
	co := find(t, ov, "/api/checkout")
	want := scalarAt(t, p, `sum(rate(flask_http_request_exceptions_total{job="flask",path="/api/checkout"}[1m])) * 60`, ov.At)
	if !(co.Exceptions > 0) || !closeTo(co.Exceptions, want) {
		t.Errorf("/api/checkout exceptions %v, want %v from the counter", co.Exceptions, want)
	}
	if h := find(t, ov, "/health"); h.Exceptions != 0 {
		t.Errorf("/health exceptions %v, want 0", h.Exceptions)
	}
}

func TestIntegrationQueriesPerRefresh10k(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000-endpoint stack: not in -short")
	}
	if demotest.RaceEnabled() {
		// The demo app runs in this test binary: under -race its
		// 17 MB /metrics takes 5-11s, longer than the scrape timeout, and
		// Prometheus never gets the data.
		t.Skip("SKIPPED, NOT TESTED under -race: the in-process 10,000-endpoint demo app scrapes too slowly; run without -race")
	}
	const n = 10000
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Endpoints: n, Seed: 1}, ScrapeInterval: 5 * time.Second, QueryLog: true})
	p := demoClient(t, stack, 60*time.Second)
	s := demoShape(time.Minute)
	demotest.Eventually(t, 90*time.Second, "10,000 endpoints with a rate", func() (bool, string) {
		ov, err := p.Overview(context.Background(), s)
		if err != nil {
			return false, err.Error()
		}
		withRate := 0
		for _, e := range ov.Endpoints {
			if !math.IsNaN(e.RPS) {
				withRate++
			}
		}
		return len(ov.Endpoints) == n && withRate == n, fmt.Sprintf("%d endpoints, %d with a rate, errors %v", len(ov.Endpoints), withRate, ov.Errors)
	})
	checkQueriesPerRefresh(t, p, stack, s, 2)

	// Where a 10,000-endpoint refresh spends its time, one query at a time.
	at := time.Now()
	plan := PlanTrend(s.Window, at)
	for _, q := range OverviewQueries(s, plan) {
		begin := time.Now()
		var err error
		if q.Range {
			_, _, err = p.QueryRange(context.Background(), q.Expr, v1.Range{Start: plan.Start, End: plan.End, Step: plan.Step})
		} else {
			_, _, err = p.Query(context.Background(), q.Expr, at)
		}
		if err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
		t.Logf("%-22s %s", q.Name, time.Since(begin).Round(time.Millisecond))
	}
}

// checkQueriesPerRefresh reads Prometheus's own count of query requests
// before and after calls Overview calls and wants the difference to be
// what they reported sending (Overview.Sent), each QueriesPerRefresh or,
// reusing what changes slowly, FastQueriesPerRefresh. With the stack's query log on, it also reports
// what Prometheus spent evaluating them, per refresh.
func checkQueriesPerRefresh(t *testing.T, p *Prometheus, stack *demo.Stack, s Shape, calls int) demotest.QueryCost {
	t.Helper()
	promURL := stack.PrometheusURL
	var logAt int64
	if stack.QueryLogPath() != "" {
		logAt = demotest.QueryLogSize(t, stack.QueryLogPath())
	}
	before := queryRequests(t, promURL)
	var endpoints, sent int
	for i := range calls {
		ov, err := p.Overview(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if len(ov.Errors) != 0 {
			t.Fatalf("errors: %v", ov.Errors)
		}
		endpoints = len(ov.Endpoints)
		// A refresh sends every query, or reuses what changes slowly
		// (read at most SlowEvery before) and sends the rest; one fewer
		// when it keeps the trend.
		kept := 0
		if ov.TrendKept {
			kept = 1
		}
		switch {
		case ov.Sent == QueriesPerRefresh-kept && ov.SlowAt.Equal(ov.At):
		case ov.Sent == FastQueriesPerRefresh-kept && ov.SlowAt.Before(ov.At) && ov.At.Sub(ov.SlowAt) < SlowEvery+time.Second:
		default:
			t.Errorf("refresh %d sent %d requests (trend kept: %v), slow parts of %s at %s: want %d with them read now, or %d reusing a read of less than %s before, one fewer with the trend kept",
				i, ov.Sent, ov.TrendKept, ov.SlowAt.Format(time.StampMilli), ov.At.Format(time.StampMilli), QueriesPerRefresh, FastQueriesPerRefresh, SlowEvery)
		}
		sent += ov.Sent
		t.Logf("%d endpoints in %s, %d requests", endpoints, ov.Took, ov.Sent)
	}
	if QueriesPerRefresh > 9 {
		t.Errorf("QueriesPerRefresh is %d, over the budget of 9", QueriesPerRefresh)
	}
	want := float64(sent)
	if delta := demotest.RequestsSince(t, promURL, before, want, queryHandlers...); delta != want {
		t.Errorf("%d Overview calls over %d endpoints sent %v queries, want %v, as they reported", calls, endpoints, delta, want)
	}
	var cost demotest.QueryCost
	if stack.QueryLogPath() != "" {
		// The targets API is no PromQL query: it is not in the log.
		promql := sent - calls
		cost = demotest.QueryLogCost(t, stack.QueryLogPath(), logAt, promql)
		if cost.Queries != promql {
			t.Errorf("query log: %d PromQL queries for %d refreshes, want %d", cost.Queries, calls, promql)
		}
		t.Logf("Prometheus per refresh over %d endpoints: %s", endpoints, cost.Per(calls))
	}
	return cost.Per(calls)
}

func queryRequests(t *testing.T, promURL string) float64 {
	t.Helper()
	return demotest.SumRequests(demotest.PrometheusRequests(t, promURL), queryHandlers...)
}

// queryHandlers are the API handlers queryRequests counts.
var queryHandlers = []string{"/api/v1/query", "/api/v1/query_range", "/api/v1/targets", "/api/v1/rules"}

// figuresEqualPromQL checks one refresh of p against PromQL computed per
// path and over the whole selection; inVigil is whether its quantiles
// must be computed in vigil from one read of the buckets.
func figuresEqualPromQL(t *testing.T, p *Prometheus, s Shape, inVigil bool) {
	// Evaluated a little in the past, so no scrape older than the
	// evaluation time is still being written.
	at := time.Now().Add(-3 * time.Second)
	ov, err := p.OverviewAt(context.Background(), s, at)
	if err != nil {
		t.Fatal(err)
	}
	if ov.QuantilesInVigil != inVigil {
		t.Fatalf("quantiles computed in vigil: %v, want %v", ov.QuantilesInVigil, inVigil)
	}
	if !ov.At.Equal(time.UnixMilli(at.UnixMilli())) {
		t.Fatalf("At %s, want %s", ov.At, at)
	}
	at = ov.At
	const D = "flask_http_request_duration_seconds"
	for _, path := range []string{"/api/checkout", "/", "/api/payments/webhook", "/api/users/9999", "/blog/hello-world", "/admin"} {
		sel := fmt.Sprintf(`job="flask",path=%q`, path)
		want := Endpoint{
			RPS:        scalarAt(t, p, fmt.Sprintf(`sum(increase(%s_count{%s}[1m])) / 60`, D, sel), at),
			ErrorRatio: scalarAt(t, p, fmt.Sprintf(`(sum(rate(%s_count{%s,status=~"5.."}[1m])) or vector(0)) / sum(rate(%s_count{%s}[1m]))`, D, sel, D, sel), at),
			P50:        scalarAt(t, p, fmt.Sprintf(`histogram_quantile(0.5, sum without (method, status, instance, job, path) (rate(%s_bucket{%s}[1m])))`, D, sel), at),
			P99:        scalarAt(t, p, fmt.Sprintf(`histogram_quantile(0.99, sum without (method, status, instance, job, path) (rate(%s_bucket{%s}[1m])))`, D, sel), at),
			Exceptions: scalarAt(t, p, fmt.Sprintf(`sum(increase(%s_count{%s,status="500"}[1m])) or vector(0)`, D, sel), at),
		}
		got := find(t, ov, path)
		if !closeTo(got.RPS, want.RPS) || !closeTo(got.ErrorRatio, want.ErrorRatio) || !closeTo(got.P50, want.P50) ||
			!closeTo(got.P99, want.P99) || !closeTo(got.Exceptions, want.Exceptions) {
			t.Errorf("%s:\n got  rps %v ratio %v p50 %v p99 %v exc %v\n want rps %v ratio %v p50 %v p99 %v exc %v", path,
				got.RPS, got.ErrorRatio, got.P50, got.P99, got.Exceptions,
				want.RPS, want.ErrorRatio, want.P50, want.P99, want.Exceptions)
		}
		t.Logf("%-22s rps %.3f ratio %.4f p50 %.4f p99 %.4f exc %v", path, got.RPS, got.ErrorRatio, got.P50, got.P99, got.Exceptions)
	}
	// Totals against the rows and against other spellings.
	var rps, errs float64
	for _, e := range ov.Endpoints {
		if !Missing(e.RPS) {
			rps += e.RPS
		}
		if !Missing(e.ErrorRatio) {
			errs += e.ErrorRatio * e.RPS
		}
	}
	tot := ov.Totals
	if !closeTo(tot.RPS, rps) || !closeTo(tot.ErrorRatio, errs/rps) {
		t.Errorf("totals rps %v ratio %v; the rows sum to rps %v ratio %v", tot.RPS, tot.ErrorRatio, rps, errs/rps)
	}
	wantP99 := scalarAt(t, p, `histogram_quantile(0.99, sum without (method, path, status, instance, job) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[1m])))`, at)
	wantExc := scalarAt(t, p, `sum(rate(flask_http_request_exceptions_total{job="flask"}[1m])) * 60`, at)
	if !closeTo(tot.P99, wantP99) || !closeTo(tot.Exceptions, wantExc) || !(tot.Exceptions > 0) {
		t.Errorf("totals p99 %v exceptions %v; want %v and %v", tot.P99, tot.Exceptions, wantP99, wantExc)
	}
	// The top finite bucket bound, asked of Prometheus or taken from the
	// one read of the buckets.
	v, _, err := p.Query(context.Background(), `count by (le) (flask_http_request_duration_seconds_bucket{job="flask"})`, at)
	if err != nil {
		t.Fatal(err)
	}
	top := 0.0
	for _, smp := range v.(model.Vector) {
		if le, err := strconv.ParseFloat(string(smp.Metric["le"]), 64); err == nil && !math.IsInf(le, 0) {
			top = max(top, le)
		}
	}
	if ov.TopBucket != top || top == 0 {
		t.Errorf("top bucket %v, want %v", ov.TopBucket, top)
	}
	// One service: its p99 is the total's, asked by job.
	wantSvc := scalarAt(t, p, `histogram_quantile(0.99, sum by (job, le) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[1m])))`, at)
	if len(ov.Services) != 1 || !closeTo(ov.Services[0].P99, wantSvc) || !(wantSvc > 0) {
		t.Errorf("services %+v, want one of p99 %v", ov.Services, wantSvc)
	}
	// The trend's last point is the error ratio over the trend's range
	// at the trend's end: the evaluation time down to the trend's step.
	plan := PlanTrend(s.Window, at)
	if end := alignTrend(at, plan.Step); !ov.TrendEnd.Equal(end) || at.Sub(end) >= plan.Step {
		t.Errorf("trend ends at %s, want %s (%s rounded down to %s)", ov.TrendEnd, end, at, plan.Step)
	}
	co := find(t, ov, "/api/checkout")
	sel := `job="flask",path="/api/checkout"`
	// With traffic and no error series yet (the first error may come
	// after the trend's end), the ratio is 0.
	all := fmt.Sprintf(`sum(rate(flask_http_request_duration_seconds_count{%s}[%s]))`, sel, FormatDuration(plan.Range))
	wantLast := scalarAt(t, p, fmt.Sprintf(`(sum(rate(flask_http_request_duration_seconds_count{%s,status=~"5.."}[%s])) or %s * 0) / %s`,
		sel, FormatDuration(plan.Range), all, all), ov.TrendEnd)
	if !closeTo(co.Trend[TrendPoints-1], wantLast) {
		t.Errorf("checkout trend ends at %v, want %v", co.Trend[TrendPoints-1], wantLast)
	}
}
