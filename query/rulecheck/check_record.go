package rulecheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// --- recording rules

func (c *checker) recordName(r *Rule) {
	if r.Name == vigilMarker {
		return
	}
	parts := strings.Split(r.Name, ":")
	ok := len(parts) >= 3
	for _, p := range parts {
		ok = ok && p != ""
	}
	if ok {
		return
	}
	c.add(r, CheckRecordName, fmt.Sprintf("record: %s is not level:metric:operations", r.Name),
		"Prometheus's naming convention says at a glance what a recorded series keeps (level), of which metric, and how it was computed; a plain name passes for a raw metric, and an alert may rate() it or sum it as one.",
		"record: "+suggestRecordName(r))
}

func suggestRecordName(r *Rule) string {
	level, metric, ops := "", strings.ReplaceAll(r.Name, ":", "_"), ""
	if e, err := r.parse(); err == nil {
		out := outputLabels(e)
		if out.known && len(out.names) > 0 {
			level = strings.Join(out.names, "_")
		}
		if s := selectorsUnder(e); len(s) > 0 {
			metric = selectorName(s[0].vs)
		}
		visit(e, func(n parser.Node, _ []parser.Node) {
			if ops != "" {
				return
			}
			if call, ok := n.(*parser.Call); ok && rateFuncs[call.Func.Name] {
				ops = call.Func.Name
				if ms, ok := unparen(call.Args[0]).(*parser.MatrixSelector); ok {
					ops += model.Duration(ms.Range).String()
				}
			}
		})
	}
	if level == "" {
		level = "level"
	}
	if ops == "" {
		ops = "operations"
	}
	return level + ":" + metric + ":" + ops
}

// recordedReads checks how an expression reads the series of the set's
// recording rules.
func (c *checker) recordedReads(r *Rule, expr parser.Expr) {
	for _, l := range selectorsUnder(expr) {
		rec := c.records[selectorName(l.vs)]
		if rec == nil || rec == r {
			continue
		}
		recExpr, err := rec.parse()
		if err != nil {
			continue
		}
		kept := outputLabels(recExpr)
		if kept.known {
			kept = knownLabels(append(slices.Clone(kept.names), sortedKeys(rec.Labels)...)...)
			for _, m := range l.vs.LabelMatchers {
				if m.Name != labels.MetricName && !kept.has(m.Name) && !m.Matches("") {
					c.add(r, CheckRecordAggregate, fmt.Sprintf("%s{%s} but %s keeps only %s", rec.Name, m, rec.Name, listOrNone(kept.names)),
						"The recording rule aggregated the label away: the selector matches nothing and the alert can never fire.",
						"select on a label the recording rule keeps, or add "+m.Name+" to its by (…)")
				}
			}
		}
		for _, p := range l.path {
			a, ok := p.(*parser.AggregateExpr)
			if !ok {
				continue
			}
			if kept.known && !a.Without {
				for _, g := range a.Grouping {
					if !kept.has(g) {
						c.add(r, CheckRecordAggregate, fmt.Sprintf("%s by (%s) over %s, which keeps only %s", a.Op, strings.Join(a.Grouping, ", "), rec.Name, listOrNone(kept.names)),
							"The recorded series have no "+g+" label: every one falls in the same group, and the alert names no "+g+".",
							"add "+g+" to the recording rule's by (…), or aggregate by the labels it keeps")
						break
					}
				}
			}
			if a.Op == parser.SUM || a.Op == parser.AVG {
				if kind := ratioKind(recExpr); kind != "" {
					c.add(r, CheckRecordAggregate, fmt.Sprintf("%s over %s, a recorded %s", a.Op, rec.Name, kind),
						"Summing or averaging "+kind+"s gives a figure that is none: each weighs the same whatever its traffic.",
						"record the parts (the rates of errors and of all requests, or the bucket rates) and divide or take the quantile after the sum")
				}
			}
			break
		}
	}
}

// ratioKind says whether a recorded expression is a ratio or a quantile.
func ratioKind(e parser.Expr) string {
	switch x := unparen(e).(type) {
	case *parser.BinaryExpr:
		if x.Op == parser.DIV && x.LHS.Type() == parser.ValueTypeVector && x.RHS.Type() == parser.ValueTypeVector {
			return "ratio"
		}
	case *parser.Call:
		if x.Func.Name == "histogram_quantile" {
			return "quantile"
		}
	}
	return ""
}
