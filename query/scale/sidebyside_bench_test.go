package scale

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// countingTransport counts the requests it carries and the bytes of their
// answers (as read, after the transport's own decompression).
type countingTransport struct {
	next            http.RoundTripper
	requests, bytes atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.bytes}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// sideCost is what one side cost Prometheus over the measured span.
type sideCost struct {
	refreshes      int
	requests       int64
	bytes          int64
	cost           demotest.QueryCost
	span           time.Duration
	evalPerMinute  time.Duration
	requestsPerMin float64
	bytesPerMin    float64
	took           time.Duration // a refresh's time end to end, the mean
}

// BenchmarkSideBySide50 measures vigil's overview beside a dashboard of the
// same figures (a graph of each endpoint's error ratio and one of its p99
// over the trend's span, single stats of the totals: dashboardQueries), on
// the demo app with 50 endpoints scraped every 2s, without recording
// rules, both set to refresh every second for 30s (one trend step), one after the other in
// the same benchmark. vigil refreshes as the console does: never sooner
// than new samples can exist (the targets' shortest scrape interval, 2s
// here); the dashboard asks every second, as Grafana and grafterm do.
// From Prometheus's query log it reports each side's evaluation time,
// requests and answer bytes per minute, and vigil's share of the
// dashboard's evaluation time (the goal: at most 0.5).
func BenchmarkSideBySide50(b *testing.B) { sideBySide50(b, false) }

// BenchmarkSideBySide50Rules is BenchmarkSideBySide50 with vigil's
// recording rules of the auto window loaded (evaluated every 2s) and read
// by vigil; the dashboard still reads the raw series. The rules' own
// evaluations are counted apart, as Prometheus logs them (the goal: vigil
// at most 0.1 of the dashboard).
func BenchmarkSideBySide50Rules(b *testing.B) { sideBySide50(b, true) }

func sideBySide50(b *testing.B, withRules bool) {
	const n = 50
	const scrape = 2 * time.Second
	// One step of the trend (30s): the share of refreshes that keep it
	// does not depend on where the span falls.
	const span = query.TrendStep
	const refresh = time.Second
	w := query.AutoWindow(scrape)
	s := flaskShape(w)
	opts := demo.StackOptions{App: demo.AppOptions{Endpoints: n, Seed: 5}, ScrapeInterval: scrape, QueryLog: true}
	goal := 0.5
	if withRules {
		rules, err := query.RulesFile(s, []time.Duration{w})
		if err != nil {
			b.Fatal(err)
		}
		opts.RuleFiles = map[string][]byte{"vigil_rules.yml": rules}
		opts.EvalInterval = scrape
		goal = 0.1
	}
	stack := demotest.Start(b, opts)
	vt := &countingTransport{next: http.DefaultTransport}
	dt := &countingTransport{next: http.DefaultTransport}
	vigil := clientWith(b, query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 20 * time.Second, RoundTripper: vt}, withRules)
	dash := clientWith(b, query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 20 * time.Second, RoundTripper: dt}, false)
	ctx := context.Background()
	demotest.Eventually(b, 2*time.Minute, "50 endpoints", func() (bool, string) {
		ov, err := vigil.Overview(ctx, s)
		if err != nil {
			return false, err.Error()
		}
		read := ov.QuantilesInVigil
		if withRules {
			read = ov.Recorded != "" && len(ov.NotRecorded) == 0
		}
		return read && len(ov.Endpoints) >= n && ov.Totals.RPS > 0 && ov.Totals.P99 > 0,
			fmt.Sprintf("%d endpoints, totals %+v, quantiles in vigil %v, recorded %q (%s), not recorded %q", len(ov.Endpoints), ov.Totals, ov.QuantilesInVigil, ov.Recorded, ov.RulesWhy, ov.NotRecorded)
	})
	// The first dashboard refresh reads its graphs whole, as vigil's first
	// refresh did above.
	if err := dashboardRefresh(ctx, dash, w, false); err != nil {
		b.Fatal(err)
	}

	side := func(t *countingTransport, every time.Duration, do func() (int, error)) sideCost {
		b.Helper()
		at := demotest.QueryLogSize(b, stack.QueryLogPath())
		req0, bytes0 := t.requests.Load(), t.bytes.Load()
		tick := time.NewTicker(every)
		defer tick.Stop()
		begin := time.Now()
		var c sideCost
		queries := 0
		var took time.Duration
		for time.Since(begin) < span {
			t0 := time.Now()
			n, err := do()
			took += time.Since(t0)
			if err != nil {
				b.Fatal(err)
			}
			queries += n
			c.refreshes++
			<-tick.C
		}
		c.span = time.Since(begin)
		c.took = took / time.Duration(max(c.refreshes, 1))
		c.requests, c.bytes = t.requests.Load()-req0, t.bytes.Load()-bytes0
		c.cost = demotest.QueryLogCost(b, stack.QueryLogPath(), at, queries)
		per := float64(time.Minute) / float64(c.span)
		c.evalPerMinute = time.Duration(float64(c.cost.Eval) * per)
		c.requestsPerMin, c.bytesPerMin = float64(c.requests)*per, float64(c.bytes)*per
		return c
	}
	ranges, instants := dashboardQueries(w)
	for b.Loop() {
		// vigil's console refreshes every max(refresh, scrape interval).
		v := side(vt, max(refresh, scrape), func() (int, error) {
			ov, err := vigil.Overview(ctx, s)
			if err != nil {
				return 0, err
			}
			if len(ov.Errors) > 0 {
				return 0, fmt.Errorf("errors: %v", ov.Errors)
			}
			if !withRules && !ov.QuantilesInVigil {
				return 0, errors.New("the quantiles were asked of Prometheus: at 50 endpoints they are computed from one read of the buckets")
			}
			if withRules && ov.Recorded == "" {
				return 0, fmt.Errorf("the raw series were read: %s", ov.RulesWhy)
			}
			return ov.Sent - 1, nil // the targets API is no PromQL query
		})
		d := side(dt, refresh, func() (int, error) {
			return len(ranges) + len(instants), dashboardRefresh(ctx, dash, w, false)
		})
		if v.cost.Eval <= 0 || d.cost.Eval <= 0 {
			b.Fatalf("no evaluation time measured: vigil %s, dashboard %s", v.cost, d.cost)
		}
		share := float64(v.evalPerMinute) / float64(d.evalPerMinute)
		b.ReportMetric(float64(v.evalPerMinute.Milliseconds()), "vigil-eval-ms/min")
		b.ReportMetric(float64(d.evalPerMinute.Milliseconds()), "dashboard-eval-ms/min")
		b.ReportMetric(share, "vigil/dashboard-eval")
		b.ReportMetric(v.requestsPerMin, "vigil-requests/min")
		b.ReportMetric(d.requestsPerMin, "dashboard-requests/min")
		b.ReportMetric(v.bytesPerMin/1024, "vigil-KiB/min")
		b.ReportMetric(d.bytesPerMin/1024, "dashboard-KiB/min")
		b.ReportMetric(float64(v.took.Microseconds())/1000, "vigil-refresh-ms")
		b.ReportMetric(float64(d.took.Microseconds())/1000, "dashboard-refresh-ms")
		how := "no rules"
		if withRules {
			how = fmt.Sprintf("vigil's rules (%d evaluations of %s in vigil's span, counted apart)", v.cost.RuleEvals, v.cost.RuleEval.Round(time.Millisecond))
		}
		b.Logf("%d endpoints, %s scrape, %s, over %s each: vigil %d refreshes of %s, %s, %d requests, %d KiB; dashboard %d refreshes of %s, %s, %d requests, %d KiB; vigil's evaluation time %.2f of the dashboard's (goal ≤ %g)",
			n, scrape, how, span, v.refreshes, v.took.Round(time.Millisecond), v.cost, v.requests, v.bytes/1024, d.refreshes, d.took.Round(time.Millisecond), d.cost, d.requests, d.bytes/1024, share, goal)
		b.Logf("vigil's queries by evaluation time: %s", byCost(v.cost))
		b.Logf("the dashboard's: %s", byCost(d.cost))
	}
}

// byCost lists each query's summed evaluation time, the costliest first.
func byCost(c demotest.QueryCost) string {
	type q struct {
		text string
		d    time.Duration
	}
	var qs []q
	for t, d := range c.ByQuery {
		qs = append(qs, q{t, d})
	}
	slices.SortFunc(qs, func(a, b q) int { return cmp.Compare(b.d, a.d) })
	var out []string
	for _, x := range qs {
		out = append(out, fmt.Sprintf("%s %.70s", x.d.Round(time.Millisecond), x.text))
	}
	return strings.Join(out, " | ")
}
