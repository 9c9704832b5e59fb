package rulecheck

import (
	"fmt"
	"regexp/syntax"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// More checks, past the ones the seed rules trip: rate() of a gauge or of
// a sum, a rule defined twice, a regexp matcher that is a plain string.

// rateGauge flags rate(), irate() or increase() of a metric whose metadata
// says gauge (online).
func (c *checker) rateGauge(r *Rule, expr parser.Expr) {
	if c.env == nil || c.env.types == nil {
		return
	}
	visit(expr, func(n parser.Node, _ []parser.Node) {
		call, ok := n.(*parser.Call)
		if !ok || !rateFuncs[call.Func.Name] {
			return
		}
		ms, ok := unparen(call.Args[0]).(*parser.MatrixSelector)
		if !ok {
			return
		}
		vs, _ := ms.VectorSelector.(*parser.VectorSelector)
		if vs == nil {
			return
		}
		name := selectorName(vs)
		if c.env.types[name] != "gauge" {
			return
		}
		c.add(r, CheckRateGauge, fmt.Sprintf("%s(%s[…]): %s is a gauge (its metadata says so)", call.Func.Name, name, name),
			call.Func.Name+"() reads every fall of its input as a counter reset and adds the whole value back: on a gauge that goes down it makes up spikes.",
			fmt.Sprintf("deriv(%s[%s]) for its slope, or delta(%s[%s]) for its change", name, model.Duration(ms.Range), name, model.Duration(ms.Range)))
	})
}

// rateOfSum flags a rate of summed counters: rate(sum(x)[5m:]) or rate()
// of a recorded sum of raw counters.
func (c *checker) rateOfSum(r *Rule, expr parser.Expr) {
	visit(expr, func(n parser.Node, _ []parser.Node) {
		call, ok := n.(*parser.Call)
		if !ok || !rateFuncs[call.Func.Name] || len(call.Args) == 0 {
			return
		}
		var summed parser.Expr
		what := ""
		switch x := unparen(call.Args[0]).(type) {
		case *parser.SubqueryExpr:
			summed, what = x.Expr, "a subquery of a sum"
		case *parser.MatrixSelector:
			if vs, ok := x.VectorSelector.(*parser.VectorSelector); ok {
				if rec := c.records[selectorName(vs)]; rec != nil {
					if e, err := rec.parse(); err == nil {
						summed, what = e, "the recorded "+rec.Name
					}
				}
			}
		}
		if summed == nil {
			return
		}
		agg, ok := unparen(summed).(*parser.AggregateExpr)
		if !ok || agg.Op != parser.SUM {
			return
		}
		raw := false
		for _, l := range selectorsUnder(agg.Expr) {
			raw = raw || (isCounterName(selectorName(l.vs)) && !pathHasCall(l.path, rateFuncs))
		}
		if !raw {
			return
		}
		c.add(r, CheckRateOfSum, fmt.Sprintf("%s() of %s of counters", call.Func.Name, what),
			"A sum of counters drops whenever one of them resets (a restart), and rate() reads the drop as a reset of the whole sum: a spike of the size of every other counter.",
			"sum the rates, not the counters: sum by (…) (rate(counter[…]))")
	})
}

// duplicates flags the second of two alerting rules with the same name,
// expression and labels: two identical alerts, or one hiding the other.
func (c *checker) duplicates() {
	seen := map[string]*Rule{}
	for i := range c.rules {
		r := &c.rules[i]
		if r.Kind != KindAlert {
			continue
		}
		e, err := r.parse()
		if err != nil {
			continue
		}
		var b strings.Builder
		b.WriteString(r.Name + "\x00" + e.String())
		for _, k := range sortedKeys(r.Labels) {
			b.WriteString("\x00" + k + "=" + r.Labels[k])
		}
		key := b.String()
		if first := seen[key]; first != nil {
			c.add(r, CheckDuplicate, fmt.Sprintf("the same alert as %s (%s): same name, expression and labels", first.Name, first.Where()),
				"Prometheus evaluates both: the same alert is sent twice, and a fix to one leaves the other as it was.",
				"remove one of them")
			continue
		}
		seen[key] = r
	}
}

// regexps flags a regexp matcher with no regexp in it (=~"500"): PromQL
// anchors it, so it is an equality, written in a way that reads as more.
func (c *checker) regexps(r *Rule, expr parser.Expr) {
	for _, l := range selectorsUnder(expr) {
		for _, m := range l.vs.LabelMatchers {
			if m.Type != labels.MatchRegexp && m.Type != labels.MatchNotRegexp {
				continue
			}
			if !isLiteral(m.Value) {
				continue
			}
			op := "="
			if m.Type == labels.MatchNotRegexp {
				op = "!="
			}
			c.add(r, CheckRegexp, fmt.Sprintf("%s is a regexp with no regexp in it", m),
				"PromQL anchors regexps: "+m.String()+" matches exactly "+fmt.Sprintf("%q", m.Value)+", and a reader takes it for a pattern (a prefix, a family of codes) it is not.",
				fmt.Sprintf("%s%s%q, or the pattern meant (e.g. %s=~%q)", m.Name, op, m.Value, m.Name, m.Value+".*"))
		}
	}
}

// isLiteral says whether a regexp matches one fixed string only.
func isLiteral(re string) bool {
	p, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return false
	}
	p = p.Simplify()
	return p.Op == syntax.OpLiteral || (p.Op == syntax.OpEmptyMatch && re == "")
}

// fallback says whether a selector at path is one whose absence the
// expression expects: the right side of `unless`, or a side of `or`
// whose other side is vector(…) or a number.
func fallback(path []parser.Node, vs *parser.VectorSelector) bool {
	nodes := append(append([]parser.Node(nil), path...), vs)
	for i, p := range path {
		b, ok := p.(*parser.BinaryExpr)
		if !ok {
			continue
		}
		child := nodes[i+1]
		switch b.Op {
		case parser.LUNLESS:
			if child == parser.Node(b.RHS) {
				return true
			}
		case parser.LOR:
			other := b.RHS
			if child == parser.Node(b.RHS) {
				other = b.LHS
			}
			if _, ok := number(other); ok {
				return true
			}
			if call, ok := unparen(other).(*parser.Call); ok && call.Func.Name == "vector" {
				return true
			}
		}
	}
	return false
}
