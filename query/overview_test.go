package query

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

var testAt = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// vec builds an instant vector from endpoint/value pairs; an endpoint "" is
// a series without the endpoint label.
func vec(pairs ...any) model.Vector {
	var v model.Vector
	for i := 0; i < len(pairs); i += 2 {
		m := model.Metric{}
		if name := pairs[i].(string); name != "" {
			m["path"] = model.LabelValue(name)
		}
		v = append(v, &model.Sample{Metric: m, Value: model.SampleValue(toF(pairs[i+1])), Timestamp: model.TimeFromUnixNano(testAt.UnixNano())})
	}
	return v
}

func toF(x any) float64 {
	switch v := x.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	}
	panic("bad number")
}

func one(v float64) model.Vector {
	return model.Vector{&model.Sample{Metric: model.Metric{}, Value: model.SampleValue(v)}}
}

type fakeResults [numQueries]queryResult

func build(t *testing.T, r *fakeResults) *Overview {
	t.Helper()
	s := flaskShape()
	plan := PlanTrend(s.Window, testAt)
	res := [numQueries]queryResult(*r)
	return assemble(s, plan, OverviewQueries(s, plan), &res)
}

func find(t *testing.T, ov *Overview, name string) Endpoint {
	t.Helper()
	for _, e := range ov.Endpoints {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no endpoint %q in %v", name, names(ov.Endpoints))
	return Endpoint{}
}

func names(eps []Endpoint) []string {
	out := make([]string, len(eps))
	for i, e := range eps {
		out[i] = e.Name
	}
	return out
}

// same compares figures with NaN equal to NaN.
func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

var nan = math.NaN()

func TestAssembleJoinsByEndpoint(t *testing.T) {
	var r fakeResults
	r[qRPS].vec = vec("/a", 10.0, "/b", 5.0, "/c", 0.0)
	r[qErrors].vec = vec("/a", 1.0, "/c", 0.0)
	r[qP50].vec = vec("/a", 0.05, "/b", nan, "/c", nan)
	r[qP99].vec = vec("/a", 0.2, "/b", nan, "/c", nan, "/d", math.Inf(1))
	r[qExcByLabel].vec = vec("", 7.0) // the counter has no endpoint label
	r[qExc500].vec = vec("/a", 12.0)
	r[qTotalP99].vec = one(math.Inf(1))
	r[qTotalExceptions].vec = one(7)

	ov := build(t, &r)
	if got := names(ov.Endpoints); !slices.Equal(got, []string{"/a", "/b", "/c", "/d"}) {
		t.Fatalf("endpoints %v, want /a /b /c /d sorted by name", got)
	}
	tests := []struct {
		name                       string
		rps, ratio, p50, p99, excs float64
	}{
		{"/a", 10, 0.1, 0.05, 0.2, 12},
		{"/b", 5, 0, nan, nan, 0},       // traffic, no error series: ratio 0, no 500s: 0
		{"/c", 0, nan, nan, nan, 0},     // no traffic: no ratio
		{"/d", nan, nan, nan, nan, nan}, // only a p99 (+Inf): nothing is known
	}
	for _, tt := range tests {
		e := find(t, ov, tt.name)
		if !same(e.RPS, tt.rps) || !same(e.ErrorRatio, tt.ratio) || !same(e.P50, tt.p50) || !same(e.P99, tt.p99) || !same(e.Exceptions, tt.excs) {
			t.Errorf("%s = rps %v ratio %v p50 %v p99 %v exc %v; want %v %v %v %v %v",
				tt.name, e.RPS, e.ErrorRatio, e.P50, e.P99, e.Exceptions, tt.rps, tt.ratio, tt.p50, tt.p99, tt.excs)
		}
	}
	if ov.ExceptionsByEndpoint || ov.ExceptionsSource != `flask_http_request_duration_seconds_count{status="500"}` {
		t.Errorf("exceptions: by endpoint %v source %q; want the status-500 fallback", ov.ExceptionsByEndpoint, ov.ExceptionsSource)
	}
	tot := ov.Totals
	if !same(tot.RPS, 15) || !same(tot.ErrorRatio, 1.0/15) || !math.IsNaN(tot.P99) || !same(tot.Exceptions, 7) {
		t.Errorf("totals %+v", tot)
	}
	if len(ov.Errors) != 0 || len(ov.Warnings) != 0 {
		t.Errorf("errors %v warnings %v", ov.Errors, ov.Warnings)
	}
	if ov.Window != 5*time.Minute {
		t.Errorf("window %s", ov.Window)
	}
}

func TestAssembleExceptionsByEndpoint(t *testing.T) {
	var r fakeResults
	r[qRPS].vec = vec("/a", 10.0, "/b", 5.0)
	r[qExcByLabel].vec = vec("/a", 3.0, "", 2.0, "/gone", 1.0)
	r[qExc500].vec = vec("/a", 99.0, "/b", 99.0)
	ov := build(t, &r)
	if !ov.ExceptionsByEndpoint || ov.ExceptionsSource != "flask_http_request_exceptions_total" {
		t.Fatalf("by endpoint %v source %q; want the exceptions counter", ov.ExceptionsByEndpoint, ov.ExceptionsSource)
	}
	if got := names(ov.Endpoints); !slices.Equal(got, []string{"/a", "/b", "/gone"}) {
		t.Fatalf("endpoints %v: the label-less exception series must not become a row", got)
	}
	if e := find(t, ov, "/a"); e.Exceptions != 3 {
		t.Errorf("/a exceptions %v, want 3 from the counter", e.Exceptions)
	}
	if e := find(t, ov, "/b"); e.Exceptions != 0 {
		t.Errorf("/b exceptions %v, want 0 (traffic, no exception series)", e.Exceptions)
	}
	if e := find(t, ov, "/gone"); e.Exceptions != 1 || !math.IsNaN(e.RPS) || !math.IsNaN(e.ErrorRatio) {
		t.Errorf("/gone = %+v", e)
	}
}

func TestAssembleExceptionsFallbacks(t *testing.T) {
	// No exception yet: the counter has no series at all.
	var r fakeResults
	r[qRPS].vec = vec("/a", 1.0)
	ov := build(t, &r)
	if ov.ExceptionsByEndpoint {
		t.Error("empty exceptions result must fall back")
	}
	if e := find(t, ov, "/a"); e.Exceptions != 0 {
		t.Errorf("/a exceptions %v, want 0", e.Exceptions)
	}
	if ov.Totals.Exceptions != 0 {
		t.Errorf("total exceptions %v, want 0 with traffic and no exception series", ov.Totals.Exceptions)
	}

	// The exceptions query failed: fall back; the status-500 query failed: NaN.
	r = fakeResults{}
	r[qRPS].vec = vec("/a", 1.0)
	r[qExcByLabel].err = errors.New("boom")
	r[qExc500].err = errors.New("boom")
	r[qTotalExceptions].err = errors.New("boom")
	ov = build(t, &r)
	if ov.ExceptionsByEndpoint {
		t.Error("failed exceptions query must fall back")
	}
	if e := find(t, ov, "/a"); !math.IsNaN(e.Exceptions) {
		t.Errorf("/a exceptions %v, want NaN when its query failed", e.Exceptions)
	}
	if !math.IsNaN(ov.Totals.Exceptions) {
		t.Errorf("total exceptions %v, want NaN when its query failed", ov.Totals.Exceptions)
	}
	// No traffic at all: no total.
	r = fakeResults{}
	ov = build(t, &r)
	if !math.IsNaN(ov.Totals.Exceptions) || !math.IsNaN(ov.Totals.RPS) || len(ov.Endpoints) != 0 {
		t.Errorf("empty refresh: %+v", ov)
	}
}

func TestAssembleFailedQueryLeavesColumnNaN(t *testing.T) {
	var r fakeResults
	bad := &v1.Error{Type: v1.ErrBadData, Msg: `invalid parameter "query": 1:5: parse error: unexpected`}
	// The rates query failed: every part it carries shares its error.
	for _, q := range wireParts[wRates] {
		r[q].err = &ServerError{URL: "http://x", Op: "query", Err: bad}
	}
	r[qP99].vec = vec("/a", 0.3)
	r[qTrend].err = errors.New("trend down")
	r[qP50].warnings = v1.Warnings{"w1"}
	r[qP99].warnings = v1.Warnings{"w1", "w1"}
	r[qTotalP99].warnings = v1.Warnings{"w1"}
	ov := build(t, &r)
	a := find(t, ov, "/a")
	if !math.IsNaN(a.ErrorRatio) || !math.IsNaN(a.RPS) || !math.IsNaN(a.Exceptions) {
		t.Errorf("/a = %+v, want rps, ratio and exceptions NaN when the rates query failed (not 0)", a)
	}
	if a.P99 != 0.3 || a.Trend != nil {
		t.Errorf("/a = %+v", a)
	}
	if !math.IsNaN(ov.Totals.RPS) || !math.IsNaN(ov.Totals.ErrorRatio) {
		t.Errorf("totals %+v, want rps and ratio unknown without the rates", ov.Totals)
	}
	if len(ov.Errors) != 2 || ov.Errors[0].Name != "rates" || ov.Errors[1].Name != "trend" {
		t.Fatalf("errors %v", ov.Errors)
	}
	s := flaskShape()
	if ov.Errors[0].Query != OverviewQueries(s, PlanTrend(s.Window, testAt))[wRates].Expr || !errors.Is(ov.Errors[0].Err, bad) {
		t.Errorf("errors[0] = %+v", ov.Errors[0])
	}
	want := `query rates: prometheus http://x: bad_data: invalid parameter "query": 1:5: parse error: unexpected`
	if got := ov.Errors[0].Error(); got != want {
		t.Errorf("error text\n  %s\nwant\n  %s", got, want)
	}
	if !slices.Equal(ov.Warnings, []string{"latency: w1", "totals: w1"}) {
		t.Errorf("warnings %q", ov.Warnings)
	}
}

// TestSplitWire: each part gets its own series back, untagged, and shares
// its query's error.
func TestSplitWire(t *testing.T) {
	s := flaskShape()
	qs := OverviewQueries(s, PlanTrend(s.Window, testAt))
	if !strings.Contains(qs[wRates].Expr, `"`+PartLabel+`", "errors"`) || !strings.Contains(qs[wLatency].Expr, QuantileQuery(s, 0.99)) {
		t.Fatalf("rates query %s", qs[wRates].Expr)
	}
	tagged := func(part string, pairs ...any) model.Vector {
		v := vec(pairs...)
		for _, smp := range v {
			smp.Metric[PartLabel] = model.LabelValue(part)
		}
		return v
	}
	var w [numWire]queryResult
	w[wRates].vec = append(tagged("rps", "/a", 2.0, "/b", 1.0), tagged("errors", "/a", 0.5)...)
	w[wTotals].err = errors.New("down")
	var res [numQueries]queryResult
	splitWire(qs, &w, &res)
	if len(res[qRPS].vec) != 2 || len(res[qErrors].vec) != 1 || len(res[qExc500].vec) != 0 {
		t.Fatalf("rps %v errors %v exc500 %v", res[qRPS].vec, res[qErrors].vec, res[qExc500].vec)
	}
	if _, ok := res[qErrors].vec[0].Metric[PartLabel]; ok || res[qErrors].vec[0].Metric["path"] != "/a" {
		t.Errorf("errors sample %v, want /a without the tag", res[qErrors].vec[0].Metric)
	}
	if res[qTotalP99].err == nil || res[qTotalExceptions].err == nil || res[qRPS].err != nil {
		t.Errorf("errors: total p99 %v, total exceptions %v, rps %v", res[qTotalP99].err, res[qTotalExceptions].err, res[qRPS].err)
	}
}

// TestTotalsSummedFromRows: the total requests/s and error ratio are the
// sums over the rows, including the row of series without the label.
func TestTotalsSummedFromRows(t *testing.T) {
	var r fakeResults
	r[qRPS].vec = vec("/a", 10.0, "/b", 5.0, "", 5.0)
	r[qErrors].vec = vec("/a", 1.0, "", 3.0)
	ov := build(t, &r)
	if !same(ov.Totals.RPS, 20) || !same(ov.Totals.ErrorRatio, 4.0/20) {
		t.Errorf("totals %+v, want rps 20 ratio 0.2", ov.Totals)
	}
	r = fakeResults{}
	r[qRPS].vec = vec("/a", 10.0)
	if ov = build(t, &r); !same(ov.Totals.ErrorRatio, 0) {
		t.Errorf("traffic and no error series: ratio %v, want 0", ov.Totals.ErrorRatio)
	}
	r = fakeResults{}
	r[qRPS].vec = vec("/a", 0.0)
	if ov = build(t, &r); !same(ov.Totals.RPS, 0) || !math.IsNaN(ov.Totals.ErrorRatio) {
		t.Errorf("no traffic: %+v, want rps 0 and no ratio", ov.Totals)
	}
}

func TestAssembleTrend(t *testing.T) {
	s := flaskShape()
	plan := PlanTrend(s.Window, testAt)
	at := func(k int) model.Time {
		return model.TimeFromUnixNano(plan.Start.Add(time.Duration(k) * plan.Step).UnixNano())
	}
	var r fakeResults
	r[qRPS].vec = vec("/a", 1.0, "/quiet", 1.0)
	r[qTrend].mat = model.Matrix{
		{Metric: model.Metric{"path": "/a"}, Values: []model.SamplePair{
			{Timestamp: at(0), Value: 0}, {Timestamp: at(1), Value: 0.5},
			{Timestamp: at(5), Value: model.SampleValue(math.Inf(1))}, {Timestamp: at(TrendPoints - 1), Value: 1},
			{Timestamp: at(TrendPoints), Value: 7}, {Timestamp: at(-1), Value: 7}, // outside: ignored
		}},
		{Metric: model.Metric{"path": "/old"}, Values: []model.SamplePair{{Timestamp: at(0), Value: 0.25}}},
	}
	ov := build(t, &r)
	a := find(t, ov, "/a")
	if len(a.Trend) != TrendPoints {
		t.Fatalf("trend has %d points, want %d", len(a.Trend), TrendPoints)
	}
	for k, v := range a.Trend {
		want := nan
		switch k {
		case 0:
			want = 0
		case 1:
			want = 0.5
		case TrendPoints - 1:
			want = 1
		}
		if !same(v, want) {
			t.Errorf("/a trend[%d] = %v, want %v", k, v, want)
		}
	}
	// An endpoint seen only in the trend still gets a row.
	if old := find(t, ov, "/old"); old.Trend[0] != 0.25 || !math.IsNaN(old.RPS) {
		t.Errorf("/old = %+v", old)
	}
	// No trend series: every point is a gap, and appending to one trend
	// cannot write into another.
	q := find(t, ov, "/quiet")
	if len(q.Trend) != TrendPoints || !math.IsNaN(q.Trend[3]) || cap(q.Trend) != TrendPoints {
		t.Errorf("/quiet trend %v (cap %d)", q.Trend, cap(q.Trend))
	}
}

func TestAssembleEmptyAndNaNNeverPanic(t *testing.T) {
	var r fakeResults
	for i := range r {
		if queryID(i) != qTrend {
			r[i].vec = model.Vector{}
		}
	}
	ov := build(t, &r)
	if len(ov.Endpoints) != 0 || !math.IsNaN(ov.Totals.RPS) || !math.IsNaN(ov.Totals.ErrorRatio) || !math.IsNaN(ov.Totals.P99) {
		t.Errorf("empty: %+v", ov)
	}
	for i := range r {
		if queryID(i) != qTrend {
			r[i].vec = vec("/x", nan, "/y", math.Inf(-1))
		}
	}
	ov = build(t, &r)
	for _, e := range ov.Endpoints {
		for _, v := range []float64{e.RPS, e.ErrorRatio, e.P50, e.P99, e.Exceptions} {
			if !math.IsNaN(v) {
				t.Errorf("%s: %+v: every figure should be NaN", e.Name, e)
			}
		}
	}
	SortEndpoints(ov.Endpoints, SortWorst, false, Thresholds{})
}

func TestErrorRatio(t *testing.T) {
	tests := []struct {
		errs, rps float64
		ok        bool
		want      float64
	}{
		{1, 10, true, 0.1},
		{nan, 10, true, 0}, // traffic, no errors series
		{0, 0, true, nan},  // no traffic: no ratio
		{nan, 0, true, nan},
		{1, nan, true, nan}, // errors without a request series
		{nan, nan, true, nan},
		{1, 10, false, nan}, // the errors query failed
		{nan, 10, false, nan},
	}
	for _, tt := range tests {
		if got := errorRatio(tt.errs, tt.rps, tt.ok); !same(got, tt.want) {
			t.Errorf("errorRatio(%v, %v, %v) = %v, want %v", tt.errs, tt.rps, tt.ok, got, tt.want)
		}
	}
}
