package rulecheck

import (
	"sort"
	"strings"
)

// The checks, by name. docs/rules.md explains each one.
const (
	CheckSyntax          = "promql/syntax"
	CheckHistogramRate   = "histogram/no-rate"
	CheckHistogramLe     = "histogram/le-dropped"
	CheckHistogramAgg    = "histogram/no-aggregation"
	CheckCounterRate     = "counter/no-rate"
	CheckErrorRatio      = "ratio/errors-per-second"
	CheckRateWindow      = "rate/window-short"
	CheckDeadSelector    = "series/dead"
	CheckForShort        = "alert/for-short"
	CheckForLong         = "alert/for-long"
	CheckNoComparison    = "alert/no-comparison"
	CheckLabelValue      = "labels/value"
	CheckSeverity        = "labels/severity"
	CheckSummary         = "annotations/summary"
	CheckRunbook         = "annotations/runbook"
	CheckTemplate        = "template/render"
	CheckTemplateLabel   = "template/missing-label"
	CheckRecordName      = "record/name"
	CheckRecordAggregate = "record/aggregation"
	CheckRateGauge       = "rate/gauge"
	CheckRateOfSum       = "rate/of-sum"
	CheckDuplicate       = "rule/duplicate"
	CheckRegexp          = "promql/regexp"
)

// Checks lists every check with a one-line title, in the order reports use.
var Checks = []struct{ Name, Title string }{
	{CheckSyntax, "the expression does not parse"},
	{CheckHistogramRate, "quantile since the process started"},
	{CheckHistogramLe, "le dropped before histogram_quantile"},
	{CheckHistogramAgg, "quantile per series"},
	{CheckErrorRatio, "errors per second, not a ratio"},
	{CheckCounterRate, "counter compared without rate"},
	{CheckRateWindow, "rate window under 4 scrapes"},
	{CheckRateGauge, "rate() of a gauge"},
	{CheckRateOfSum, "rate() of a sum of counters"},
	{CheckDeadSelector, "selector matches no series"},
	{CheckForShort, "for shorter than the evaluation"},
	{CheckForLong, "for longer than the data"},
	{CheckNoComparison, "alert without a condition"},
	{CheckLabelValue, "label value changes each evaluation"},
	{CheckSeverity, "no severity label"},
	{CheckSummary, "no summary"},
	{CheckRunbook, "runbook_url missing or not http(s)"},
	{CheckTemplate, "template does not render"},
	{CheckTemplateLabel, "template reads a label the alert has not"},
	{CheckRecordName, "recording rule name not level:metric:operations"},
	{CheckRecordAggregate, "recorded series aggregated wrongly"},
	{CheckDuplicate, "rule defined twice"},
	{CheckRegexp, "regexp matcher with no regexp"},
}

// Title is the check's title, or its name when unknown.
func Title(check string) string {
	for _, c := range Checks {
		if c.Name == check {
			return c.Title
		}
	}
	return check
}

func checkOrder(check string) int {
	for i, c := range Checks {
		if c.Name == check {
			return i
		}
	}
	return len(Checks)
}

// Finding is one problem of one rule.
type Finding struct {
	Check string `json:"check"`
	Title string `json:"title"`
	Rule  string `json:"rule"`
	Kind  string `json:"kind"`
	Group string `json:"group"`
	File  string `json:"file,omitempty"`
	Line  int    `json:"line,omitempty"`
	// Seen is what was found, Why why it matters, Fix what to write
	// instead (PromQL where the fix is an expression).
	Seen string `json:"seen"`
	Why  string `json:"why"`
	Fix  string `json:"fix"`
	// FixExpr is the rule's whole expression with the fix applied, when
	// the fix is one; the backtest evaluates it.
	FixExpr string `json:"fix_expr,omitempty"`
	// Ignored is the reason of the [[rules.ignore]] entry that acknowledges
	// the finding; an ignored finding is shown but does not fail.
	Ignored string `json:"ignored,omitempty"`
}

// Where is the finding's file:line, or the rule's group.
func (f Finding) Where() string {
	r := Rule{File: f.File, Line: f.Line, Group: f.Group}
	return r.Where()
}

// Unknown is a check that could not run, with the reason: an online check
// whose query failed is unknown, never passed.
type Unknown struct {
	Check  string `json:"check"`
	Reason string `json:"reason"`
}

// Report is the outcome of checking a set of rules.
type Report struct {
	Rules    int       `json:"rules"`
	Alerts   int       `json:"alerts"`
	Findings []Finding `json:"findings"`
	Unknown  []Unknown `json:"unknown"`
	// Requests is the number of requests sent to Prometheus (0 offline).
	Requests int  `json:"requests"`
	Online   bool `json:"online"`
}

// Active are the findings not acknowledged by an ignore entry.
func (r *Report) Active() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Ignored == "" {
			out = append(out, f)
		}
	}
	return out
}

// For are the findings of the rule named name (of either kind) in group
// (any group when group is empty).
func (r *Report) For(name, group string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Rule == name && (group == "" || f.Group == group) {
			out = append(out, f)
		}
	}
	return out
}

func (r *Report) sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return checkOrder(a.Check) < checkOrder(b.Check)
	})
}

// Ignore acknowledges the findings of one check on one rule, with a reason.
// Rule and Check match exactly; Check "*" matches every check.
type Ignore struct {
	Rule   string
	Check  string
	Reason string
}

func (r *Report) applyIgnores(ignores []Ignore) {
	for i := range r.Findings {
		f := &r.Findings[i]
		for _, ig := range ignores {
			if ig.Rule == f.Rule && (ig.Check == f.Check || ig.Check == "*") {
				f.Ignored = strings.TrimSpace(ig.Reason)
				if f.Ignored == "" {
					f.Ignored = "acknowledged"
				}
				break
			}
		}
	}
}

// IsCheck reports whether name is a check's name (or "*").
func IsCheck(name string) bool {
	if name == "*" {
		return true
	}
	for _, c := range Checks {
		if c.Name == name {
			return true
		}
	}
	return false
}
