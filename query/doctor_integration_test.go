package query

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// handlerRequests sums prometheus_http_requests_total over the named
// handlers, from Prometheus's own /metrics.
func handlerRequests(t *testing.T, promURL string, handlers ...string) float64 {
	t.Helper()
	return demotest.SumRequests(demotest.PrometheusRequests(t, promURL), handlers...)
}

func checkOf(r *DoctorReport, id string) Check {
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	return Check{ID: id, Status: "missing"}
}

func describeReport(r *DoctorReport) string {
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
	p := demoClient(t, stack, 10*time.Second)

	run := func(job string) *DoctorReport {
		s := demoShape(15 * time.Second)
		s.Selector = fmt.Sprintf("job=%q", job)
		return p.Doctor(context.Background(), s, DoctorOptions{})
	}
	// expect waits until the check of a job has the status, and returns
	// the report.
	expect := func(job, id string, st CheckStatus, within time.Duration) *DoctorReport {
		t.Helper()
		var r *DoctorReport
		demotest.Eventually(t, within, job+": "+id+" "+string(st), func() (bool, string) {
			r = run(job)
			return checkOf(r, id).Status == st, describeReport(r)
		})
		return r
	}

	// The healthy job: every check but the path explosion and the p99 of
	// /api/search (slowed past the top bucket) reads ok.
	r := expect("flask", CheckP99Capped, CheckWarn, 40*time.Second)
	if c := checkOf(r, CheckP99Capped); len(c.Subjects) != 1 || c.Subjects[0] != "/api/search" || !strings.Contains(c.Why, "≥10s") {
		t.Errorf("flask p99 capped: %+v", c)
	}
	for _, id := range []string{CheckMetrics, CheckPrefix, CheckEndpointLabel, CheckLatencyKind, CheckCounterResets, CheckUnmatched} {
		if c := checkOf(r, id); c.Status != CheckOK {
			t.Errorf("flask %s: %s, want ok: %s", id, c.Status, describeReport(r))
		}
	}
	// No 500 served: the exceptions counter cannot be checked yet, and
	// the check says so rather than pass.
	if c := checkOf(r, CheckExceptions); c.Status != CheckInfo || !strings.Contains(c.Seen, "not checked yet: no status 500") {
		t.Errorf("flask exceptions with no 500: %s %q, want info, not checked yet", c.Status, c.Seen)
	}
	if r.At.IsZero() || time.Since(r.At) > time.Minute {
		t.Errorf("report time %s", r.At)
	}
	if r.Detected.Prefix != "flask_" || r.Detected.EndpointLabel != "path" || !r.Detected.Histogram || r.Detected.TopBucket != 10 {
		t.Errorf("flask detected %+v", r.Detected)
	}
	if r.Requests != DoctorRequests {
		t.Errorf("flask: %d requests, want %d", r.Requests, DoctorRequests)
	}

	r = expect("rule", CheckEndpointLabel, CheckWarn, 20*time.Second)
	if r.Detected.EndpointLabel != "url_rule" || !strings.Contains(checkOf(r, CheckEndpointLabel).Fix, `metrics.endpoint_label = "url_rule"`) {
		t.Errorf("rule: %+v %s", r.Detected, describeReport(r))
	}
	expect("rule", CheckUnmatched, CheckInfo, 20*time.Second)
	if c := checkOf(r, CheckPathExplosion); c.Status != CheckOK {
		t.Errorf("rule: path explosion %s under url_rule: %s", c.Status, describeReport(r))
	}

	r = expect("custom", CheckEndpointLabel, CheckWarn, 20*time.Second)
	if r.Detected.EndpointLabel != "route_name" {
		t.Errorf("custom group_by: detected %q: %s", r.Detected.EndpointLabel, describeReport(r))
	}

	r = expect("shop", CheckPrefix, CheckWarn, 20*time.Second)
	if r.Detected.DurationMetric != "shop_http_request_duration_seconds" || r.Detected.InfoMetric != "shop_exporter_info" ||
		!strings.Contains(checkOf(r, CheckPrefix).Fix, `metrics.duration_metric = "shop_http_request_duration_seconds"`) {
		t.Errorf("shop: %+v %s", r.Detected, describeReport(r))
	}

	r = expect("summary", CheckLatencyKind, CheckWarn, 20*time.Second)
	if !r.Detected.Summary || checkOf(r, CheckP99Capped).Status != CheckUnknown {
		t.Errorf("summary: %+v %s", r.Detected, describeReport(r))
	}

	r = expect("workers", CheckCounterResets, CheckWarn, 30*time.Second)
	if c := checkOf(r, CheckCounterResets); len(c.Subjects) != 1 || !strings.Contains(c.Subjects[0], "workers") || !strings.Contains(c.Fix, "PROMETHEUS_MULTIPROC_DIR") {
		t.Errorf("workers: %+v", c)
	}
	if c := checkOf(run("flask"), CheckCounterResets); c.Status != CheckOK {
		t.Errorf("flask counter resets with one process: %+v", c)
	}

	r = expect("hidden", CheckExceptions, CheckWarn, 30*time.Second)
	if c := checkOf(r, CheckExceptions); !strings.Contains(c.Seen, "no flask_http_request_exceptions_total series") {
		t.Errorf("hidden: %+v", c)
	}

	r = expect("scanned", CheckUnmatched, CheckWarn, 30*time.Second)
	if c := checkOf(r, CheckUnmatched); len(c.Subjects) == 0 || !strings.HasPrefix(c.Subjects[0], "/old-") {
		t.Errorf("scanned: %+v", c)
	}

	r = expect("reloader", CheckMetrics, CheckWarn, 20*time.Second)
	if c := checkOf(r, CheckMetrics); len(c.Subjects) != 1 || !strings.Contains(c.Subjects[0], "reloader") || !strings.Contains(c.Why, "DEBUG_METRICS") {
		t.Errorf("reloader: %+v", c)
	}
	if c := checkOf(r, CheckEndpointLabel); c.Status != CheckUnknown {
		t.Errorf("reloader: endpoint label %s, want unknown with no duration family", c.Status)
	}

	r = expect("exploded", CheckPathExplosion, CheckWarn, 20*time.Second)
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
	slow := demoClient(t, stack, time.Minute)
	// A scrape that failed on a busy machine leaves the job's series
	// stale for a moment: the doctor then finds no family and stops
	// early, rightly. Such a run is run again; the count is of a whole one.
	for _, job := range []string{"flask", "exploded"} {
		s := demoShape(15 * time.Second)
		s.Selector = fmt.Sprintf("job=%q", job)
		var r *DoctorReport
		var got float64
		demotest.Eventually(t, 2*time.Minute, job+": a doctor run that reads every check", func() (bool, string) {
			before := handlerRequests(t, stack.PrometheusURL, handlers...)
			r = slow.Doctor(context.Background(), s, DoctorOptions{})
			if len(r.Errors) > 0 || r.Requests != DoctorRequests {
				return false, fmt.Sprintf("the doctor sent %d requests, want %d; failed: %v", r.Requests, DoctorRequests, r.Errors)
			}
			got = demotest.RequestsSince(t, stack.PrometheusURL, before, DoctorRequests, handlers...)
			return true, ""
		})
		if got != DoctorRequests {
			t.Errorf("%s (%d endpoints): Prometheus counted %v requests, the report %d, want %d", job, r.Detected.Endpoints, got, r.Requests, DoctorRequests)
		}
	}
}

// TestIntegrationMetricNamesLeaveOutCreated reads the metric names for the
// PromQL completion from the real Prometheus: the *_created gauges the app
// exports beside its counters and histogram are left out, the families
// themselves are in.
func TestIntegrationMetricNamesLeaveOutCreated(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 2}})
	p := demoClient(t, stack, 10*time.Second)
	created := scalarAt(t, p, `count(flask_http_request_created) + count(flask_http_request_duration_seconds_created)`, time.Now())
	if !(created > 0) {
		t.Fatalf("the app exports no *_created series: %v", created)
	}
	names, err := MetricNames(context.Background(), p.API())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(names, " ")
	for _, bad := range []string{"flask_http_request_created", "flask_http_request_duration_seconds_created"} {
		if strings.Contains(" "+got+" ", " "+bad+" ") {
			t.Errorf("completion offers %s", bad)
		}
	}
	for _, good := range []string{"flask_http_request_total", "flask_http_request_duration_seconds_bucket", "up"} {
		if !strings.Contains(" "+got+" ", " "+good+" ") {
			t.Errorf("completion lacks %s", good)
		}
	}
}

// TestIntegrationDiscoveredPanels finds the demo app's business metrics
// from the real Prometheus's target metadata and runs the panels made of
// them: each answers, split by the label vigil picked.
func TestIntegrationDiscoveredPanels(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 4}})
	p := demoClient(t, stack, 10*time.Second)
	s := demoShape(20 * time.Second)
	var d *Discovery
	demotest.Eventually(t, 20*time.Second, "the app's families in the target metadata", func() (bool, string) {
		var err error
		d, err = p.DiscoverFamilies(context.Background(), s)
		if err != nil {
			return false, err.Error()
		}
		return len(d.Families) >= 3, fmt.Sprintf("%+v", d.Families)
	})
	got := map[string]string{}
	for _, f := range d.Families {
		got[f.Name] = string(f.Type) + " by " + f.Label
	}
	want := map[string]string{
		"article_views_total":          "counter by slug",
		"celery_task_duration_seconds": "histogram by task",
		"db_query_duration_seconds":    "histogram by query",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q (all: %v)", name, got[name], w, got)
		}
	}
	for name := range got {
		if strings.HasPrefix(name, "flask_") || strings.HasPrefix(name, "process_") || strings.HasSuffix(name, "_created") {
			t.Errorf("%s offered as a panel", name)
		}
	}
	if d.Requests != 2+len(d.Families) {
		t.Errorf("%d requests for %d families, want %d", d.Requests, len(d.Families), 2+len(d.Families))
	}
	specs := DiscoveredPanels(d.Families)
	if len(specs) != 5 {
		t.Fatalf("%d panels, want 5 (two per histogram, one per counter): %+v", len(specs), specs)
	}
	demotest.Eventually(t, 20*time.Second, "every discovered panel to answer with rows", func() (bool, string) {
		res := RunPanels(context.Background(), p, specs, VarsOf(s), time.Hour, time.Now())
		for i, r := range res {
			if r.Err != nil {
				return false, specs[i].Title + ": " + r.Err.Error()
			}
			if specs[i].Kind == PanelTop && len(r.Rows) == 0 {
				return false, specs[i].Title + ": no rows"
			}
		}
		return true, ""
	})
}
