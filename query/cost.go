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
	// series each selects.
	SeriesSteps int64
	// Steps and Series are those of the costliest selector: its
	// evaluations, and the series it selects.
	Steps, Series int64
	// DefaultStep is set when a subquery without a step was counted at
	// DefaultSubqueryStep.
	DefaultStep bool
}

func (c QueryCost) String() string {
	s := fmt.Sprintf("about %s series-steps (the costliest selector: %s steps × %s series)", CountText(c.SeriesSteps), CountText(c.Steps), CountText(c.Series))
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

// PlanCost lists the selectors of expr and how many times a query of
// points evaluations (1 for an instant query) evaluates each. A query
// that does not parse, or whose subquery's range or step is an
// expression, has no plan: its cost cannot be known before it runs.
func PlanCost(expr string, points int64) (sels []CostSelector, defaultStep bool, err error) {
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return nil, false, fmt.Errorf("parse error: %s", printable(err.Error()))
	}
	points = max(points, 1)
	seen := map[string]int{}
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		if err != nil {
			return err
		}
		switch n := n.(type) {
		case *parser.SubqueryExpr:
			if n.RangeExpr != nil || n.StepExpr != nil {
				err = fmt.Errorf("a subquery's range or step is an expression (%s): its cost is not known before it runs", printable(n.String()))
			}
		case *parser.VectorSelector:
			steps := points
			for _, p := range path {
				sq, ok := p.(*parser.SubqueryExpr)
				if !ok {
					continue
				}
				step := sq.Step
				if step <= 0 {
					step, defaultStep = DefaultSubqueryStep, true
				}
				n := int64(math.Ceil(float64(sq.Range) / float64(step)))
				steps = mulCap(steps, max(n, 1))
			}
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
		return nil, false, err
	}
	return sels, defaultStep, nil
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
	sels, defStep, err := PlanCost(expr, points)
	if err != nil {
		return QueryCost{}, err
	}
	c := QueryCost{DefaultStep: defStep}
	if len(sels) == 0 {
		return c, nil
	}
	v, _, err := q.Query(ctx, SeriesCountQuery(sels), at)
	if err != nil {
		return QueryCost{}, fmt.Errorf("counting its series: %w", err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return QueryCost{}, fmt.Errorf("counting its series: a %s, not a vector", v.Type())
	}
	series := make([]int64, len(sels))
	for _, s := range vec {
		i, err := strconv.Atoi(string(s.Metric[costLabel]))
		if err != nil || i < 0 || i >= len(sels) || math.IsNaN(float64(s.Value)) {
			return QueryCost{}, fmt.Errorf("counting its series: an answer vigil did not ask for (%s)", printable(s.String()))
		}
		series[i] = int64(s.Value)
	}
	most := int64(-1)
	for i, s := range sels {
		cost := mulCap(s.Steps, series[i])
		c.SeriesSteps = min(c.SeriesSteps+cost, maxCost)
		if cost > most {
			most, c.Steps, c.Series = cost, s.Steps, series[i]
		}
	}
	return c, nil
}

// RangePoints is the number of evaluations of a range query.
func RangePoints(r v1.Range) int64 {
	if r.Step <= 0 || r.End.Before(r.Start) {
		return 1
	}
	return int64(r.End.Sub(r.Start)/r.Step) + 1
}
