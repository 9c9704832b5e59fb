package rulecheck

import (
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// fixExpr rewrites r's expression with the fixes of the expression checks:
// rate() and sum by (…, le) under histogram_quantile, a ratio in place of
// errors per second, increase() of a compared counter, and rate windows of
// at least 4 scrapes. ok is false when nothing changes.
func (c *checker) fixExpr(r *Rule) (string, bool) {
	e, err := r.Parsed()
	if err != nil {
		return "", false
	}
	keep := c.keepLabels(r)
	e = c.fixHistograms(e, keep)
	e = c.fixErrorRatio(e, keep)
	e = c.fixCounters(e)
	e = c.fixWindows(e)
	out := format(e)
	orig, _ := r.Parsed()
	if out == format(orig) {
		return "", false
	}
	return out, true
}

// keepLabels are the labels a fix aggregates by: job, and those the rule's
// templates read.
func (c *checker) keepLabels(r *Rule) []string {
	keep := []string{"job"}
	for _, m := range []map[string]string{r.Annotations, r.Labels} {
		for _, k := range sortedKeys(m) {
			for _, l := range templateLabelRefs(m[k]) {
				if l != "le" && r.Labels[l] == "" && !slices.Contains(keep, l) {
					keep = append(keep, l)
				}
			}
		}
	}
	return keep
}

func (c *checker) fixHistograms(e parser.Expr, keep []string) parser.Expr {
	return transform(e, func(n parser.Expr) parser.Expr {
		call, ok := n.(*parser.Call)
		if !ok || call.Func.Name != "histogram_quantile" || len(call.Args) != 2 {
			return nil
		}
		arg := call.Args[1]
		hasBucket := false
		for _, l := range selectorsUnder(arg) {
			hasBucket = hasBucket || strings.HasSuffix(selectorName(l.vs), "_bucket")
		}
		if !hasBucket {
			return n
		}
		// rate() around every raw bucket selector.
		arg = transform(arg, func(x parser.Expr) parser.Expr {
			switch y := x.(type) {
			case *parser.Call:
				if rateFuncs[y.Func.Name] || counterSafe[y.Func.Name] {
					return y
				}
			case *parser.VectorSelector:
				if strings.HasSuffix(selectorName(y), "_bucket") {
					return rateOf("rate", y, c.fixWindow(jobOf(y)))
				}
			}
			return nil
		})
		// le kept by every aggregation, or one sum by (…, le) added.
		agg := false
		visit(arg, func(x parser.Node, _ []parser.Node) {
			a, ok := x.(*parser.AggregateExpr)
			if !ok {
				return
			}
			agg = true
			if a.Without {
				a.Grouping = slices.DeleteFunc(a.Grouping, func(s string) bool { return s == "le" })
			} else if !slices.Contains(a.Grouping, "le") {
				a.Grouping = append(a.Grouping, "le")
			}
		})
		if !agg {
			arg = sumBy(arg, append(slices.Clone(keep), "le")...)
		}
		call.Args[1] = arg
		return call
	})
}

func (c *checker) fixErrorRatio(e parser.Expr, keep []string) parser.Expr {
	cmp, ok := thresholdOf(e)
	if !ok || cmp.threshold <= 0 || cmp.threshold >= 1 || hasOp(cmp.side, parser.DIV) {
		return e
	}
	vs, m := errorSelector(cmp.side)
	if vs == nil {
		return e
	}
	num, _ := promqlParser.ParseExpr(cmp.side.String())
	if a, ok := unparen(num).(*parser.AggregateExpr); !ok || a.Op != parser.SUM {
		num = sumBy(num, keep...)
	}
	den, _ := promqlParser.ParseExpr(num.String())
	den = transform(den, func(x parser.Expr) parser.Expr {
		if y, ok := x.(*parser.VectorSelector); ok {
			y.LabelMatchers = slices.DeleteFunc(slices.Clone(y.LabelMatchers), func(l *labels.Matcher) bool {
				return l.Name == m.Name && l.Type == m.Type && l.Value == m.Value
			})
			return y
		}
		return nil
	})
	ratio := &parser.BinaryExpr{Op: parser.DIV, LHS: num, RHS: den}
	if cmp.side == cmp.bin.LHS {
		cmp.bin.LHS = ratio
	} else {
		cmp.bin.RHS = ratio
	}
	return e
}

func (c *checker) fixCounters(e parser.Expr) parser.Expr {
	visit(e, func(n parser.Node, _ []parser.Node) {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !compareOps[b.Op] {
			return
		}
		for _, side := range []*parser.Expr{&b.LHS, &b.RHS} {
			*side = c.wrapCounters(*side)
		}
	})
	return e
}

func (c *checker) wrapCounters(e parser.Expr) parser.Expr {
	return transform(e, func(x parser.Expr) parser.Expr {
		switch y := x.(type) {
		case *parser.Call:
			if counterSafe[y.Func.Name] || y.Func.Name == "histogram_quantile" {
				return y
			}
		case *parser.AggregateExpr:
			if y.Op == parser.COUNT || y.Op == parser.GROUP || y.Op == parser.COUNT_VALUES {
				return y
			}
		case *parser.SubqueryExpr:
			return y
		case *parser.VectorSelector:
			if name := selectorName(y); isCounterName(name) && !strings.HasSuffix(name, "_bucket") {
				return rateOf("increase", y, c.fixWindow(jobOf(y)))
			}
			return y
		}
		return nil
	})
}

func (c *checker) fixWindows(e parser.Expr) parser.Expr {
	visit(e, func(n parser.Node, _ []parser.Node) {
		call, ok := n.(*parser.Call)
		if !ok || (call.Func.Name != "rate" && call.Func.Name != "increase") {
			return
		}
		ms, ok := unparen(call.Args[0]).(*parser.MatrixSelector)
		if !ok {
			return
		}
		vs, _ := ms.VectorSelector.(*parser.VectorSelector)
		if vs == nil || strings.Contains(selectorName(vs), ":") {
			return
		}
		if si := c.scrapeInterval(jobOf(vs)); si > 0 && ms.Range < 4*si {
			ms.Range = roundUp(4 * si)
		}
	})
	return e
}
