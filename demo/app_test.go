package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// appScrape fetches and parses the app's /metrics.
func appScrape(t *testing.T, a *App) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL()+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

func appStart(t *testing.T, opts AppOptions) *App {
	t.Helper()
	a, err := StartApp(opts)
	if err != nil {
		t.Fatalf("StartApp: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

// appSteps drives the simulation by hand: n steps of dt seconds each.
func appSteps(a *App, n int, dt float64) {
	for i := 0; i < n; i++ {
		a.step(dt, a.faultsAt(0))
	}
}

func labelNames(m *dto.Metric) []string {
	var out []string
	for _, l := range m.GetLabel() {
		out = append(out, l.GetName())
	}
	sort.Strings(out)
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// hold is the tick of apps whose simulation the test drives by hand.
const hold = time.Hour

func TestAppExposesExactlyTheExporterFamilies(t *testing.T) {
	for _, byEndpoint := range []bool{false, true} {
		t.Run(fmt.Sprintf("ExceptionsByEndpoint=%v", byEndpoint), func(t *testing.T) {
			a := appStart(t, AppOptions{Seed: 1, Tick: hold, ExceptionsByEndpoint: byEndpoint})
			a.SetFault("/api/checkout", Fault{ErrorRatio: 0.5})
			appSteps(a, 60, 1)
			fams := appScrape(t, a)

			excLabels := []string{"method", "status"}
			if byEndpoint {
				excLabels = []string{"method", "path", "status"}
			}
			want := map[string]struct {
				typ    dto.MetricType
				labels []string
			}{
				"flask_http_request_duration_seconds": {dto.MetricType_HISTOGRAM, []string{"method", "path", "status"}},
				"flask_http_request_total":            {dto.MetricType_COUNTER, []string{"method", "status"}},
				"flask_http_request_exceptions_total": {dto.MetricType_COUNTER, excLabels},
				"flask_exporter_info":                 {dto.MetricType_GAUGE, []string{"version"}},
				"process_start_time_seconds":          {dto.MetricType_GAUGE, nil},
				"article_views_total":                 {dto.MetricType_COUNTER, []string{"slug"}},
				"db_query_duration_seconds":           {dto.MetricType_HISTOGRAM, []string{"query"}},
				"celery_task_duration_seconds":        {dto.MetricType_HISTOGRAM, []string{"task"}},
				// prometheus_client's creation times beside the exporter's
				// counters and histogram.
				"flask_http_request_duration_seconds_created": {dto.MetricType_GAUGE, []string{"method", "path", "status"}},
				"flask_http_request_created":                  {dto.MetricType_GAUGE, []string{"method", "status"}},
				"flask_http_request_exceptions_created":       {dto.MetricType_GAUGE, excLabels},
			}
			for name := range fams {
				if _, ok := want[name]; !ok {
					t.Errorf("unexpected family %s", name)
				}
			}
			for name, w := range want {
				f, ok := fams[name]
				if !ok {
					t.Errorf("family %s missing", name)
					continue
				}
				if f.GetType() != w.typ {
					t.Errorf("%s: type %v, want %v", name, f.GetType(), w.typ)
				}
				if len(f.GetMetric()) == 0 {
					t.Errorf("%s: no series", name)
				}
				for _, m := range f.GetMetric() {
					if got := labelNames(m); strings.Join(got, ",") != strings.Join(w.labels, ",") {
						t.Errorf("%s: labels %v, want %v", name, got, w.labels)
						break
					}
				}
			}
			if t.Failed() {
				return
			}

			// Buckets of the request histogram are the exporter's defaults.
			h := fams["flask_http_request_duration_seconds"].GetMetric()[0].GetHistogram()
			var bounds []float64
			for _, b := range h.GetBucket() {
				if !math.IsInf(b.GetUpperBound(), 1) {
					bounds = append(bounds, b.GetUpperBound())
				}
			}
			if fmt.Sprint(bounds) != fmt.Sprint([]float64{.005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5, 10}) {
				t.Errorf("buckets %v", bounds)
			}
			info := fams["flask_exporter_info"].GetMetric()
			if len(info) != 1 || label(info[0], "version") != "0.23.2" || info[0].GetGauge().GetValue() != 1 {
				t.Errorf("flask_exporter_info: %v", info)
			}
			for _, m := range fams["flask_http_request_exceptions_total"].GetMetric() {
				if label(m, "status") != "500" {
					t.Errorf("exceptions with status %q", label(m, "status"))
				}
			}

			// The shape of the traffic.
			paths, methods, statuses := map[string]bool{}, map[string]bool{}, map[string]bool{}
			for _, m := range fams["flask_http_request_duration_seconds"].GetMetric() {
				if m.GetHistogram().GetSampleCount() == 0 {
					continue
				}
				paths[label(m, "path")] = true
				methods[label(m, "method")] = true
				statuses[label(m, "status")] = true
			}
			for _, p := range []string{"/", "/login", "/api/checkout", "/api/search", "/api/cart", "/api/users/42", "/blog/hello-world", "/blog/flask-tips"} {
				if !paths[p] {
					t.Errorf("no traffic on %s", p)
				}
			}
			if !methods["GET"] || !methods["POST"] || len(methods) != 2 {
				t.Errorf("methods %v", methods)
			}
			for _, s := range []string{"200", "404", "500"} {
				if !statuses[s] {
					t.Errorf("no status %s among %v", s, statuses)
				}
			}
			queries := map[string]bool{}
			for _, m := range fams["db_query_duration_seconds"].GetMetric() {
				queries[label(m, "query")] = true
			}
			if !queries["select_article"] || !queries["insert_comment"] {
				t.Errorf("db queries %v", queries)
			}
			slugs := map[string]bool{}
			for _, m := range fams["article_views_total"].GetMetric() {
				slugs[label(m, "slug")] = true
			}
			if !slugs["hello-world"] || slugs["old-post"] {
				t.Errorf("article slugs %v", slugs)
			}
		})
	}
}

func TestAppDefaultEndpoints(t *testing.T) {
	a := appStart(t, AppOptions{Tick: hold})
	if n := len(a.endpoints); n != DefaultEndpoints {
		t.Errorf("%d endpoints, want %d", n, DefaultEndpoints)
	}
	seen := map[string]bool{}
	for _, ep := range a.endpoints {
		k := ep.method + " " + ep.path
		if seen[k] {
			t.Errorf("endpoint %s twice", k)
		}
		seen[k] = true
		if strings.Contains(ep.path, "<") {
			t.Errorf("%s is a rule, not a concrete path", ep.path)
		}
	}
	if len(a.Paths()) < 25 {
		t.Errorf("only %d paths", len(a.Paths()))
	}
	// At the first scrape every endpoint is there, before any traffic.
	fams := appScrape(t, a)
	if got := len(fams["flask_http_request_duration_seconds"].GetMetric()); got != DefaultEndpoints {
		t.Errorf("%d histogram series before traffic, want %d", got, DefaultEndpoints)
	}
}

// appCheckConsistent checks what flask-metrics.md says: every request counts
// in the histogram for its path and in the request counter for its method and
// status; an exception also counts in the exceptions counter.
func appCheckConsistent(t *testing.T, fams map[string]*dto.MetricFamily, byEndpoint bool) {
	t.Helper()
	hist := map[string]uint64{}    // method,status -> count
	hist500 := map[string]uint64{} // method,path -> count of 500s
	for _, m := range fams["flask_http_request_duration_seconds"].GetMetric() {
		h := m.GetHistogram()
		hist[label(m, "method")+","+label(m, "status")] += h.GetSampleCount()
		if label(m, "status") == "500" {
			hist500[label(m, "method")+","+label(m, "path")] += h.GetSampleCount()
		}
		// Cumulative buckets: non-decreasing, and the last is the count.
		var prev uint64
		for _, b := range h.GetBucket() {
			if b.GetCumulativeCount() < prev {
				t.Errorf("%v: buckets decrease", m.GetLabel())
			}
			prev = b.GetCumulativeCount()
		}
		if prev > h.GetSampleCount() {
			t.Errorf("%v: bucket %d above count %d", m.GetLabel(), prev, h.GetSampleCount())
		}
	}
	reqs := map[string]uint64{}
	for _, m := range fams["flask_http_request_total"].GetMetric() {
		reqs[label(m, "method")+","+label(m, "status")] = uint64(m.GetCounter().GetValue())
	}
	if fmt.Sprint(hist) != fmt.Sprint(reqs) {
		t.Errorf("histogram counts by method,status %v\n!= flask_http_request_total %v", hist, reqs)
	}
	exc := map[string]uint64{}
	excByPath := map[string]uint64{}
	for _, m := range fams["flask_http_request_exceptions_total"].GetMetric() {
		exc[label(m, "method")] += uint64(m.GetCounter().GetValue())
		if byEndpoint {
			excByPath[label(m, "method")+","+label(m, "path")] = uint64(m.GetCounter().GetValue())
		}
	}
	total500 := uint64(0)
	for _, method := range []string{"GET", "POST"} {
		total500 += reqs[method+",500"]
		if exc[method] != reqs[method+",500"] {
			t.Errorf("%s: exceptions %d != flask_http_request_total{status=\"500\"} %d", method, exc[method], reqs[method+",500"])
		}
	}
	if total500 == 0 {
		t.Errorf("no 500 at all: the check proved nothing")
	}
	if byEndpoint && fmt.Sprint(excByPath) != fmt.Sprint(hist500) {
		t.Errorf("exceptions by method,path %v\n!= histogram 500s %v", excByPath, hist500)
	}
}

func TestAppCountersConsistent(t *testing.T) {
	for _, byEndpoint := range []bool{false, true} {
		t.Run(fmt.Sprintf("ExceptionsByEndpoint=%v", byEndpoint), func(t *testing.T) {
			// The app runs on its own fast ticker while the test scrapes
			// it: every scrape must be consistent, not only a final one.
			a := appStart(t, AppOptions{Seed: 7, Tick: 2 * time.Millisecond, ExceptionsByEndpoint: byEndpoint})
			a.SetFault("/api/checkout", Fault{ErrorRatio: 0.4})
			a.SetFault("/blog/flask-tips", Fault{ErrorRatio: 0.2})
			appSteps(a, 30, 1)
			for i := 0; i < 10; i++ {
				appCheckConsistent(t, appScrape(t, a), byEndpoint)
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// appRequests returns the request count of a path by status.
func appRequests(t *testing.T, a *App, path string) map[string]uint64 {
	t.Helper()
	fams, err := a.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, f := range fams {
		if f.GetName() != "flask_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			if label(m, "path") == path {
				out[label(m, "status")] += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return out
}

// appSlowShare returns the share of a path's requests slower than le seconds
// (le must be a bucket bound).
func appSlowShare(t *testing.T, a *App, path string, le float64) (share float64, n uint64) {
	t.Helper()
	fams, _ := a.Gather()
	var under uint64
	for _, f := range fams {
		if f.GetName() != "flask_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			if label(m, "path") != path {
				continue
			}
			n += m.GetHistogram().GetSampleCount()
			for _, b := range m.GetHistogram().GetBucket() {
				if b.GetUpperBound() == le {
					under += b.GetCumulativeCount()
				}
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(n-under) / float64(n), n
}

func TestAppFaults(t *testing.T) {
	a := appStart(t, AppOptions{Seed: 3, Tick: hold})

	appSteps(a, 300, 1) // 5 simulated minutes of calm
	calm := appRequests(t, a, "/api/checkout")
	calmShare := float64(calm["500"]) / float64(calm["200"]+calm["500"]+calm["422"])
	if calm["200"] < 400 || calmShare > 0.03 {
		t.Errorf("calm checkout: %v (500 share %.3f)", calm, calmShare)
	}
	if share, n := appSlowShare(t, a, "/api/search", 1); share > 0.01 {
		t.Errorf("calm search: %.3f of %d requests above 1s", share, n)
	}

	a.SetFault("/api/checkout", Fault{ErrorRatio: 0.3})
	a.SetFault("/api/search", Fault{Latency: 3 * time.Second})
	before := appRequests(t, a, "/api/checkout")
	appSteps(a, 600, 1)
	after := appRequests(t, a, "/api/checkout")
	var total uint64
	for s, n := range after {
		total += n - before[s]
	}
	errShare := float64(after["500"]-before["500"]) / float64(total)
	if total < 800 || errShare < 0.25 || errShare > 0.36 {
		t.Errorf("checkout under a 0.3 error fault: %d requests, 500 share %.3f", total, errShare)
	}
	// A p99 of about 3s: more than 1% above 2.5s, less than 1% above 5s.
	a.ClearFaults()
	a2 := appStart(t, AppOptions{Seed: 3, Tick: hold})
	a2.SetFault("/api/search", Fault{Latency: 3 * time.Second})
	appSteps(a2, 600, 1)
	if share, n := appSlowShare(t, a2, "/api/search", 2.5); share < 0.01 || n < 1000 {
		t.Errorf("search with a 3s fault: %.4f of %d above 2.5s, want more than 1%%", share, n)
	}
	if share, _ := appSlowShare(t, a2, "/api/search", 5); share > 0.01 {
		t.Errorf("search with a 3s fault: %.4f above 5s, want less than 1%%", share)
	}

	// Cleared: back to calm.
	before = appRequests(t, a, "/api/checkout")
	appSteps(a, 300, 1)
	after = appRequests(t, a, "/api/checkout")
	if d := after["500"] - before["500"]; d > 20 {
		t.Errorf("%d errors on checkout after ClearFaults", d)
	}

	// Out-of-range values are clamped, a zero fault removes one.
	a.SetFault("/api/cart", Fault{ErrorRatio: 7, Latency: -time.Second})
	if f := a.Faults()["/api/cart"]; f.ErrorRatio != 1 || f.Latency != 0 {
		t.Errorf("clamped fault %+v", f)
	}
	a.SetFault("/api/cart", Fault{ErrorRatio: math.NaN()})
	if _, ok := a.Faults()["/api/cart"]; ok {
		t.Errorf("a NaN-only fault was kept")
	}
	a.SetFault("/api/cart", Fault{ErrorRatio: 0.1})
	a.ClearFault("/api/cart")
	if len(a.Faults()) != 0 {
		t.Errorf("faults left: %v", a.Faults())
	}
}

func TestAppSeedIsDeterministic(t *testing.T) {
	counts := func(seed int64) string {
		a := appStart(t, AppOptions{Seed: seed, Tick: hold})
		appSteps(a, 50, 1)
		var b strings.Builder
		for _, p := range a.Paths() {
			fmt.Fprintf(&b, "%s=%v ", p, appRequests(t, a, p))
		}
		return b.String()
	}
	x, y, z := counts(11), counts(11), counts(12)
	if x != y {
		t.Errorf("same seed, different traffic:\n%s\n%s", x, y)
	}
	if x == z {
		t.Errorf("different seeds, same traffic")
	}
}

func TestScriptTimeline(t *testing.T) {
	s := time.Second
	cases := []struct {
		at             time.Duration
		checkout, slow bool
	}{
		{0, false, false},
		{9 * s, false, false},
		{10 * s, true, false},
		{25 * s, true, true},
		{249 * s, true, true},
		{250 * s, false, true},
		{319 * s, false, true},
		{320 * s, false, false},
		{439 * s, false, false},
		{440 * s, false, false},
		{450 * s, true, false},
		{440*s*3 + 100*s, true, true},
		{-s, false, false},
	}
	for _, c := range cases {
		f := ScriptFaults(c.at)
		co, ok1 := f["/api/checkout"]
		se, ok2 := f["/api/search"]
		if ok1 != c.checkout || ok2 != c.slow {
			t.Errorf("at %s: %v, want checkout %v search %v", c.at, f, c.checkout, c.slow)
		}
		if ok1 && (co.ErrorRatio < 0.25 || co.ErrorRatio > 0.35) {
			t.Errorf("at %s: checkout %+v", c.at, co)
		}
		if ok2 && se.Latency != 3*time.Second {
			t.Errorf("at %s: search %+v", c.at, se)
		}
	}
	if ScriptCycle != 440*s {
		t.Errorf("cycle %s", ScriptCycle)
	}

	a := appStart(t, AppOptions{Script: true, Tick: hold})
	if f := a.faultsAt(30 * s); f["/api/checkout"].ErrorRatio != 0.3 || f["/api/search"].Latency != 3*s {
		t.Errorf("scripted app at 30s: %v", f)
	}
	a.SetFault("/api/checkout", Fault{Latency: time.Second})
	if f := a.faultsAt(30 * s); f["/api/checkout"] != (Fault{Latency: time.Second}) {
		t.Errorf("a fault set by hand must win over the script: %v", f)
	}
	a.ClearFaults()
	if f := a.faultsAt(30 * s); f["/api/checkout"].ErrorRatio != 0.3 {
		t.Errorf("the script must go on after ClearFaults: %v", f)
	}
	noScript := appStart(t, AppOptions{Tick: hold})
	if f := noScript.faultsAt(30 * s); len(f) != 0 {
		t.Errorf("no script, faults %v", f)
	}
}

func appPost(t *testing.T, a *App, path string, q url.Values) (int, string) {
	t.Helper()
	resp, err := http.Post(a.URL()+path+"?"+q.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestControlEndpoint(t *testing.T) {
	a := appStart(t, AppOptions{Tick: hold})

	code, body := appPost(t, a, "/-/fault", url.Values{"path": {"/api/checkout"}, "error_ratio": {"0.3"}, "latency": {"3s"}})
	if code != 200 {
		t.Fatalf("set fault: %d %s", code, body)
	}
	if f := a.Faults()["/api/checkout"]; f != (Fault{ErrorRatio: 0.3, Latency: 3 * time.Second}) {
		t.Errorf("fault %+v", f)
	}
	// A form body works too, and Prometheus durations are accepted.
	resp, err := http.PostForm(a.URL()+"/-/fault", url.Values{"path": {"/api/search"}, "latency": {"1m"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || a.Faults()["/api/search"].Latency != time.Minute {
		t.Errorf("form body: %s, faults %v", resp.Status, a.Faults())
	}

	resp, err = http.Get(a.URL() + "/-/fault")
	if err != nil {
		t.Fatal(err)
	}
	var listed []faultView
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil || len(listed) != 2 || listed[0].Path != "/api/checkout" || listed[0].Latency != "3s" || listed[0].Scripted {
		t.Errorf("GET /-/fault: %v %+v", err, listed)
	}

	bad := []struct {
		q    url.Values
		want string
	}{
		{url.Values{"error_ratio": {"0.3"}}, "missing path"},
		{url.Values{"path": {"/nope"}, "error_ratio": {"0.3"}}, "unknown path"},
		{url.Values{"path": {"/api/cart"}}, "nothing to set"},
		{url.Values{"path": {"/api/cart"}, "error_ratio": {"1.5"}}, "invalid error_ratio"},
		{url.Values{"path": {"/api/cart"}, "error_ratio": {"NaN"}}, "invalid error_ratio"},
		{url.Values{"path": {"/api/cart"}, "error_ratio": {"lots"}}, "invalid error_ratio"},
		{url.Values{"path": {"/api/cart"}, "latency": {"-1s"}}, "invalid latency"},
		{url.Values{"path": {"/api/cart"}, "latency": {"2h"}}, "invalid latency"},
		{url.Values{"path": {"/api/cart"}, "latency": {"slow"}}, "invalid latency"},
	}
	for _, c := range bad {
		code, body := appPost(t, a, "/-/fault", c.q)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%v: %d %q, want 400 with %q", c.q, code, body, c.want)
		}
	}
	if _, ok := a.Faults()["/api/cart"]; ok {
		t.Errorf("a rejected request set a fault")
	}
	if code, _ := appPost(t, a, "/-/fault/clear", url.Values{"path": {"/nope"}}); code != http.StatusBadRequest {
		t.Errorf("clear unknown path: %d", code)
	}
	big := strings.NewReader("path=" + strings.Repeat("x", maxControlBody+10))
	resp, err = http.Post(a.URL()+"/-/fault", "application/x-www-form-urlencoded", big)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized body: %s", resp.Status)
	}
	resp, err = http.Get(a.URL() + "/-/fault/clear")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/fault/clear: %s", resp.Status)
	}

	if code, body := appPost(t, a, "/-/fault/clear", url.Values{"path": {"/api/search"}}); code != 200 || len(a.Faults()) != 1 {
		t.Errorf("clear one: %d %s, faults %v", code, body, a.Faults())
	}
	if code, body := appPost(t, a, "/-/fault/clear", nil); code != 200 || len(a.Faults()) != 0 {
		t.Errorf("clear all: %d %s, faults %v", code, body, a.Faults())
	}
}

func TestAppHighCardinality(t *testing.T) {
	a := appStart(t, AppOptions{Endpoints: 10000, Tick: hold})
	paths := a.Paths()
	if len(paths) != 10000 || paths[0] != "/item/00001" || paths[9999] != "/item/10000" {
		t.Fatalf("%d paths, first %q", len(paths), paths[0])
	}
	appSteps(a, 100, 1)
	fams, err := a.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series, statuses := 0, map[string]int{}
	for _, f := range fams {
		if f.GetName() != "flask_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			if label(m, "method") != "GET" {
				t.Fatalf("method %s in high-cardinality mode", label(m, "method"))
			}
			statuses[label(m, "status")]++
		}
		series = len(f.GetMetric())
	}
	if statuses["200"] != 10000 || statuses["500"] == 0 || statuses["500"] > 20 || len(statuses) != 2 {
		t.Errorf("statuses %v", statuses)
	}
	t.Logf("high-cardinality app: %d request-duration histograms, %d samples", series, series*(len(FlaskBuckets)+3))

	for _, bad := range []int{-1, 2_000_000} {
		if a, err := StartApp(AppOptions{Endpoints: bad}); err == nil {
			a.Close()
			t.Errorf("Endpoints %d accepted", bad)
		}
	}
}

func TestPoisson(t *testing.T) {
	a := appStart(t, AppOptions{Tick: hold})
	for _, lambda := range []float64{0.02, 0.5, 4, 80} {
		sum := 0
		const n = 20000
		for i := 0; i < n; i++ {
			sum += poisson(a.rng, lambda)
		}
		mean := float64(sum) / n
		if math.Abs(mean-lambda) > 0.05*lambda+0.01 {
			t.Errorf("poisson(%v) mean %v", lambda, mean)
		}
	}
	for _, lambda := range []float64{0, -1, math.NaN()} {
		if got := poisson(a.rng, lambda); got != 0 {
			t.Errorf("poisson(%v) = %d", lambda, got)
		}
	}
}

func TestAppClose(t *testing.T) {
	a, err := StartApp(AppOptions{Tick: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	u := a.URL()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	c := http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(u + "/metrics"); err == nil {
		resp.Body.Close()
		t.Errorf("the app still answers after Close")
	}
}

func TestHighCardinalityMetricsSnapshot(t *testing.T) {
	a := appStart(t, AppOptions{Endpoints: 2000, Tick: hold})
	count := func() (uint64, bool) {
		t.Helper()
		resp, err := http.Get(a.URL() + "/metrics") // asks for gzip itself
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		parser := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := parser.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, m := range fams["flask_http_request_duration_seconds"].GetMetric() {
			n += m.GetHistogram().GetSampleCount()
		}
		if len(fams["flask_http_request_duration_seconds"].GetMetric()) < 2000 {
			t.Fatalf("%d series", len(fams["flask_http_request_duration_seconds"].GetMetric()))
		}
		return n, resp.Uncompressed
	}
	first, gz := count()
	if !gz {
		t.Errorf("/metrics not gzipped for a client that accepts it")
	}
	appSteps(a, 100, 1)
	// The copy is served at once and refreshed for a later scrape.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := count()
		if n > first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the /metrics copy never caught up: %d requests, still %d", first, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fams, err := a.Gather()
	if err != nil || len(fams) == 0 {
		t.Fatalf("Gather: %v", err)
	}
}
