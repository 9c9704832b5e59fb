package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The PromQL of the endpoint detail screen. With S' the user's selector
// plus L="endpoint", W the rate window of the plan (max(step, 1m)) and O
// the comparison offset (1d or 1w, when comparing):
//
//	error_ratio  (sum(rate(D_count{S',status=~"ERR"}[W])) or sum(rate(D_count{S'}[W])) * 0) / sum(rate(D_count{S'}[W]))
//	latency      histogram_quantile(0.5|0.99, sum by (le) (rate(D_bucket{S'}[W])))
//	rps          sum(rate(D_count{S'}[W]))
//	exceptions   sum(rate(E{S'}[W])) * 60, and sum(rate(D_count{S',status="500"}[W])) * 60
//
// Every series of a chart is tagged with label_replace (label vigil_series)
// and joined with "or", so a chart is ONE range query whatever it holds:
// p50 and p99 together, and the comparison series (the same expression with
// "offset O" on every range selector) in the same query. The exceptions
// chart carries both sources; the counter wins when it has a series for the
// endpoint (it only does when it carries the endpoint label), else the
// status="500" responses of the histogram are shown, as on the overview.
//
// The breakdowns are two instant queries over the overview's window:
//
//	status       sum by (status) (rate(D_count{S'}[Window]))
//	method       sum by (method) (rate(D_count{S'}[Window]))

// SeriesLabel is the label the detail queries tag their series with.
const SeriesLabel = "vigil_series"

// MethodLabel is the label that carries the HTTP method in the duration
// histogram of prometheus_flask_exporter.
const MethodLabel = "method"

// The names of the detail series, as tagged in SeriesLabel. A comparison
// series has CompareSuffix appended.
const (
	SeriesErrorRatio    = "error_ratio"
	SeriesP50           = "p50"
	SeriesP99           = "p99"
	SeriesRPS           = "rps"
	SeriesExceptions    = "exceptions"
	SeriesStatus500     = "status_500"
	CompareSuffix       = "@offset"
	detailChartsPerPlan = 4
)

// DetailRanges are the time ranges the detail screen offers, shortest first.
var DetailRanges = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// DefaultDetailRange is the range the detail screen opens with.
const DefaultDetailRange = time.Hour

// Compare is the past the detail charts are compared with.
type Compare int

// The comparisons, in the order the compare key cycles through them.
const (
	CompareOff Compare = iota
	CompareDay
	CompareWeek
)

// Next returns the next comparison: off → 1 day → 1 week → off.
func (c Compare) Next() Compare { return (c + 1) % 3 }

// Offset is how far back the comparison looks; 0 when off.
func (c Compare) Offset() time.Duration {
	switch c {
	case CompareDay:
		return 24 * time.Hour
	case CompareWeek:
		return 7 * 24 * time.Hour
	}
	return 0
}

func (c Compare) String() string {
	switch c {
	case CompareDay:
		return "1 day earlier"
	case CompareWeek:
		return "1 week earlier"
	}
	return "off"
}

// DetailChart names one chart of the detail screen.
type DetailChart int

// The charts, in the order they are queried and shown.
const (
	ChartErrorRatio DetailChart = iota
	ChartLatency
	ChartRPS
	ChartExceptions
)

var chartNames = [detailChartsPerPlan]string{"error_ratio", "latency", "rps", "exceptions"}

func (c DetailChart) String() string {
	if c >= 0 && int(c) < len(chartNames) {
		return chartNames[c]
	}
	return fmt.Sprintf("chart(%d)", int(c))
}

// DetailQueriesPerRefresh is the number of HTTP queries one Detail call
// sends: one range query per chart (error ratio, latency, requests/s,
// exceptions; each with every series of the chart, the comparison included)
// two instant queries (status and method breakdowns) and the two range
// queries of the markers (the endpoint's targets' changes, the alerts). It
// is the same with and without a comparison.
const DetailQueriesPerRefresh = detailChartsPerPlan + 2 + MarkerQueriesPerRefresh

// MinDetailWindow is the shortest rate window of a detail chart: four
// scrapes at the usual 15s interval.
const MinDetailWindow = time.Minute

// DetailResolution is how often, within one step of a long range, the
// figure over MinDetailWindow is evaluated to take its maximum: a quarter
// of the window, so consecutive windows overlap and a spike as short as
// the window is seen whole.
const DetailResolution = MinDetailWindow / 4

// DetailPlan is the range of a detail refresh: Points evaluations Step
// apart ending at End, no more than there are columns to draw them in.
// Each figure is over Window (MinDetailWindow). When the step is longer
// than the window (long ranges), a point is the maximum of that figure
// evaluated every Resolution over its step (a max_over_time subquery), so
// there is no hole between points and a short spike keeps its height at
// every range instead of being averaged away over a long window.
type DetailPlan struct {
	Range      time.Duration
	Start, End time.Time
	Step       time.Duration
	Window     time.Duration
	Resolution time.Duration
	Points     int
}

// MaxOverStep reports whether each point is the maximum over its step (a
// subquery) rather than one evaluation.
func (p DetailPlan) MaxOverStep() bool { return p.Step > p.Window }

// PlanDetail plans a range of rng drawn in columns plot columns, ending at
// end (truncated to the second, so the points fall on whole seconds).
func PlanDetail(rng time.Duration, columns int, end time.Time) DetailPlan {
	columns = max(columns, 2)
	if rng < time.Second {
		rng = time.Second
	}
	// Rounded up to the second: never more points than columns.
	step := (rng + time.Duration(columns) - 1) / time.Duration(columns)
	if r := step % time.Second; r != 0 {
		step += time.Second - r
	}
	points := int(rng / step)
	points = min(max(points, 2), columns)
	end = end.Truncate(time.Second)
	return DetailPlan{
		Range:      rng,
		Start:      end.Add(-time.Duration(points-1) * step),
		End:        end,
		Step:       step,
		Window:     MinDetailWindow,
		Resolution: DetailResolution,
		Points:     points,
	}
}

// Times returns the evaluation time of every point, oldest first.
func (p DetailPlan) Times() []time.Time {
	out := make([]time.Time, p.Points)
	for i := range out {
		out[i] = p.Start.Add(time.Duration(i) * p.Step)
	}
	return out
}

// endpointMatcher selects one endpoint: a row of the overview, which may
// be a group of paths.
func (s Shape) endpointMatcher(endpoint string) string {
	return s.memberMatcher(endpoint)
}

// rangeOffset is RangeSelector with an offset modifier when off is above 0.
func rangeOffset(metric, sel string, w, off time.Duration, extra ...string) string {
	r := RangeSelector(metric, sel, w, extra...)
	if off > 0 {
		r += " offset " + FormatDuration(off)
	}
	return r
}

// Tag labels every series of expr with SeriesLabel=name, so that the
// answers of several expressions joined with "or" in one query can be told
// apart.
func Tag(expr, name string) string {
	return "label_replace(" + expr + ", " + `"` + SeriesLabel + `", "` + name + `", "", "")`
}

// detailExprs returns the expressions of one chart's series, by name, at an
// offset (0 for now).
func detailExprs(s Shape, c DetailChart, endpoint string, w, off time.Duration) [][2]string {
	ep := s.endpointMatcher(endpoint)
	count := func(extra ...string) string {
		return "sum(rate(" + rangeOffset(s.countMetric(), s.Selector, w, off, append([]string{ep}, extra...)...) + "))"
	}
	switch c {
	case ChartErrorRatio:
		all := count()
		return [][2]string{{SeriesErrorRatio, errorRatioOf(count(s.errorMatcher()), all)}}
	case ChartLatency:
		q := func(v float64) string {
			return "histogram_quantile(" + formatFloat(v) + ", sum by (le) (rate(" +
				rangeOffset(s.bucketMetric(), s.Selector, w, off, ep) + ")))"
		}
		return [][2]string{{SeriesP50, q(0.5)}, {SeriesP99, q(0.99)}}
	case ChartRPS:
		return [][2]string{{SeriesRPS, count()}}
	case ChartExceptions:
		return [][2]string{
			{SeriesExceptions, "sum(rate(" + rangeOffset(s.ExceptionsMetric, s.Selector, w, off, ep) + ")) * 60"},
			{SeriesStatus500, count(LabelMatch(StatusLabel, "=", "500")) + " * 60"},
		}
	}
	return nil
}

// NowSuffix tags the series that give a chart's current values: the same
// figures over the overview's window (Shape.Window), whatever the range, of
// which only the newest point (at the plan's end, now) is used.
const NowSuffix = "@now"

// maxOverStep wraps expr so that each point of the range query is the
// maximum of expr evaluated every plan.Resolution over the plan's step.
func maxOverStep(expr string, plan DetailPlan) string {
	if !plan.MaxOverStep() {
		return expr
	}
	return "max_over_time((" + expr + ")[" + FormatDuration(plan.Step) + ":" + FormatDuration(plan.Resolution) + "])"
}

// DetailChartQuery is the one range query of a chart: every series tagged
// and joined with "or", the comparison series (at compare's offset) too,
// and the series of the current values (NowSuffix).
func DetailChartQuery(s Shape, c DetailChart, endpoint string, plan DetailPlan, compare Compare) string {
	var parts []string
	for _, e := range detailExprs(s, c, endpoint, plan.Window, 0) {
		parts = append(parts, Tag(maxOverStep(e[1], plan), e[0]))
	}
	if off := compare.Offset(); off > 0 {
		for _, e := range detailExprs(s, c, endpoint, plan.Window, off) {
			parts = append(parts, Tag(maxOverStep(e[1], plan), e[0]+CompareSuffix))
		}
	}
	for _, e := range detailExprs(s, c, endpoint, s.Window, 0) {
		parts = append(parts, Tag(e[1], e[0]+NowSuffix))
	}
	return strings.Join(parts, " or ")
}

// StatusBreakdownQuery is requests per second of one endpoint by status.
func StatusBreakdownQuery(s Shape, endpoint string) string {
	return "sum by (" + StatusLabel + ") (rate(" + RangeSelector(s.countMetric(), s.Selector, s.Window, s.endpointMatcher(endpoint)) + "))"
}

// MethodBreakdownQuery is requests per second of one endpoint by method.
func MethodBreakdownQuery(s Shape, endpoint string) string {
	return "sum by (" + MethodLabel + ") (rate(" + RangeSelector(s.countMetric(), s.Selector, s.Window, s.endpointMatcher(endpoint)) + "))"
}

// DetailRequest is what the detail screen asks for.
type DetailRequest struct {
	Endpoint string
	Range    time.Duration
	Compare  Compare
	// Columns is the plot width in cells: the plan has no more points.
	Columns int
	// End is the end of the range; now when zero.
	End time.Time
}

// DetailQueries returns the DetailQueriesPerRefresh queries of a request,
// in a fixed order: the charts (range queries), status and method, then
// the markers' changes and firings (range queries).
func DetailQueries(s Shape, r DetailRequest, plan DetailPlan) []NamedQuery {
	out := make([]NamedQuery, 0, DetailQueriesPerRefresh)
	for c := DetailChart(0); c < detailChartsPerPlan; c++ {
		out = append(out, NamedQuery{Name: c.String(), Expr: DetailChartQuery(s, c, r.Endpoint, plan, r.Compare), Range: true})
	}
	out = append(out,
		NamedQuery{Name: "status", Expr: StatusBreakdownQuery(s, r.Endpoint)},
		NamedQuery{Name: "method", Expr: MethodBreakdownQuery(s, r.Endpoint)},
		NamedQuery{Name: MarkerChanges, Expr: EndpointChangesQuery(s, r.Endpoint, MarkerPlan(plan).Window, plan.Step), Range: true},
		NamedQuery{Name: MarkerFirings, Expr: AlertFiringsQuery(""), Range: true})
	return out
}

// Series is one line of a chart: a value per plan point, oldest first, NaN
// where Prometheus returned nothing (a gap, never a zero).
type Series struct {
	Name string
	// Compare is true for the comparison series (the same figure at the
	// comparison offset).
	Compare bool
	Values  []float64
	// Now is the current value: the figure over the overview's window at
	// the end of the range (now), the same whatever the range; NaN when
	// there is none. Comparison series have none.
	Now float64
}

// Chart is one chart's series, in a fixed order (p50 before p99, the
// comparison after the series it compares).
type Chart struct {
	Series []Series
}

// Get returns the series of that name, or nil.
func (c *Chart) Get(name string) *Series {
	for i := range c.Series {
		if c.Series[i].Name == name {
			return &c.Series[i]
		}
	}
	return nil
}

// Breakdown is requests per second for one value of a label.
type Breakdown struct {
	Value string
	RPS   float64
}

// Detail is one refresh of an endpoint's detail screen.
type Detail struct {
	Request DetailRequest
	Plan    DetailPlan
	// Charts by DetailChart. The exceptions chart holds one current series
	// (and its comparison): the exceptions counter when it carries the
	// endpoint label, else status="500" responses (see ExceptionsByEndpoint).
	Charts [detailChartsPerPlan]Chart
	// ExceptionsByEndpoint is true when the exceptions chart shows the
	// exceptions counter; otherwise it shows status="500" responses.
	ExceptionsByEndpoint bool
	ExceptionsSource     string
	// Status and Methods are requests/s over Window by status and by
	// method, busiest first.
	Status, Methods []Breakdown
	// Changes are the deploys and restarts of the endpoint's targets in
	// the range and Firings the moments alerts naming the endpoint began
	// firing, oldest first; ChangesErr and FiringsErr say why one is
	// unknown (nil when known, even when empty).
	Changes, Firings       []Event
	ChangesErr, FiringsErr error
	Window                 time.Duration
	At                     time.Time
	Took                   time.Duration
	Errors                 []QueryError
	Warnings               []string
}

// Detail runs the DetailQueriesPerRefresh queries of one detail refresh,
// paced (PaceAfter), under the client's deadline. A rejected query lands in Errors and
// leaves its chart empty; when every query failed because Prometheus cannot
// be reached, or ctx ended, the Detail is nil and the error the first one.
func (p *Prometheus) Detail(ctx context.Context, s Shape, r DetailRequest) (*Detail, error) {
	if err := CheckShape(s); err != nil {
		return nil, err
	}
	if r.Range <= 0 {
		return nil, fmt.Errorf("query: invalid detail range %s", r.Range)
	}
	began := time.Now()
	end := r.End
	if end.IsZero() {
		end = began
	}
	plan := PlanDetail(r.Range, r.Columns, end)
	qs := DetailQueries(s, r, plan)

	res := p.runAll(ctx, qs, plan.End, v1.Range{Start: plan.Start, End: plan.End, Step: plan.Step})

	if err := noAnswer(ctx, res[:]); err != nil {
		return nil, err
	}
	d := AssembleDetail(s, r, plan, qs, res)
	d.Took = time.Since(began)
	return d, nil
}

// AssembleDetail puts the answers of a detail refresh together. It is pure.
// res holds the matrices of the chart queries and the vectors of the
// breakdowns, in DetailQueries order.
func AssembleDetail(s Shape, r DetailRequest, plan DetailPlan, qs []NamedQuery, res []queryResult) *Detail {
	d := &Detail{Request: r, Plan: plan, Window: s.Window, At: plan.End}
	d.Errors, d.Warnings = collectProblems(qs, res)
	for c := DetailChart(0); c < detailChartsPerPlan; c++ {
		if int(c) >= len(res) || res[c].err != nil {
			continue
		}
		d.Charts[c] = chartOf(s, c, r, plan, res[c].mat)
	}
	// The exceptions chart keeps one source.
	ex := &d.Charts[ChartExceptions]
	d.ExceptionsSource = Exceptions500Source(s)
	if cs := ex.Get(SeriesExceptions); cs != nil && hasValue(cs.Values) {
		d.ExceptionsByEndpoint = true
		d.ExceptionsSource = s.ExceptionsMetric
	}
	keep := SeriesStatus500
	if d.ExceptionsByEndpoint {
		keep = SeriesExceptions
	}
	ex.Series = slices.DeleteFunc(ex.Series, func(x Series) bool { return strings.TrimSuffix(x.Name, CompareSuffix) != keep })

	if len(res) > detailChartsPerPlan {
		d.Status = breakdownOf(res[detailChartsPerPlan], StatusLabel)
	}
	if len(res) > detailChartsPerPlan+1 {
		d.Methods = breakdownOf(res[detailChartsPerPlan+1], MethodLabel)
	}
	mp := MarkerPlan(plan)
	d.ChangesErr, d.FiringsErr = errMarkersNotAsked, errMarkersNotAsked
	if i := detailChartsPerPlan + 2; len(res) > i {
		if d.ChangesErr = res[i].err; d.ChangesErr == nil {
			d.Changes = ChangeMarkers(res[i].mat, mp)
		}
	}
	if i := detailChartsPerPlan + 3; len(res) > i {
		if d.FiringsErr = res[i].err; d.FiringsErr == nil {
			d.Firings = firingMarkersOf(res[i].mat, mp, r.Endpoint, RowNamer(s.GroupRules()))
		}
	}
	return d
}

// chartOf lays a matrix out on the plan's points, one Series per expected
// name (all NaN when Prometheus returned nothing for it).
func chartOf(s Shape, c DetailChart, r DetailRequest, plan DetailPlan, mat model.Matrix) Chart {
	var ch Chart
	names := detailExprs(s, c, r.Endpoint, plan.Window, 0)
	add := func(suffix string, cmp bool) {
		for _, e := range names {
			vals := make([]float64, plan.Points)
			for i := range vals {
				vals[i] = math.NaN()
			}
			ch.Series = append(ch.Series, Series{Name: e[0] + suffix, Compare: cmp, Values: vals, Now: math.NaN()})
		}
	}
	add("", false)
	if r.Compare.Offset() > 0 {
		add(CompareSuffix, true)
	}
	start := int64(model.TimeFromUnixNano(plan.Start.UnixNano()))
	stepMs := max(plan.Step.Milliseconds(), 1)
	end := int64(model.TimeFromUnixNano(plan.End.UnixNano()))
	for _, ss := range mat {
		name := string(ss.Metric[SeriesLabel])
		if cur, ok := strings.CutSuffix(name, NowSuffix); ok {
			if dst := ch.Get(cur); dst != nil {
				for _, sp := range ss.Values {
					if int64(sp.Timestamp) == end {
						dst.Now = finite(float64(sp.Value))
					}
				}
			}
			continue
		}
		dst := ch.Get(name)
		if dst == nil {
			continue
		}
		for _, sp := range ss.Values {
			off := int64(sp.Timestamp) - start
			k := (off + stepMs/2) / stepMs
			if off < -stepMs/2 || k >= int64(plan.Points) {
				continue
			}
			dst.Values[k] = finite(float64(sp.Value))
		}
	}
	return ch
}

func hasValue(v []float64) bool {
	for _, x := range v {
		if !Missing(x) {
			return true
		}
	}
	return false
}

func breakdownOf(x queryResult, label string) []Breakdown {
	if x.err != nil {
		return nil
	}
	out := make([]Breakdown, 0, len(x.vec))
	for _, smp := range x.vec {
		out = append(out, Breakdown{Value: string(smp.Metric[model.LabelName(label)]), RPS: finite(float64(smp.Value))})
	}
	slices.SortFunc(out, func(a, b Breakdown) int {
		switch {
		case a.RPS > b.RPS || (!Missing(a.RPS) && Missing(b.RPS)):
			return -1
		case a.RPS < b.RPS || (Missing(a.RPS) && !Missing(b.RPS)):
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// Last returns the newest value that is not missing, NaN when none.
func Last(v []float64) float64 {
	for i := len(v) - 1; i >= 0; i-- {
		if !Missing(v[i]) {
			return v[i]
		}
	}
	return math.NaN()
}

// Max returns the largest value that is not missing, NaN when none.
func Max(v []float64) float64 {
	m := math.NaN()
	for _, x := range v {
		if !Missing(x) && (math.IsNaN(m) || x > m) {
			m = x
		}
	}
	return m
}

// AlertsForEndpoint returns the alerts one of whose label values is the
// endpoint (under the endpoint label or any other, e.g. a rule that keeps
// "handler"), in the given order.
func AlertsForEndpoint(alerts []Alert, endpoint string) []Alert {
	if endpoint == "" {
		return nil
	}
	var out []Alert
	for _, a := range alerts {
		for _, v := range a.Labels {
			if v == endpoint {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
