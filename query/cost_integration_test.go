package query

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// On the real stack, a query's cost is its selectors' evaluations times
// their series, each series count equal to Prometheus's own count() of the
// selector asked apart; a selector that selects nothing is charged one.
func TestIntegrationEstimateCost(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}})
	p := demoClient(t, stack, 10*time.Second)
	ctx := context.Background()
	demotest.WaitScrapes(t, stack.PrometheusURL, stack.App.Addr(), 4)
	// A time whose scrapes are all in, two scrapes later: every count
	// below sees the same series.
	at := time.Now()
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, stack.App.Addr(), 2)

	count := func(sel string) int64 {
		t.Helper()
		v, _, err := p.Query(ctx, "count("+sel+")", at)
		if err != nil {
			t.Fatal(err)
		}
		vec, ok := v.(model.Vector)
		if !ok {
			t.Fatalf("count(%s): a %s", sel, v.Type())
		}
		if len(vec) == 0 {
			return 0
		}
		return int64(vec[0].Value)
	}
	buckets := count(`flask_http_request_duration_seconds_bucket{job="flask"}`)
	counts := count(`flask_http_request_duration_seconds_count{job="flask"}`)
	if buckets < 100 || counts < 10 {
		t.Fatalf("the demo has %d bucket and %d count series: too few to tell a cost apart", buckets, counts)
	}

	expr := `sum(rate(flask_http_request_duration_seconds_count{job="flask"}[1m])) / max(max_over_time(histogram_quantile(0.99, flask_http_request_duration_seconds_bucket{job="flask"})[10s:100ms])) + absent(nothing_here{job="flask"})`
	c, err := EstimateCost(ctx, p, expr, 240, at)
	if err != nil {
		t.Fatal(err)
	}
	// absent()'s selector selects nothing, and is charged one series.
	want := 240*counts + 240*100*buckets + 240
	if c.SeriesSteps != want || c.Steps != 24000 || c.Series != buckets {
		t.Fatalf("cost %+v, want %d series-steps, the costliest 24000 steps × %d series", c, want, buckets)
	}
	// A subquery over series that are not there still runs at every step.
	if c, err := EstimateCost(ctx, p, `count_over_time(absent(nothing_here)[1h:1ms])`, 1, at); err != nil || c.SeriesSteps != 3_600_000 {
		t.Fatalf("absent over a subquery: %+v, %v; want 3,600,000 series-steps", c, err)
	}

	// vector() selects nothing: no count is asked, and it costs its steps.
	if c, err := EstimateCost(ctx, p, `vector(1)`, 1, at); err != nil || c.SeriesSteps != 1 {
		t.Fatalf("vector(1): %+v, %v", c, err)
	}
	// A query Prometheus refuses is refused here too, with its words.
	if _, err := EstimateCost(ctx, p, `sum(`, 1, at); err == nil {
		t.Fatal("a query that does not parse has a cost")
	}
}
