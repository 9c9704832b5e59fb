package query

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// The cost of an ad-hoc query, estimated before it is sent: how many
// times Prometheus evaluates each of its selectors, times the series the
// selector selects. Prometheus's work grows with that product: a
// histogram_quantile over 500 bucket series at each of a subquery's
// 10,000 steps is 5,000,000 series-steps and keeps a core busy for
// seconds, while the same over one 240-point graph is 120,000.
//
// The estimate leaves out what a selector's range reads at each step
// (rate(x[5m]) reads five minutes of samples): it bounds how often the
// series are visited, not how many samples each visit reads.

// DefaultSubqueryStep is the step a subquery without one is counted at:
// Prometheus uses its global evaluation interval there, which vigil does
// not read, so the estimate assumes the shortest one in use (1s).
const DefaultSubqueryStep = time.Second

// maxCost is where a count stops growing, far past any limit.
const maxCost = int64(1) << 60

// CostSelector is one selector of a query and how many times one query
// evaluates it.
type CostSelector struct {
	// Selector is the selector's label matchers, as PromQL
	// ({__name__="x",job="y"}); offsets and @ are left out.
	Selector string
	// Steps is the evaluations: the query's points (1 for an instant
	// query), times each enclosing subquery's range over its step.
	Steps int64
}

// QueryCost is the estimate of one query.
type QueryCost struct {
	// SeriesSteps is the sum over the selectors of their steps times the
	// series each selects (one at least), and never less than the most
	// steps of any part of the query.
	SeriesSteps int64
	// Steps and Series are those of the costliest selector: its
	// evaluations, and the series it selects.
	Steps, Series int64
	// DefaultStep is set when a subquery without a step was counted at
	// DefaultSubqueryStep.
	DefaultStep bool
}

func (c QueryCost) String() string {
	s := fmt.Sprintf("about %s series-steps (%s steps)", CountText(c.SeriesSteps), CountText(c.Steps))
	if c.Series > 0 {
		s = fmt.Sprintf("about %s series-steps (the costliest selector: %s steps × %s series)", CountText(c.SeriesSteps), CountText(c.Steps), CountText(c.Series))
	}
	if c.DefaultStep {
		s += "; a subquery without a step is counted at 1s: give it one, e.g. [1h:1m]"
	}
	return s
}

// CountText writes a count with thousands separators.
func CountText(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n >= maxCost {
		return "more than " + strconv.FormatInt(maxCost, 10)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mulCap multiplies two counts, stopping at maxCost.
func mulCap(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > maxCost/b {
		return maxCost
	}
	return a * b
}

// CostPlan is what a query evaluates, before its series are counted.
type CostPlan struct {
	Selectors []CostSelector
	// MaxSteps is the most evaluations of any part of the query: the
	// least it costs, whatever the series (absent(x)[1y:1ms] selects
	// none).
	MaxSteps int64
	// DefaultStep is set when a subquery without a step was counted at
	// DefaultSubqueryStep.
	DefaultStep bool
}

// PlanCost lists the selectors of expr and how many times a query of
// points evaluations (1 for an instant query) evaluates each. A query
// that does not parse, or whose subquery's range or step is an
// expression, has no plan: its cost cannot be known before it runs.
func PlanCost(expr string, points int64) (p CostPlan, err error) {
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return CostPlan{}, fmt.Errorf("parse error: %s", printable(err.Error()))
	}
	points = max(points, 1)
	p.MaxSteps = points
	seen := map[string]int{}
	// stepsAt is the evaluations of a node under path: points times each
	// enclosing subquery's range over its step (the node's own, for a
	// subquery).
	stepsAt := func(path []parser.Node) int64 {
		steps := points
		for _, n := range path {
			sq, ok := n.(*parser.SubqueryExpr)
			if !ok {
				continue
			}
			step := sq.Step
			if step <= 0 {
				step, p.DefaultStep = DefaultSubqueryStep, true
			}
			n := int64(math.Ceil(float64(sq.Range) / float64(step)))
			steps = mulCap(steps, max(n, 1))
		}
		return steps
	}
	sels := p.Selectors
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		if err != nil {
			return err
		}
		switch n := n.(type) {
		case *parser.SubqueryExpr:
			if n.RangeExpr != nil || n.StepExpr != nil {
				err = fmt.Errorf("a subquery's range or step is an expression (%s): its cost is not known before it runs", printable(n.String()))
				return err
			}
			// A subquery is evaluated at its steps whether or not it
			// selects series (vector(1)[1y:1ms]).
			p.MaxSteps = max(p.MaxSteps, stepsAt(append(path[:len(path):len(path)], n)))
		case *parser.VectorSelector:
			steps := stepsAt(path)
			ms := make([]string, len(n.LabelMatchers))
			for i, m := range n.LabelMatchers {
				ms[i] = m.String()
			}
			sel := "{" + strings.Join(ms, ",") + "}"
			if i, ok := seen[sel]; ok {
				sels[i].Steps = min(sels[i].Steps+steps, maxCost)
				return nil
			}
			seen[sel] = len(sels)
			sels = append(sels, CostSelector{Selector: sel, Steps: steps})
		}
		return nil
	})
	if err != nil {
		return CostPlan{}, err
	}
	p.Selectors = sels
	return p, nil
}

// costLabel tells the counts of SeriesCountQuery apart.
const costLabel = "vigil_selector"

// SeriesCountQuery is one instant query that counts the series of each
// selector: a sample labelled vigil_selector="i" for selector i that
// selects any.
func SeriesCountQuery(sels []CostSelector) string {
	parts := make([]string, len(sels))
	for i, s := range sels {
		parts[i] = fmt.Sprintf(`label_replace(count(%s), %q, "%d", "", "")`, s.Selector, costLabel, i)
	}
	return strings.Join(parts, " or ")
}

// EstimateCost estimates the cost of expr over points evaluations (1 for
// an instant query) ending at at: its plan, and the series of each
// selector at at, counted by one instant query through q.
func EstimateCost(ctx context.Context, q Querier, expr string, points int64, at time.Time) (QueryCost, error) {
	plan, err := PlanCost(expr, points)
	if err != nil {
		return QueryCost{}, err
	}
	sels := plan.Selectors
	c := QueryCost{DefaultStep: plan.DefaultStep, SeriesSteps: plan.MaxSteps, Steps: plan.MaxSteps}
	if len(sels) == 0 {
		return c, nil
	}
	v, _, err := q.Query(ctx, SeriesCountQuery(sels), at)
	if err != nil {
		return QueryCost{}, &CountError{Err: err}
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return QueryCost{}, fmt.Errorf("counting its series: a %s, not a vector", v.Type())
	}
	series := make([]int64, len(sels))
	seen := make([]bool, len(sels))
	for _, s := range vec {
		i, err := strconv.Atoi(string(s.Metric[costLabel]))
		f := float64(s.Value)
		if err != nil || i < 0 || i >= len(sels) || seen[i] || math.IsNaN(f) || f < 0 || f > float64(maxCost) {
			return QueryCost{}, fmt.Errorf("counting its series: an answer vigil did not ask for (%s)", printable(s.String()))
		}
		seen[i], series[i] = true, int64(f)
	}
	// A selector is charged one series at least: a query over series that
	// are not there (absent(x)) still runs at every step.
	sum, most := int64(0), int64(-1)
	for i, s := range sels {
		cost := mulCap(s.Steps, max(series[i], 1))
		sum = min(sum+cost, maxCost)
		if cost > most {
			most, c.Steps, c.Series = cost, s.Steps, series[i]
		}
	}
	c.SeriesSteps = max(sum, plan.MaxSteps)
	return c, nil
}

// CountError is a failure of the count of a query's series: Prometheus
// did not answer it.
type CountError struct{ Err error }

func (e *CountError) Error() string { return "counting its series: " + e.Err.Error() }

func (e *CountError) Unwrap() error { return e.Err }

// RangePoints is the number of evaluations of a range query.
func RangePoints(r v1.Range) int64 {
	if r.Step <= 0 || r.End.Before(r.Start) {
		return 1
	}
	return int64(r.End.Sub(r.Start)/r.Step) + 1
}
