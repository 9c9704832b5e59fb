package rulecheck

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// rateFuncs turn a counter into a rate or an increase over a window.
var rateFuncs = map[string]bool{"rate": true, "irate": true, "increase": true}

// counterSafe are the functions and aggregations under which a raw counter
// is fine: they read its presence, its changes or its timestamps, not its
// value since the process started.
var counterSafe = map[string]bool{
	"rate": true, "irate": true, "increase": true, "resets": true, "changes": true,
	"absent": true, "absent_over_time": true, "present_over_time": true, "count_over_time": true,
	"timestamp": true, "label_replace": false, "idelta": true, "delta": true, "deriv": true,
}

// isCounterName says whether a metric's name follows the counter naming
// conventions (_total) or is a histogram's or summary's cumulative series.
func isCounterName(name string) bool {
	if strings.Contains(name, ":") {
		return false // a recorded series
	}
	for _, s := range []string{"_total", "_count", "_bucket", "_sum"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// selectorName is the metric name of a selector ("" when it has none).
func selectorName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// visit calls fn for every node under root with the path from root to the
// node's parent (root first).
func visit(root parser.Node, fn func(n parser.Node, path []parser.Node)) {
	if root == nil {
		return
	}
	parser.Inspect(root, func(n parser.Node, path []parser.Node) error {
		fn(n, path)
		return nil
	})
}

// selectors are the vector selectors under root, each with its path.
type located struct {
	vs   *parser.VectorSelector
	path []parser.Node
}

func selectorsUnder(root parser.Node) []located {
	var out []located
	visit(root, func(n parser.Node, path []parser.Node) {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, located{vs, slices.Clone(path)})
		}
	})
	return out
}

// pathHasCall reports whether a call of one of funcs is on path.
func pathHasCall(path []parser.Node, funcs map[string]bool) bool {
	for _, p := range path {
		if c, ok := p.(*parser.Call); ok && funcs[c.Func.Name] {
			return true
		}
	}
	return false
}

// unparen strips parentheses and step-invariant wrappers.
func unparen(e parser.Expr) parser.Expr {
	for {
		switch x := e.(type) {
		case *parser.ParenExpr:
			e = x.Expr
		case *parser.StepInvariantExpr:
			e = x.Expr
		default:
			return e
		}
	}
}

// number is the value of a literal number (possibly negated or in
// parentheses).
func number(e parser.Expr) (float64, bool) {
	switch x := unparen(e).(type) {
	case *parser.NumberLiteral:
		return x.Val, true
	case *parser.UnaryExpr:
		if v, ok := number(x.Expr); ok {
			if x.Op == parser.SUB {
				return -v, true
			}
			return v, true
		}
	}
	return 0, false
}

// comparison is a comparison of an expression against a number.
type comparison struct {
	bin       *parser.BinaryExpr
	side      parser.Expr // the non-number side
	threshold float64
}

// thresholdOf finds the comparison against a number at the top of e: e
// itself, or the left side of `and`/`unless`, through parentheses.
func thresholdOf(e parser.Expr) (comparison, bool) {
	switch x := unparen(e).(type) {
	case *parser.BinaryExpr:
		if x.Op.IsComparisonOperator() {
			if v, ok := number(x.RHS); ok {
				return comparison{x, x.LHS, v}, true
			}
			if v, ok := number(x.LHS); ok {
				return comparison{x, x.RHS, v}, true
			}
			return comparison{}, false
		}
		if x.Op == parser.LAND || x.Op == parser.LUNLESS {
			return thresholdOf(x.LHS)
		}
	}
	return comparison{}, false
}

// hasOp reports whether a binary operation op is anywhere under root.
func hasOp(root parser.Node, op parser.ItemType) bool {
	found := false
	visit(root, func(n parser.Node, _ []parser.Node) {
		if b, ok := n.(*parser.BinaryExpr); ok && b.Op == op {
			found = true
		}
	})
	return found
}

// labelSet is the set of labels an expression's series carry, when it can
// be known from the expression alone.
type labelSet struct {
	known bool
	names []string
}

func knownLabels(names ...string) labelSet {
	out := labelSet{known: true}
	for _, n := range names {
		if n != "" && !slices.Contains(out.names, n) {
			out.names = append(out.names, n)
		}
	}
	sort.Strings(out.names)
	return out
}

func (l labelSet) has(name string) bool { return !l.known || slices.Contains(l.names, name) }

func (l labelSet) without(names ...string) labelSet {
	if !l.known {
		return l
	}
	var keep []string
	for _, n := range l.names {
		if !slices.Contains(names, n) {
			keep = append(keep, n)
		}
	}
	return knownLabels(keep...)
}

// outputLabels are the labels of e's series, known when an aggregation
// (or a function of fixed labels) decides them.
func outputLabels(e parser.Expr) labelSet {
	switch x := unparen(e).(type) {
	case *parser.NumberLiteral, *parser.StringLiteral:
		return knownLabels()
	case *parser.AggregateExpr:
		switch x.Op {
		case parser.TOPK, parser.BOTTOMK, parser.LIMITK, parser.LIMIT_RATIO:
			return outputLabels(x.Expr)
		}
		if x.Without {
			return outputLabels(x.Expr).without(x.Grouping...)
		}
		g := knownLabels(x.Grouping...)
		if x.Op == parser.COUNT_VALUES {
			if s, ok := unparen(x.Param).(*parser.StringLiteral); ok {
				g = knownLabels(append(slices.Clone(x.Grouping), s.Val)...)
			}
		}
		return g
	case *parser.Call:
		switch x.Func.Name {
		case "vector", "time", "scalar":
			return knownLabels()
		case "absent", "absent_over_time":
			var names []string
			for _, l := range selectorsUnder(x.Args[0]) {
				for _, m := range l.vs.LabelMatchers {
					if m.Type == labels.MatchEqual && m.Name != labels.MetricName {
						names = append(names, m.Name)
					}
				}
			}
			return knownLabels(names...)
		case "histogram_quantile":
			return outputLabels(x.Args[1]).without("le")
		case "label_replace":
			in := outputLabels(x.Args[0])
			if s, ok := unparen(x.Args[1]).(*parser.StringLiteral); ok && in.known {
				return knownLabels(append(slices.Clone(in.names), s.Val)...)
			}
			return in
		}
		for _, a := range x.Args {
			if a.Type() == parser.ValueTypeVector || a.Type() == parser.ValueTypeMatrix {
				return outputLabels(a)
			}
		}
		return labelSet{}
	case *parser.MatrixSelector:
		return labelSet{}
	case *parser.SubqueryExpr:
		return outputLabels(x.Expr)
	case *parser.BinaryExpr:
		l, r := outputLabels(x.LHS), outputLabels(x.RHS)
		if x.LHS.Type() == parser.ValueTypeScalar {
			return r
		}
		if x.RHS.Type() == parser.ValueTypeScalar {
			return l
		}
		switch x.Op {
		case parser.LOR:
			if l.known && r.known {
				return knownLabels(append(slices.Clone(l.names), r.names...)...)
			}
			return labelSet{}
		case parser.LAND, parser.LUNLESS:
			return l
		}
		if vm := x.VectorMatching; vm != nil {
			switch vm.Card {
			case parser.CardManyToOne:
				if l.known {
					return knownLabels(append(slices.Clone(l.names), vm.Include...)...)
				}
				return l
			case parser.CardOneToMany:
				if r.known {
					return knownLabels(append(slices.Clone(r.names), vm.Include...)...)
				}
				return r
			}
		}
		return l
	}
	return labelSet{}
}

// transform rebuilds e top-down: where fn returns an expression, it
// replaces the node (and is not descended into); where it returns nil, the
// node's children are transformed.
func transform(e parser.Expr, fn func(parser.Expr) parser.Expr) parser.Expr {
	if e == nil {
		return nil
	}
	if r := fn(e); r != nil {
		return r
	}
	switch x := e.(type) {
	case *parser.ParenExpr:
		x.Expr = transform(x.Expr, fn)
	case *parser.StepInvariantExpr:
		x.Expr = transform(x.Expr, fn)
	case *parser.UnaryExpr:
		x.Expr = transform(x.Expr, fn)
	case *parser.AggregateExpr:
		x.Expr = transform(x.Expr, fn)
	case *parser.BinaryExpr:
		x.LHS = transform(x.LHS, fn)
		x.RHS = transform(x.RHS, fn)
	case *parser.Call:
		for i := range x.Args {
			x.Args[i] = transform(x.Args[i], fn)
		}
	case *parser.SubqueryExpr:
		x.Expr = transform(x.Expr, fn)
	case *parser.MatrixSelector:
		x.VectorSelector = transform(x.VectorSelector, fn)
	}
	return e
}

// rateOf is `fn(sel[window])`.
func rateOf(fn string, vs *parser.VectorSelector, d time.Duration) parser.Expr {
	return &parser.Call{Func: parser.Functions[fn], Args: parser.Expressions{
		&parser.MatrixSelector{VectorSelector: vs, Range: d},
	}}
}

// sumBy is `sum by (grouping) (e)`.
func sumBy(e parser.Expr, grouping ...string) parser.Expr {
	return &parser.AggregateExpr{Op: parser.SUM, Expr: e, Grouping: grouping}
}

// format writes an expression the way Prometheus's parser prints it, on
// one line.
func format(e parser.Expr) string { return e.String() }

// promqlParser is Prometheus's own PromQL parser, with its default options, as
// the server parses rules unless a feature flag says otherwise.
var promqlParser = parser.NewParser(parser.Options{})
