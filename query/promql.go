package query

import (
	"strconv"
	"strings"
	"time"
)

// The PromQL the overview is computed from. Every builder is a pure function
// of the Shape, so the text sent to Prometheus can be checked by a table test
// and shown to the user next to a failed query.
//
// With S the selector, L the endpoint label, W the window, D the duration
// histogram family, E the exceptions counter and ERR the error status regex:
//
//	rps          sum by (L) (rate(D_count{S}[W]))
//	errors       sum by (L) (rate(D_count{S,status=~"ERR"}[W]))
//	p50, p99     histogram_quantile(q, sum by (L, le) (rate(D_bucket{S}[W])))
//	exc_by_label sum by (L) (increase(E{S}[W]))
//	exc_500      sum by (L) (increase(D_count{S,status="500"}[W]))
//	total_*      the same without "by (L)"; the exception total comes from E
//	trend        a range query of the per-endpoint error ratio (see TrendPlan)

// StatusLabel is the label that carries the HTTP status in the duration
// histogram of prometheus_flask_exporter.
const StatusLabel = "status"

// Selector returns metric{matchers} for the user's selector plus extra
// matchers, or the bare metric name when there are none.
func Selector(metric, sel string, extra ...string) string {
	parts := make([]string, 0, 1+len(extra))
	if s := CleanSelector(sel); s != "" {
		parts = append(parts, s)
	}
	parts = append(parts, extra...)
	if len(parts) == 0 {
		return metric
	}
	return metric + "{" + strings.Join(parts, ",") + "}"
}

// CleanSelector trims blanks and stray commas around the user's selector.
func CleanSelector(s string) string {
	return strings.Trim(strings.TrimSpace(s), ", \t\n")
}

// LabelMatch returns name op "value" with the value quoted for PromQL, so a
// quote or a backslash in the value cannot end the string early.
func LabelMatch(name, op, value string) string {
	return name + op + strconv.Quote(value)
}

// RangeSelector is Selector over the range w: metric{matchers}[w].
func RangeSelector(metric, sel string, w time.Duration, extra ...string) string {
	return Selector(metric, sel, extra...) + "[" + FormatDuration(w) + "]"
}

func (s Shape) countMetric() string  { return s.DurationMetric + "_count" }
func (s Shape) bucketMetric() string { return s.DurationMetric + "_bucket" }
func (s Shape) errorMatcher() string { return LabelMatch(StatusLabel, "=~", s.ErrorStatus) }

// RPSQuery is requests per second per endpoint.
func RPSQuery(s Shape) string {
	return "sum by (" + s.by() + ") (" + s.relabel("rate("+RangeSelector(s.countMetric(), s.Selector, s.Window)+")") + ")"
}

// ErrorsQuery is error responses per second per endpoint.
func ErrorsQuery(s Shape) string {
	return "sum by (" + s.by() + ") (" + s.relabel("rate("+RangeSelector(s.countMetric(), s.Selector, s.Window, s.errorMatcher())+")") + ")"
}

// QuantileQuery is the q-quantile of the request duration per endpoint, in
// seconds.
func QuantileQuery(s Shape, q float64) string {
	return "histogram_quantile(" + formatFloat(q) + ", sum by (" + s.by() + ", le) (" +
		s.relabel("rate("+RangeSelector(s.bucketMetric(), s.Selector, s.Window)+")") + "))"
}

// MeanLatencyQuery is the mean request duration per endpoint, in seconds,
// from _sum and _count: all a summary without quantiles gives.
func MeanLatencyQuery(s Shape) string {
	sum := "sum by (" + s.by() + ") (" + s.relabel("rate("+RangeSelector(s.DurationMetric+"_sum", s.Selector, s.Window)+")") + ")"
	return sum + " / " + RPSQuery(s)
}

// ExceptionsByLabelQuery is the exceptions counter's increase per endpoint.
// It only has per-endpoint series when the counter carries the endpoint
// label; prometheus_flask_exporter adds it only through default_labels.
func ExceptionsByLabelQuery(s Shape) string {
	return "sum by (" + s.by() + ") (" + s.relabel("increase("+RangeSelector(s.ExceptionsMetric, s.Selector, s.Window)+")") + ")"
}

// Exceptions500Query counts responses with status 500 per endpoint from the
// duration histogram: every unhandled exception lands there.
func Exceptions500Query(s Shape) string {
	return "sum by (" + s.by() + ") (" + s.relabel("increase("+RangeSelector(s.countMetric(), s.Selector, s.Window, LabelMatch(StatusLabel, "=", "500"))+")") + ")"
}

// Exceptions500Source names what Exceptions500Query counts, for the
// ExceptionsSource of an Overview.
func Exceptions500Source(s Shape) string {
	return s.countMetric() + "{" + LabelMatch(StatusLabel, "=", "500") + "}"
}

// TotalRPSQuery is requests per second across the selection.
func TotalRPSQuery(s Shape) string {
	return "sum(rate(" + RangeSelector(s.countMetric(), s.Selector, s.Window) + "))"
}

// TotalErrorRatioQuery is error responses over all responses across the
// selection. With traffic and no error series at all it is 0; with no
// traffic it is empty or NaN.
func TotalErrorRatioQuery(s Shape) string {
	return "(sum(rate(" + RangeSelector(s.countMetric(), s.Selector, s.Window, s.errorMatcher()) + ")) or vector(0)) / " +
		TotalRPSQuery(s)
}

// TotalP99Query is the 0.99-quantile of the request duration across the
// selection, in seconds.
func TotalP99Query(s Shape) string {
	return "histogram_quantile(0.99, sum by (le) (rate(" + RangeSelector(s.bucketMetric(), s.Selector, s.Window) + ")))"
}

// TotalExceptionsQuery is the true exception total over the window, from the
// exceptions counter.
func TotalExceptionsQuery(s Shape) string {
	return "sum(increase(" + RangeSelector(s.ExceptionsMetric, s.Selector, s.Window) + "))"
}

// TrendPoints is the number of points of an endpoint's error-ratio trend.
const TrendPoints = 30

// TrendSpan is how far back the trend looks: long enough that an incident
// over half an hour ago still shows, whatever the rate window.
const TrendSpan = 15 * time.Minute

// TrendPlan is the range query behind the per-endpoint trend: TrendPoints
// points, Step apart, over the last TrendSpan, ending at the evaluation
// time. Each point is the error ratio over Range: the rate window, or the
// step when the window is shorter, so the points cover the span without
// gaps (with the auto window of a 1s scrape, 4s, every request is in one
// point); the 30 points fill the widest TREND column one a cell, and a
// narrow one shows the worst of each few. With a window of a minute or more a point is the figure the ERR%
// column showed at its time.
type TrendPlan struct {
	Start, End time.Time
	Step       time.Duration
	Range      time.Duration
	Points     int
}

// TrendStep is the trend's step: TrendSpan over TrendPoints.
const TrendStep = TrendSpan / TrendPoints

// PlanTrend returns the trend plan for a rate window, ending at end.
func PlanTrend(window time.Duration, end time.Time) TrendPlan {
	return TrendPlan{
		Start:  end.Add(-time.Duration(TrendPoints-1) * TrendStep),
		End:    end,
		Step:   TrendStep,
		Range:  max(TrendStep, window),
		Points: TrendPoints,
	}
}

// TrendQuery is the per-endpoint error ratio over rng, for a range query.
// An endpoint with traffic and no error series is 0 at that point, not
// absent; with no traffic the point is NaN.
func TrendQuery(s Shape, rng time.Duration) string {
	all := "sum by (" + s.by() + ") (" + s.relabel("rate("+RangeSelector(s.countMetric(), s.Selector, rng)+")") + ")"
	errs := "sum by (" + s.by() + ") (" + s.relabel("rate("+RangeSelector(s.countMetric(), s.Selector, rng, s.errorMatcher())+")") + ")"
	return errorRatioOf(errs, all)
}

// errorRatioOf is errs / all where all has traffic: 0, not absent, for a
// series with traffic and no error series; NaN with no traffic.
func errorRatioOf(errs, all string) string {
	return "(" + errs + " or " + all + " * 0) / " + all
}

// Only404Query counts, per value of label, the series of the paths that
// only ever answered 404: no route of the app matched them.
func Only404Query(count, sel, label string) string {
	return "count by (" + label + ") (" + Selector(count, sel, LabelMatch(StatusLabel, "=", "404")) +
		" unless on (" + label + ") " + Selector(count, sel, LabelMatch(StatusLabel, "!=", "404")) + ")"
}

func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
