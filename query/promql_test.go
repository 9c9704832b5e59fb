package query

import (
	"testing"
	"time"
)

func flaskShape() Shape {
	return Shape{
		Selector:         `job="flask"`,
		EndpointLabel:    "path",
		DurationMetric:   "flask_http_request_duration_seconds",
		RequestsMetric:   "flask_http_request_total",
		ExceptionsMetric: "flask_http_request_exceptions_total",
		ErrorStatus:      "5..",
		Window:           5 * time.Minute,
	}
}

func TestPromQLBuilders(t *testing.T) {
	def := flaskShape()
	bare := def
	bare.Selector = ""
	odd := def
	odd.Selector = `  job="flask", instance=~"a.*",  `
	odd.EndpointLabel = "url_rule"
	odd.ErrorStatus = `5\d\d|4"29`
	odd.Window = 90 * time.Second
	day := def
	day.Window = 24 * time.Hour
	ms := def
	ms.Window = 1500 * time.Millisecond

	tests := []struct {
		name  string
		build func(Shape) string
		s     Shape
		want  string
	}{
		{"rps", RPSQuery, def, `sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[5m]))`},
		{"rps bare", RPSQuery, bare, `sum by (path) (rate(flask_http_request_duration_seconds_count[5m]))`},
		{"rps odd", RPSQuery, odd, `sum by (url_rule) (rate(flask_http_request_duration_seconds_count{job="flask", instance=~"a.*"}[1m30s]))`},
		{"rps day", RPSQuery, day, `sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[1d]))`},
		{"rps ms", RPSQuery, ms, `sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[1s500ms]))`},
		{"errors", ErrorsQuery, def, `sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask",status=~"5.."}[5m]))`},
		{"errors bare", ErrorsQuery, bare, `sum by (path) (rate(flask_http_request_duration_seconds_count{status=~"5.."}[5m]))`},
		{"errors escaped", ErrorsQuery, odd, `sum by (url_rule) (rate(flask_http_request_duration_seconds_count{job="flask", instance=~"a.*",status=~"5\\d\\d|4\"29"}[1m30s]))`},
		{"p50", func(s Shape) string { return QuantileQuery(s, 0.5) }, def,
			`histogram_quantile(0.5, sum by (path, le) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[5m])))`},
		{"p99", func(s Shape) string { return QuantileQuery(s, 0.99) }, def,
			`histogram_quantile(0.99, sum by (path, le) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[5m])))`},
		{"p99 bare", func(s Shape) string { return QuantileQuery(s, 0.99) }, bare,
			`histogram_quantile(0.99, sum by (path, le) (rate(flask_http_request_duration_seconds_bucket[5m])))`},
		{"exceptions by label", ExceptionsByLabelQuery, def, `sum by (path) (increase(flask_http_request_exceptions_total{job="flask"}[5m]))`},
		{"exceptions by label bare", ExceptionsByLabelQuery, bare, `sum by (path) (increase(flask_http_request_exceptions_total[5m]))`},
		{"exceptions 500", Exceptions500Query, def, `sum by (path) (increase(flask_http_request_duration_seconds_count{job="flask",status="500"}[5m]))`},
		{"exceptions 500 bare", Exceptions500Query, bare, `sum by (path) (increase(flask_http_request_duration_seconds_count{status="500"}[5m]))`},
		{"exceptions 500 source", Exceptions500Source, def, `flask_http_request_duration_seconds_count{status="500"}`},
		{"total rps", TotalRPSQuery, def, `sum(rate(flask_http_request_duration_seconds_count{job="flask"}[5m]))`},
		{"total error ratio", TotalErrorRatioQuery, def,
			`(sum(rate(flask_http_request_duration_seconds_count{job="flask",status=~"5.."}[5m])) or vector(0)) / sum(rate(flask_http_request_duration_seconds_count{job="flask"}[5m]))`},
		{"total p99", TotalP99Query, def, `histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[5m])))`},
		{"total p99 bare", TotalP99Query, bare, `histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket[5m])))`},
		{"total exceptions", TotalExceptionsQuery, def, `sum(increase(flask_http_request_exceptions_total{job="flask"}[5m]))`},
		{"total exceptions bare", TotalExceptionsQuery, bare, `sum(increase(flask_http_request_exceptions_total[5m]))`},
		{"trend", func(s Shape) string { return TrendQuery(s, time.Minute) }, def,
			`(sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask",status=~"5.."}[1m])) or ` +
				`sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[1m])) * 0) / ` +
				`sum by (path) (rate(flask_http_request_duration_seconds_count{job="flask"}[1m]))`},
		{"trend bare", func(s Shape) string { return TrendQuery(s, 15*time.Second) }, bare,
			`(sum by (path) (rate(flask_http_request_duration_seconds_count{status=~"5.."}[15s])) or ` +
				`sum by (path) (rate(flask_http_request_duration_seconds_count[15s])) * 0) / ` +
				`sum by (path) (rate(flask_http_request_duration_seconds_count[15s]))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.build(tt.s); got != tt.want {
				t.Errorf("got\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
}

func TestPlanTrend(t *testing.T) {
	end := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		window time.Duration
		rng    time.Duration
	}{
		// The demo's auto window (4 × a 1s scrape): each point a rate over
		// the 30s step, so the 15 minutes have no gap.
		{4 * time.Second, 30 * time.Second},
		{20 * time.Second, 30 * time.Second},
		{30 * time.Second, 30 * time.Second},
		// A window of a minute or more: each point is the ERR% of its time.
		{time.Minute, time.Minute},
		{5 * time.Minute, 5 * time.Minute},
		{time.Hour, time.Hour},
	}
	for _, tt := range tests {
		p := PlanTrend(tt.window, end)
		if p.Step != 30*time.Second || p.Range != tt.rng || p.Points != TrendPoints || !p.End.Equal(end) || !p.Start.Equal(end.Add(-29*30*time.Second)) {
			t.Errorf("PlanTrend(%s) = %+v; want step 30s range %s start end-%s", tt.window, p, tt.rng, 29*30*time.Second)
		}
		// Prometheus returns (End-Start)/Step+1 points; with the range of
		// the first they reach back TrendSpan at least.
		if n := int(p.End.Sub(p.Start)/p.Step) + 1; n != TrendPoints {
			t.Errorf("PlanTrend(%s): %d points, want %d", tt.window, n, TrendPoints)
		}
		if back := p.End.Sub(p.Start) + p.Range; back < TrendSpan {
			t.Errorf("PlanTrend(%s) reaches back %s, want %s", tt.window, back, TrendSpan)
		}
	}
}

func TestOverviewQueriesFixed(t *testing.T) {
	qs := OverviewQueries(flaskShape(), PlanTrend(5*time.Minute, time.Now()))
	if len(qs) != PromQLQueriesPerRefresh || QueriesPerRefresh != PromQLQueriesPerRefresh+1 {
		t.Fatalf("%d queries, PromQLQueriesPerRefresh is %d, QueriesPerRefresh %d", len(qs), PromQLQueriesPerRefresh, QueriesPerRefresh)
	}
	// six instant queries, the start times' raw samples, the trend and
	// the targets API
	if want := 9; QueriesPerRefresh != want {
		t.Errorf("QueriesPerRefresh is %d, want %d", QueriesPerRefresh, want)
	}
	seen := map[string]bool{}
	ranges := 0
	for _, q := range qs {
		if q.Name == "" || q.Expr == "" || seen[q.Name] {
			t.Errorf("bad or duplicate query %+v", q)
		}
		seen[q.Name] = true
		if q.Range {
			ranges++
		}
	}
	if ranges != 1 || !qs[wTrend].Range {
		t.Errorf("want exactly the trend as a range query, got %d range queries", ranges)
	}
}
