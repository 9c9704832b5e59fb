package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// PanelKind is how a custom panel shows its query.
type PanelKind string

// The kinds of custom panel.
const (
	PanelGraph PanelKind = "graph" // a range query drawn as a chart
	PanelStat  PanelKind = "stat"  // one instant value
	PanelTop   PanelKind = "top"   // a table of the top label values
)

// DefaultPanelLimit is the number of rows of a top panel without a limit.
const DefaultPanelLimit = 10

// maxGraphSeries is the number of series a graph panel draws; the rest are
// counted, not drawn.
const maxGraphSeries = 5

// maxRenderedQuery bounds the text a panel template may produce, so that a
// template looping over a large range fails instead of eating memory.
const maxRenderedQuery = 16 << 10

// PanelVars are the values a panel's query template can use.
type PanelVars struct {
	// Selector is the user's label selector without braces (may be empty).
	Selector string
	// Window is the rate window written as PromQL writes it (5m).
	Window string
	// EndpointLabel is the label that names an endpoint.
	EndpointLabel string
}

// VarsOf returns the template values of a metric shape.
func VarsOf(s Shape) PanelVars {
	return PanelVars{Selector: CleanSelector(s.Selector), Window: FormatDuration(s.Window), EndpointLabel: s.EndpointLabel}
}

// ErrTemplateTooLarge is returned when a template renders more than the cap.
var ErrTemplateTooLarge = errors.New("the query renders to more than 16 KiB")

type cappedWriter struct {
	b strings.Builder
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > maxRenderedQuery {
		return 0, ErrTemplateTooLarge
	}
	return w.b.Write(p)
}

// RenderPanelQuery executes a panel's query template (Go text/template)
// with the given values. An unknown field, a syntax error or output larger
// than 16 KiB is an error. The result is trimmed.
func RenderPanelQuery(tmpl string, v PanelVars) (string, error) {
	t, err := template.New("query").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", cleanTemplateErr(err)
	}
	var w cappedWriter
	if err := t.Execute(&w, v); err != nil {
		return "", cleanTemplateErr(err)
	}
	return strings.TrimSpace(w.b.String()), nil
}

// cleanTemplateErr drops text/template's "template: query:" prefix, which
// names nothing the user wrote.
func cleanTemplateErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "template: ")
	msg = strings.TrimPrefix(msg, "query:")
	return errors.New(oneLine(msg))
}

// PanelSpec is one custom panel, as configured.
type PanelSpec struct {
	Title string
	// Query is the template; see RenderPanelQuery.
	Query string
	Unit  string
	Kind  PanelKind
	// Limit is the number of rows of a top panel.
	Limit int
	// Warn and Crit are optional thresholds in the query's own unit.
	Warn, Crit *float64
	// Discovered is true for a panel vigil made from a metric family of the
	// app, with Help its help text; false for a [[panel]] of the config.
	Discovered bool
	Help       string
}

// PanelRow is one row of a top panel: the label values and the value.
type PanelRow struct {
	Label string
	Value float64
}

// TimeSeries is one line of a graph: a value per point of the range,
// oldest first, NaN where Prometheus returned nothing.
type TimeSeries struct {
	Name   string
	Values []float64
}

// RangeData is the answer to a range query, aligned on its steps.
type RangeData struct {
	Start, End time.Time
	Step       time.Duration
	Series     []TimeSeries
	// More is the number of series left out of Series.
	More int
}

// PanelResult is one refresh of one panel.
type PanelResult struct {
	// Query is the PromQL sent (the rendered template).
	Query string
	Err   error
	// Warnings are Prometheus's warnings and infos.
	Warnings []string
	// Value is a stat panel's value (NaN when there is none); Series the
	// number of series it came from.
	Value       float64
	ValueSeries int
	// Rows are a top panel's rows, largest first; Total the number of
	// series before the limit.
	Rows  []PanelRow
	Total int
	// Range is a graph panel's data.
	Range *RangeData
	At    time.Time
}

// Querier runs PromQL; *Prometheus is one.
type Querier interface {
	Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error)
	QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error)
}

// GraphPoints is the number of points a graph range query asks for; the
// chart downsamples to its width keeping each bucket's largest value.
const GraphPoints = 240

// RangeFor returns the range query for the span rng ending at end: about
// GraphPoints points, with a step of at least one second.
func RangeFor(rng time.Duration, end time.Time) v1.Range {
	if rng <= 0 {
		rng = time.Hour
	}
	step := (rng / GraphPoints).Truncate(time.Second)
	if step < time.Second {
		step = time.Second
	}
	end = end.Truncate(step)
	return v1.Range{Start: end.Add(-rng), End: end, Step: step}
}

// RunPanels refreshes every panel concurrently: one query per panel (a
// range query over rng for a graph, an instant query otherwise). A failed
// panel carries its error; the others are unaffected. The results are in
// the order of the specs.
func RunPanels(ctx context.Context, q Querier, specs []PanelSpec, vars PanelVars, rng time.Duration, now time.Time) []PanelResult {
	out := make([]PanelResult, len(specs))
	var wg sync.WaitGroup
	for i := range specs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = runPanel(ctx, q, specs[i], vars, rng, now)
		}(i)
	}
	wg.Wait()
	return out
}

func runPanel(ctx context.Context, q Querier, sp PanelSpec, vars PanelVars, rng time.Duration, now time.Time) PanelResult {
	res := PanelResult{Value: math.NaN(), At: now}
	expr, err := RenderPanelQuery(sp.Query, vars)
	if err != nil {
		res.Err = fmt.Errorf("query template: %w", err)
		return res
	}
	res.Query = expr
	if sp.Kind == PanelGraph {
		r := RangeFor(rng, now)
		v, w, err := q.QueryRange(ctx, expr, r)
		res.Warnings = append(res.Warnings, w...)
		if err != nil {
			res.Err = err
			return res
		}
		res.Range = RangeOf(v, r)
		return res
	}
	v, w, err := q.Query(ctx, expr, now)
	res.Warnings = append(res.Warnings, w...)
	if err != nil {
		res.Err = err
		return res
	}
	inst := InstantOf(v)
	switch sp.Kind {
	case PanelTop:
		rows := inst.Rows
		sort.SliceStable(rows, func(a, b int) bool { return greater(rows[a].Value, rows[b].Value) })
		res.Total = len(rows)
		limit := sp.Limit
		if limit <= 0 {
			limit = DefaultPanelLimit
		}
		if len(rows) > limit {
			rows = rows[:limit]
		}
		for _, r := range rows {
			res.Rows = append(res.Rows, PanelRow{Label: LabelText(r.Labels), Value: r.Value})
		}
		if inst.Kind == "scalar" {
			res.Rows = []PanelRow{{Label: "scalar", Value: inst.Scalar}}
			res.Total = 1
		}
	default:
		switch inst.Kind {
		case "scalar":
			res.Value, res.ValueSeries = inst.Scalar, 1
		case "vector":
			// Several series: the largest stands for them, and the count says so.
			res.ValueSeries = len(inst.Rows)
			for _, r := range inst.Rows {
				if math.IsNaN(res.Value) || greater(r.Value, res.Value) {
					res.Value = r.Value
				}
			}
		default:
			res.Err = fmt.Errorf("a stat panel needs an instant vector or a scalar, got %s", inst.Kind)
		}
	}
	return res
}

// greater orders values with NaN last.
func greater(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a > b
}

// Sample is one series of an instant vector.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// InstantResult is the answer to an instant query in plain values.
type InstantResult struct {
	// Kind is vector, scalar, string or matrix.
	Kind   string
	Rows   []Sample
	Scalar float64
	Text   string
}

// InstantOf converts an instant query's answer.
func InstantOf(v model.Value) *InstantResult {
	out := &InstantResult{Scalar: math.NaN()}
	switch x := v.(type) {
	case model.Vector:
		out.Kind = "vector"
		for _, s := range x {
			ls := labelSetMap(model.LabelSet(s.Metric))
			out.Rows = append(out.Rows, Sample{Labels: ls, Value: float64(s.Value)})
		}
	case *model.Scalar:
		out.Kind = "scalar"
		out.Scalar = float64(x.Value)
	case *model.String:
		out.Kind = "string"
		out.Text = x.Value
	case model.Matrix:
		out.Kind = "matrix"
		for _, s := range x {
			ls := labelSetMap(model.LabelSet(s.Metric))
			last := math.NaN()
			if n := len(s.Values); n > 0 {
				last = float64(s.Values[n-1].Value)
			}
			out.Rows = append(out.Rows, Sample{Labels: ls, Value: last})
		}
	default:
		out.Kind = "none"
	}
	return out
}

// LabelText writes a label set for a row: the value alone when there is
// one label, else as SeriesText.
func LabelText(ls map[string]string) string {
	if len(ls) == 1 {
		for k, v := range ls {
			if k != model.MetricNameLabel {
				return v
			}
		}
	}
	return SeriesText(ls)
}

// SeriesText writes a label set as PromQL does: the metric name, then
// k="v" pairs in name order in braces; {} for none.
func SeriesText(ls map[string]string) string {
	names := make([]string, 0, len(ls))
	for k := range ls {
		if k != model.MetricNameLabel {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	metric := ls[model.MetricNameLabel]
	parts := make([]string, 0, len(names))
	for _, k := range names {
		parts = append(parts, k+"="+strconv.Quote(ls[k]))
	}
	if len(parts) == 0 {
		if metric == "" {
			return "{}"
		}
		return metric
	}
	return metric + "{" + strings.Join(parts, ", ") + "}"
}

// RangeOf aligns a range query's matrix on the steps of r. Series are
// ordered by their largest value, largest first; at most five are kept.
func RangeOf(v model.Value, r v1.Range) *RangeData {
	out := &RangeData{Start: r.Start, End: r.End, Step: r.Step}
	m, ok := v.(model.Matrix)
	if !ok || r.Step <= 0 {
		return out
	}
	n := int(r.End.Sub(r.Start)/r.Step) + 1
	type ranked struct {
		ts  TimeSeries
		top float64
	}
	all := make([]ranked, 0, len(m))
	for _, s := range m {
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.NaN()
		}
		top := math.NaN()
		for _, p := range s.Values {
			i := int(p.Timestamp.Time().Sub(r.Start).Round(r.Step) / r.Step)
			if i < 0 || i >= n {
				continue
			}
			vals[i] = float64(p.Value)
			if !Missing(vals[i]) && greater(vals[i], top) {
				top = vals[i]
			}
		}
		ls := labelSetMap(model.LabelSet(s.Metric))
		all = append(all, ranked{TimeSeries{Name: LabelText(ls), Values: vals}, top})
	}
	sort.SliceStable(all, func(a, b int) bool { return greater(all[a].top, all[b].top) })
	for i, s := range all {
		if i >= maxGraphSeries {
			out.More = len(all) - maxGraphSeries
			break
		}
		out.Series = append(out.Series, s.ts)
	}
	return out
}

// ParseErrorPos is where Prometheus says a query failed to parse.
type ParseErrorPos struct {
	Line, Col int // 1-based
	Msg       string
}

var parsePosRe = regexp.MustCompile(`(\d+):(\d+): parse error: (.*)$`)

// ParseErrorOf finds the position of a PromQL parse error in an error
// from Prometheus (bad_data: invalid parameter "query": 1:5: parse error: …).
func ParseErrorOf(err error) (ParseErrorPos, bool) {
	if err == nil {
		return ParseErrorPos{}, false
	}
	msg := err.Error()
	var se *ServerError
	if errors.As(err, &se) {
		if ae := se.APIError(); ae != nil {
			msg = ae.Msg
		}
	}
	m := parsePosRe.FindStringSubmatch(msg)
	if m == nil {
		return ParseErrorPos{}, false
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	return ParseErrorPos{Line: line, Col: col, Msg: "parse error: " + m[3]}, true
}

// MetricNames lists every metric name Prometheus knows
// (/api/v1/label/__name__/values).
func MetricNames(ctx context.Context, api v1.API) ([]string, error) {
	if api == nil {
		return nil, errors.New("metric names: no Prometheus API")
	}
	vals, _, _, err := api.LabelValues(ctx, model.MetricNameLabel, nil, time.Time{}, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("metric names: %w", err)
	}
	names := make(map[string]bool, len(vals))
	for _, v := range vals {
		names[string(v)] = true
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if !createdCompanion(string(v), names) {
			out = append(out, string(v))
		}
	}
	sort.Strings(out)
	return out, nil
}

// createdCompanion reports whether name is the *_created gauge that
// prometheus_client exports beside a counter (foo_total → foo_created) or a
// histogram or summary (foo_count → foo_created): a creation time, no
// figure, left out of the name completion.
func createdCompanion(name string, names map[string]bool) bool {
	base, ok := strings.CutSuffix(name, "_created")
	return ok && (names[base+"_total"] || names[base+"_count"])
}

// thresholdRe reads a trailing comparison with a number, e.g. "> 0.05".
var thresholdRe = regexp.MustCompile(`(>=|<=|>|<|==|!=)\s*(?:bool\s+)?([-+]?(?:[0-9]*\.)?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$`)

// RuleThreshold reads the threshold of an alert rule's expression when it
// ends in a comparison with a number (expr > 0.05): the left side and the
// number. ok is false when there is none.
func RuleThreshold(expr string) (lhs string, threshold float64, ok bool) {
	e := strings.TrimSpace(expr)
	loc := thresholdRe.FindStringSubmatchIndex(e)
	if loc == nil {
		return e, math.NaN(), false
	}
	v, err := strconv.ParseFloat(e[loc[4]:loc[5]], 64)
	if err != nil {
		return e, math.NaN(), false
	}
	return strings.TrimSpace(e[:loc[0]]), v, true
}
