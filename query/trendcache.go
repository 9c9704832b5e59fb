package query

import (
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// The trend is read incrementally: a refresh keeps the trend's range answer
// and the next one asks only for the steps since, plus those too recent to
// be final; while every step is final (the newest step's point was read
// TrendSettle after its time, and the next step has not come), a refresh
// asks nothing and shows the kept trend. The steps lie on a grid of the step (the trend ends at the
// evaluation time rounded down to a step), so the steps of two refreshes
// coincide. A change of window, selector, grouping, metrics or source
// (recorded or raw), a gap longer than the trend, or a failed read makes
// the next refresh read the whole trend again.

// TrendSettle is how long after a step's time its point is asked again: a
// scrape stamped before the step can be stored after a read that came
// right at the step's time.
const TrendSettle = 15 * time.Second

// trendCache is the trend of the last refresh.
type trendCache struct {
	mu      sync.Mutex
	key     string
	step    time.Duration
	settled time.Time // the last step whose point is final
	end     time.Time // the last step read
	series  map[model.Fingerprint]*model.SampleStream
}

// trendKey is everything the trend's answer depends on but the time: its
// query (window, selector, grouping, metrics, recorded or raw) and step.
func trendKey(expr string, plan TrendPlan) string {
	return expr + "\x00" + plan.Step.String()
}

// alignTrend rounds at down to a multiple of step.
func alignTrend(at time.Time, step time.Duration) time.Time {
	ms := max(step.Milliseconds(), 1)
	return time.UnixMilli(at.UnixMilli() - at.UnixMilli()%ms)
}

// from is the first step the refresh of plan must ask for: plan.Start for
// a whole read, else the step after the last final one. full reports a
// whole read. When every step of plan is final already, the refresh asks
// nothing: kept is then the trend as kept, copied under the same lock (a
// client's refreshes of other shapes may replace it right after).
func (c *trendCache) from(key string, plan TrendPlan) (start time.Time, full bool, kept *queryResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.series == nil || c.key != key || c.step != plan.Step || c.end.After(plan.End) || c.settled.Before(plan.Start.Add(-plan.Step)) {
		return plan.Start, true, nil
	}
	start = c.settled.Add(plan.Step)
	if start.After(plan.End) {
		// The last read ended at plan.End (c.end ≤ plan.End ≤ settled ≤
		// c.end): its points are plan's.
		out := queryResult{mat: make(model.Matrix, 0, len(c.series))}
		for _, ss := range c.series {
			out.mat = append(out.mat, &model.SampleStream{Metric: ss.Metric, Values: append([]model.SamplePair(nil), ss.Values...)})
		}
		return plan.End, false, &out
	}
	if start.Before(plan.Start) {
		start = plan.Start
	}
	return start, false, nil
}

// merge keeps a read of the steps from start to plan.End (read at wall
// time read) and returns the whole trend of plan: the kept points from
// plan.Start, then the new ones. A failed read empties the cache. final,
// when set, is a time up to which every point was final before the read
// began (the newest evaluation of the rules a recorded trend reads): the
// steps up to it are not asked again even when younger than TrendSettle.
func (c *trendCache) merge(key string, plan TrendPlan, start time.Time, full bool, read, final time.Time, r queryResult) queryResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.err != nil {
		c.series = nil
		return r
	}
	if full || c.series == nil {
		c.series = map[model.Fingerprint]*model.SampleStream{}
	}
	first := model.TimeFromUnixNano(plan.Start.UnixNano())
	from := model.TimeFromUnixNano(start.UnixNano())
	// Drop what is before the trend or asked again.
	for fp, ss := range c.series {
		kept := ss.Values[:0]
		for _, v := range ss.Values {
			if v.Timestamp >= first && v.Timestamp < from {
				kept = append(kept, v)
			}
		}
		if len(kept) == 0 {
			delete(c.series, fp)
			continue
		}
		ss.Values = kept
	}
	for _, ss := range r.mat {
		fp := ss.Metric.Fingerprint()
		if old, ok := c.series[fp]; ok {
			old.Values = append(old.Values, ss.Values...)
			continue
		}
		c.series[fp] = &model.SampleStream{Metric: ss.Metric, Values: append([]model.SamplePair(nil), ss.Values...)}
	}
	c.key, c.step, c.end = key, plan.Step, plan.End
	c.settled = alignTrend(read.Add(-TrendSettle), plan.Step)
	if f := alignTrend(final, plan.Step); !final.IsZero() && f.After(c.settled) {
		c.settled = f
	}
	if c.settled.After(plan.End) {
		c.settled = plan.End
	}
	out := queryResult{warnings: r.warnings, mat: make(model.Matrix, 0, len(c.series))}
	for _, ss := range c.series {
		out.mat = append(out.mat, &model.SampleStream{Metric: ss.Metric, Values: append([]model.SamplePair(nil), ss.Values...)})
	}
	return out
}
