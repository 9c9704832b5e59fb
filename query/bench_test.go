package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/prometheus/common/model"
)

// syntheticResults is what Prometheus answers for n endpoints: every query
// of a refresh, with a few errors, NaN quantiles and a full trend.
func syntheticResults(n int, s Shape, plan TrendPlan) *[numQueries]queryResult {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	label := model.LabelName(s.EndpointLabel)
	ts := model.TimeFromUnixNano(plan.End.UnixNano())
	var res [numQueries]queryResult
	sample := func(name model.LabelValue, v float64) *model.Sample {
		return &model.Sample{Metric: model.Metric{label: name}, Value: model.SampleValue(v), Timestamp: ts}
	}
	names := make([]model.LabelValue, n)
	for i := range names {
		names[i] = model.LabelValue(fmt.Sprintf("/item/%05d", n-i)) // not in order
	}
	for i, name := range names {
		rps := r.Float64() * 2
		if i%50 == 0 {
			rps = 0
		}
		res[qRPS].vec = append(res[qRPS].vec, sample(name, rps))
		p50, p99 := 0.02+r.Float64()*0.1, 0.1+r.Float64()*3
		if rps == 0 {
			p50, p99 = math.NaN(), math.NaN()
		}
		res[qP50].vec = append(res[qP50].vec, sample(name, p50))
		res[qP99].vec = append(res[qP99].vec, sample(name, p99))
		if i%10 == 7 {
			res[qErrors].vec = append(res[qErrors].vec, sample(name, rps*r.Float64()*0.2))
			res[qExc500].vec = append(res[qExc500].vec, sample(name, float64(r.IntN(40))))
		}
	}
	res[qExcByLabel].vec = model.Vector{&model.Sample{Metric: model.Metric{}, Value: 123, Timestamp: ts}}
	for _, q := range []queryID{qTotalP99, qTotalExceptions} {
		res[q].vec = model.Vector{&model.Sample{Metric: model.Metric{}, Value: model.SampleValue(r.Float64()), Timestamp: ts}}
	}
	start := int64(model.TimeFromUnixNano(plan.Start.UnixNano()))
	for _, name := range names {
		ss := &model.SampleStream{Metric: model.Metric{label: name}, Values: make([]model.SamplePair, plan.Points)}
		for k := range ss.Values {
			ss.Values[k] = model.SamplePair{Timestamp: model.Time(start + int64(k)*plan.Step.Milliseconds()), Value: model.SampleValue(r.Float64() * 0.1)}
		}
		res[qTrend].mat = append(res[qTrend].mat, ss)
	}
	return &res
}

func benchmarkBuildOverview(b *testing.B, n int) {
	s := flaskShape()
	plan := PlanTrend(s.Window, testAt)
	qs := OverviewQueries(s, plan)
	res := syntheticResults(n, s, plan)
	th := Thresholds{ErrorRatioWarn: 0.01, ErrorRatioCrit: 0.05, P99Warn: 1e9, P99Crit: 2e9}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ov := assemble(s, plan, qs, res)
		SortEndpoints(ov.Endpoints, SortWorst, false, th)
		if len(ov.Endpoints) != n {
			b.Fatalf("%d endpoints, want %d", len(ov.Endpoints), n)
		}
	}
}

// BenchmarkBuildOverview10k turns a 10,000-endpoint answer into sorted rows.
func BenchmarkBuildOverview10k(b *testing.B) { benchmarkBuildOverview(b, 10000) }

// BenchmarkBuildOverview30 is the default demo app's size.
func BenchmarkBuildOverview30(b *testing.B) { benchmarkBuildOverview(b, 30) }
