package grafana

import (
	"strconv"
	"strings"
	"time"
)

// DefaultScrapeInterval is the scrape interval Grafana's Prometheus data
// source assumes when none is set.
const DefaultScrapeInterval = 15 * time.Second

// RoundInterval rounds an interval to one of the steps Grafana uses
// (10ms … 1s, 2s, 5s, 10s, 15s, 20s, 30s, 1m, 2m, 5m, 10m, 15m, 20m, 30m,
// 1h, 2h, 3h, 6h, 12h, 1d, 1w, 30d, 1y).
func RoundInterval(d time.Duration) time.Duration {
	ms := d.Milliseconds()
	steps := []struct{ below, to int64 }{
		{10, 1}, {15, 10}, {35, 20}, {75, 50}, {150, 100}, {350, 200}, {750, 500},
		{1500, 1000}, {3500, 2000}, {7500, 5000}, {12500, 10000}, {17500, 15000},
		{25000, 20000}, {45000, 30000}, {90000, 60000}, {210000, 120000},
		{450000, 300000}, {750000, 600000}, {1050000, 900000}, {1500000, 1200000},
		{2700000, 1800000}, {5400000, 3600000}, {9000000, 7200000}, {16200000, 10800000},
		{32400000, 21600000}, {86400000, 43200000}, {604800000, 86400000},
		{1814400000, 604800000}, {3628800000, 2592000000},
	}
	for _, s := range steps {
		if ms < s.below {
			return time.Duration(s.to) * time.Millisecond
		}
	}
	return 365 * 24 * time.Hour
}

// Interval is what a panel's queries are asked at: $__interval (the
// step), $__rate_interval, and the range.
type Interval struct {
	Range time.Duration
	Step  time.Duration
	Rate  time.Duration
}

// PanelInterval computes a target's interval as Grafana does: the range
// cut in points (the panel's maxDataPoints, else its width in cells),
// rounded, at least the target's or the panel's interval (">30s" or "30s",
// variables expanded), else at least the scrape interval. $__rate_interval
// is max($__interval + scrape, 4 × scrape).
func PanelInterval(rng time.Duration, points int, minInterval string, scrape time.Duration) Interval {
	if scrape <= 0 {
		scrape = DefaultScrapeInterval
	}
	if rng <= 0 {
		rng = time.Hour
	}
	points = max(points, 1)
	step := RoundInterval(rng / time.Duration(points))
	lo := scrape
	if s := strings.TrimPrefix(strings.TrimSpace(minInterval), ">"); s != "" {
		if d, err := ParseDuration(s); err == nil && d > 0 {
			lo = d
		}
	}
	step = max(step, lo, time.Second)
	// Prometheus answers at most 11000 points a series.
	if rng/step > 11000 {
		step = rng/11000 + time.Second
	}
	return Interval{Range: rng, Step: step, Rate: max(step+scrape, 4*scrape)}
}

// addBuiltins puts Grafana's built-in variables of an interval in sc.
func addBuiltins(sc Scope, rng, step, scrape time.Duration) {
	iv := Interval{Range: rng, Step: step, Rate: max(step+scrape, 4*scrape)}
	iv.put(sc)
}

func (iv Interval) put(sc Scope) {
	one := func(s string) Value { return Value{Values: []string{s}} }
	sc["__interval"] = one(FormatDuration(iv.Step))
	sc["__interval_ms"] = one(strconv.FormatInt(iv.Step.Milliseconds(), 10))
	sc["__rate_interval"] = one(FormatDuration(iv.Rate))
	secs := int64(iv.Range.Seconds())
	sc["__range"] = one(strconv.FormatInt(secs, 10) + "s")
	sc["__range_s"] = one(strconv.FormatInt(secs, 10))
	sc["__range_ms"] = one(strconv.FormatInt(iv.Range.Milliseconds(), 10))
	sc["__rate_interval_ms"] = one(strconv.FormatInt(iv.Rate.Milliseconds(), 10))
}

// With returns a copy of sc with the built-ins of iv.
func (sc Scope) With(iv Interval) Scope {
	out := make(Scope, len(sc)+8)
	for k, v := range sc {
		out[k] = v
	}
	iv.put(out)
	return out
}
