package query

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestDetailChartQueries(t *testing.T) {
	s := flaskShape()
	const ep = "/api/checkout"
	w := 2 * time.Minute
	tests := []struct {
		chart   DetailChart
		compare Compare
		want    string
	}{
		{ChartErrorRatio, CompareOff,
			`label_replace((sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status=~"5.."}[2m])) or ` +
				`sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[2m])) * 0) / ` +
				`sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[2m])), "vigil_series", "error_ratio", "", "")`},
		{ChartLatency, CompareOff,
			`label_replace(histogram_quantile(0.5, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/checkout"}[2m]))), "vigil_series", "p50", "", "") or ` +
				`label_replace(histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/checkout"}[2m]))), "vigil_series", "p99", "", "")`},
		{ChartRPS, CompareOff,
			`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[2m])), "vigil_series", "rps", "", "")`},
		{ChartExceptions, CompareOff,
			`label_replace(sum(rate(flask_http_request_exceptions_total{job="flask",path="/api/checkout"}[2m])) * 60, "vigil_series", "exceptions", "", "") or ` +
				`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status="500"}[2m])) * 60, "vigil_series", "status_500", "", "")`},
		{ChartRPS, CompareDay,
			`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[2m])), "vigil_series", "rps", "", "") or ` +
				`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[2m] offset 1d)), "vigil_series", "rps@offset", "", "")`},
		{ChartLatency, CompareWeek,
			`label_replace(histogram_quantile(0.5, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/checkout"}[2m]))), "vigil_series", "p50", "", "") or ` +
				`label_replace(histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/checkout"}[2m]))), "vigil_series", "p99", "", "") or ` +
				`label_replace(histogram_quantile(0.5, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/checkout"}[2m] offset 1w))), "vigil_series", "p50@offset", "", "") or ` +
				`label_replace(histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask",path="/api/checkout"}[2m] offset 1w))), "vigil_series", "p99@offset", "", "")`},
	}
	plan := DetailPlan{Step: time.Minute, Window: w, Resolution: DetailResolution}
	for _, tt := range tests {
		got := DetailChartQuery(s, tt.chart, ep, plan, tt.compare)
		// The current-value series are checked below.
		var parts []string
		for i, part := range strings.Split(got, " or label_replace(") {
			if i > 0 {
				part = "label_replace(" + part
			}
			if !strings.Contains(part, NowSuffix+`", "", "")`) {
				parts = append(parts, part)
			}
		}
		if got := strings.Join(parts, " or "); got != tt.want {
			t.Errorf("%s compare %s:\ngot  %s\nwant %s", tt.chart, tt.compare, got, tt.want)
		}
	}
	// The current values: over the overview's window (5m), no max.
	if got, want := DetailChartQuery(s, ChartRPS, ep, plan, CompareOff),
		`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[2m])), "vigil_series", "rps", "", "") or `+
			`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[5m])), "vigil_series", "rps@now", "", "")`; got != want {
		t.Errorf("rps with its current value:\ngot  %s\nwant %s", got, want)
	}
	// A long range: each point is the maximum of the 1m figure over the step.
	long := PlanDetail(24*time.Hour, 80, time.Unix(1e9, 0))
	if got, want := DetailChartQuery(s, ChartRPS, ep, long, CompareDay),
		`label_replace(max_over_time((sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[1m])))[18m:15s]), "vigil_series", "rps", "", "") or `+
			`label_replace(max_over_time((sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[1m] offset 1d)))[18m:15s]), "vigil_series", "rps@offset", "", "") or `+
			`label_replace(sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[5m])), "vigil_series", "rps@now", "", "")`; got != want {
		t.Errorf("24h rps:\ngot  %s\nwant %s", got, want)
	}
	if got, want := StatusBreakdownQuery(s, ep), `sum by (status) (rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[5m]))`; got != want {
		t.Errorf("status:\ngot  %s\nwant %s", got, want)
	}
	if got, want := MethodBreakdownQuery(s, ep), `sum by (method) (rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[5m]))`; got != want {
		t.Errorf("method:\ngot  %s\nwant %s", got, want)
	}
	// A hostile endpoint name stays inside its string.
	if got := RPSDetail(s, "/a\"b\\c"); !strings.Contains(got, `path="/a\"b\\c"`) {
		t.Errorf("quoting: %s", got)
	}
}

func RPSDetail(s Shape, ep string) string {
	return DetailChartQuery(s, ChartRPS, ep, PlanDetail(time.Hour, 60, time.Unix(1e9, 0)), CompareOff)
}

func TestDetailQueriesAreAFixedNumber(t *testing.T) {
	s := flaskShape()
	for _, c := range []Compare{CompareOff, CompareDay, CompareWeek} {
		r := DetailRequest{Endpoint: "/x", Range: time.Hour, Compare: c, Columns: 60}
		qs := DetailQueries(s, r, PlanDetail(r.Range, r.Columns, time.Unix(1e9, 0)))
		if len(qs) != DetailQueriesPerRefresh || DetailQueriesPerRefresh != 8 {
			t.Fatalf("compare %s: %d queries", c, len(qs))
		}
		ranges := 0
		for _, q := range qs {
			if q.Range {
				ranges++
			}
		}
		if ranges != 6 {
			t.Errorf("compare %s: %d range queries, want 6", c, ranges)
		}
	}
}

func TestPlanDetail(t *testing.T) {
	end := time.Date(2026, 11, 24, 3, 0, 0, 500e6, time.UTC)
	tests := []struct {
		rng        time.Duration
		cols       int
		step, win  time.Duration
		maxPoints  int
		minCovered time.Duration
	}{
		{15 * time.Minute, 200, 5 * time.Second, time.Minute, 200, 14 * time.Minute},
		{time.Hour, 71, 51 * time.Second, time.Minute, 71, 58 * time.Minute},
		{24 * time.Hour, 192, 450 * time.Second, time.Minute, 192, 23 * time.Hour},
		{7 * 24 * time.Hour, 31, 19510 * time.Second, time.Minute, 31, 6 * 24 * time.Hour},
		{time.Hour, 0, 30 * time.Minute, time.Minute, 2, 30 * time.Minute},
	}
	for _, tt := range tests {
		p := PlanDetail(tt.rng, tt.cols, end)
		if p.Step != tt.step || p.Window != tt.win {
			t.Errorf("%s in %d columns: step %s window %s, want %s %s", tt.rng, tt.cols, p.Step, p.Window, tt.step, tt.win)
		}
		if p.Points > tt.maxPoints || p.Points > max(tt.cols, 2) {
			t.Errorf("%s in %d columns: %d points", tt.rng, tt.cols, p.Points)
		}
		// No hole between points: either the window covers the step, or
		// each point is a maximum over the whole step.
		if p.MaxOverStep() != (p.Step > p.Window) || p.Resolution > p.Window/2 {
			t.Errorf("%s: step %s window %s resolution %s max over step %v", tt.rng, p.Step, p.Window, p.Resolution, p.MaxOverStep())
		}
		covered := p.End.Sub(p.Start)
		if covered < tt.minCovered || covered > tt.rng {
			t.Errorf("%s: covers %s", tt.rng, covered)
		}
		if !p.End.Equal(end.Truncate(time.Second)) || len(p.Times()) != p.Points || !p.Times()[p.Points-1].Equal(p.End) {
			t.Errorf("%s: end %s times %d", tt.rng, p.End, len(p.Times()))
		}
	}
}

func TestAssembleDetail(t *testing.T) {
	s := flaskShape()
	end := time.Unix(1_800_000_000, 0)
	r := DetailRequest{Endpoint: "/api/checkout", Range: 15 * time.Minute, Compare: CompareDay, Columns: 10}
	plan := PlanDetail(r.Range, r.Columns, end)
	qs := DetailQueries(s, r, plan)
	at := func(i int) model.Time {
		return model.TimeFromUnixNano(plan.Start.Add(time.Duration(i) * plan.Step).UnixNano())
	}
	series := func(name string, pts map[int]float64) *model.SampleStream {
		ss := &model.SampleStream{Metric: model.Metric{SeriesLabel: model.LabelValue(name)}}
		for i := 0; i < plan.Points; i++ {
			if v, ok := pts[i]; ok {
				ss.Values = append(ss.Values, model.SamplePair{Timestamp: at(i), Value: model.SampleValue(v)})
			}
		}
		return ss
	}
	res := make([]queryResult, len(qs))
	res[ChartErrorRatio].mat = model.Matrix{
		series("error_ratio", map[int]float64{0: 0, 1: 0.01, 5: 0.4, 9: 0.5}),
		series("error_ratio@offset", map[int]float64{9: 0.02}),
		series("error_ratio@now", map[int]float64{8: 0.9, 9: 0.33}),
	}
	res[ChartLatency].mat = model.Matrix{series("p99", map[int]float64{9: math.Inf(1)}), series("p50", map[int]float64{9: 0.1})}
	res[ChartRPS].err = errors.New("bad_data: boom")
	res[ChartExceptions].mat = model.Matrix{series("status_500", map[int]float64{9: 12}), series("unknown", map[int]float64{9: 1})}
	res[4].vec = model.Vector{
		{Metric: model.Metric{"status": "200"}, Value: 2},
		{Metric: model.Metric{"status": "500"}, Value: 3},
	}
	res[5].vec = model.Vector{{Metric: model.Metric{"method": "GET"}, Value: 5}}
	res[5].warnings = []string{"careful"}

	d := AssembleDetail(s, r, plan, qs, res)
	er := d.Charts[ChartErrorRatio].Get(SeriesErrorRatio)
	if er == nil || len(er.Values) != plan.Points || er.Values[0] != 0 || er.Values[5] != 0.4 || er.Values[9] != 0.5 || !math.IsNaN(er.Values[2]) {
		t.Fatalf("error ratio %+v: missing points must be NaN gaps, zeros kept", er)
	}
	if er.Now != 0.33 {
		t.Errorf("current error ratio %v, want the @now series at the end, 0.33", er.Now)
	}
	if p50 := d.Charts[ChartLatency].Get(SeriesP50); !math.IsNaN(p50.Now) {
		t.Errorf("no current p50 was sent, got %v", p50.Now)
	}
	if c := d.Charts[ChartErrorRatio].Get(SeriesErrorRatio + CompareSuffix); c == nil || !c.Compare || c.Values[9] != 0.02 {
		t.Fatalf("comparison %+v", c)
	}
	if p99 := d.Charts[ChartLatency].Get(SeriesP99); !math.IsNaN(p99.Values[9]) {
		t.Errorf("+Inf must be NaN, got %v", p99.Values[9])
	}
	if names := seriesNames(d.Charts[ChartLatency]); names != "p50 p99 p50@offset p99@offset" {
		t.Errorf("latency series %s", names)
	}
	if len(d.Errors) != 1 || d.Errors[0].Name != "rps" || len(d.Charts[ChartRPS].Series) != 0 {
		t.Errorf("errors %v, rps %v", d.Errors, d.Charts[ChartRPS])
	}
	if d.ExceptionsByEndpoint || seriesNames(d.Charts[ChartExceptions]) != "status_500 status_500@offset" || d.ExceptionsSource != `flask_http_request_duration_seconds_count{status="500"}` {
		t.Errorf("exceptions: by endpoint %v, %s", d.ExceptionsByEndpoint, seriesNames(d.Charts[ChartExceptions]))
	}
	if len(d.Status) != 2 || d.Status[0].Value != "500" || d.Methods[0].Value != "GET" || len(d.Warnings) != 1 || d.Warnings[0] != "method: careful" {
		t.Errorf("breakdowns %v %v warnings %v", d.Status, d.Methods, d.Warnings)
	}

	// With the counter labelled, it wins.
	res[ChartExceptions].mat = model.Matrix{series("status_500", map[int]float64{9: 12}), series("exceptions", map[int]float64{9: 11})}
	d = AssembleDetail(s, r, plan, qs, res)
	if !d.ExceptionsByEndpoint || seriesNames(d.Charts[ChartExceptions]) != "exceptions exceptions@offset" || d.ExceptionsSource != s.ExceptionsMetric {
		t.Errorf("labelled counter: %v %s", d.ExceptionsByEndpoint, seriesNames(d.Charts[ChartExceptions]))
	}
}

func seriesNames(c Chart) string {
	var n []string
	for _, s := range c.Series {
		n = append(n, s.Name)
	}
	return strings.Join(n, " ")
}

func TestCompareCycle(t *testing.T) {
	c := CompareOff
	var got []time.Duration
	for range 3 {
		c = c.Next()
		got = append(got, c.Offset())
	}
	if got[0] != 24*time.Hour || got[1] != 7*24*time.Hour || got[2] != 0 {
		t.Fatalf("cycle %v", got)
	}
}

func TestAlertsForEndpoint(t *testing.T) {
	alerts := []Alert{
		{Name: "a", Labels: map[string]string{"path": "/x"}},
		{Name: "b", Labels: map[string]string{"handler": "/x"}},
		{Name: "c", Labels: map[string]string{"path": "/xy"}},
	}
	got := AlertsForEndpoint(alerts, "/x")
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("%v", got)
	}
	if AlertsForEndpoint(alerts, "") != nil {
		t.Fatal("empty endpoint")
	}
}

func TestLastAndMax(t *testing.T) {
	v := []float64{1, 7, math.NaN(), 3, math.NaN()}
	if Last(v) != 3 || Max(v) != 7 || !math.IsNaN(Last(nil)) || !math.IsNaN(Max([]float64{math.NaN()})) {
		t.Fatal("Last/Max")
	}
}
