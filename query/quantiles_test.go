package query

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestBucketsQuery(t *testing.T) {
	s := flaskShape()
	s.Window = time.Minute
	if got, want := BucketsQuery(s), `sum by (path, job, le) (rate(flask_http_request_duration_seconds_bucket{job="flask"}[1m]))`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	s.ServiceLabel = "path" // the service label is the endpoint label: named once
	if got := BucketsQuery(s); !strings.HasPrefix(got, "sum by (path, le) (") {
		t.Errorf("got %s", got)
	}
}

// TestQuantilesFromBuckets checks the quantiles computed from one read of
// the buckets on hand-worked cases: the interpolation within a bucket, an
// endpoint summed over two services, a group without +Inf or without an
// observation (NaN, as histogram_quantile), a rank in the +Inf bucket (the
// highest finite bound), the services' and the overall quantile.
func TestQuantilesFromBuckets(t *testing.T) {
	s := flaskShape()
	s.Window = time.Minute
	smp := func(path, job, le string, v float64) *model.Sample {
		return &model.Sample{Metric: model.Metric{"path": model.LabelValue(path), "job": model.LabelValue(job), "le": model.LabelValue(le)}, Value: model.SampleValue(v)}
	}
	var res [numQueries]queryResult
	res[qBuckets].vec = model.Vector{
		// /a: 10 requests/s, 4 under 0.1s, all under 0.5s, over two
		// services: p50 = 0.1 + 0.4 × (5-4)/(10-4) = 0.1667; p99 in
		// (0.1, 0.5]: 0.1 + 0.4 × (9.9-4)/6 = 0.4933.
		smp("/a", "x", "0.1", 2), smp("/a", "x", "0.5", 5), smp("/a", "x", "+Inf", 5),
		smp("/a", "y", "0.1", 2), smp("/a", "y", "0.5", 5), smp("/a", "y", "+Inf", 5),
		// /b: no +Inf bucket: NaN.
		smp("/b", "x", "0.1", 1), smp("/b", "x", "0.5", 1),
		// /c: no request: NaN.
		smp("/c", "x", "0.1", 0), smp("/c", "x", "+Inf", 0),
		// /d: everything above the top bound: its p99 is that bound.
		smp("/d", "y", "0.1", 0), smp("/d", "y", "0.5", 0), smp("/d", "y", "+Inf", 3),
		// A bucket without a bound is left out.
		smp("/a", "x", "fast", 100),
	}
	quantilesFromBuckets(s, &res)
	want := func(q queryID, label model.LabelName, exp map[string]float64) {
		t.Helper()
		if len(res[q].vec) != len(exp) {
			t.Errorf("%s: %v, want %v", queryNames[q], res[q].vec, exp)
		}
		for _, smp := range res[q].vec {
			name := string(smp.Metric[label])
			w, ok := exp[name]
			got := float64(smp.Value)
			if !ok || !(math.IsNaN(w) && math.IsNaN(got) || math.Abs(got-w) < 1e-4) {
				t.Errorf("%s %q = %v, want %v", queryNames[q], name, got, w)
			}
		}
	}
	nan := math.NaN()
	want(qP50, "path", map[string]float64{"/a": 0.1 + 0.4*(5.0-4)/6, "/b": nan, "/c": nan, "/d": 0.5})
	want(qP99, "path", map[string]float64{"/a": 0.1 + 0.4*(9.9-4)/6, "/b": nan, "/c": nan, "/d": 0.5})
	// Service x: /a's half, /b (no +Inf, but x has one from /a) and /c:
	// 0.1 has 2+1+0 = 3, 0.5 has 5+1 = 6, +Inf 5+0 = 5 (made monotonic: 6),
	// p99 rank 5.94 in (0.1, 0.5]: 0.1 + 0.4 × (5.94-3)/3. Service y: 0.5
	// has 5 of 8, rank 7.92 past it: 0.5.
	want(qSvcP99, "job", map[string]float64{"x": 0.1 + 0.4*(5.94-3)/3, "y": 0.5})
	// Overall: 0.1 has 5, 0.5 has 11, +Inf 13: rank 12.87 past 0.5: 0.5.
	want(qTotalP99, "", map[string]float64{"": 0.5})

	// A failed read fails every quantile, and the p50 carries the
	// warnings.
	res = [numQueries]queryResult{}
	res[qBuckets] = queryResult{err: errBoom, warnings: []string{"w"}}
	quantilesFromBuckets(s, &res)
	for _, q := range []queryID{qP50, qP99, qTotalP99, qSvcP99} {
		if res[q].err != errBoom || res[q].vec != nil {
			t.Errorf("%s: %+v", queryNames[q], res[q])
		}
	}
	if len(res[qP50].warnings) != 1 {
		t.Errorf("warnings %v", res[qP50].warnings)
	}
}

var errBoom = errors.New("boom")
