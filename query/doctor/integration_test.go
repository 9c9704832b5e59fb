package doctor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query/querytest"
)

// handlerRequests sums prometheus_http_requests_total over the named
// handlers, from Prometheus's own /metrics.
func handlerRequests(t *testing.T, promURL string, handlers ...string) float64 {
	t.Helper()
	return demotest.SumRequests(demotest.PrometheusRequests(t, promURL), handlers...)
}

func checkOf(r *Report, id string) Check {
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	return Check{ID: id, Status: "missing"}
}

func describeReport(r *Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "\n  %s %s: %s %v", c.Status, c.ID, c.Seen, c.Subjects)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "\n  error %s: %v", e.Name, e.Err)
	}
	return b.String()
}

// TestIntegrationDoctor runs the doctor on the real Prometheus over one job
// per pitfall of the exporter, each played by the demo app, and checks that
// each is found, with the right subject, and that the healthy parts read ok.
func TestIntegrationDoctor(t *testing.T) {
	jobs := map[string]demo.AppOptions{
		"rule":     {Pitfalls: demo.Pitfalls{GroupBy: "url_rule", Scanners: true}},
		"shop":     {Pitfalls: demo.Pitfalls{Prefix: "shop"}},
		"summary":  {Pitfalls: demo.Pitfalls{Summary: true}},
		"workers":  {Pitfalls: demo.Pitfalls{Workers: 3}},
		"hidden":   {Pitfalls: demo.Pitfalls{HideExceptions: true}},
		"scanned":  {Pitfalls: demo.Pitfalls{Scanners: true}},
		"reloader": {Pitfalls: demo.Pitfalls{DebugReloader: true}},
		"exploded": {Pitfalls: demo.Pitfalls{PathExplosion: true}},
		"custom":   {Pitfalls: demo.Pitfalls{GroupBy: "route_name"}},
	}
	var names []string
	for j := range jobs {
		names = append(names, j)
	}
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 11}, ExtraJobs: names, ExtraApps: jobs})
	stack.Extra["hidden"].SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	stack.App.SetFault("/api/search", demo.Fault{Latency: 30 * time.Second})
	p := querytest.Client(t, stack, 10*time.Second)

	run := func(job string) *Report {
		s := querytest.FlaskShape(15 * time.Second)
		s.Selector = fmt.Sprintf("job=%q", job)
		return Run(context.Background(), p, s, Options{})
	}
	// expect waits until the check of a job has the status, and returns
	// the report.
	expect := func(job, id string, st Status, within time.Duration) *Report {
		t.Helper()
		var r *Report
		demotest.Eventually(t, within, job+": "+id+" "+string(st), func() (bool, string) {
			r = run(job)
			return checkOf(r, id).Status == st, describeReport(r)
		})
		return r
	}

	// The healthy job: every check but the path explosion and the p99 of
	// /api/search (slowed past the top bucket) reads ok.
	r := expect("flask", CheckP99Capped, Warn, 40*time.Second)
	if c := checkOf(r, CheckP99Capped); len(c.Subjects) != 1 || c.Subjects[0] != "/api/search" || !strings.Contains(c.Why, "≥10s") {
		t.Errorf("flask p99 capped: %+v", c)
	}
	for _, id := range []string{CheckMetrics, CheckPrefix, CheckEndpointLabel, CheckLatencyKind, CheckCounterResets, CheckUnmatched} {
		if c := checkOf(r, id); c.Status != OK {
			t.Errorf("flask %s: %s, want ok: %s", id, c.Status, describeReport(r))
		}
	}
	// No 500 served: the exceptions counter cannot be checked yet, and
	// the check says so rather than pass.
	if c := checkOf(r, CheckExceptions); c.Status != Info || !strings.Contains(c.Seen, "not checked yet: no status 500") {
		t.Errorf("flask exceptions with no 500: %s %q, want info, not checked yet", c.Status, c.Seen)
	}
	if r.At.IsZero() || time.Since(r.At) > time.Minute {
		t.Errorf("report time %s", r.At)
	}
	if r.Detected.Prefix != "flask_" || r.Detected.EndpointLabel != "path" || !r.Detected.Histogram || r.Detected.TopBucket != 10 {
		t.Errorf("flask detected %+v", r.Detected)
	}
	if r.Requests != Requests {
		t.Errorf("flask: %d requests, want %d", r.Requests, Requests)
	}

	r = expect("rule", CheckEndpointLabel, Warn, 20*time.Second)
	if r.Detected.EndpointLabel != "url_rule" || !strings.Contains(checkOf(r, CheckEndpointLabel).Fix, `metrics.endpoint_label = "url_rule"`) {
		t.Errorf("rule: %+v %s", r.Detected, describeReport(r))
	}
	expect("rule", CheckUnmatched, Info, 20*time.Second)
	if c := checkOf(r, CheckPathExplosion); c.Status != OK {
		t.Errorf("rule: path explosion %s under url_rule: %s", c.Status, describeReport(r))
	}

	r = expect("custom", CheckEndpointLabel, Warn, 20*time.Second)
	if r.Detected.EndpointLabel != "route_name" {
		t.Errorf("custom group_by: detected %q: %s", r.Detected.EndpointLabel, describeReport(r))
	}

	r = expect("shop", CheckPrefix, Warn, 20*time.Second)
	if r.Detected.DurationMetric != "shop_http_request_duration_seconds" || r.Detected.InfoMetric != "shop_exporter_info" ||
		!strings.Contains(checkOf(r, CheckPrefix).Fix, `metrics.duration_metric = "shop_http_request_duration_seconds"`) {
		t.Errorf("shop: %+v %s", r.Detected, describeReport(r))
	}

	r = expect("summary", CheckLatencyKind, Warn, 20*time.Second)
	if !r.Detected.Summary || checkOf(r, CheckP99Capped).Status != Unknown {
		t.Errorf("summary: %+v %s", r.Detected, describeReport(r))
	}

	r = expect("workers", CheckCounterResets, Warn, 30*time.Second)
	if c := checkOf(r, CheckCounterResets); len(c.Subjects) != 1 || !strings.Contains(c.Subjects[0], "workers") || !strings.Contains(c.Fix, "PROMETHEUS_MULTIPROC_DIR") {
		t.Errorf("workers: %+v", c)
	}
	if c := checkOf(run("flask"), CheckCounterResets); c.Status != OK {
		t.Errorf("flask counter resets with one process: %+v", c)
	}

	r = expect("hidden", CheckExceptions, Warn, 30*time.Second)
	if c := checkOf(r, CheckExceptions); !strings.Contains(c.Seen, "no flask_http_request_exceptions_total series") {
		t.Errorf("hidden: %+v", c)
	}

	r = expect("scanned", CheckUnmatched, Warn, 30*time.Second)
	if c := checkOf(r, CheckUnmatched); len(c.Subjects) == 0 || !strings.HasPrefix(c.Subjects[0], "/old-") {
		t.Errorf("scanned: %+v", c)
	}

	r = expect("reloader", CheckMetrics, Warn, 20*time.Second)
	if c := checkOf(r, CheckMetrics); len(c.Subjects) != 1 || !strings.Contains(c.Subjects[0], "reloader") || !strings.Contains(c.Why, "DEBUG_METRICS") {
		t.Errorf("reloader: %+v", c)
	}
	if c := checkOf(r, CheckEndpointLabel); c.Status != Unknown {
		t.Errorf("reloader: endpoint label %s, want unknown with no duration family", c.Status)
	}

	r = expect("exploded", CheckPathExplosion, Warn, 20*time.Second)
	found := false
	for _, g := range r.Detected.Groups {
		if g.Name == "/blog/<slug>" && len(g.Members) >= 45 {
			found = true
		}
	}
	if !found {
		t.Errorf("exploded: no /blog/<slug> group of 45 or more: %s", describeReport(r))
	}

	// The same number of requests for 30 endpoints as for over 100, counted
	// by Prometheus itself.
	// Ten apps under -race beside other packages' tests can make a query
	// slow: a minute each, and a failed one named rather than counted.
	handlers := []string{"/api/v1/query", "/api/v1/labels"}
	slow := querytest.Client(t, stack, time.Minute)
	// A scrape that failed on a busy machine leaves the job's series
	// stale for a moment: the doctor then finds no family and stops
	// early, rightly. Such a run is run again; the count is of a whole one.
	for _, job := range []string{"flask", "exploded"} {
		s := querytest.FlaskShape(15 * time.Second)
		s.Selector = fmt.Sprintf("job=%q", job)
		var r *Report
		var got float64
		demotest.Eventually(t, 2*time.Minute, job+": a doctor run that reads every check", func() (bool, string) {
			before := handlerRequests(t, stack.PrometheusURL, handlers...)
			r = Run(context.Background(), slow, s, Options{})
			if len(r.Errors) > 0 || r.Requests != Requests {
				return false, fmt.Sprintf("the doctor sent %d requests, want %d; failed: %v", r.Requests, Requests, r.Errors)
			}
			got = demotest.RequestsSince(t, stack.PrometheusURL, before, Requests, handlers...)
			return true, ""
		})
		if got != Requests {
			t.Errorf("%s (%d endpoints): Prometheus counted %v requests, the report %d, want %d", job, r.Detected.Endpoints, got, r.Requests, Requests)
		}
	}
}
