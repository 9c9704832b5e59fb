package grafana

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

func stackSource(t *testing.T, stack *demo.Stack) Source {
	t.Helper()
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return FromPrometheus(p)
}

// waitScrapes waits until Prometheus holds n scrapes of the app.
func waitScrapes(t *testing.T, src Source, n int) {
	t.Helper()
	demotest.Eventually(t, 90*time.Second, "scrapes of the app", func() (bool, string) {
		v, _, err := src.Query(context.Background(), `count_over_time(up{job="flask"}[10m])`, time.Now().Add(-2*time.Second))
		if err != nil {
			return false, err.Error()
		}
		vec, _ := v.(model.Vector)
		return len(vec) == 1 && int(vec[0].Value) >= n, v.String()
	})
}

// waitStepCovered waits until the last step-aligned moment before now
// has n scrapes of the app in the minute before it. A panel's points sit
// on multiples of its step, so on a stack started seconds ago the last
// point of a 30s step can fall before a 1m rate has two samples, however
// many scrapes are stored after it.
func waitStepCovered(t *testing.T, src Source, step time.Duration, n int) {
	t.Helper()
	demotest.Eventually(t, 120*time.Second, "scrapes before the last "+step.String()+" step", func() (bool, string) {
		at := time.Now().Add(-2 * time.Second).Truncate(step)
		v, _, err := src.Query(context.Background(), `count_over_time(up{job="flask"}[1m])`, at)
		if err != nil {
			return false, err.Error()
		}
		vec, _ := v.(model.Vector)
		return len(vec) == 1 && int(vec[0].Value) >= n, at.Format(time.RFC3339) + ": " + v.String()
	})
}

// settledEnd is a moment two seconds ago that Prometheus has finished
// ingesting: a scrape of the app stamped after it is stored, so a panel
// read and the same PromQL asked later see the same points. On a busy
// machine a scrape can be stored seconds after the time it carries.
func settledEnd(t *testing.T, src Source) time.Time {
	t.Helper()
	end := time.Now().Add(-2 * time.Second)
	demotest.Eventually(t, 60*time.Second, "a scrape stored after "+end.Format(time.RFC3339Nano), func() (bool, string) {
		v, _, err := src.Query(context.Background(), `timestamp(up{job="flask"})`, time.Now())
		if err != nil {
			return false, err.Error()
		}
		vec, _ := v.(model.Vector)
		return len(vec) == 1 && float64(vec[0].Value) > float64(end.UnixMilli())/1000, v.String()
	})
	return end
}

// The modern dashboard on the real stack: every query variable kind reads
// Prometheus (a chained one with the job chosen before it), and each
// panel's values equal the same PromQL, variables expanded, asked
// directly; a refresh costs one request per shown target.
func TestIntegrationModernDashboardEqualsDirectPromQL(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 26}, QueryLog: true})
	src := stackSource(t, stack)
	ctx := context.Background()
	d, err := ReadFile("testdata/modern.json")
	if err != nil {
		t.Fatal(err)
	}
	waitScrapes(t, src, 20)
	// The scrape interval behind $__rate_interval is Prometheus's, not
	// Grafana's assumed 15s; a source that cannot say assumes 15s, and why.
	if sc, err := ScrapeOf(ctx, src); sc != time.Second || err != nil {
		t.Errorf("scrape interval %s (%v), want the demo's 1s", sc, err)
	}
	if sc, err := ScrapeOf(ctx, struct{ Source }{src}); sc != DefaultScrapeInterval || err == nil || !strings.Contains(err.Error(), "15s assumed") {
		t.Errorf("a source without the interval: %s (%v), want 15s assumed, and why", sc, err)
	}
	end := settledEnd(t, src)
	vars := Resolve(ctx, src, d, nil, 5*time.Minute, end, time.Second)
	byName := map[string]*VarState{}
	for _, v := range vars {
		byName[v.Var.Name] = v
		if v.Err != nil {
			t.Errorf("variable %s: %v", v.Var.Name, v.Err)
		}
	}
	if !slices.ContainsFunc(byName["job"].Options, func(o Option) bool { return o.Value == "flask" }) || byName["job"].Text() != "flask" {
		t.Errorf("job: %+v", byName["job"])
	}
	paths := byName["path"].Options
	if len(paths) < 3 || !byName["path"].All {
		t.Errorf("path: %+v", byName["path"])
	}
	for _, o := range paths {
		if !strings.HasPrefix(o.Value, "/api/") {
			t.Errorf("path %q passed the regex", o.Value)
		}
	}
	if m := byName["method"].Options; !slices.ContainsFunc(m, func(o Option) bool { return o.Value == "POST" }) {
		t.Errorf("label_values(method): %+v", m)
	}
	if m := byName["metric"].Options; len(m) != 2 {
		t.Errorf("metrics(): %+v", m)
	}
	if in := byName["instance"]; len(in.Selected) != 1 || in.Selected[0] != stack.App.Addr() {
		t.Errorf("query_result(): %+v, want %s", in, stack.App.Addr())
	}

	sc := vars.Scope()
	all := make([]int, len(d.Panels))
	for i := range all {
		all[i] = i
	}
	o := RunOptions{Range: 5 * time.Minute, End: end, Scrape: time.Second, Only: all, Points: map[int]int{}}
	res := Run(ctx, src, d, vars, o)
	compared := 0
	for i := range d.Panels {
		p := &d.Panels[i]
		pd := res[i]
		if !p.Queried() {
			if pd != nil {
				t.Errorf("%s: queried", p.Title)
			}
			continue
		}
		if pd == nil {
			t.Fatalf("%s: no result", p.Title)
		}
		if err := pd.Err(); err != nil {
			t.Errorf("%s: %v", p.Title, err)
			continue
		}
		if len(pd.Series) == 0 {
			t.Errorf("%s: no series (%v)", p.Title, pd.Targets)
			continue
		}
		for _, tr := range pd.Targets {
			if strings.Contains(tr.Expr, "$") {
				t.Errorf("%s: unexpanded %s", p.Title, tr.Expr)
			}
			tgt := p.Targets[refOrder(p, tr.RefID)]
			want, _ := Expand(p, tgt, sc, o, 0)
			if want != tr.Expr {
				t.Errorf("%s: sent %s, expanded %s", p.Title, tr.Expr, want)
			}
			var direct []Series
			if tr.Instant {
				v, _, err := src.Query(ctx, want, end)
				if err != nil {
					t.Fatal(err)
				}
				direct = instantSeries(v)
			} else {
				st := pd.Interval.Step
				r := v1.Range{Start: end.Add(-pd.Interval.Range).Truncate(st), End: end.Truncate(st), Step: st}
				v, _, err := src.QueryRange(ctx, want, r)
				if err != nil {
					t.Fatal(err)
				}
				direct = rangeSeries(v, r)
			}
			compareSeries(t, p, pd, direct)
			compared++
		}
	}
	if compared < 9 {
		t.Errorf("%d targets compared", compared)
	}
	// The raw-bucket quantile is marked.
	for i, p := range d.Panels {
		if p.Title == "p99 over raw buckets" && (res[i] == nil || len(res[i].Findings) == 0 || !strings.Contains(strings.Join(res[i].Findings, ";"), "histogram/no-rate")) {
			t.Errorf("raw buckets not marked: %+v", res[i])
		}
	}

	// One request per shown target: the default selection leaves the
	// collapsed row's panels out.
	off := demotest.QueryLogSize(t, stack.QueryLogPath())
	res = Run(ctx, src, d, vars, RunOptions{Range: 5 * time.Minute, End: end, Scrape: time.Second})
	want := 0
	for i, p := range d.Panels {
		if p.Collapsed {
			if res[i] != nil {
				t.Errorf("%s in a collapsed row was queried", p.Title)
			}
			continue
		}
		if p.Queried() {
			for _, tg := range p.Targets {
				if !tg.Hide && tg.Expr != "" {
					want++
				}
			}
		}
	}
	sent := 0
	for _, pd := range res {
		sent += pd.Requests()
	}
	cost := demotest.QueryLogCost(t, stack.QueryLogPath(), off, want)
	if sent != want || cost.Queries != want {
		t.Errorf("a refresh sent %d requests, Prometheus logged %d, want %d (one per shown target)", sent, cost.Queries, want)
	}
	t.Logf("one refresh of %q: %d requests for %d shown panels (%s)", d.Title, want, len(res), cost)
}

// compareSeries checks that the panel's series are those asked directly:
// same names, same values at each step (heatmap buckets de-accumulated
// from the direct answer the same way).
func compareSeries(t *testing.T, p *Panel, pd *PanelData, direct []Series) {
	t.Helper()
	if pd.Buckets {
		tmp := &PanelData{Series: direct}
		toBuckets(tmp, p)
		direct = tmp.Series
	}
	got := map[string]Series{}
	for _, s := range pd.Series {
		got[query.SeriesText(s.Labels)] = s
	}
	for _, d := range direct {
		name := query.SeriesText(d.Labels)
		s, ok := got[name]
		if !ok {
			if pd.More == 0 {
				t.Errorf("%s: series %s missing", p.Title, name)
			}
			continue
		}
		if d.Values == nil {
			if !same(d.Value, s.Value) {
				t.Errorf("%s %s: %v, direct %v", p.Title, name, s.Value, d.Value)
			}
			continue
		}
		if len(d.Values) != len(s.Values) {
			t.Errorf("%s %s: %d points, direct %d", p.Title, name, len(s.Values), len(d.Values))
			continue
		}
		for i := range d.Values {
			if !same(d.Values[i], s.Values[i]) {
				t.Errorf("%s %s point %d: %v, direct %v", p.Title, name, i, s.Values[i], d.Values[i])
				break
			}
		}
	}
}

func same(a, b float64) bool {
	return (math.IsNaN(a) && math.IsNaN(b)) || a == b
}

// The rows-era dashboard: its singlestat's value is the last point of the
// ratio asked directly.
func TestIntegrationRowsEraDashboard(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 14}})
	src := stackSource(t, stack)
	ctx := context.Background()
	d, err := ReadFile("testdata/rows-era.json")
	if err != nil {
		t.Fatal(err)
	}
	waitScrapes(t, src, 20)
	// The scrape interval behind $__rate_interval is Prometheus's, not
	// Grafana's assumed 15s; a source that cannot say assumes 15s, and why.
	if sc, err := ScrapeOf(ctx, src); sc != time.Second || err != nil {
		t.Errorf("scrape interval %s (%v), want the demo's 1s", sc, err)
	}
	if sc, err := ScrapeOf(ctx, struct{ Source }{src}); sc != DefaultScrapeInterval || err == nil || !strings.Contains(err.Error(), "15s assumed") {
		t.Errorf("a source without the interval: %s (%v), want 15s assumed, and why", sc, err)
	}
	// The dashboard's hour is drawn with a 30s step (a 1m step would be
	// covered too): its last point must see a 1m rate.
	waitStepCovered(t, src, 30*time.Second, 10)
	end := settledEnd(t, src)
	vars := Resolve(ctx, src, d, nil, d.Range, end, time.Second)
	if vars[0].Text() != "flask" || vars[0].Err != nil {
		t.Fatalf("job: %+v", vars[0])
	}
	res := Run(ctx, src, d, vars, RunOptions{Range: d.Range, End: end, Scrape: time.Second})
	for i, p := range d.Panels {
		if p.Kind == KindRow {
			continue
		}
		pd := res[i]
		if pd == nil || pd.Err() != nil || len(pd.Series) == 0 {
			t.Fatalf("%s: %+v", p.Title, pd)
		}
		if p.Kind == KindStat {
			expr := strings.ReplaceAll(p.Targets[0].Expr, "$job", "flask")
			st := pd.Interval.Step
			r := v1.Range{Start: end.Add(-d.Range).Truncate(st), End: end.Truncate(st), Step: st}
			v, _, err := src.QueryRange(ctx, expr, r)
			if err != nil {
				t.Fatal(err)
			}
			direct := rangeSeries(v, r)
			if len(direct) != 1 || !same(reduce(direct[0].Values, "last"), pd.Series[0].Value) {
				t.Errorf("singlestat %v, direct %+v", pd.Series[0].Value, direct)
			}
		}
	}
}
