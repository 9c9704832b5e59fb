package rulecheck

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// BacktestRanges are the periods a backtest looks back over.
var BacktestRanges = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}

// Backtest bounds.
const (
	// backtestPoints is the most points a range query of the backtest
	// asks for: the step is the range (or the data, when shorter) over
	// this, never under the rule's evaluation interval.
	backtestPoints = 720
	// backtestQueries is the requests per range: one range query of
	// ALERTS and one of the fixed rule; backtestStartQueries more, once,
	// find where the data starts.
	backtestQueries      = 2
	backtestStartQueries = 4
)

// Firing is how often and how long an alert fired over a period.
type Firing struct {
	// Times counts the episodes: runs of steps with at least one series
	// firing. Duration is the time at least one series fired.
	Times    int           `json:"times"`
	Duration time.Duration `json:"duration"`
	// MaxSeries is the most alerts firing at once.
	MaxSeries int `json:"max_series"`
	// Err is why it could not be read ("" when it was).
	Err string `json:"error,omitempty"`
}

func (f Firing) String() string {
	if f.Err != "" {
		return "unknown (" + f.Err + ")"
	}
	if f.Times == 0 {
		return "0 times"
	}
	times := "times"
	if f.Times == 1 {
		times = "time"
	}
	return fmt.Sprintf("%d %s, %s firing", f.Times, times, formatSpan(f.Duration))
}

// BacktestRange is one period of a backtest.
type BacktestRange struct {
	Range time.Duration `json:"range"`
	// Data is how far back the data goes within the range; shorter than
	// Range when Prometheus has less (0 with DataErr: unknown).
	Data    time.Duration `json:"data"`
	DataErr string        `json:"data_error,omitempty"`
	Step    time.Duration `json:"step"`
	// Original is the rule as Prometheus ran it (ALERTS); Fixed the fixed
	// expression evaluated over the same period with the rule's `for`.
	Original Firing  `json:"original"`
	Fixed    *Firing `json:"fixed,omitempty"`
}

// Short says whether the data covers less than the range.
func (b BacktestRange) Short() bool { return b.DataErr == "" && b.Data < b.Range }

// Backtest is how often a rule fired, and how often its fix would have.
type Backtest struct {
	Rule    string          `json:"rule"`
	FixExpr string          `json:"fix_expr,omitempty"`
	Ranges  []BacktestRange `json:"ranges"`
	// Requests is how many requests the backtest sent.
	Requests int `json:"requests"`
}

// Lines are the backtest in words, one line per range.
func (b *Backtest) Lines() []string {
	var out []string
	for _, r := range b.Ranges {
		s := "last " + formatSpan(r.Range) + ": fired " + r.Original.String()
		if r.Fixed != nil {
			s += "; the fixed rule: " + r.Fixed.String()
		}
		switch {
		case r.DataErr != "":
			s += " (how far the data goes is unknown: " + r.DataErr + ")"
		case r.Data == 0:
			s += " (no data in the range)"
		case r.Short():
			s += " (data covers only the last " + formatSpan(r.Data) + ")"
		}
		out = append(out, s)
	}
	return out
}

// RunBacktest looks back over each range: how often the alerting rule r
// fired (ALERTS{alertstate="firing"} of its name and fixed labels), and
// how often fixExpr (empty: none) would have, with r's `for` applied. At
// most backtestQueries requests per range, whatever the rule.
func RunBacktest(ctx context.Context, api API, r Rule, fixExpr string, now time.Time, ranges []time.Duration) *Backtest {
	b := &Backtest{Rule: r.Name, FixExpr: fixExpr}
	eval := r.evalInterval(0)
	alerts := alertsSelector(r)
	expr, _ := r.parse()
	probe := alerts
	if expr != nil {
		// The metric's name alone: how far back the metric goes, whatever
		// the matchers pick now (no 5xx yet is no missing data).
		for _, l := range selectorsUnder(expr) {
			if name := selectorName(l.vs); name != "" {
				probe = name
				break
			}
		}
	}
	longest := time.Duration(0)
	for _, rng := range ranges {
		longest = max(longest, rng)
	}
	first, dataErr := b.dataStart(ctx, api, probe, longest, eval, now)
	for _, rng := range ranges {
		br := BacktestRange{Range: rng}
		if dataErr != nil {
			br.DataErr = oneLine(dataErr.Error())
			first = now.Add(-rng)
		}
		br.Data = min(now.Sub(first), rng)
		br.Step = fitStep(min(rng, max(br.Data, eval)), eval)
		start := now.Add(-backtestSpan(rng, br.Data, br.Step))
		br.Original = b.firing(ctx, api, "count("+alerts+")", start, now, br.Step)
		if fixExpr != "" {
			f := b.firing(ctx, api, forApplied(fixExpr, r.For, eval), start, now, br.Step)
			br.Fixed = &f
		}
		b.Ranges = append(b.Ranges, br)
	}
	return b
}

// backtestSpan is how far back the range queries of a range start: the
// data (at least a step), at most the range, in whole steps.
func backtestSpan(rng, data, step time.Duration) time.Duration {
	span := min(rng, max(data, step))
	return (span + step - 1) / step * step
}

// alertsSelector is ALERTS of the rule: its name, firing, and the labels
// it sets that are no template.
func alertsSelector(r Rule) string {
	ms := []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchEqual, "alertname", r.Name),
		labels.MustNewMatcher(labels.MatchEqual, "alertstate", "firing"),
	}
	for _, k := range sortedKeys(r.Labels) {
		if v := r.Labels[k]; !strings.Contains(v, "{{") {
			ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, k, v))
		}
	}
	return (&parser.VectorSelector{Name: "ALERTS", LabelMatchers: append(ms, nameMatcher("ALERTS"))}).String()
}

// forApplied counts the series of expr that have been true for `for`: at
// every evaluation of the last `for` (the rule's interval apart).
func forApplied(expr string, forDur, eval time.Duration) string {
	if forDur <= 0 {
		return "count(" + expr + ")"
	}
	n := int(forDur / eval)
	if n < 1 {
		n = 1
	}
	return fmt.Sprintf("count(count_over_time((%s)[%s:%s]) >= %d)", expr, model.Duration(forDur), model.Duration(eval), n)
}

// fitStep is the step of a range query over span: span/backtestPoints,
// never under the evaluation interval, in whole seconds.
func fitStep(span, eval time.Duration) time.Duration {
	s := (span / backtestPoints).Round(time.Second)
	return max(s, eval, time.Second)
}

// dataStart finds how far back probe has data within rng before now: an
// instant query at a step of rng/backtestPoints, then, while the data is
// younger than ten steps, finer ones over the last ten steps, down to the
// evaluation interval (three queries at most for 7d at 1s). The first
// point seen is at most a step late: the start is one step before it.
func (b *Backtest) dataStart(ctx context.Context, api API, probe string, rng, eval time.Duration, now time.Time) (time.Time, error) {
	step := fitStep(rng, eval)
	var first time.Time
	found := false
	for range 4 {
		f, ok, err := b.firstSample(ctx, api, probe, rng, step, now)
		if err != nil {
			return time.Time{}, err
		}
		if ok && (!found || f.Before(first)) {
			first, found = f.Add(-step), true
		}
		if (found && now.Sub(first) >= 10*step) || step <= eval || step <= time.Second {
			break
		}
		rng = min(rng, 10*step)
		step = fitStep(rng, eval)
	}
	if !found {
		return now, nil // no data at all
	}
	return first, nil
}

func (b *Backtest) firstSample(ctx context.Context, api API, probe string, rng, step time.Duration, now time.Time) (time.Time, bool, error) {
	q := fmt.Sprintf("min_over_time(timestamp(count(%s))[%s:%s])", probe, model.Duration(rng), model.Duration(step))
	b.Requests++
	v, _, _, err := api.Query(ctx, q, now)
	if err != nil {
		return time.Time{}, false, err
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) == 0 {
		return time.Time{}, false, nil
	}
	sec := float64(vec[0].Value)
	return time.Unix(0, int64(sec*float64(time.Second))), true, nil
}

// firing runs one range query of a count and reads its episodes.
func (b *Backtest) firing(ctx context.Context, api API, q string, start, end time.Time, step time.Duration) Firing {
	b.Requests++
	v, _, _, err := api.QueryRange(ctx, q, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return Firing{Err: oneLine(err.Error())}
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return Firing{Err: "the answer is not a matrix"}
	}
	return episodes(m, step)
}

// episodes reads a count's series: its runs of consecutive steps, the
// time they cover and the highest count.
func episodes(m model.Matrix, step time.Duration) Firing {
	var f Firing
	var ts []model.Time
	for _, s := range m {
		for _, p := range s.Values {
			ts = append(ts, p.Timestamp)
			f.MaxSeries = max(f.MaxSeries, int(p.Value))
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	for i, t := range ts {
		if i > 0 && t == ts[i-1] {
			continue
		}
		if i == 0 || t.Sub(ts[i-1]) > step+step/2 {
			f.Times++
		}
		f.Duration += step
	}
	return f
}

// formatSpan writes a duration in at most two units: 23h59m, 3m10s, 7d.
func formatSpan(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= 48*time.Hour || (d >= 24*time.Hour && d%(24*time.Hour) == 0 && d > 24*time.Hour):
		days, h := d/(24*time.Hour), (d%(24*time.Hour)).Round(time.Hour)/time.Hour
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, h)
	case d >= time.Hour:
		h, m := d/time.Hour, (d%time.Hour).Round(time.Minute)/time.Minute
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	case d >= time.Minute:
		m, s := d/time.Minute, (d%time.Minute)/time.Second
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm%ds", m, s)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
