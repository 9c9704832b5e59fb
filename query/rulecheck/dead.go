package rulecheck

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// explainDead finds why each dead selector matches nothing: a metric name
// that does not exist (and the one that does under another exporter
// prefix), or the first label matcher that matches no series of the metric
// (and the labels the metric has). One query and one label-names request
// for all the dead selectors.
func (e *Env) explainDead(ctx context.Context, api API, now time.Time, sels []*parser.VectorSelector) {
	if e.series == nil {
		return
	}
	var byMatcher []*parser.VectorSelector
	for _, vs := range sels {
		k := selectorKey(vs)
		if e.series[k] > 0 {
			continue
		}
		name := selectorName(vs)
		switch {
		case name == "" || e.names == nil:
		case !e.names[name]:
			if alt := e.sameStem(name); alt != "" {
				fixed := &parser.VectorSelector{Name: alt, LabelMatchers: renamed(vs.LabelMatchers, alt)}
				e.hints[k] = hint{seen: fmt.Sprintf("there is no metric %s, but %s exists (another exporter prefix)", name, alt),
					fix: "select " + selectorKey(fixed)}
			} else {
				e.hints[k] = hint{seen: "there is no metric " + name, fix: "select a metric that exists; `vigil doctor` shows the exporter's names"}
			}
		default:
			byMatcher = append(byMatcher, vs)
		}
	}
	if len(byMatcher) == 0 {
		return
	}
	var parts, names []string
	for i, vs := range byMatcher {
		name := selectorName(vs)
		names = append(names, name)
		for j, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName {
				continue
			}
			one := &parser.VectorSelector{Name: name, LabelMatchers: []*labels.Matcher{m, nameMatcher(name)}}
			parts = append(parts, tag("count("+selectorKey(one)+")", fmt.Sprintf("m%d_%d", i, j)))
			has := &parser.VectorSelector{Name: name, LabelMatchers: []*labels.Matcher{
				labels.MustNewMatcher(labels.MatchNotEqual, m.Name, ""), nameMatcher(name)}}
			parts = append(parts, tag("count("+selectorKey(has)+")", fmt.Sprintf("l%d_%d", i, j)))
		}
	}
	if len(parts) == 0 {
		return
	}
	e.Requests++
	vals, err := queryTagged(ctx, api, strings.Join(parts, " or "), now)
	if err != nil {
		e.unknown(CheckDeadSelector, "finding which matcher matches nothing: %v", err)
		return
	}
	slices.Sort(names)
	matches := make([]string, 0, len(names))
	for _, n := range slices.Compact(names) {
		matches = append(matches, nameMatcher(n).String())
	}
	e.Requests++
	have, _, _, lerr := api.LabelNames(ctx, matchSelectors(matches), now.Add(-namesWindow), now)
	for i, vs := range byMatcher {
		name := selectorName(vs)
		for j, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName || vals[fmt.Sprintf("m%d_%d", i, j)] > 0 {
				continue
			}
			h := hint{seen: fmt.Sprintf("no series of %s has %s", name, m), fix: "drop or correct the matcher " + m.String()}
			if vals[fmt.Sprintf("l%d_%d", i, j)] == 0 {
				h.seen = fmt.Sprintf("no series of %s has a label %s", name, m.Name)
				if lerr == nil && len(byMatcher) == 1 {
					var ls []string
					for _, l := range have {
						if l != labels.MetricName {
							ls = append(ls, string(l))
						}
					}
					h.seen += "; its labels are " + listOrNone(ls)
				}
				h.fix = "match on a label the metric has in place of " + m.Name
			}
			e.hints[selectorKey(vs)] = h
			break
		}
	}
}

func matchSelectors(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = "{" + m + "}"
	}
	return out
}

func nameMatcher(name string) *labels.Matcher {
	return labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name)
}

// renamed are the matchers with __name__ (if any) set to name.
func renamed(ms []*labels.Matcher, name string) []*labels.Matcher {
	out := make([]*labels.Matcher, 0, len(ms))
	for _, m := range ms {
		if m.Name == labels.MetricName {
			out = append(out, nameMatcher(name))
			continue
		}
		out = append(out, m)
	}
	return out
}

// sameStem finds the existing metric that differs from name only in its
// prefix: flask_http_request_total and http_request_total (NO_PREFIX) or
// myapp_http_request_total (defaults_prefix="myapp"). The longest shared
// stem wins; it must keep at least two words.
func (e *Env) sameStem(name string) string {
	words := strings.Split(name, "_")
	for drop := 1; drop <= len(words)-2; drop++ {
		stem := strings.Join(words[drop:], "_")
		var found []string
		for n := range e.names {
			if n != name && (n == stem || strings.HasSuffix(n, "_"+stem)) {
				found = append(found, n)
			}
		}
		if len(found) > 0 {
			slices.SortFunc(found, func(a, b string) int {
				if len(a) != len(b) {
					return len(a) - len(b)
				}
				return strings.Compare(a, b)
			})
			return found[0]
		}
	}
	return ""
}

var _ = strconv.Itoa
