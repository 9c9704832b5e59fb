package query

import (
	"context"
	"math"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// QueriesPerBaseline is the number of queries a comparison with the past
// adds to a refresh: the error ratio and the p99 per endpoint, both with
// offset. It does not depend on the number of endpoints.
const QueriesPerBaseline = 2

// Baseline holds each endpoint's figures over the same window some time
// ago, for ranking endpoints by change.
type Baseline struct {
	Offset time.Duration
	// ErrorRatio and P99 map an endpoint to its figure then; an endpoint
	// without traffic then is absent.
	ErrorRatio map[string]float64
	P99        map[string]float64
	Errors     []QueryError
}

// offsetRange is rate's range selector shifted into the past.
func offsetRange(metric, sel string, w, off time.Duration, extra ...string) string {
	return RangeSelector(metric, sel, w, extra...) + " offset " + FormatDuration(off)
}

// BaselineErrorRatioQuery is the error ratio per endpoint over the window
// that ended off ago. An endpoint with traffic and no errors then has 0.
func BaselineErrorRatioQuery(s Shape, off time.Duration) string {
	all := "sum by (" + s.by() + ") (" + s.relabel("rate("+offsetRange(s.countMetric(), s.Selector, s.Window, off)+")") + ")"
	errs := "sum by (" + s.by() + ") (" + s.relabel("rate("+offsetRange(s.countMetric(), s.Selector, s.Window, off, s.errorMatcher())+")") + ")"
	return errorRatioOf(errs, all)
}

// BaselineP99Query is the p99 per endpoint over the window that ended off ago.
func BaselineP99Query(s Shape, off time.Duration) string {
	return "histogram_quantile(0.99, sum by (" + s.by() + ", le) (" +
		s.relabel("rate("+offsetRange(s.bucketMetric(), s.Selector, s.Window, off)+")") + "))"
}

// BaselineAt computes the baseline off before at, in QueriesPerBaseline
// concurrent queries. A failed query lands in Baseline.Errors.
func (p *Prometheus) BaselineAt(ctx context.Context, s Shape, off time.Duration, at time.Time) (*Baseline, error) {
	if err := CheckShape(s); err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	b := &Baseline{Offset: off}
	names := [QueriesPerBaseline]string{"baseline_error_ratio", "baseline_p99"}
	exprs := [QueriesPerBaseline]string{BaselineErrorRatioQuery(s, off), BaselineP99Query(s, off)}
	qs := make([]NamedQuery, QueriesPerBaseline)
	for i := range qs {
		qs[i] = NamedQuery{Name: names[i], Expr: exprs[i]}
	}
	res := p.runAll(ctx, qs, at, v1.Range{})
	if res[0].err != nil && res[1].err != nil && IsUnreachable(res[0].err) {
		return nil, res[0].err
	}
	b.Errors, _ = collectProblems(qs, res[:]) // a warning changes no figure of the baseline
	b.ErrorRatio = byEndpoint(res[0].vec, s.by())
	b.P99 = byEndpoint(res[1].vec, s.by())
	return b, nil
}

func byEndpoint(vec model.Vector, label string) map[string]float64 {
	out := make(map[string]float64, len(vec))
	for _, smp := range vec {
		if v := float64(smp.Value); !Missing(v) {
			out[string(smp.Metric[model.LabelName(label)])] = v
		}
	}
	return out
}

// Apply fills each endpoint's change against the baseline: the error ratio
// now minus then (NaN when either is missing) and the p99 likewise.
func (b *Baseline) Apply(eps []Endpoint) {
	for i := range eps {
		e := &eps[i]
		e.ErrorRatioChange, e.P99Change = math.NaN(), math.NaN()
		if then, ok := b.ErrorRatio[e.Name]; ok && !Missing(e.ErrorRatio) {
			e.ErrorRatioChange = e.ErrorRatio - then
		}
		if then, ok := b.P99[e.Name]; ok && !Missing(e.P99) {
			e.P99Change = e.P99 - then
		}
	}
}
