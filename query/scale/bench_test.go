package scale

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// dashboardQueries are the figures of the overview as a grafterm-style
// dashboard asks for them at every refresh: a range graph of each
// endpoint's error ratio and one of its p99 over the trend's span, and
// single stats of the totals. Each panel is its own query.
func dashboardQueries(w time.Duration) (ranges, instants []string) {
	W := "[" + query.FormatDuration(w) + "]"
	count := `flask_http_request_duration_seconds_count{job="flask"}`
	errs := `flask_http_request_duration_seconds_count{job="flask",status=~"5.."}`
	bucket := `flask_http_request_duration_seconds_bucket{job="flask"}`
	ranges = []string{
		`sum by (path) (rate(` + errs + W + `)) / sum by (path) (rate(` + count + W + `))`,
		`histogram_quantile(0.99, sum by (path, le) (rate(` + bucket + W + `)))`,
	}
	instants = []string{
		`sum(rate(` + count + W + `))`,
		`sum(rate(` + errs + W + `)) / sum(rate(` + count + W + `))`,
		`histogram_quantile(0.99, sum by (le) (rate(` + bucket + W + `)))`,
		`sum(increase(flask_http_request_exceptions_total{job="flask"}` + W + `))`,
	}
	return ranges, instants
}

// dashboardRefresh sends the dashboard's queries at once, as its panels do.
func dashboardRefresh(ctx context.Context, p *query.Prometheus, w time.Duration) error {
	ranges, instants := dashboardQueries(w)
	now := time.Now()
	plan := query.PlanTrend(w, now)
	var wg sync.WaitGroup
	errs := make(chan error, len(ranges)+len(instants))
	for _, q := range ranges {
		wg.Go(func() {
			_, _, err := p.QueryRange(ctx, q, v1.Range{Start: plan.Start, End: plan.End, Step: plan.Step})
			errs <- err
		})
	}
	for _, q := range instants {
		wg.Go(func() {
			_, _, err := p.Query(ctx, q, now)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// scaleResult is what one way of reading the figures cost per refresh.
type scaleResult struct {
	wall time.Duration
	cost demotest.QueryCost
}

// BenchmarkScale10k reads the overview of 10,000 endpoints (the demo app
// with 10,000 paths, scraped every 5s) three ways: from the raw series,
// from vigil's recording rules, and as a dashboard of the same figures
// would. It reports the time of a refresh end to end and what Prometheus
// spent evaluating it (its query log), and fails when a goal is missed: a
// refresh with the rules under 1s, Prometheus's evaluation time per
// refresh 20 times less than raw, and at most half a dashboard's.
func BenchmarkScale10k(b *testing.B) {
	const n = 10000
	s := flaskShape(time.Minute)
	rules, err := query.RulesFile(s, []time.Duration{time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	stack := demotest.Start(b, demo.StackOptions{
		App:            demo.AppOptions{Endpoints: n, Seed: 1},
		ScrapeInterval: 5 * time.Second,
		// The usual evaluation interval: the rules' own cost runs beside
		// the refreshes measured, as it would.
		EvalInterval: 15 * time.Second,
		QueryLog:     true,
		RuleFiles:    map[string][]byte{"vigil_rules.yml": rules},
	})
	raw := client(b, stack.PrometheusURL, 60*time.Second, false)
	rec := client(b, stack.PrometheusURL, 60*time.Second, true)
	ctx := context.Background()
	demotest.Eventually(b, 3*time.Minute, "10,000 endpoints read from the rules", func() (bool, string) {
		ov, err := rec.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		withRate := 0
		for _, e := range ov.Endpoints {
			if !math.IsNaN(e.RPS) {
				withRate++
			}
		}
		return ov.Recorded == "1m" && withRate == n, fmt.Sprintf("%d endpoints with a rate, recorded %q (%s)", withRate, ov.Recorded, ov.RulesWhy)
	})
	// A full trend of recorded points.
	time.Sleep(time.Minute)

	results := map[string]scaleResult{}
	run := func(name string, queries int, refresh func() error) {
		b.Run(name, func(b *testing.B) {
			if err := refresh(); err != nil { // the first, whole trend
				b.Fatal(err)
			}
			logAt := demotest.QueryLogSize(b, stack.QueryLogPath())
			var wall time.Duration
			refreshes := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				time.Sleep(5 * time.Second) // a refresh interval: new steps to read
				b.StartTimer()
				begin := time.Now()
				if err := refresh(); err != nil {
					b.Fatal(err)
				}
				wall += time.Since(begin)
				refreshes++
			}
			b.StopTimer()
			cost := demotest.QueryLogCost(b, stack.QueryLogPath(), logAt, refreshes*queries).Per(refreshes)
			r := scaleResult{wall: wall / time.Duration(refreshes), cost: cost}
			results[name] = r
			b.ReportMetric(float64(cost.Eval.Microseconds())/1000, "eval-ms/refresh")
			b.ReportMetric(float64(cost.Exec.Microseconds())/1000, "exec-ms/refresh")
			b.ReportMetric(float64(cost.Queries), "queries/refresh")
			b.ReportMetric(float64(r.wall.Microseconds())/1000, "wall-ms/refresh")
			b.Logf("%s over %d endpoints: %s per refresh, %s end to end (%d refreshes)", name, n, cost, r.wall.Round(time.Millisecond), refreshes)
			all := demotest.QueryLogCost(b, stack.QueryLogPath(), logAt, 0)
			for q, d := range all.ByQuery {
				b.Logf("  %8s  %s", (d / time.Duration(refreshes)).Round(time.Millisecond), q)
			}
		})
	}
	overview := func(p *query.Prometheus, want string) func() error {
		return func() error {
			ov, err := p.Overview(ctx, s)
			if err != nil {
				return err
			}
			if len(ov.Errors) > 0 {
				return fmt.Errorf("errors: %v", ov.Errors)
			}
			if ov.Recorded != want || len(ov.Endpoints) != n {
				return fmt.Errorf("%d endpoints, recorded %q (%s)", len(ov.Endpoints), ov.Recorded, ov.RulesWhy)
			}
			return nil
		}
	}
	run("raw", query.PromQLQueriesPerRefresh, overview(raw, ""))
	run("rules", query.PromQLQueriesPerRefresh, overview(rec, "1m"))
	ranges, instants := dashboardQueries(time.Minute)
	run("dashboard", len(ranges)+len(instants), func() error { return dashboardRefresh(ctx, raw, time.Minute) })

	rw, rl, db := results["raw"], results["rules"], results["dashboard"]
	if rl.cost.Eval <= 0 || rw.cost.Eval <= 0 || db.cost.Eval <= 0 {
		b.Fatalf("no evaluation time measured: raw %s, rules %s, dashboard %s", rw.cost, rl.cost, db.cost)
	}
	b.Logf("evaluation per refresh: raw %s, rules %s (%.1f× less), dashboard %s (rules %.2f of it); rules refresh %s end to end",
		rw.cost.Eval, rl.cost.Eval, float64(rw.cost.Eval)/float64(rl.cost.Eval), db.cost.Eval, float64(rl.cost.Eval)/float64(db.cost.Eval), rl.wall)
	if rl.wall >= time.Second {
		b.Errorf("a refresh with the rules took %s end to end, want under 1s", rl.wall)
	}
	if float64(rw.cost.Eval) < 20*float64(rl.cost.Eval) {
		b.Errorf("evaluation per refresh: raw %s, rules %s: want 20 times less", rw.cost.Eval, rl.cost.Eval)
	}
	if 2*rl.cost.Eval > db.cost.Eval {
		b.Errorf("evaluation per refresh: rules %s, dashboard %s: want at most half", rl.cost.Eval, db.cost.Eval)
	}
}
