package rulecheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// API is the part of Prometheus's HTTP API the checks read; v1.API has it.
type API interface {
	Rules(ctx context.Context, matches []string) (v1.RulesResult, error)
	Targets(ctx context.Context) (v1.TargetsResult, error)
	Runtimeinfo(ctx context.Context) (v1.RuntimeinfoResult, error)
	Metadata(ctx context.Context, metric, limit string) (map[string][]v1.Metadata, error)
	LabelValues(ctx context.Context, label string, matches []string, startTime, endTime time.Time, opts ...v1.Option) (model.LabelValues, v1.Warnings, v1.Infos, error)
	LabelNames(ctx context.Context, matches []string, startTime, endTime time.Time, opts ...v1.Option) (model.LabelNames, v1.Warnings, v1.Infos, error)
	Query(ctx context.Context, query string, ts time.Time, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
}

// Limits of what Gather reads.
const (
	// MaxSelectors bounds the distinct selectors whose series are counted
	// (one query for all of them); beyond, the dead-selector check is
	// unknown for the rest.
	MaxSelectors = 400
	// MaxNames bounds the metric names read for the prefix hints.
	MaxNames = 20000
	// namesWindow is how far back the metric names are read.
	namesWindow = time.Hour
)

// Env holds what the online checks need from Prometheus.
type Env struct {
	// ScrapeByJob is each job's scrape interval, from the active targets;
	// ScrapeMax the longest of them.
	ScrapeByJob map[string]time.Duration
	ScrapeMax   time.Duration
	// Retention is how long Prometheus keeps data (0 unknown).
	Retention time.Duration
	// types are the metric families' types from their metadata (nil when
	// unknown); a family with several types is left out.
	types map[string]string
	// names are the metric names that exist (nil when unknown).
	names map[string]bool
	// series counts the series of each selector (by selectorKey), when the
	// count could be read.
	series map[string]int
	// hints explain dead selectors, by selectorKey.
	hints map[string]hint
	// traffic is the rate of all requests behind an error-rate rule.
	traffics map[string]float64
	// Unknown lists the checks that could not run, with why.
	Unknown []Unknown
	// Requests is how many requests Gather sent.
	Requests int
}

type hint struct{ seen, fix string }

func (e *Env) scrape(job string) (time.Duration, bool) {
	if e == nil {
		return 0, false
	}
	if si, ok := e.ScrapeByJob[job]; ok && job != "" {
		return si, true
	}
	return e.ScrapeMax, e.ScrapeMax > 0
}

func (e *Env) count(vs *parser.VectorSelector) (int, bool) {
	if e == nil || e.series == nil {
		return 0, false
	}
	n, ok := e.series[selectorKey(vs)]
	return n, ok
}

func (e *Env) traffic(r *Rule) (float64, bool) {
	if e == nil {
		return 0, false
	}
	t, ok := e.traffics[ruleKey(r)]
	return t, ok
}

func (e *Env) hint(vs *parser.VectorSelector) hint {
	if e == nil {
		return hint{}
	}
	return e.hints[selectorKey(vs)]
}

// selectorKey is the selector without offset or @, as PromQL.
func selectorKey(vs *parser.VectorSelector) string {
	return (&parser.VectorSelector{Name: vs.Name, LabelMatchers: vs.LabelMatchers}).String()
}

func ruleKey(r *Rule) string { return r.Kind + "\x00" + r.Name + "\x00" + r.Expr }

// LoadRules reads the rules Prometheus has loaded (/api/v1/rules).
func LoadRules(ctx context.Context, api API) ([]Rule, error) {
	res, err := api.Rules(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the rules Prometheus has loaded (/api/v1/rules): %w", err)
	}
	return FromAPI(res), nil
}

// Gather reads from Prometheus what the online checks need for rules, in a
// fixed number of requests whatever the number of rules: the targets, the
// flags, the metric names, one query counting the series of every selector
// (and the traffic behind every error-rate rule), and, when some selector
// is dead, one query and one label-names request explaining why. A
// request that fails makes the checks that need it unknown, with the
// error.
func Gather(ctx context.Context, api API, rules []Rule) *Env {
	e := &Env{ScrapeByJob: map[string]time.Duration{}, hints: map[string]hint{}, traffics: map[string]float64{}}
	now := time.Now()

	e.Requests++
	if tr, err := api.Targets(ctx); err != nil {
		e.unknown(CheckRateWindow, "reading the targets (/api/v1/targets): %v", err)
	} else {
		for _, t := range tr.Active {
			si, err := model.ParseDuration(t.DiscoveredLabels["__scrape_interval__"])
			if err != nil || si <= 0 {
				continue
			}
			d := time.Duration(si)
			job := string(t.Labels["job"])
			e.ScrapeByJob[job] = max(e.ScrapeByJob[job], d)
			e.ScrapeMax = max(e.ScrapeMax, d)
		}
		if e.ScrapeMax == 0 {
			e.unknown(CheckRateWindow, "no active target says its scrape interval")
		}
	}

	e.Requests++
	if ri, err := api.Runtimeinfo(ctx); err != nil {
		e.unknown(CheckForLong, "reading Prometheus's runtime information (/api/v1/status/runtimeinfo): %v", err)
	} else if d, ok := retention(ri.StorageRetention); ok {
		e.Retention = d
	} else {
		e.unknown(CheckForLong, "Prometheus's runtime information does not say its retention by time (%q)", ri.StorageRetention)
	}

	e.Requests++
	if vals, _, _, err := api.LabelValues(ctx, labels.MetricName, nil, now.Add(-namesWindow), now, v1.WithLimit(MaxNames)); err != nil {
		e.unknown(CheckDeadSelector, "reading the metric names (/api/v1/label/__name__/values): %v", err)
	} else {
		e.names = make(map[string]bool, len(vals))
		for _, v := range vals {
			e.names[string(v)] = true
		}
	}

	e.Requests++
	if md, err := api.Metadata(ctx, "", ""); err != nil {
		e.unknown(CheckRateGauge, "reading the metrics' metadata (/api/v1/metadata): %v", err)
	} else {
		e.types = make(map[string]string, len(md))
		for name, ms := range md {
			if len(ms) == 1 {
				e.types[name] = string(ms[0].Type)
			}
		}
	}

	sels, traffic := e.terms(rules)
	e.countAll(ctx, api, now, sels, traffic)
	e.explainDead(ctx, api, now, sels)
	return e
}

func (e *Env) unknown(check, format string, args ...any) {
	e.Unknown = append(e.Unknown, Unknown{Check: check, Reason: oneLine(fmt.Sprintf(format, args...))})
}

// retention reads the time of Prometheus's storageRetention ("15d",
// "30d or 10GiB").
func retention(s string) (time.Duration, bool) {
	for _, f := range strings.Fields(s) {
		if d, err := model.ParseDuration(f); err == nil && d > 0 {
			return time.Duration(d), true
		}
	}
	return 0, false
}

// trafficTerm is the rate of all requests behind one error-rate rule.
type trafficTerm struct {
	key, expr string
}

// terms are the distinct selectors of rules (up to MaxSelectors) and the
// traffic expressions of their error-rate rules.
func (e *Env) terms(rules []Rule) ([]*parser.VectorSelector, []trafficTerm) {
	var sels []*parser.VectorSelector
	seen := map[string]bool{}
	var traffic []trafficTerm
	dropped := 0
	for i := range rules {
		r := &rules[i]
		expr, err := r.parse()
		if err != nil {
			continue
		}
		for _, l := range selectorsUnder(expr) {
			k := selectorKey(l.vs)
			if seen[k] {
				continue
			}
			seen[k] = true
			if len(sels) >= MaxSelectors {
				dropped++
				continue
			}
			sels = append(sels, l.vs)
		}
		if r.Kind != KindAlert {
			continue
		}
		if cmp, ok := thresholdOf(expr); ok && cmp.threshold > 0 && cmp.threshold < 1 && !hasOp(cmp.side, parser.DIV) {
			if vs, m := errorSelector(cmp.side); vs != nil {
				all := &parser.VectorSelector{Name: vs.Name, LabelMatchers: slices.DeleteFunc(slices.Clone(vs.LabelMatchers), func(x *labels.Matcher) bool { return x == m })}
				traffic = append(traffic, trafficTerm{ruleKey(r), format(sumBy(rateOf("rate", all, windowOf(cmp.side))))})
			}
		}
	}
	if dropped > 0 {
		e.unknown(CheckDeadSelector, "%d selectors beyond the %d counted", dropped, MaxSelectors)
	}
	return sels, traffic
}

// windowOf is the first rate window under e, or the default.
func windowOf(e parser.Expr) time.Duration {
	w := time.Duration(0)
	visit(e, func(n parser.Node, _ []parser.Node) {
		if ms, ok := n.(*parser.MatrixSelector); ok && w == 0 {
			w = ms.Range
		}
	})
	if w == 0 {
		return defaultWindow
	}
	return w
}

// tag is `label_replace(e, "vigil_q", id, "", "")`: one term of a batched
// query, told apart by its vigil_q label.
func tag(expr, id string) string {
	return `label_replace(` + expr + `, "vigil_q", "` + id + `", "", "")`
}

// countAll counts the series of every selector, and reads the traffic of
// every error-rate rule, in one query.
func (e *Env) countAll(ctx context.Context, api API, now time.Time, sels []*parser.VectorSelector, traffic []trafficTerm) {
	if len(sels) == 0 && len(traffic) == 0 {
		e.series = map[string]int{}
		return
	}
	parts := make([]string, 0, len(sels)+len(traffic))
	for i, vs := range sels {
		parts = append(parts, tag("count("+selectorKey(vs)+")", "s"+strconv.Itoa(i)))
	}
	for i, t := range traffic {
		parts = append(parts, tag(t.expr, "t"+strconv.Itoa(i)))
	}
	e.Requests++
	vals, err := queryTagged(ctx, api, strings.Join(parts, " or "), now)
	if err != nil {
		e.unknown(CheckDeadSelector, "counting the rules' series: %v", err)
		e.unknown(CheckErrorRatio, "reading the traffic of the error-rate rules: %v", err)
		return
	}
	e.series = make(map[string]int, len(sels))
	for i, vs := range sels {
		e.series[selectorKey(vs)] = int(vals["s"+strconv.Itoa(i)])
	}
	for i, t := range traffic {
		if v, ok := vals["t"+strconv.Itoa(i)]; ok {
			e.traffics[t.key] = v
		}
	}
}

// queryTagged runs a batched query and returns each term's value by tag.
func queryTagged(ctx context.Context, api API, q string, at time.Time) (map[string]float64, error) {
	v, _, _, err := api.Query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, errors.New("the answer is not a vector")
	}
	out := make(map[string]float64, len(vec))
	for _, s := range vec {
		out[string(s.Metric["vigil_q"])] = float64(s.Value)
	}
	return out, nil
}
