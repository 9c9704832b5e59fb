package query

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

func rowOf(ov *Overview, name string) *Endpoint {
	for i := range ov.Endpoints {
		if ov.Endpoints[i].Name == name {
			return &ov.Endpoints[i]
		}
	}
	return nil
}

func rowNames(ov *Overview) string {
	var b strings.Builder
	for _, e := range ov.Endpoints {
		fmt.Fprintf(&b, " %s(×%d)", e.Name, e.Members)
	}
	return b.String()
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// TestIntegrationGroupedOverview groups the demo app's exploded paths on
// the real Prometheus: a group's req/s, error ratio and p99 equal PromQL
// written independently over its members' series at the same instant, the
// member counts are right, the scanners' 404s are one unmatched row, a
// member far worse than its group is named, and grouping costs no query.
func TestIntegrationGroupedOverview(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{
		App:       demo.AppOptions{Seed: 21, Pitfalls: demo.Pitfalls{PathExplosion: true, Scanners: true}},
		ExtraJobs: []string{"rule"},
		ExtraApps: map[string]demo.AppOptions{"rule": {Pitfalls: demo.Pitfalls{GroupBy: "url_rule", Scanners: true}}},
	})
	// One bad order among 25.
	stack.App.SetFault("/api/orders/10407", demo.Fault{ErrorRatio: 0.6})
	p := demoClient(t, stack, 15*time.Second)
	s := demoShape(20 * time.Second)
	s.Grouping = Grouping{Mode: GroupAuto, Rules: []PathRule{{Name: "/files/<file>", Pattern: "/files/.+"}}}

	var ov *Overview
	demotest.Eventually(t, 40*time.Second, "the grouped rows with traffic", func() (bool, string) {
		var err error
		ov, err = p.OverviewAt(context.Background(), s, time.Now().Add(-2*time.Second))
		if err != nil {
			return false, err.Error()
		}
		blog, orders := rowOf(ov, "/blog/<slug>"), rowOf(ov, "/api/orders/<id>")
		ok := blog != nil && orders != nil && blog.Members >= 45 && !math.IsNaN(blog.P99) && orders.WorstMember == "/api/orders/10407" && orders.WorstMemberErrorRatio > 0.2 && rowOf(ov, UnmatchedName) != nil
		return ok, rowNames(ov)
	})
	at := ov.At
	scalar := func(expr string) float64 { return scalarAt(t, p, expr, at) }
	W := FormatDuration(s.Window)
	for _, g := range []struct{ row, re string }{
		{"/blog/<slug>", `/blog/[^/]+`},
		{"/api/orders/<id>", `/api/orders/[^/]+`},
		{"/files/<file>", `/files/.+`},
	} {
		e := rowOf(ov, g.row)
		if e == nil {
			t.Fatalf("no row %s:%s", g.row, rowNames(ov))
		}
		sel := fmt.Sprintf(`job="flask",path=~%q`, g.re)
		rps := scalar(fmt.Sprintf(`sum(rate(flask_http_request_duration_seconds_count{%s}[%s]))`, sel, W))
		errs := scalar(fmt.Sprintf(`sum(rate(flask_http_request_duration_seconds_count{%s,status=~"5.."}[%s]))`, sel, W))
		p99 := scalar(fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{%s}[%s])))`, sel, W))
		members := scalar(fmt.Sprintf(`count(count by (path) (flask_http_request_duration_seconds_count{%s}))`, sel))
		if !near(e.RPS, rps) || !near(e.P99, p99) || float64(e.Members) != members || !e.Group {
			t.Errorf("%s: rps %v p99 %v members %d group %v; PromQL over the members: rps %v p99 %v members %v", g.row, e.RPS, e.P99, e.Members, e.Group, rps, p99, members)
		}
		if math.IsNaN(errs) {
			errs = 0
		}
		if !near(e.ErrorRatio, errs/rps) {
			t.Errorf("%s: error ratio %v, PromQL %v", g.row, e.ErrorRatio, errs/rps)
		}
	}
	if rowOf(ov, "/blog/flask-tips") != nil || rowOf(ov, "/api/orders/10407") != nil {
		t.Errorf("members still shown as rows:%s", rowNames(ov))
	}
	if e := rowOf(ov, "/login"); e == nil || e.Group || e.Members != 1 {
		t.Errorf("/login is a plain row with one member: %+v", e)
	}
	orders := rowOf(ov, "/api/orders/<id>")
	if !(orders.WorstMemberErrorRatio > 2*orders.ErrorRatio) {
		t.Errorf("worst order %s at %v, group at %v: want the member far worse", orders.WorstMember, orders.WorstMemberErrorRatio, orders.ErrorRatio)
	}
	un := rowOf(ov, UnmatchedName)
	// The rules come from the refresh before: scanner paths that appeared
	// since are rows of their own until the next one.
	if n := scalar(`count(count by (path) (flask_http_request_duration_seconds_count{job="flask",path=~"/old-.*"}))`); float64(un.Members) > n || un.Members < 5 {
		t.Errorf("unmatched row has %d members, Prometheus %v scanner paths", un.Members, n)
	}

	// Under url_rule, "None" is the unmatched row.
	sr := s
	sr.Selector, sr.EndpointLabel = `job="rule"`, "url_rule"
	demotest.Eventually(t, 20*time.Second, "the unmatched row of url_rule", func() (bool, string) {
		o, err := p.Overview(context.Background(), sr)
		if err != nil {
			return false, err.Error()
		}
		return rowOf(o, UnmatchedName) != nil && rowOf(o, "None") == nil && rowOf(o, "/blog/<slug>") != nil, rowNames(o)
	})

	// A restart marks the group rows as changed, as it does plain ones.
	stack.App.Restart()
	demotest.Eventually(t, 30*time.Second, "the group row marked changed after a restart", func() (bool, string) {
		o, err := p.Overview(context.Background(), s)
		if err != nil {
			return false, err.Error()
		}
		e := rowOf(o, "/blog/<slug>")
		return e != nil && !e.Changed.IsZero(), fmt.Sprintf("%v", o.ChangesErr)
	})

	// The same number of queries with grouping on as off, counted by
	// Prometheus.
	checkQueriesPerRefresh(t, p, stack, s, 3)
	off := s
	off.Grouping = Grouping{}
	checkQueriesPerRefresh(t, p, stack, off, 3)
}

// TestIntegrationOverviewPitfalls reads the exporter's pitfalls in the
// overview on the real Prometheus, at no extra query: a p99 at the top
// bucket is flagged as capped, a summary gives the mean latency and no
// p99, and the rows of workers whose counters go back and forth are
// marked.
func TestIntegrationOverviewPitfalls(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{
		App:       demo.AppOptions{Seed: 23},
		ExtraJobs: []string{"summary", "workers"},
		ExtraApps: map[string]demo.AppOptions{
			"summary": {Pitfalls: demo.Pitfalls{Summary: true}},
			"workers": {Pitfalls: demo.Pitfalls{Workers: 3}},
		},
	})
	stack.App.SetFault("/api/search", demo.Fault{Latency: 30 * time.Second})
	p := demoClient(t, stack, 15*time.Second)
	s := demoShape(20 * time.Second)
	s.Grouping = Grouping{Mode: GroupOff}

	demotest.Eventually(t, 40*time.Second, "the p99 of /api/search at the top bucket", func() (bool, string) {
		ov, err := p.Overview(context.Background(), s)
		if err != nil {
			return false, err.Error()
		}
		e := rowOf(ov, "/api/search")
		if e == nil {
			return false, rowNames(ov)
		}
		other := rowOf(ov, "/login")
		return ov.TopBucket == 10 && ov.P99Capped(e.P99) && other != nil && !ov.P99Capped(other.P99) && !e.ResetsWrong(),
			fmt.Sprintf("top %v p99 %v", ov.TopBucket, e.P99)
	})

	sm := s
	sm.Selector = `job="summary"`
	demotest.Eventually(t, 30*time.Second, "the mean latency of a summary", func() (bool, string) {
		ov, err := p.Overview(context.Background(), sm)
		if err != nil {
			return false, err.Error()
		}
		e := rowOf(ov, "/api/checkout")
		if e == nil {
			return false, rowNames(ov)
		}
		if !ov.LatencyMean {
			return false, "not yet mean"
		}
		mean := scalarAt(t, p, `sum(rate(flask_http_request_duration_seconds_sum{job="summary",path="/api/checkout"}[20s])) / sum(rate(flask_http_request_duration_seconds_count{job="summary",path="/api/checkout"}[20s]))`, ov.At)
		return near(e.P50, mean) && math.IsNaN(e.P99) && ov.TopBucket == 0, fmt.Sprintf("mean %v want %v p99 %v", e.P50, mean, e.P99)
	})

	// At the auto window (4 scrape intervals), where a rate has only a
	// few samples: the resets are counted over 5 minutes.
	sw := s
	sw.Selector = `job="workers"`
	sw.AutoWindow = true
	demotest.Eventually(t, 30*time.Second, "the workers' rows marked", func() (bool, string) {
		ov, err := p.Overview(context.Background(), sw)
		if err != nil {
			return false, err.Error()
		}
		e := rowOf(ov, "/")
		if e == nil {
			return false, rowNames(ov)
		}
		return e.ResetsWrong(), fmt.Sprintf("resets %v series %d", e.CounterResets, e.Series)
	})
	checkQueriesPerRefresh(t, p, stack, sw, 2)
}
