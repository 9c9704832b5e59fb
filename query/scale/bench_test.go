package scale

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"golang.org/x/sync/errgroup"
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

// dashboardRefresh sends the dashboard's queries at once, as its panels do,
// or one after the other with oneByOne.
func dashboardRefresh(ctx context.Context, p *query.Prometheus, w time.Duration, oneByOne bool) error {
	ranges, instants := dashboardQueries(w)
	now := time.Now()
	plan := query.PlanTrend(w, now)
	var g errgroup.Group
	if oneByOne {
		g.SetLimit(1)
	}
	for _, q := range ranges {
		g.Go(func() error {
			_, _, err := p.QueryRange(ctx, q, v1.Range{Start: plan.Start, End: plan.End, Step: plan.Step})
			return err
		})
	}
	for _, q := range instants {
		g.Go(func() error {
			_, _, err := p.Query(ctx, q, now)
			return err
		})
	}
	return g.Wait()
}

// scaleResult is what one way of reading the figures cost per refresh:
// Prometheus's evaluation time with the queries sent one by one (each
// query's own cost), the same with the queries sent as the console sends
// them (paced, see query.PaceAfter; the dashboard's at once, which counts
// the time each waits for the others on the CPUs) and the time a refresh
// takes end to end, sent that way.
type scaleResult struct {
	wall, wallMean time.Duration
	cost, atOnce   demotest.QueryCost
	costRefreshes  int
}

// medianCost is the cost of the refresh of median evaluation time.
func medianCost(cs []demotest.QueryCost) demotest.QueryCost {
	if len(cs) == 0 {
		return demotest.QueryCost{}
	}
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b demotest.QueryCost) int { return cmp.Compare(a.Eval, b.Eval) })
	return sorted[len(sorted)/2]
}

func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

func meanDuration(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(max(len(ds), 1))
}

// BenchmarkScale10k reads the overview of 10,000 endpoints (the demo app
// with 10,000 paths, scraped every 5s) three ways: from the raw series,
// from vigil's recording rules, and as a dashboard of the same figures
// would. It reports the time of a refresh end to end and what Prometheus
// spent evaluating it (its query log): with the queries sent one by one,
// the cost of each alone; with the queries sent as the console sends
// them (paced) and the dashboard's at once, the sum also counts the time
// a query waited for the others on Prometheus's CPUs. It fails when a goal is missed: a
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
	// The same, sending a refresh's queries one by one
	// (prometheus.max_concurrent_queries = 1): what each costs alone.
	rawOne := clientWith(b, query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 60 * time.Second, MaxConcurrent: 1}, false)
	recOne := clientWith(b, query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 60 * time.Second, MaxConcurrent: 1}, true)
	ctx := context.Background()
	demotest.Eventually(b, 3*time.Minute, "10,000 endpoints read from the rules", func() (bool, string) {
		// Both clients find the rules (the first refresh reads raw).
		if _, err := recOne.Overview(ctx, s); err != nil {
			return false, err.Error()
		}
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
		return ov.Recorded == "1m" && len(ov.NotRecorded) == 0 && withRate == n,
			fmt.Sprintf("%d endpoints with a rate, recorded %q (%s), not recorded %q", withRate, ov.Recorded, ov.RulesWhy, ov.NotRecorded)
	})
	// A full trend of recorded points.
	time.Sleep(time.Minute)

	// Each way is read first whole (the trend's whole span), then every 5s
	// (a refresh interval: new steps to read).
	// Prometheus shares its two CPUs with the app, its scrapes and the
	// rules: one refresh can land on a rule evaluation. The figures are
	// those of the median refresh of several, each measured on its own.
	const refreshes = 5
	results := map[string]scaleResult{}
	run := func(name string, queries int, refresh func(oneByOne bool) error) {
		b.Run(name, func(b *testing.B) {
			var r scaleResult
			for _, oneByOne := range []bool{false, true} {
				if err := refresh(oneByOne); err != nil { // the first, whole trend
					b.Fatal(err)
				}
			}
			// measure runs one refresh after a refresh interval (new
			// steps to read): its time end to end and its cost.
			measure := func(oneByOne bool) (time.Duration, demotest.QueryCost) {
				b.StopTimer()
				time.Sleep(5 * time.Second)
				at := demotest.QueryLogSize(b, stack.QueryLogPath())
				b.StartTimer()
				begin := time.Now()
				if err := refresh(oneByOne); err != nil {
					b.Fatal(err)
				}
				took := time.Since(begin)
				b.StopTimer()
				return took, demotest.QueryLogCost(b, stack.QueryLogPath(), at, queries)
			}
			var walls []time.Duration
			var atOnce, oneByOne []demotest.QueryCost
			for b.Loop() {
				for range refreshes {
					w, c := measure(false)
					walls, atOnce = append(walls, w), append(atOnce, c)
				}
				for range refreshes {
					_, c := measure(true)
					oneByOne = append(oneByOne, c)
				}
				b.StartTimer() // b.Loop wants it running
			}
			r.wall, r.wallMean = medianDuration(walls), meanDuration(walls)
			r.atOnce, r.cost = medianCost(atOnce), medianCost(oneByOne)
			r.costRefreshes = len(oneByOne)
			results[name] = r
			b.ReportMetric(float64(r.cost.Eval.Microseconds())/1000, "eval-ms/refresh")
			b.ReportMetric(float64(r.atOnce.Eval.Microseconds())/1000, "eval-at-once-ms/refresh")
			b.ReportMetric(float64(r.cost.Queries), "queries/refresh")
			b.ReportMetric(float64(r.wall.Microseconds())/1000, "wall-ms/refresh")
			b.Logf("%s over %d endpoints, median of %d refreshes: queries one by one %s; as sent (vigil paced, the dashboard at once) %s, %s end to end (mean %s)",
				name, n, r.costRefreshes, r.cost, r.atOnce, r.wall.Round(time.Millisecond), r.wallMean.Round(time.Millisecond))
			// One line each (a benchmark's log is cut after a few lines):
			// every refresh's total, and each query's median.
			var totals, parts []string
			byQuery := map[string][]time.Duration{}
			for _, c := range oneByOne {
				totals = append(totals, c.Eval.Round(time.Millisecond).String())
				for q, d := range c.ByQuery {
					byQuery[q] = append(byQuery[q], d)
				}
			}
			for q, ds := range byQuery {
				parts = append(parts, fmt.Sprintf("%s %.60s", medianDuration(ds).Round(time.Millisecond), q))
			}
			slices.Sort(parts)
			b.Logf("one by one, each refresh: %s | each query's median: %s", strings.Join(totals, " "), strings.Join(parts, " | "))
		})
	}
	overview := func(p, one *query.Prometheus, want string) func(bool) error {
		return func(oneByOne bool) error {
			c := p
			if oneByOne {
				c = one
			}
			ov, err := c.Overview(ctx, s)
			if err != nil {
				return err
			}
			if len(ov.Errors) > 0 {
				return fmt.Errorf("errors: %v", ov.Errors)
			}
			if ov.Recorded != want || len(ov.Endpoints) != n || len(ov.NotRecorded) > 0 {
				return fmt.Errorf("%d endpoints, recorded %q (%s), not recorded %q", len(ov.Endpoints), ov.Recorded, ov.RulesWhy, ov.NotRecorded)
			}
			return nil
		}
	}
	run("raw", query.PromQLQueriesPerRefresh, overview(raw, rawOne, ""))
	run("rules", query.PromQLQueriesPerRefresh, overview(rec, recOne, "1m"))
	ranges, instants := dashboardQueries(time.Minute)
	run("dashboard", len(ranges)+len(instants), func(oneByOne bool) error { return dashboardRefresh(ctx, raw, time.Minute, oneByOne) })

	rw, rl, db := results["raw"], results["rules"], results["dashboard"]
	if rl.cost.Eval <= 0 || rw.cost.Eval <= 0 || db.cost.Eval <= 0 {
		b.Fatalf("no evaluation time measured: raw %s, rules %s, dashboard %s", rw.cost, rl.cost, db.cost)
	}
	b.Logf("evaluation per refresh, queries one by one: raw %s, rules %s (%.1f× less), dashboard %s (rules %.2f of it)",
		rw.cost.Eval, rl.cost.Eval, float64(rw.cost.Eval)/float64(rl.cost.Eval), db.cost.Eval, float64(rl.cost.Eval)/float64(db.cost.Eval))
	b.Logf("evaluation per refresh, queries as sent (vigil paced, the dashboard at once): raw %s, rules %s (%.1f× less), dashboard %s; a refresh end to end: raw %s, rules %s, dashboard %s",
		rw.atOnce.Eval, rl.atOnce.Eval, float64(rw.atOnce.Eval)/float64(rl.atOnce.Eval), db.atOnce.Eval, rw.wall, rl.wall, db.wall)
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
