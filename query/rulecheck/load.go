package rulecheck

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a rule file read by ReadFile.
const MaxFileSize = 8 << 20

// FileError is a rule file that cannot be read as Prometheus reads it.
type FileError struct {
	File string
	Line int // 0 when the error has no position
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ReadFile reads one rule file (see ParseFile).
func ReadFile(name string) ([]Rule, []error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, []error{&FileError{File: name, Err: err}}
	}
	if fi.IsDir() {
		return nil, []error{&FileError{File: name, Err: errors.New("is a directory, not a rule file")}}
	}
	if fi.Size() > MaxFileSize {
		return nil, []error{&FileError{File: name, Err: fmt.Errorf("%d bytes, above the %d this reads", fi.Size(), MaxFileSize)}}
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, []error{&FileError{File: name, Err: err}}
	}
	return ParseFile(name, b)
}

// ParseFile reads the rules of a Prometheus rule file with their lines.
// Prometheus's own validation (rulefmt) runs too: its errors, an expression
// that does not parse or a template that does not, come back as errors
// naming the file; the rules that could be read are returned all the same,
// so that the other checks still run on them.
func ParseFile(name string, content []byte) ([]Rule, []error) {
	var doc struct {
		Groups []rulefmt.RuleGroupNode `yaml:"groups"`
	}
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return nil, []error{&FileError{File: name, Line: yamlLine(err), Err: err}}
	}
	var errs []error
	if _, verrs := rulefmt.Parse(content, false, model.UTF8Validation, promqlParser); len(verrs) > 0 {
		for _, e := range verrs {
			if isExprError(e) {
				continue // reported as a promql/syntax finding, with the rule
			}
			// rulefmt writes 0:0 where it has no position: say none.
			if msg := e.Error(); strings.HasPrefix(msg, "0:0: ") {
				e = errors.New(strings.TrimPrefix(msg, "0:0: "))
			}
			errs = append(errs, &FileError{File: name, Err: e})
		}
	}
	var out []Rule
	for _, g := range doc.Groups {
		for _, rn := range g.Rules {
			r := Rule{Group: g.Name, File: name, Expr: rn.Expr.Value, For: time.Duration(rn.For),
				KeepFiringFor: time.Duration(rn.KeepFiringFor), Interval: time.Duration(g.Interval),
				Labels: mergeLabels(g.Labels, rn.Labels), Annotations: rn.Annotations}
			switch {
			case rn.Alert.Value != "":
				r.Kind, r.Name, r.Line = KindAlert, rn.Alert.Value, rn.Alert.Line
			case rn.Record.Value != "":
				r.Kind, r.Name, r.Line = KindRecord, rn.Record.Value, rn.Record.Line
			default:
				continue // rulefmt said so
			}
			out = append(out, r)
		}
	}
	return out, errs
}

// isExprError is rulefmt's error about an expression that does not parse.
func isExprError(err error) bool {
	return strings.Contains(err.Error(), "could not parse expression")
}

func yamlLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		var line int
		if _, e := fmt.Sscanf(te.Errors[0], "line %d:", &line); e == nil {
			return line
		}
	}
	var line int
	if _, e := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); e == nil {
		return line
	}
	return 0
}

func mergeLabels(group, rule map[string]string) map[string]string {
	if len(group) == 0 {
		return rule
	}
	out := make(map[string]string, len(group)+len(rule))
	for k, v := range group {
		out[k] = v
	}
	for k, v := range rule {
		out[k] = v
	}
	return out
}

// FromAPI are the rules of Prometheus's /api/v1/rules answer, alerting and
// recording, in its order, each with the file Prometheus loaded it from.
func FromAPI(res v1.RulesResult) []Rule {
	var out []Rule
	for _, g := range res.Groups {
		iv := time.Duration(g.Interval * float64(time.Second))
		for _, x := range g.Rules {
			switch r := x.(type) {
			case v1.AlertingRule:
				out = append(out, Rule{Kind: KindAlert, Name: r.Name, Group: g.Name, File: g.File, Expr: r.Query,
					For: time.Duration(r.Duration * float64(time.Second)), Interval: iv,
					Labels: labelMap(r.Labels), Annotations: labelMap(r.Annotations)})
			case v1.RecordingRule:
				out = append(out, Rule{Kind: KindRecord, Name: r.Name, Group: g.Name, File: g.File, Expr: r.Query,
					Interval: iv, Labels: labelMap(r.Labels)})
			}
		}
	}
	return out
}

func labelMap(ls model.LabelSet) map[string]string {
	if len(ls) == 0 {
		return nil
	}
	out := make(map[string]string, len(ls))
	for k, v := range ls {
		out[string(k)] = string(v)
	}
	return out
}
