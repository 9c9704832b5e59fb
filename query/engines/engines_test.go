package engines_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/doctor"
)

// The engines tested by default (and in CI, where a missing binary fails
// the test): Debian's Prometheus 2.42, Prometheus 3 and VictoriaMetrics.
// VIGIL_ENGINES=all adds Thanos and Mimir (make test-engines), or names
// engines: VIGIL_ENGINES=thanos,mimir.
var defaultEngines = []demo.Engine{demo.EnginePrometheus, demo.EnginePrometheus3, demo.EngineVictoriaMetrics}

func selectedEngines(t *testing.T) []demo.Engine {
	v := strings.TrimSpace(os.Getenv("VIGIL_ENGINES"))
	switch v {
	case "":
		return defaultEngines
	case "all":
		return demo.Engines()
	}
	var out []demo.Engine
	for _, name := range strings.Split(v, ",") {
		e := demo.Engine(strings.TrimSpace(name))
		if !slices.Contains(demo.Engines(), e) {
			t.Fatalf("VIGIL_ENGINES names %q: want all or some of %v", e, demo.Engines())
		}
		out = append(out, e)
	}
	return out
}

const (
	D         = "flask_http_request_duration_seconds"
	sel       = `job="flask"`
	ruleAlert = "VigilEngineRule"
	postAlert = "VigilEnginePosted"
)

var rules = []byte(`groups:
  - name: engines
    rules:
      - alert: ` + ruleAlert + `
        expr: vector(1)
        labels:
          severity: warning
        annotations:
          summary: always firing
`)

func shape() query.Shape {
	return query.Shape{
		Selector:         sel,
		EndpointLabel:    "path",
		DurationMetric:   D,
		RequestsMetric:   "flask_http_request_total",
		ExceptionsMetric: "flask_http_request_exceptions_total",
		ErrorStatus:      "5..",
		Window:           time.Minute,
	}
}

// headers adds the stack's headers (Mimir's tenant) to every request.
type headers struct {
	h    map[string]string
	next http.RoundTripper
}

func (t headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header.Set(k, v)
	}
	return t.next.RoundTrip(r)
}

func client(t *testing.T, u string, h map[string]string) *query.Prometheus {
	t.Helper()
	o := query.PrometheusOptions{URL: u, Timeout: 20 * time.Second}
	if len(h) > 0 {
		o.RoundTripper = headers{h: h, next: http.DefaultTransport}
	}
	p, err := query.NewPrometheus(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// lag is how far in the past the figures are compared: the newest scrapes
// may still be on their way (remote write), and VictoriaMetrics hides its
// newest 30s by default, so a time within them would be moved.
func lag(e demo.Engine) time.Duration {
	switch e {
	case demo.EngineVictoriaMetrics:
		return query.VictoriaMetricsLatency + 10*time.Second
	case demo.EngineMimir:
		return 10 * time.Second
	}
	return 3 * time.Second
}

// tolerance is the relative difference allowed between vigil's figures
// and the reference PromQL on the same engine. The reference takes rates.
// VictoriaMetrics's increase is not extrapolated: were a figure of vigil's
// an increase over the window, it would differ there from rate × window by
// up to a scrape interval's worth (1s in 1m: under 2%). Measured: 0 on every
// engine, vigil's figures being rates.
func tolerance(e demo.Engine) float64 {
	if e == demo.EngineVictoriaMetrics {
		return 0.05
	}
	return 1e-6
}

func near(got, want, tol float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= 1e-9+tol*math.Max(math.Abs(got), math.Abs(want))
}

// byPath evaluates an expression grouped by path at a time.
func byPath(t *testing.T, p *query.Prometheus, expr string, at time.Time) map[string]float64 {
	t.Helper()
	v, _, err := p.Query(context.Background(), expr, at)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		t.Fatalf("%s: %T, want a vector", expr, v)
	}
	out := map[string]float64{}
	for _, s := range vec {
		out[string(s.Metric["path"])] = float64(s.Value)
	}
	return out
}

// TestEngines runs vigil's core paths on every selected engine, each
// engine started once and shared by its checks; the engines run side by
// side.
func TestEngines(t *testing.T) {
	for _, e := range selectedEngines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			testEngine(t, e)
		})
	}
}

func testEngine(t *testing.T, e demo.Engine) {
	start := time.Now()
	stack := demotest.Start(t, demo.StackOptions{
		Engine:        e,
		App:           demo.AppOptions{Seed: 7},
		Alertmanagers: 1,
		RuleFiles:     map[string][]byte{"engines.yml": rules},
	})
	t.Logf("%s stack up in %s", e, time.Since(start).Round(100*time.Millisecond))
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.6})
	p := client(t, stack.PrometheusURL, stack.Headers)
	ctx := context.Background()
	s := shape()
	paths := stack.App.Paths()

	t.Run("engine detected", func(t *testing.T) {
		eng, err := p.DetectEngine(ctx)
		if err != nil {
			t.Fatal(err)
		}
		name := eng.String()
		if strings.TrimSpace(name) == "" || strings.HasSuffix(name, " ") {
			t.Fatalf("engine named %q", name)
		}
		switch e {
		case demo.EnginePrometheus:
			if eng.Kind != query.EnginePrometheus || !strings.HasPrefix(eng.Version, "2.") {
				t.Errorf("Debian's Prometheus detected as %+v (%s)", eng, name)
			}
		case demo.EnginePrometheus3:
			// Built with go install: no version stamped in.
			if eng.Kind != query.EnginePrometheus || name != "Prometheus, version unknown" {
				t.Errorf("Prometheus 3 detected as %+v (%q), want %q", eng, name, "Prometheus, version unknown")
			}
		case demo.EngineVictoriaMetrics:
			if eng.Kind != query.EngineVictoriaMetrics || eng.Latency() != 30*time.Second || eng.EvaluatesRules() ||
				!strings.HasPrefix(name, "VictoriaMetrics, version unknown (reports Prometheus ") {
				t.Errorf("VictoriaMetrics detected as %+v (%q)", eng, name)
			}
		case demo.EngineThanos:
			if eng.Kind != query.EngineThanos || !eng.EvaluatesRules() {
				t.Errorf("Thanos detected as %+v (%q)", eng, name)
			}
		case demo.EngineMimir:
			if eng.Kind != query.EngineMimir || eng.Version == "" || eng.PendingScope() != query.MimirPendingText {
				t.Errorf("Mimir detected as %+v (%q)", eng, name)
			}
		}
		if e != demo.EngineMimir && eng.PendingScope() != "" {
			t.Errorf("%s: pending alerts said to be only some: %q", e, eng.PendingScope())
		}
		if e != demo.EngineVictoriaMetrics && eng.Latency() != 0 {
			t.Errorf("%s: latency %s, want 0", e, eng.Latency())
		}
	})

	// Wait for every endpoint to have a rate, at the time the figures are
	// compared at.
	var ov *query.Overview
	demotest.Eventually(t, 90*time.Second+lag(e), "every endpoint to have a rate", func() (bool, string) {
		var err error
		ov, err = p.OverviewAt(ctx, s, time.Now().Add(-lag(e)))
		if err != nil {
			return false, err.Error()
		}
		withRate := 0
		for _, ep := range ov.Endpoints {
			if ep.RPS > 0 {
				withRate++
			}
		}
		i := slices.IndexFunc(ov.Endpoints, func(x query.Endpoint) bool { return x.Name == "/api/checkout" })
		failing := i >= 0 && ov.Endpoints[i].ErrorRatio > 0.4 // the whole window under the fault
		return withRate >= len(paths)-2 && len(ov.Endpoints) == len(paths) && failing,
			fmt.Sprintf("%d endpoints, %d with traffic, checkout failing %v", len(ov.Endpoints), withRate, failing)
	})

	// The figures, with the quantiles asked of the engine (a client's
	// first refresh) and computed in vigil from one read of the buckets
	// with Prometheus's BucketQuantile (the refreshes after, at this
	// scale): equal to the engine's own histogram_quantile either way.
	for _, c := range []struct {
		name    string
		p       *query.Prometheus
		inVigil bool
	}{{"asked", client(t, stack.PrometheusURL, stack.Headers), false}, {"from the buckets", p, true}} {
		t.Run("overview figures equal PromQL on the same engine, endpoint by endpoint, quantiles "+c.name, func(t *testing.T) {
			figuresEqualPromQL(t, e, c.p, s, paths, c.inVigil)
		})
	}

	t.Run("auto window from the scrape interval", func(t *testing.T) {
		as := s
		as.AutoWindow = true
		var ov *query.Overview
		var err error
		// The interval read by one refresh sets the window of the next.
		for range 2 {
			if ov, err = p.OverviewAt(ctx, as, time.Now().Add(-lag(e))); err != nil {
				t.Fatal(err)
			}
		}
		if e == demo.EngineMimir {
			// Mimir has no targets API: the interval is unknown, and said so.
			if ov.Window != query.DefaultAutoWindow || !slices.ContainsFunc(ov.Warnings, func(w string) bool { return strings.Contains(w, "scrape interval unknown") }) {
				t.Errorf("Mimir: window %s auto %v warnings %q, want the fallback and why", ov.Window, ov.WindowAuto, ov.Warnings)
			}
			return
		}
		if want := query.AutoWindow(time.Second); !ov.WindowAuto || ov.Window != want || len(ov.Warnings) > 0 {
			t.Errorf("window %s auto %v warnings %q, want %s from the 1s scrape interval", ov.Window, ov.WindowAuto, ov.Warnings, want)
		}
		withRate := 0
		for _, ep := range ov.Endpoints {
			if ep.RPS > 0 {
				withRate++
			}
		}
		if withRate < len(paths)/2 {
			t.Errorf("a %s window: %d of %d endpoints with a rate", ov.Window, withRate, len(paths))
		}
	})

	t.Run("doctor", func(t *testing.T) {
		r := doctor.Run(ctx, p, s, doctor.Options{})
		d := r.Detected
		if len(r.Errors) > 0 || !d.PrefixKnown || d.Prefix != "flask_" || d.DurationMetric != D || d.EndpointLabel != "path" {
			t.Errorf("detected %+v, errors %v", d, r.Errors)
		}
		var seen []string
		for _, c := range r.Checks {
			seen = append(seen, c.ID+" "+string(c.Status))
			if c.Status == doctor.Unknown {
				t.Errorf("check %s could not be made: %s", c.ID, c.Seen)
			}
		}
		if len(r.Checks) < 5 {
			t.Errorf("only %d checks: %v", len(r.Checks), seen)
		}
		t.Logf("%s doctor: %s", e, strings.Join(seen, ", "))
	})

	t.Run("alerts", func(t *testing.T) {
		demotest.PostAlert(t, stack.AlertmanagerURLs[0], map[string]string{"alertname": postAlert, "severity": "warning"}, nil)
		am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		wantAM := []string{postAlert}
		if e != demo.EngineVictoriaMetrics {
			wantAM = append(wantAM, ruleAlert) // Prometheus sends its rule's alert
		}
		demotest.Eventually(t, 60*time.Second, fmt.Sprintf("Alertmanager to list %v", wantAM), func() (bool, string) {
			as, err := am.Alerts(ctx)
			if err != nil {
				return false, err.Error()
			}
			var names []string
			for _, a := range as {
				names = append(names, a.Name)
			}
			for _, w := range wantAM {
				if !slices.Contains(names, w) {
					return false, fmt.Sprintf("alerts %v", names)
				}
			}
			return true, ""
		})

		if e == demo.EngineVictoriaMetrics {
			// Its /api/v1/alerts and /api/v1/rules are empty whatever
			// fires: vigil does not read them as "nothing is firing".
			_, aerr := p.Alerts(ctx)
			_, rerr := p.Rules(ctx)
			for _, err := range []error{aerr, rerr} {
				var nre *query.NoRulesError
				if err == nil || !errors.As(err, &nre) || !strings.Contains(err.Error(), query.NoRulesText) {
					t.Errorf("VictoriaMetrics alerts/rules: %v, want a NoRulesError saying %q", err, query.NoRulesText)
				}
			}
			return
		}
		// The rules: on the engine's URL for Prometheus and Thanos (which
		// serves the sidecar's), on the Prometheus beside Mimir.
		rp := p
		if e == demo.EngineMimir {
			rp = client(t, stack.RulesURL, nil)
		}
		demotest.Eventually(t, 30*time.Second, ruleAlert+" firing in the engine's alerts and rules", func() (bool, string) {
			as, err := rp.Alerts(ctx)
			if err != nil {
				return false, err.Error()
			}
			rs, err := rp.Rules(ctx)
			if err != nil {
				return false, err.Error()
			}
			firing := slices.ContainsFunc(as, func(a query.Alert) bool { return a.Name == ruleAlert && a.State == query.StateFiring })
			rule := slices.ContainsFunc(rs, func(r query.Rule) bool { return r.Name == ruleAlert && r.Health == "ok" })
			return firing && rule, fmt.Sprintf("firing %v, rule %v", firing, rule)
		})
	})

	t.Run("detail charts", func(t *testing.T) {
		d, err := p.Detail(ctx, s, query.DetailRequest{Endpoint: "/api/checkout", Range: 5 * time.Minute, Columns: 60})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Errors) > 0 {
			t.Fatalf("errors: %v", d.Errors)
		}
		for c, ch := range d.Charts {
			if len(ch.Series) == 0 {
				t.Errorf("chart %d has no series", c)
				continue
			}
			finite := 0
			for _, v := range ch.Series[0].Values {
				if !math.IsNaN(v) {
					finite++
				}
			}
			if finite == 0 {
				t.Errorf("chart %d (%s): no point in %d", c, ch.Series[0].Name, len(ch.Series[0].Values))
			}
		}
		if !slices.ContainsFunc(d.Status, func(b query.Breakdown) bool { return strings.HasPrefix(b.Value, "5") && b.RPS > 0 }) {
			t.Errorf("checkout's status breakdown has no 5xx: %+v", d.Status)
		}
	})

	t.Run("PromQL prompt", func(t *testing.T) {
		expr := fmt.Sprintf(`sum by (path) (rate(%s_count{%s}[1m]))`, D, sel)
		now := time.Now().Add(-lag(e))
		v, _, err := p.Query(ctx, expr, now)
		if err != nil {
			t.Fatal(err)
		}
		if inst := query.InstantOf(v); len(inst.Rows) < len(paths)-2 {
			t.Errorf("instant: %d rows, want about %d", len(inst.Rows), len(paths))
		}
		r := query.RangeFor(5*time.Minute, now)
		v, _, err = p.QueryRange(ctx, expr, r)
		if err != nil {
			t.Fatal(err)
		}
		if rd := query.RangeOf(v, r); len(rd.Series) == 0 {
			t.Errorf("range: no series")
		}
		_, _, err = p.Query(ctx, "sum(rate(", now)
		if err == nil || query.IsUnreachable(err) {
			t.Errorf("a bad query: %v, want the engine's own error, not unreachable", err)
		}
	})

	if e == demo.EngineMimir {
		t.Run("Mimir errors name the tenant and the path", func(t *testing.T) {
			noTenant := client(t, stack.PrometheusURL, nil)
			_, _, err := noTenant.Query(ctx, "up", time.Time{})
			if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "no org id") {
				t.Errorf("without X-Scope-OrgID: %v, want HTTP 401 with Mimir's \"no org id\"", err)
			}
			root := client(t, strings.TrimSuffix(stack.PrometheusURL, "/prometheus"), stack.Headers)
			_, _, err = root.Query(ctx, "up", time.Time{})
			if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "/prometheus") {
				t.Errorf("base URL without /prometheus: %v, want a 404 with the /prometheus hint", err)
			}
		})
	}

}

// Thanos with one of its two stores gone answers with a partial response:
// the same warning on every query, shown once with the stores counted; with
// prometheus.partial_response = "false" the queries fail instead.
func TestEnginesThanosPartialResponse(t *testing.T) {
	if !slices.Contains(selectedEngines(t), demo.EngineThanos) {
		t.Skip("Thanos not selected (VIGIL_ENGINES=thanos or all, as make test-engines sets)")
	}
	stack := demotest.Start(t, demo.StackOptions{Engine: demo.EngineThanos, ThanosSpare: true, App: demo.AppOptions{Seed: 7}})
	p := client(t, stack.PrometheusURL, nil)
	ctx := context.Background()
	s := shape()
	demotest.Eventually(t, 60*time.Second, "an overview with no warning", func() (bool, string) {
		ov, err := p.OverviewAt(ctx, s, time.Now().Add(-lag(demo.EngineThanos)))
		if err != nil {
			return false, err.Error()
		}
		return len(ov.Endpoints) > 0 && len(ov.Warnings) == 0 && len(ov.Errors) == 0, fmt.Sprintf("%d endpoints, warnings %q", len(ov.Endpoints), ov.Warnings)
	})
	if err := stack.StopThanosSpare(); err != nil {
		t.Fatal(err)
	}
	var ov *query.Overview
	demotest.Eventually(t, 60*time.Second, "the partial response", func() (bool, string) {
		var err error
		ov, err = p.OverviewAt(ctx, s, time.Now().Add(-lag(demo.EngineThanos)))
		if err != nil {
			return false, err.Error()
		}
		return len(ov.Warnings) > 0 && query.IsPartialText(ov.Warnings[0]), fmt.Sprintf("warnings %q errors %v", ov.Warnings, ov.Errors)
	})
	if ov.Warnings[0] != "partial data: 1 store unreachable" {
		t.Errorf("first warning %q, want %q", ov.Warnings[0], "partial data: 1 store unreachable")
	}
	for _, w := range ov.Warnings[1:] {
		if strings.Contains(w, "Addr: ") {
			t.Errorf("a store's warning left as well: %q (all: %q)", w, ov.Warnings)
		}
	}
	if len(ov.Endpoints) == 0 || len(ov.Errors) > 0 {
		t.Errorf("partial data still has the figures: %d endpoints, errors %v", len(ov.Endpoints), ov.Errors)
	}

	strict, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 20 * time.Second,
		Params: query.ThanosParams("false", "")})
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	_, _, err = strict.Query(ctx, `up{job="flask"}`, time.Time{})
	if err == nil {
		t.Errorf("partial_response=false with a store down: the query answered")
	} else {
		t.Logf("partial_response=false: %v", err)
	}
}

// figuresEqualPromQL compares one refresh of p, endpoint by endpoint,
// with PromQL evaluated on the same engine e; inVigil is whether the
// refresh must have computed its quantiles in vigil.
func figuresEqualPromQL(t *testing.T, e demo.Engine, p *query.Prometheus, s query.Shape, paths []string, inVigil bool) {
	at := time.Now().Add(-lag(e))
	ov, err := p.OverviewAt(context.Background(), s, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Errors) > 0 || len(ov.Warnings) > 0 {
		t.Errorf("errors %v warnings %v", ov.Errors, ov.Warnings)
	}
	if ov.QuantilesInVigil != inVigil {
		t.Fatalf("quantiles computed in vigil: %v, want %v", ov.QuantilesInVigil, inVigil)
	}

	at = ov.At
	tol := tolerance(e)
	rps := byPath(t, p, fmt.Sprintf(`sum by (path) (rate(%s_count{%s}[1m]))`, D, sel), at)
	errs := byPath(t, p, fmt.Sprintf(`sum by (path) (rate(%s_count{%s,status=~"5.."}[1m]))`, D, sel), at)
	p50 := byPath(t, p, fmt.Sprintf(`histogram_quantile(0.5, sum by (path, le) (rate(%s_bucket{%s}[1m])))`, D, sel), at)
	p99 := byPath(t, p, fmt.Sprintf(`histogram_quantile(0.99, sum by (path, le) (rate(%s_bucket{%s}[1m])))`, D, sel), at)
	exc := byPath(t, p, fmt.Sprintf(`sum by (path) (increase(%s_count{%s,status="500"}[1m]))`, D, sel), at)
	if len(ov.Endpoints) != len(paths) {
		t.Fatalf("%d endpoints, want %d", len(ov.Endpoints), len(paths))
	}
	checked := 0
	worst, worstWhat := 0.0, ""
	diff := func(what string, got, want float64) {
		if d := math.Abs(got-want) / math.Max(math.Abs(want), 1e-9); !math.IsNaN(d) && d > worst && (got != 0 || want != 0) {
			worst, worstWhat = d, what
		}
	}
	for _, ep := range ov.Endpoints {
		want, ok := rps[ep.Name]
		if !ok || want == 0 {
			continue // no traffic in the window: nothing to compare
		}
		checked++
		ratio := errs[ep.Name] / want // no error series: 0
		wantExc := exc[ep.Name]
		var bad []string
		if !near(ep.RPS, want, tol) {
			bad = append(bad, fmt.Sprintf("rps %v want %v", ep.RPS, want))
		}
		if !near(ep.ErrorRatio, ratio, tol) {
			bad = append(bad, fmt.Sprintf("error ratio %v want %v", ep.ErrorRatio, ratio))
		}
		if !near(ep.P50, p50[ep.Name], tol) {
			bad = append(bad, fmt.Sprintf("p50 %v want %v", ep.P50, p50[ep.Name]))
		}
		if !near(ep.P99, p99[ep.Name], tol) {
			bad = append(bad, fmt.Sprintf("p99 %v want %v", ep.P99, p99[ep.Name]))
		}
		// Few exceptions in a minute: an increase that is not
		// extrapolated differs by up to one whole count.
		if !near(ep.Exceptions, wantExc, tol) && !(e == demo.EngineVictoriaMetrics && math.Abs(ep.Exceptions-wantExc) <= 2) {
			bad = append(bad, fmt.Sprintf("exceptions %v want %v", ep.Exceptions, wantExc))
		}
		if len(bad) > 0 {
			t.Errorf("%s %s: %s", e, ep.Name, strings.Join(bad, "; "))
		}
		diff(ep.Name+" rps", ep.RPS, want)
		diff(ep.Name+" p99", ep.P99, p99[ep.Name])
		diff(ep.Name+" exceptions", ep.Exceptions, wantExc)
	}
	if worstWhat == "" {
		worstWhat = "none differs"
	}
	t.Logf("%s: %d endpoints compared; largest relative difference %.2g (%s), allowed %g", e, checked, worst, worstWhat, tol)
	if checked < len(paths)-2 {
		t.Errorf("only %d of %d endpoints had traffic to compare", checked, len(paths))
	}
	co := ov.Endpoints[slices.IndexFunc(ov.Endpoints, func(x query.Endpoint) bool { return x.Name == "/api/checkout" })]
	if co.ErrorRatio < 0.35 || co.ErrorRatio > 0.85 {
		t.Errorf("/api/checkout error ratio %v with a 0.6 fault", co.ErrorRatio)
	}
	// The overall p99 and the one service's.
	total := byPath(t, p, fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(%s_bucket{%s}[1m])))`, D, sel), at)[""]
	if !near(ov.Totals.P99, total, tolerance(e)) || !(total > 0) {
		t.Errorf("%s: total p99 %v, want %v", e, ov.Totals.P99, total)
	}
	if len(ov.Services) != 1 || !near(ov.Services[0].P99, total, tolerance(e)) {
		t.Errorf("%s: services %+v, want one of p99 %v", e, ov.Services, total)
	}
}
