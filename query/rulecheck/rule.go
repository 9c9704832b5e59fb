// Package rulecheck checks Prometheus alerting and recording rules for the
// mistakes that make an alert lie: a quantile since the process started, a
// rate of errors read as a ratio, a selector that matches nothing, a `for`
// that does nothing. Every expression is read with Prometheus's own PromQL
// parser. Each finding says what was seen, why it matters, and the fix,
// written as PromQL where the fix is an expression.
//
// The offline checks (Check with a nil Env) need only the rules; the online
// ones read facts from Prometheus (Gather) in a fixed number of requests,
// whatever the number of rules.
package rulecheck

import (
	"strconv"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// Kinds of rule.
const (
	KindAlert  = "alert"
	KindRecord = "record"
)

// DefaultEvalInterval is Prometheus's global evaluation_interval when
// nothing sets it.
const DefaultEvalInterval = time.Minute

// Rule is one alerting or recording rule, from a file or from Prometheus.
type Rule struct {
	Kind  string `json:"kind"` // KindAlert or KindRecord
	Name  string `json:"name"`
	Group string `json:"group"`
	// File and Line locate the rule: the file as given and the line of its
	// alert: or record: key. Rules read from Prometheus have the file
	// Prometheus loaded and no line (0).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Expr string `json:"expr"`
	// For and KeepFiringFor are the alert's durations.
	For           time.Duration `json:"for,omitempty"`
	KeepFiringFor time.Duration `json:"keep_firing_for,omitempty"`
	// Interval is the group's evaluation interval; 0 means the global one.
	Interval    time.Duration     `json:"interval,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`

	parsed   parser.Expr
	parseErr error
}

// Where is "file:line" (or the file, or the group) of the rule.
func (r *Rule) Where() string {
	switch {
	case r.File != "" && r.Line > 0:
		return r.File + ":" + strconv.Itoa(r.Line)
	case r.File != "":
		return r.File
	default:
		return "group " + r.Group
	}
}

// parse reads the expression once.
func (r *Rule) parse() (parser.Expr, error) {
	if r.parsed == nil && r.parseErr == nil {
		r.parsed, r.parseErr = promqlParser.ParseExpr(r.Expr)
	}
	return r.parsed, r.parseErr
}

// Parsed is the rule's expression parsed afresh (the caller may change it),
// or the parser's error.
func (r *Rule) Parsed() (parser.Expr, error) { return promqlParser.ParseExpr(r.Expr) }

// evalInterval is the interval the rule is evaluated at.
func (r *Rule) evalInterval(global time.Duration) time.Duration {
	if r.Interval > 0 {
		return r.Interval
	}
	if global > 0 {
		return global
	}
	return DefaultEvalInterval
}
