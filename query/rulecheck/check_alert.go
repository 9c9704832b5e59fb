package rulecheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// --- alert metadata: for, labels, annotations, templates

func (c *checker) alertMeta(r *Rule, expr parser.Expr) {
	iv := r.evalInterval(c.opts.EvalInterval)
	if r.For > 0 && r.For < iv {
		c.add(r, CheckForShort, fmt.Sprintf("for: %s with an evaluation interval of %s", model.Duration(r.For), model.Duration(iv)),
			"The rule is evaluated every "+model.Duration(iv).String()+": a `for` shorter than that waits one evaluation all the same, so it does not say how long the condition must hold.",
			fmt.Sprintf("for: %s (a whole number of evaluations), or a shorter interval for the group", model.Duration(2*iv)))
	}
	if c.env != nil && c.env.Retention > 0 && r.For > c.env.Retention {
		c.add(r, CheckForLong, fmt.Sprintf("for: %s, longer than the %s of data Prometheus keeps", model.Duration(r.For), model.Duration(c.env.Retention)),
			"The alert must stay pending longer than the data lasts and than any restart allows: it can never fire.",
			fmt.Sprintf("for: at most %s; watch a longer trend with a range in the expression instead", model.Duration(c.env.Retention/2)))
	}
	for _, k := range sortedKeys(r.Labels) {
		v := r.Labels[k]
		if strings.Contains(v, "$value") || strings.Contains(v, ".Value") {
			c.add(r, CheckLabelValue, fmt.Sprintf("label %s: %q holds the value", k, v),
				"An alert's identity is its labels: a value in a label makes a new alert at each evaluation, resolves the old one, and breaks grouping, silences and inhibition.",
				"move it to an annotation: annotations: { "+k+": "+fmt.Sprintf("%q", v)+" }")
		}
	}
	if _, ok := r.Labels["severity"]; !ok {
		c.add(r, CheckSeverity, "no severity label",
			"Alertmanager routes on labels: without severity the alert takes the default route, paging someone or no one by accident.",
			"labels: { severity: critical } (pages) or warning (chat)")
	}
	if strings.TrimSpace(r.Annotations["summary"]) == "" {
		c.add(r, CheckSummary, "no summary annotation",
			"The notification's title and the console's line come from the summary: without it the person paged reads only the alert's name.",
			`annotations: { summary: "{{ $labels.job }}: <what is wrong>, {{ $value }}" }`)
	}
	c.runbook(r, expr)
	c.templates(r, expr)
}

func (c *checker) runbook(r *Rule, expr parser.Expr) {
	raw, ok := r.Annotations["runbook_url"]
	if !ok || strings.TrimSpace(raw) == "" {
		c.add(r, CheckRunbook, "no runbook_url annotation",
			"At 3 a.m. the person paged needs the steps: Alertmanager's templates and vigil link the runbook_url.",
			`annotations: { runbook_url: "https://…/runbooks/`+strings.ToLower(r.Name)+`" }`)
		return
	}
	u := raw
	if strings.Contains(raw, "{{") {
		out, err := expand(r, expr, "runbook_url", raw)
		if err != nil {
			return // the template check says so
		}
		u = out
	}
	if !isHTTPURL(u) {
		c.add(r, CheckRunbook, fmt.Sprintf("runbook_url %q is not an http(s) URL", raw),
			"A runbook the person paged cannot open from the notification is no runbook: a relative path, a file: or wiki: link does not open from a phone.",
			`annotations: { runbook_url: "https://…" }`)
	}
}

func (c *checker) templates(r *Rule, expr parser.Expr) {
	for _, kind := range []string{"label", "annotation"} {
		m := r.Labels
		if kind == "annotation" {
			m = r.Annotations
		}
		for _, k := range sortedKeys(m) {
			if !strings.Contains(m[k], "{{") {
				continue
			}
			if _, err := expand(r, expr, k, m[k]); err != nil {
				c.add(r, CheckTemplate, fmt.Sprintf("%s %s: %s", kind, k, oneLine(err.Error())),
					"Prometheus renders the template at each evaluation: one that fails sends the notification with the error text in place of the message.",
					"correct the template; the functions are Prometheus's (humanize, humanizePercentage, humanizeDuration, …)")
			}
		}
	}
}

func (c *checker) templateLabels(r *Rule, expr parser.Expr) {
	out := outputLabels(expr)
	if !out.known {
		return
	}
	missing := map[string][]string{}
	for _, m := range []map[string]string{r.Annotations, r.Labels} {
		for _, k := range sortedKeys(m) {
			for _, l := range templateLabelRefs(m[k]) {
				if !out.has(l) && r.Labels[l] == "" && !slices.Contains(missing[l], k) {
					missing[l] = append(missing[l], k)
				}
			}
		}
	}
	for _, l := range sortedKeys(missing) {
		c.add(r, CheckTemplateLabel, fmt.Sprintf("%s reads $labels.%s, but the expression's series carry only %s", strings.Join(missing[l], ", "), l, listOrNone(out.names)),
			"The label is empty in every notification: the message names nothing.",
			"keep the label in the aggregation (by (…, "+l+")) or drop it from the template")
	}
}

func (c *checker) noComparison(r *Rule, expr parser.Expr) {
	if hasCondition(expr) {
		return
	}
	c.add(r, CheckNoComparison, "the expression has no comparison: every series it returns is an alert",
		"An alert fires for each series of its expression; without a threshold it fires whenever the series exist, which for a rate or a gauge is always.",
		"compare to a threshold: "+oneLine(r.Expr)+" > …")
}

func hasCondition(e parser.Expr) bool {
	switch x := unparen(e).(type) {
	case *parser.BinaryExpr:
		switch {
		case x.Op.IsComparisonOperator():
			return true
		case x.Op == parser.LAND || x.Op == parser.LUNLESS:
			return hasCondition(x.LHS) || hasCondition(x.RHS) || x.Op == parser.LUNLESS
		case x.Op == parser.LOR:
			return hasCondition(x.LHS) && hasCondition(x.RHS)
		}
	case *parser.Call:
		switch x.Func.Name {
		case "absent", "absent_over_time", "changes", "resets":
			return true
		}
	case *parser.AggregateExpr:
		if x.Op == parser.TOPK || x.Op == parser.BOTTOMK || x.Op == parser.LIMITK {
			return hasCondition(x.Expr)
		}
	}
	return false
}
