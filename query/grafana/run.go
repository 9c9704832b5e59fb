package grafana

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
)

// MaxSeries bounds the series a panel keeps; the rest are counted.
const MaxSeries = 50

// RunOptions say what to ask.
type RunOptions struct {
	// Range ends at End.
	Range time.Duration
	End   time.Time
	// Scrape is the scrape interval ($__rate_interval, the checks);
	// 0 means DefaultScrapeInterval.
	Scrape time.Duration
	// Points is the number of points of panel i (its width in cells);
	// absent or 0 means 100. A panel's maxDataPoints wins.
	Points map[int]int
	// Only lists the panels to query (those on screen); nil means every
	// panel that is not folded in a collapsed row.
	Only []int
}

// Series is one series of a panel.
type Series struct {
	Name   string
	Labels map[string]string
	// Values are aligned on the range's steps, NaN where there was no
	// sample; nil for an instant query.
	Values []float64
	// Value is the instant value, or the series reduced by the panel's
	// Reduce; NaN when there is none.
	Value float64
	// Le is a heatmap bucket's upper bound (NaN when not a bucket).
	Le float64
}

// TargetResult is one target's request.
type TargetResult struct {
	RefID    string
	Expr     string // as sent, variables expanded
	Instant  bool
	Err      error
	Warnings []string
}

// PanelData is one panel's refresh.
type PanelData struct {
	Index      int
	Start, End time.Time
	Interval   Interval
	Series     []Series
	// More is the number of series left out.
	More    int
	Targets []TargetResult
	// Buckets is true when Series are a histogram's buckets sorted by Le
	// (heatmap), counts per bucket rather than cumulative when the target
	// asks for format "heatmap".
	Buckets bool
	// Findings are the known mistakes of the queries (rulecheck).
	Findings []string
}

// Err is the first target error, or nil.
func (d *PanelData) Err() error {
	for _, t := range d.Targets {
		if t.Err != nil {
			return fmt.Errorf("%s: %w", t.RefID, t.Err)
		}
	}
	return nil
}

// Requests is the number of queries the panel sent.
func (d *PanelData) Requests() int { return len(d.Targets) }

// Run refreshes the panels: one request per visible target of each panel,
// all at once. Results are by panel index, only for the panels queried.
func Run(ctx context.Context, q Source, d *Dashboard, vars Vars, o RunOptions) map[int]*PanelData {
	sc := vars.Scope()
	idx := o.Only
	if idx == nil {
		for i := range d.Panels {
			if !d.Panels[i].Folded() {
				idx = append(idx, i)
			}
		}
	}
	out := map[int]*PanelData{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, i := range idx {
		if i < 0 || i >= len(d.Panels) || !d.Panels[i].Queried() {
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			pd := runPanel(ctx, q, &d.Panels[i], sc, o, o.Points[i])
			pd.Index = i
			mu.Lock()
			out[i] = pd
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	return out
}

// instantPanel reports whether a target is asked as an instant query.
func instantPanel(p *Panel, t Target) bool {
	return t.Instant || (p.Kind == KindTable && t.Format == "table")
}

// Expand returns a target's expression with the panel's variables and
// built-ins expanded, and its interval.
func Expand(p *Panel, t Target, sc Scope, o RunOptions, points int) (string, Interval) {
	if p.MaxDataPoints > 0 {
		points = p.MaxDataPoints
	}
	if points <= 0 {
		points = 100
	}
	rng := o.Range
	if rng <= 0 {
		rng = time.Hour
	}
	minIv := t.Interval
	if minIv == "" {
		minIv = p.Interval
	}
	iv := PanelInterval(rng, points, InterpolateText(minIv, sc), o.Scrape)
	return Interpolate(t.Expr, sc.With(iv)), iv
}

func runPanel(ctx context.Context, q Source, p *Panel, sc Scope, o RunOptions, points int) *PanelData {
	end := o.End
	if end.IsZero() {
		end = time.Now()
	}
	pd := &PanelData{End: end}
	type got struct {
		t       Target
		series  []Series
		buckets bool
	}
	var gots []got
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range p.Targets {
		if t.Hide || strings.TrimSpace(t.Expr) == "" {
			continue
		}
		expr, iv := Expand(p, t, sc, o, points)
		pd.Interval = iv
		tr := TargetResult{RefID: t.RefID, Expr: expr, Instant: instantPanel(p, t)}
		pd.Targets = append(pd.Targets, tr)
		k := len(pd.Targets) - 1
		wg.Add(1)
		go func(t Target) {
			defer wg.Done()
			ser, warn, err := ask(ctx, q, tr, iv, end)
			mu.Lock()
			defer mu.Unlock()
			pd.Targets[k].Err, pd.Targets[k].Warnings = err, warn
			if err == nil {
				gots = append(gots, got{t: t, series: legend(ser, t.Legend, sc)})
			}
		}(t)
	}
	wg.Wait()
	pd.Start = end.Add(-pd.Interval.Range).Truncate(max(pd.Interval.Step, time.Second))
	// Targets in their order, whatever order the answers came in.
	sort.SliceStable(gots, func(a, b int) bool { return refOrder(p, gots[a].t.RefID) < refOrder(p, gots[b].t.RefID) })
	for _, g := range gots {
		pd.Series = append(pd.Series, g.series...)
	}
	for i := range pd.Series {
		s := &pd.Series[i]
		if s.Values != nil {
			s.Value = reduce(s.Values, p.Reduce)
		}
	}
	if p.Kind == KindHeatmap {
		pd.Buckets = toBuckets(pd, p)
	}
	if len(pd.Series) > MaxSeries && !pd.Buckets {
		pd.More = len(pd.Series) - MaxSeries
		pd.Series = pd.Series[:MaxSeries]
	}
	pd.Findings = Check(pd.Targets, o.Scrape)
	return pd
}

func refOrder(p *Panel, ref string) int {
	for i, t := range p.Targets {
		if t.RefID == ref {
			return i
		}
	}
	return len(p.Targets)
}

// ask runs one target: a range query at the interval's step, or an
// instant query.
func ask(ctx context.Context, q Source, t TargetResult, iv Interval, end time.Time) ([]Series, []string, error) {
	if t.Instant {
		v, w, err := q.Query(ctx, t.Expr, end)
		if err != nil {
			return nil, nil, err
		}
		return instantSeries(v), w, nil
	}
	step := iv.Step
	r := v1.Range{Start: end.Add(-iv.Range).Truncate(step), End: end.Truncate(step), Step: step}
	v, w, err := q.QueryRange(ctx, t.Expr, r)
	if err != nil {
		return nil, nil, err
	}
	return rangeSeries(v, r), w, nil
}

func instantSeries(v model.Value) []Series {
	var out []Series
	switch r := v.(type) {
	case model.Vector:
		for _, s := range r {
			out = append(out, Series{Labels: labelsOf(s.Metric), Value: float64(s.Value), Le: math.NaN()})
		}
	case *model.Scalar:
		out = append(out, Series{Labels: map[string]string{}, Value: float64(r.Value), Le: math.NaN()})
	}
	return out
}

func rangeSeries(v model.Value, r v1.Range) []Series {
	m, ok := v.(model.Matrix)
	if !ok {
		return nil
	}
	n := int(r.End.Sub(r.Start)/r.Step) + 1
	out := make([]Series, 0, len(m))
	for _, s := range m {
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.NaN()
		}
		for _, p := range s.Values {
			i := int(math.Round(float64(p.Timestamp.Time().Sub(r.Start)) / float64(r.Step)))
			if i >= 0 && i < n {
				vals[i] = float64(p.Value)
			}
		}
		out = append(out, Series{Labels: labelsOf(s.Metric), Values: vals, Value: math.NaN(), Le: math.NaN()})
	}
	return out
}

func labelsOf(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

var legendRE = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)

// legend names each series: legendFormat with {{label}} replaced (and the
// dashboard's variables), else the series as PromQL writes it.
func legend(ser []Series, format string, sc Scope) []Series {
	for i := range ser {
		s := &ser[i]
		if format != "" && format != "__auto" {
			s.Name = legendRE.ReplaceAllStringFunc(format, func(m string) string {
				return s.Labels[legendRE.FindStringSubmatch(m)[1]]
			})
			s.Name = InterpolateText(s.Name, sc)
			continue
		}
		s.Name = query.SeriesText(s.Labels)
	}
	return ser
}

// reduce makes one value of a series; NaN when it has no value.
func reduce(vals []float64, how string) float64 {
	out := math.NaN()
	n := 0
	for _, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		switch {
		case math.IsNaN(out):
			out = v
		case how == "max":
			out = math.Max(out, v)
		case how == "min":
			out = math.Min(out, v)
		case how == "sum", how == "mean":
			out += v
		case how == "first":
		default:
			out = v
		}
		n++
	}
	if how == "mean" && n > 0 {
		out /= float64(n)
	}
	return out
}

// toBuckets sorts a heatmap's series by their le label and, for format
// "heatmap", turns the cumulative counts into counts per bucket as
// Grafana does. It reports false when the series are not buckets.
func toBuckets(pd *PanelData, p *Panel) bool {
	if len(pd.Series) == 0 {
		return false
	}
	for i := range pd.Series {
		le, ok := pd.Series[i].Labels["le"]
		if !ok {
			return false
		}
		v, err := strconv.ParseFloat(le, 64)
		if err != nil {
			return false
		}
		pd.Series[i].Le = v
	}
	sort.SliceStable(pd.Series, func(a, b int) bool { return pd.Series[a].Le < pd.Series[b].Le })
	deacc := false
	for _, t := range p.Targets {
		if t.Format == "heatmap" {
			deacc = true
		}
	}
	if deacc {
		for i := len(pd.Series) - 1; i > 0; i-- {
			cur, prev := pd.Series[i].Values, pd.Series[i-1].Values
			for j := range cur {
				if j < len(prev) && !math.IsNaN(cur[j]) && !math.IsNaN(prev[j]) {
					cur[j] = math.Max(cur[j]-prev[j], 0)
				}
			}
		}
		for i := range pd.Series {
			pd.Series[i].Value = reduce(pd.Series[i].Values, "last")
		}
	}
	return true
}

// panelChecks are the rule checks that also hold for a panel's query:
// those of a figure that is wrong. The regexp check is not one: a
// variable of one value is written =~"GET", as Grafana does.
var panelChecks = map[string]bool{
	rulecheck.CheckSyntax: true, rulecheck.CheckHistogramRate: true, rulecheck.CheckHistogramLe: true,
	rulecheck.CheckHistogramAgg: true, rulecheck.CheckRateWindow: true, rulecheck.CheckRateOfSum: true,
}

// Check runs vigil's rule checks on the queries sent: a quantile over raw
// buckets, a rate window under four scrapes. One line per finding.
func Check(ts []TargetResult, scrape time.Duration) []string {
	if scrape <= 0 {
		scrape = DefaultScrapeInterval
	}
	var out []string
	for _, t := range ts {
		rep := rulecheck.Check([]rulecheck.Rule{{Kind: rulecheck.KindAlert, Name: "panel", Expr: t.Expr}}, nil,
			rulecheck.Options{ScrapeInterval: scrape})
		for _, f := range rep.Findings {
			if panelChecks[f.Check] {
				out = append(out, fmt.Sprintf("%s: %s (%s)", t.RefID, f.Title, f.Check))
			}
		}
	}
	return out
}

// Last is the newest value of a series that has one, NaN when none.
func Last(vals []float64) float64 {
	for i := len(vals) - 1; i >= 0; i-- {
		if !math.IsNaN(vals[i]) {
			return vals[i]
		}
	}
	return math.NaN()
}
