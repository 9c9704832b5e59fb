package rulecheck

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// defaultWindow is the rate window a fix writes when nothing asks for a
// longer one.
const defaultWindow = 5 * time.Minute

// vigilMarker is vigil's own marker series (see query.RulePrefix): a name
// outside level:metric:operations on purpose.
const vigilMarker = "vigil:rules"

// Options tune Check.
type Options struct {
	// EvalInterval is the global evaluation_interval (0: Prometheus's 1m).
	EvalInterval time.Duration
	// ScrapeInterval is assumed for every target when no Env says better;
	// 0 leaves the rate-window check to the online run.
	ScrapeInterval time.Duration
	// Ignore acknowledges findings.
	Ignore []Ignore
}

// Check runs every check on rules. env holds the facts read from
// Prometheus (Gather); nil runs the offline checks only.
func Check(rules []Rule, env *Env, o Options) *Report {
	c := &checker{rules: rules, env: env, opts: o, rep: &Report{Findings: []Finding{}, Unknown: []Unknown{}},
		records: map[string]*Rule{}}
	for i := range rules {
		if rules[i].Kind == KindRecord {
			c.records[rules[i].Name] = &rules[i]
		}
	}
	c.rep.Rules = len(rules)
	if env != nil {
		c.rep.Online = true
		c.rep.Requests = env.Requests
		c.rep.Unknown = append(c.rep.Unknown, env.Unknown...)
	}
	for i := range rules {
		r := &rules[i]
		if r.Kind == KindAlert {
			c.rep.Alerts++
		}
		c.rule(r)
	}
	c.duplicates()
	c.rep.applyIgnores(o.Ignore)
	c.rep.sort()
	return c.rep
}

type checker struct {
	rules   []Rule
	env     *Env
	opts    Options
	rep     *Report
	records map[string]*Rule
}

func (c *checker) add(r *Rule, check, seen, why, fix string) {
	c.rep.Findings = append(c.rep.Findings, Finding{Check: check, Title: Title(check), Rule: r.Name, Kind: r.Kind,
		Group: r.Group, File: r.File, Line: r.Line, Seen: seen, Why: why, Fix: fix})
}

func (c *checker) rule(r *Rule) {
	expr, err := r.parse()
	if err != nil {
		c.add(r, CheckSyntax, "expr: "+oneLine(err.Error()),
			"Prometheus refuses to load a rule file with an expression it cannot parse: no rule of the file runs.",
			"correct the expression; `promtool check rules FILE` shows the same error")
	}
	if r.Kind == KindAlert {
		c.alertMeta(r, expr)
	} else {
		c.recordName(r)
	}
	if expr == nil {
		return
	}
	start := len(c.rep.Findings)
	c.histogram(r, expr)
	if r.Kind == KindAlert {
		c.errorRatio(r, expr)
		c.noComparison(r, expr)
		c.templateLabels(r, expr)
	}
	c.counter(r, expr)
	c.window(r, expr)
	c.rateGauge(r, expr) // more.go
	c.rateOfSum(r, expr)
	c.regexps(r, expr)
	c.recordedReads(r, expr)
	c.dead(r, expr)
	// Every finding about the expression carries the whole fixed
	// expression, when the fixes rewrite it.
	if fixed, ok := c.fixExpr(r); ok {
		for i := start; i < len(c.rep.Findings); i++ {
			if fixable[c.rep.Findings[i].Check] {
				c.rep.Findings[i].FixExpr = fixed
				c.rep.Findings[i].Fix = fixed
			}
		}
	}
}

// fixable are the checks whose fix rewrites the expression.
var fixable = map[string]bool{CheckHistogramRate: true, CheckHistogramLe: true, CheckHistogramAgg: true,
	CheckErrorRatio: true, CheckCounterRate: true, CheckRateWindow: true}

// fixWindow is the rate window of a fix: 5m, or 4 scrapes when longer.
func (c *checker) fixWindow(job string) time.Duration {
	w := defaultWindow
	if si := c.scrapeInterval(job); 4*si > w {
		w = roundUp(4 * si)
	}
	return w
}

func roundUp(d time.Duration) time.Duration {
	if d > time.Minute {
		return (d + time.Minute - 1).Truncate(time.Minute)
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

func (c *checker) scrapeInterval(job string) time.Duration {
	if c.env != nil {
		if si, ok := c.env.scrape(job); ok {
			return si
		}
	}
	return c.opts.ScrapeInterval
}

// jobOf is the job a selector pins with job="…", "" otherwise.
func jobOf(vs *parser.VectorSelector) string {
	for _, m := range vs.LabelMatchers {
		if m.Name == "job" && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// --- histograms

func (c *checker) histogram(r *Rule, expr parser.Expr) {
	visit(expr, func(n parser.Node, _ []parser.Node) {
		call, ok := n.(*parser.Call)
		if !ok || call.Func.Name != "histogram_quantile" || len(call.Args) != 2 {
			return
		}
		q := fmt.Sprint(call.Args[0])
		sels := selectorsUnder(call.Args[1])
		var bucket *located
		for i, l := range sels {
			if strings.HasSuffix(selectorName(l.vs), "_bucket") {
				bucket = &sels[i]
				break
			}
		}
		if bucket == nil {
			return
		}
		name := selectorName(bucket.vs)
		if !pathHasCall(bucket.path, rateFuncs) {
			c.add(r, CheckHistogramRate, fmt.Sprintf("histogram_quantile(%s, …) reads %s with no rate() or increase()", q, name),
				"Bucket series are counters: without rate() the quantile is that of every request since the process started, not now. It fires long after a spike is over and misses a new one.",
				fmt.Sprintf("histogram_quantile(%s, sum by (…, le) (rate(%s[%s])))", q, name, model.Duration(c.fixWindow(jobOf(bucket.vs)))))
		}
		var aggs []*parser.AggregateExpr
		for _, p := range bucket.path {
			if a, ok := p.(*parser.AggregateExpr); ok {
				aggs = append(aggs, a)
			}
		}
		for _, a := range aggs {
			if (!a.Without && !slices.Contains(a.Grouping, "le")) || (a.Without && slices.Contains(a.Grouping, "le")) {
				c.add(r, CheckHistogramLe, fmt.Sprintf("%s %s (%s) before histogram_quantile drops le", a.Op, grouping(a), strings.Join(a.Grouping, ", ")),
					"histogram_quantile needs the le label of every bucket: without it the buckets are summed into one series and the quantile is NaN or meaningless.",
					"keep le in the aggregation: "+a.Op.String()+" by ("+strings.Join(addLe(a), ", ")+") (…)")
				return
			}
		}
		if len(aggs) == 0 {
			seen := fmt.Sprintf("histogram_quantile(%s, …) over %s with no sum by (le)", q, name)
			if n, ok := c.env.count(bucket.vs); ok && n > 0 {
				seen += fmt.Sprintf(": %d bucket series now", n)
			}
			c.add(r, CheckHistogramAgg, seen,
				"Without sum by (…, le) the quantile is computed per series: per instance, method and status, each from its own few requests, and the alert fires once per series.",
				"histogram_quantile("+q+", sum by (job, le) (rate("+name+"[…])))")
		}
	})
}

func grouping(a *parser.AggregateExpr) string {
	if a.Without {
		return "without"
	}
	return "by"
}

func addLe(a *parser.AggregateExpr) []string {
	if a.Without {
		return slices.DeleteFunc(slices.Clone(a.Grouping), func(s string) bool { return s == "le" })
	}
	return append(slices.Clone(a.Grouping), "le")
}

// --- errors per second compared to a ratio

// errorSelector finds, under a rate-like call, a selector that picks
// errors: a 5xx status (or code) matcher.
func errorSelector(e parser.Expr) (*parser.VectorSelector, *labels.Matcher) {
	for _, l := range selectorsUnder(e) {
		if !pathHasCall(l.path, rateFuncs) {
			continue
		}
		for _, m := range l.vs.LabelMatchers {
			if isErrorMatcher(m) {
				return l.vs, m
			}
		}
	}
	return nil, nil
}

func isErrorMatcher(m *labels.Matcher) bool {
	switch m.Name {
	case "status", "code", "status_code", "http_status", "response_code":
	default:
		return false
	}
	switch m.Type {
	case labels.MatchRegexp, labels.MatchEqual:
		return strings.HasPrefix(m.Value, "5")
	}
	return false
}

func (c *checker) errorRatio(r *Rule, expr parser.Expr) {
	cmp, ok := thresholdOf(expr)
	if !ok || cmp.threshold <= 0 || cmp.threshold >= 1 || hasOp(cmp.side, parser.DIV) {
		return
	}
	vs, _ := errorSelector(cmp.side)
	if vs == nil {
		return
	}
	seen := fmt.Sprintf("rate(%s[%s]) %s %g is %g errors per second, not %s of requests", selectorKey(vs), model.Duration(windowOf(cmp.side)), cmp.bin.Op, cmp.threshold, cmp.threshold, percent(cmp.threshold))
	if t, ok := c.env.traffic(r); ok && t > 0 {
		seen += fmt.Sprintf("; at today's %s requests/s it fires at %s errors, at a tenth of that traffic at %s",
			humanRate(t), percent(cmp.threshold/t), percent(cmp.threshold*10/t))
	} else if c.env != nil {
		seen += "; today's traffic is unknown (no rate of all its requests yet)"
	}
	c.add(r, CheckErrorRatio, seen,
		fmt.Sprintf("A threshold of %g reads like a ratio (%s), but the expression is a rate in errors per second: on a busy service a tiny share of errors pages all day, on a quiet one a large share never does.", cmp.threshold, percent(cmp.threshold)),
		"divide by the rate of all requests: sum by (job) (rate(errors[…])) / sum by (job) (rate(all[…])) > "+fmt.Sprint(cmp.threshold))
}

// --- counters

var compareOps = map[parser.ItemType]bool{parser.GTR: true, parser.GTE: true, parser.LSS: true, parser.LTE: true, parser.EQLC: true, parser.NEQ: true}

func (c *checker) counter(r *Rule, expr parser.Expr) {
	seen := map[string]bool{}
	visit(expr, func(n parser.Node, _ []parser.Node) {
		b, ok := n.(*parser.BinaryExpr)
		if !ok || !compareOps[b.Op] {
			return
		}
		for _, side := range []parser.Expr{b.LHS, b.RHS} {
			for _, l := range selectorsUnder(side) {
				name := selectorName(l.vs)
				if !isCounterName(name) || strings.HasSuffix(name, "_bucket") || seen[name] || counterIsSafe(l.path) {
					continue
				}
				seen[name] = true
				c.add(r, CheckCounterRate, fmt.Sprintf("%s, a counter, is compared with %s as it is", name, b.Op),
					"A counter only grows from the process's start: compared to a threshold it says how old the process is, then fires for good, until a restart resets it.",
					fmt.Sprintf("compare its increase over a window: increase(%s[%s]) %s …", name, model.Duration(c.fixWindow(jobOf(l.vs))), b.Op))
			}
		}
	})
}

func counterIsSafe(path []parser.Node) bool {
	for _, p := range path {
		switch x := p.(type) {
		case *parser.Call:
			if counterSafe[x.Func.Name] || x.Func.Name == "histogram_quantile" {
				return true
			}
		case *parser.AggregateExpr:
			if x.Op == parser.COUNT || x.Op == parser.GROUP || x.Op == parser.COUNT_VALUES {
				return true
			}
		case *parser.SubqueryExpr:
			return true
		}
	}
	return false
}

// --- rate windows

func (c *checker) window(r *Rule, expr parser.Expr) {
	visit(expr, func(n parser.Node, _ []parser.Node) {
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
		si := c.scrapeInterval(jobOf(vs))
		if si <= 0 || ms.Range >= 4*si {
			return
		}
		c.add(r, CheckRateWindow, fmt.Sprintf("%s(%s[%s]) with a scrape interval of %s: %.1f scrapes", call.Func.Name, selectorName(vs),
			model.Duration(ms.Range), model.Duration(si), float64(ms.Range)/float64(si)),
			"rate() needs two samples in its window and extrapolates from those it finds: under 4 scrape intervals one late or missed scrape leaves it empty or jumpy, and the alert flaps.",
			fmt.Sprintf("%s(%s[%s])", call.Func.Name, selectorName(vs), model.Duration(roundUp(4*si))))
	})
}

// --- dead selectors (online)

func (c *checker) dead(r *Rule, expr parser.Expr) {
	if c.env == nil {
		return
	}
	done := map[string]bool{}
	for _, l := range selectorsUnder(expr) {
		if pathHasCall(l.path, map[string]bool{"absent": true, "absent_over_time": true}) || fallback(l.path, l.vs) {
			continue
		}
		key := selectorKey(l.vs)
		if done[key] || c.records[selectorName(l.vs)] != nil {
			continue
		}
		done[key] = true
		n, ok := c.env.count(l.vs)
		if !ok || n > 0 {
			continue
		}
		seen := key + " matches no series now"
		fix := "select series that exist"
		if hint := c.env.hint(l.vs); hint.seen != "" {
			seen += "; " + hint.seen
			fix = hint.fix
		}
		c.add(r, CheckDeadSelector, seen,
			"A selector that matches nothing makes the rule return nothing: while it does, the alert cannot fire and looks green. The exporter makes a status's series at its first request of that status, so a selector of errors is empty until the first error: check the matcher against `vigil doctor`'s labels.", fix)
	}
}

// --- helpers

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "no label"
	}
	return strings.Join(names, ", ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func percent(f float64) string {
	switch {
	case f >= 0.1:
		return fmt.Sprintf("%.0f%%", f*100)
	case f >= 0.001:
		return fmt.Sprintf("%.2g%%", f*100)
	default:
		return fmt.Sprintf("%.2g%%", f*100)
	}
}

func humanRate(f float64) string {
	if f >= 10 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.2g", f)
}
