package query

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func rulesShape(w time.Duration) Shape {
	return Shape{Selector: `job="flask"`, EndpointLabel: "path", DurationMetric: "flask_http_request_duration_seconds",
		RequestsMetric: "flask_http_request_total", ExceptionsMetric: "flask_http_request_exceptions_total", ErrorStatus: "5..", Window: w}
}

func sample(ls ...string) *model.Sample {
	m := model.Metric{}
	for i := 0; i+1 < len(ls); i += 2 {
		m[model.LabelName(ls[i])] = model.LabelValue(ls[i+1])
	}
	return &model.Sample{Metric: m, Value: 1}
}

// The rules query's answer says which windows are recorded and, from each
// group's vigil:rules series, which other parts: a file of an older vigil
// (no such series) records the rates and latencies only, and a refresh
// reads the rest another way and says so.
func TestRulesInfoSaysWhatIsRecorded(t *testing.T) {
	s := rulesShape(time.Minute)
	total := RecordedFor(s, time.Minute).TotalBuckets
	info := func(ls ...string) *model.Sample {
		return sample(append([]string{"__name__", RulesInfoMetric, rulesEndpointLabel, "path", rulesMetricLabel, s.DurationMetric}, ls...)...)
	}

	older := RulesOf(s, model.Vector{sample("__name__", total)}, nil)
	if !older.Has(time.Minute) || older.Series || len(older.Ratios) > 0 {
		t.Fatalf("older file: %+v", older)
	}
	if use, why := older.RulesUse(s); !use {
		t.Fatalf("an older file's rates are not read: %s", why)
	}
	not := older.NotRecorded(s)
	if len(not) != 3 || !strings.Contains(not[0], "series per endpoint, read raw") || !strings.Contains(not[1], "resets5m") ||
		!strings.Contains(not[2], "computed from the recorded rates") {
		t.Errorf("older file, not recorded: %q", not)
	}

	now := RulesOf(s, model.Vector{
		sample("__name__", total),
		info(rulesGroupLabel, "vigil_1m", ErrorsLabel, "5.."),
		info(rulesGroupLabel, "vigil_5m", ErrorsLabel, "5..|429"),
		info(rulesGroupLabel, SeriesGroup, ResetsLabel, "5m"),
		info(rulesGroupLabel, SeriesGroup, ResetsLabel, "10m"),
	}, nil)
	if !now.Series || !slices.Equal(now.Resets, []time.Duration{5 * time.Minute, 10 * time.Minute}) ||
		!slices.Equal(now.Ratios, []time.Duration{time.Minute}) || !slices.Equal(now.OtherErrors, []time.Duration{5 * time.Minute}) {
		t.Fatalf("new file: %+v", now)
	}
	if not := now.NotRecorded(s); len(not) > 0 {
		t.Errorf("new file, not recorded: %q", not)
	}
	// The 5m group counts other error statuses: its ratio is not used.
	s5 := rulesShape(5 * time.Minute)
	if p := now.partsFor(s5); !p.series || !p.resets || p.ratio {
		t.Errorf("5m parts %+v", p)
	}
	if not := now.NotRecorded(s5); len(not) != 1 || !strings.Contains(not[0], "other error statuses than 5..") {
		t.Errorf("5m, not recorded: %q", not)
	}
	// 20m counts its resets over 20m, which nothing records.
	if p := now.partsFor(rulesShape(20 * time.Minute)); p.resets {
		t.Errorf("20m: resets over 20m read as recorded")
	}

	// What a refresh sends follows the parts.
	plan := PlanTrend(time.Minute, time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC))
	rec := s
	rec.recorded = "1m"
	oldExprs := recordedPartExprs(rec, plan)
	rec.recParts = now.partsFor(s)
	rec.recTrendRatio = true
	newExprs := recordedPartExprs(rec, plan)
	sn := SeriesFor(s)
	for _, c := range []struct {
		name       string
		expr       string
		want, nope []string
	}{
		{"older fresh", oldExprs[qFresh], []string{"count by (path) (flask_http_request_duration_seconds_count{"}, []string{sn.Series}},
		{"older fresh, slow half", oldExprs[qFreshSlow], []string{"resets(flask_http_request_duration_seconds_count{"}, []string{sn.Series}},
		{"older changed", oldExprs[qChanged], []string{"group by (instance, job, path) (last_over_time(flask_http_request_duration_seconds_count{"}, []string{sn.Series}},
		{"older trend", oldExprs[qTrend], []string{RecordedFor(s, time.Minute).Requests}, []string{"error_ratio"}},
		// The processes in turn are read from the start times, one raw
		// series per target, recorded or not.
		{"new fresh", newExprs[qFresh], []string{sn.Series}, []string{"resets(flask_", "flask_http_request_duration_seconds_count{"}},
		{"new fresh, slow half", newExprs[qFreshSlow], []string{sn.Series, sn.Resets(5 * time.Minute)}, []string{"resets(flask_", "flask_http_request_duration_seconds_count{"}},
		{"new changed", newExprs[qChanged], []string{"group by (instance, job, path) (last_over_time(" + sn.Series}, []string{"flask_http_request_duration_seconds_count{"}},
		{"new trend", newExprs[qTrend], []string{RecordedFor(s, time.Minute).ErrorRatio + `{job="flask",vigil_errors="5.."}`}, []string{"rate("}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.expr, w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, c.expr)
			}
		}
		for _, n := range c.nope {
			if strings.Contains(c.expr, n) {
				t.Errorf("%s: %q in\n%s", c.name, n, c.expr)
			}
		}
	}
}

// Two recorded series of one endpoint (replicas or clusters behind one job
// name) are not one endpoint's figure: a refresh that finds them reads the
// quantiles and ratios from the summed recorded rates and buckets instead.
func TestSeveralRecordedSeriesOfOneEndpointAreSummed(t *testing.T) {
	one := queryResult{vec: model.Vector{sample("path", "/a", "cluster", "x"), sample("path", "/b", "cluster", "x")}}
	two := queryResult{vec: model.Vector{sample("path", "/a", "cluster", "x"), sample("path", "/a", "cluster", "y")}}
	trend := queryResult{mat: model.Matrix{{Metric: model.Metric{"path": "/a"}}, {Metric: model.Metric{"path": "/a", "cluster": "y"}}}}
	if notUnique("path", one) || !notUnique("path", one, two) || !notUnique("path", trend) {
		t.Error("duplicates of an endpoint not told")
	}
	s := rulesShape(time.Minute)
	s.recorded = "1m"
	s.recParts = recordedParts{series: true, resets: true, ratio: true}
	s.recTrendRatio = true
	plan := PlanTrend(time.Minute, time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC))
	n := RecordedFor(s, time.Minute)
	per := recordedPartExprs(s, plan)
	s.recSummed = true
	summed := recordedPartExprs(s, plan)
	if !strings.Contains(per[qP99], n.P99) || !strings.Contains(per[qTrend], n.ErrorRatio) {
		t.Errorf("one job's endpoints: p99 %s trend %s", per[qP99], per[qTrend])
	}
	if !strings.Contains(summed[qP99], "histogram_quantile(0.99, sum by (path, le) ("+n.Buckets) || strings.Contains(summed[qTrend], n.ErrorRatio) {
		t.Errorf("summed: p99 %s trend %s", summed[qP99], summed[qTrend])
	}
}

// A window of 5m draws each trend point over 5m (the ERR% of its time): it
// reads the error ratio the 5m rules record when they do, else the 5m
// rates they record.
func TestLongWindowTrendReadsTheRecordedWindow(t *testing.T) {
	s := rulesShape(5 * time.Minute)
	s.recorded = "5m"
	s.recParts = recordedParts{series: true, resets: true, ratio: true}
	plan := PlanTrend(5*time.Minute, time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC))
	if plan.Range != 5*time.Minute {
		t.Fatalf("trend range %s", plan.Range)
	}
	if got := recordedPartExprs(s, plan)[qTrend]; !strings.Contains(got, "flask_http_request_duration_seconds_count:rate5m{") {
		t.Errorf("5m ratio not recorded: the trend should read the recorded 5m rates, it reads %s", got)
	}
	s.recTrendRatio = true
	want := RecordedFor(s, 5*time.Minute).ErrorRatio + `{job="flask",vigil_errors="5.."}`
	if got := recordedPartExprs(s, plan)[qTrend]; got != want {
		t.Errorf("1m ratio recorded: the trend reads %s, want %s", got, want)
	}
}

// One job's recorded quantiles are read in one selector, their series told
// apart by name: no label_replace and no "or" over 20,000 series. A
// summed read still tags its parts.
func TestRecordedQuantilesSelectedByName(t *testing.T) {
	s := rulesShape(time.Minute)
	s.recorded = "1m"
	s.recParts = recordedParts{series: true, resets: true, ratio: true}
	plan := PlanTrend(time.Minute, time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC))
	n := RecordedFor(s, time.Minute)
	qs := OverviewQueries(s, plan)
	want := `{job="flask",__name__=~"vigil:job_path:flask_http_request_duration_seconds:p50_rate1m|vigil:job_path:flask_http_request_duration_seconds:p99_rate1m"}`
	if got := qs[wLatency].Expr; got != want {
		t.Fatalf("latency query %s, want %s", got, want)
	}
	named := func(name string, pairs ...any) model.Vector {
		v := vec(pairs...)
		for _, smp := range v {
			smp.Metric[model.MetricNameLabel] = model.LabelValue(name)
		}
		return v
	}
	var w [numWire]queryResult
	w[wLatency].vec = append(named(n.P50, "/a", 0.1, "/b", 0.2), named(n.P99, "/a", 0.9)...)
	w[wLatency].vec = append(w[wLatency].vec, named("other", "/c", 7.0)...)
	var res [numQueries]queryResult
	splitWire(qs, &w, &res)
	if len(res[qP50].vec) != 2 || len(res[qP99].vec) != 1 || res[qP99].vec[0].Value != 0.9 {
		t.Errorf("p50 %v p99 %v", res[qP50].vec, res[qP99].vec)
	}
	s.recSummed = true
	if got := OverviewQueries(s, plan)[wLatency].Expr; !strings.Contains(got, `"`+PartLabel+`", "p99"`) || strings.Contains(got, "__name__") {
		t.Errorf("summed latency query %s", got)
	}
}

// A shape that found two recorded series of one endpoint reads the summed
// ones for SummedRecheck, then tries the per-endpoint series again: the
// duplicates of a rollout or a Thanos without dedup go away.
func TestSummedRecordedReadIsRecheckedAfterAWhile(t *testing.T) {
	var p Prometheus
	s := rulesShape(time.Minute)
	t0 := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	if p.readsSummed(s, t0) {
		t.Fatal("summed before any duplicate")
	}
	p.summedRec.put(groupKey(s), t0)
	if !p.readsSummed(s, t0) || !p.readsSummed(s, t0.Add(SummedRecheck-time.Second)) {
		t.Error("duplicates forgotten too soon")
	}
	if p.readsSummed(s, t0.Add(SummedRecheck)) {
		t.Error("summed for good: the per-endpoint series are never tried again")
	}
	other := s
	other.Selector = `job="other"`
	if p.readsSummed(other, t0) {
		t.Error("another selector reads summed")
	}
}
