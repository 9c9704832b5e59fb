package query

import (
	"strconv"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
)

// The quantiles from one read of the buckets. Without recording rules the
// p50, the p99, the overall p99 and each service's p99 are four
// histogram_quantile queries, each of which makes Prometheus read and sum
// every bucket series of the selection. Read once instead, by endpoint,
// service and le,
//
//	buckets  sum by (L, SVC, le) (rate(D_bucket{S}[W]))
//
// the same rates give every quantile, computed in vigil with Prometheus's
// own BucketQuantile (its interpolation, its coalescing of equal bounds,
// its monotonicity fix and its edge cases): each endpoint's from its
// services' rates summed by le, the overall one from every row's, each
// service's from its rows'.
//
// The answer is one series per endpoint, service and bucket bound, where
// the quantile queries answer one per endpoint: more bytes for less
// evaluation. A refresh reads so while the answer stays under
// BucketsOnceMax series, as the last refresh counted it; above, and on a
// refresh with no count yet, the quantiles are asked of Prometheus.

// BucketsOnceMax is the most series the one read of the buckets may answer
// (endpoints × services × bucket bounds, as the last refresh saw them) for
// a refresh to read so. At 50 endpoints of the exporter's 14 bounds and
// +Inf, and one service, 750.
const BucketsOnceMax = 3000

// BucketsQuery is the bucket rates by endpoint, service and le.
func BucketsQuery(s Shape) string {
	by := s.by()
	if svc := s.serviceLabel(); svc != by && svc != "le" {
		by += ", " + svc
	}
	return "sum by (" + by + ", le) (" + s.relabel("rate("+RangeSelector(s.bucketMetric(), s.Selector, s.Window)+")") + ")"
}

// quantilesFromBuckets sets the quantile parts of res (p50, p99, the
// overall p99, each service's p99) from the buckets part, as the
// histogram_quantile queries would have answered them: a vector of one
// sample per endpoint (per service), NaN where the quantile is (no
// observation, no +Inf bucket), nothing for an endpoint with no bucket.
// Each shares the buckets part's error; the p50 carries its warnings.
func quantilesFromBuckets(s Shape, res *[numQueries]queryResult) {
	r := res[qBuckets]
	for _, q := range []queryID{qP50, qP99, qTotalP99, qSvcP99} {
		res[q] = queryResult{err: r.err}
	}
	res[qP50].warnings = r.warnings
	if r.err != nil {
		return
	}
	row, svc := model.LabelName(s.by()), model.LabelName(s.serviceLabel())
	byRow := bucketSums{}
	bySvc := bucketSums{}
	total := bucketSums{}
	for _, smp := range r.vec {
		le, err := strconv.ParseFloat(string(smp.Metric["le"]), 64)
		if err != nil {
			continue // as histogram_quantile: a bucket without a bound is left out
		}
		v := float64(smp.Value)
		byRow.add(string(smp.Metric[row]), le, v)
		bySvc.add(string(smp.Metric[svc]), le, v)
		total.add("", le, v)
	}
	res[qP50].vec = byRow.quantiles(0.5, row)
	res[qP99].vec = byRow.quantiles(0.99, row)
	res[qSvcP99].vec = bySvc.quantiles(0.99, svc)
	res[qTotalP99].vec = total.quantiles(0.99, "")
}

// boundsOf is the fresh query's bucket bounds part (tagged "le", one
// sample per bound) from the answer of the one read of the buckets, which
// the fresh query then does not read again.
func boundsOf(vec model.Vector) model.Vector {
	seen := map[model.LabelValue]bool{}
	var out model.Vector
	for _, smp := range vec {
		le := smp.Metric["le"]
		if seen[le] {
			continue
		}
		seen[le] = true
		out = append(out, &model.Sample{Metric: model.Metric{SeriesLabel: "le", "le": le}, Value: 1})
	}
	return out
}

// bucketSums are the bucket rates summed by le, per name, in the order the
// names came.
type bucketSums struct {
	names []string
	by    map[string]map[float64]float64
}

func (b *bucketSums) add(name string, le, v float64) {
	if b.by == nil {
		b.by = map[string]map[float64]float64{}
	}
	m, ok := b.by[name]
	if !ok {
		m = map[float64]float64{}
		b.by[name] = m
		b.names = append(b.names, name)
	}
	m[le] += v
}

// quantiles is the q-quantile of each name's buckets, as a vector with the
// name in label (no label when empty).
func (b *bucketSums) quantiles(q float64, label model.LabelName) model.Vector {
	out := make(model.Vector, 0, len(b.names))
	for _, name := range b.names {
		bs := make(promql.Buckets, 0, len(b.by[name]))
		for le, c := range b.by[name] {
			bs = append(bs, promql.Bucket{UpperBound: le, Count: c})
		}
		v, _, _, _, _, _ := promql.BucketQuantile(q, bs)
		m := model.Metric{}
		if label != "" {
			m[label] = model.LabelValue(name)
		}
		out = append(out, &model.Sample{Metric: m, Value: model.SampleValue(v)})
	}
	return out
}

// bucketsOnceFits reports whether a refresh may read the buckets once:
// seen series (the last refresh's count, 0 when none) under BucketsOnceMax.
func bucketsOnceFits(seen int) bool { return seen > 0 && seen <= BucketsOnceMax }
