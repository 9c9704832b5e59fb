package rulecheck

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
)

// templateDefs are the variables Prometheus defines before an alert's
// label or annotation template.
const templateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// maxTemplate bounds a template the check renders.
const maxTemplate = 64 << 10

// expand renders one template of r the way Prometheus does at evaluation,
// with Prometheus's template package: labels get a sample value each, the
// value is 1, and query() answers nothing.
func expand(r *Rule, expr parser.Expr, name, text string) (out string, err error) {
	if len(text) > maxTemplate {
		text = text[:maxTemplate]
	}
	ls := map[string]string{}
	if expr != nil {
		for _, l := range outputLabels(expr).names {
			ls[l] = "x"
		}
	}
	for _, l := range templateLabelRefs(text) {
		ls[l] = "x"
	}
	for k, v := range r.Labels {
		ls[k] = v
	}
	ls["alertname"] = r.Name
	data := template.AlertTemplateData(ls, map[string]string{}, "http://prometheus.invalid", promql.Sample{F: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	none := func(context.Context, string, time.Time) (promql.Vector, error) { return promql.Vector{}, nil }
	exp := template.NewTemplateExpander(ctx, templateDefs+text, "__alert_"+r.Name+"_"+name, data,
		model.Now(), none, &url.URL{Scheme: "http", Host: "prometheus.invalid"}, nil)
	defer func() {
		if p := recover(); p != nil {
			err = &templateError{msg: "the template panics"}
		}
	}()
	return exp.Expand()
}

type templateError struct{ msg string }

func (e *templateError) Error() string { return e.msg }

var (
	labelsDot   = regexp.MustCompile(`\$labels\.([A-Za-z_][A-Za-z0-9_]*)`)
	labelsIndex = regexp.MustCompile(`index\s+\$labels\s+"([^"]+)"`)
)

// templateLabelRefs are the labels a template reads with $labels.name or
// index $labels "name".
func templateLabelRefs(text string) []string {
	var out []string
	for _, re := range []*regexp.Regexp{labelsDot, labelsIndex} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
