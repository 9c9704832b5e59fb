package query

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// kindOrder orders events of the same second: causes before effects.
var kindOrder = map[EventKind]int{
	EventTargetDown: 0, EventDeploy: 1, EventRestart: 2, EventTargetUp: 3, EventThreshold: 4, EventAlertPending: 5,
	EventAlertFiring: 6, EventAlertResolved: 7, EventWrite: 8, EventSilenceCreated: 9, EventSilenceExpired: 10, EventNote: 11,
}

// SortEvents orders events by time, then kind, then summary.
func SortEvents(ev []Event) {
	sort.SliceStable(ev, func(i, j int) bool {
		a, b := ev[i], ev[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if kindOrder[a.Kind] != kindOrder[b.Kind] {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		return a.Summary < b.Summary
	})
}

// metricMap is a series' labels without the name and the tag.
func metricMap(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k == model.MetricNameLabel || k == SeriesLabel {
			continue
		}
		out[string(k)] = string(v)
	}
	return out
}

// labelText writes labels as name=value, sorted, leaving out skip.
func labelText(m map[string]string, skip ...string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}

func identity(m map[string]string, skip ...string) string {
	return labelText(m, skip...)
}

// run is a stretch of consecutive points at which a series exists.
type run struct {
	first, last       int     // point indexes
	firstVal, lastVal float64 // the values at them
}

// runsOf splits a series' points into runs of consecutive points.
func runsOf(vals []model.SamplePair, plan TimelinePlan) []run {
	var out []run
	for _, sp := range vals {
		i := plan.index(sp.Timestamp)
		v := float64(sp.Value)
		if n := len(out); n > 0 && out[n-1].last >= i-1 {
			out[n-1].last, out[n-1].lastVal = i, v
			continue
		}
		out = append(out, run{first: i, last: i, firstVal: v, lastVal: v})
	}
	return out
}

// sampleTime is the time of a timestamp() value: milliseconds, as
// Prometheus keeps them (without the float's rounding).
func sampleTime(v float64) time.Time {
	return time.UnixMilli(int64(math.Round(v * 1000))).UTC()
}

func unixTime(v float64) time.Time {
	return time.Unix(0, int64(math.Round(v*1e9))).UTC()
}

// within returns t when it lies in (lo, hi], else hi.
func within(t, lo, hi time.Time) time.Time {
	if t.After(lo) && !t.After(hi) {
		return t
	}
	return hi
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// The figures whose threshold crossings are events.
const (
	FigureErrorRatio = "error_ratio"
	FigureP99        = "p99"
)

// FormatFigure writes a figure's value: a percentage or a duration.
func FormatFigure(figure string, v float64) string {
	if figure == FigureErrorRatio {
		return strconv.FormatFloat(v*100, 'g', 3, 64) + "%"
	}
	if v < 1 {
		return strconv.FormatFloat(v*1000, 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'g', 3, 64) + "s"
}

func figureName(figure string) string {
	if figure == FigureErrorRatio {
		return "error ratio"
	}
	return figure
}

// ThresholdEvents finds, per endpoint, each point at which the figure's
// level (ok, warn at or above warn, crit at or above crit) changes: one
// event when it goes above a level, one when it comes back below. A point
// without a value (no traffic) changes nothing; an endpoint whose first
// value comes after the range's start counts as ok before it.
func ThresholdEvents(mat model.Matrix, plan TimelinePlan, endpointLabel, figure string, warn, crit float64) []Event {
	level := func(v float64) int {
		switch {
		case v >= crit:
			return 2
		case v >= warn:
			return 1
		}
		return 0
	}
	names := [3]string{"ok", "warn", "crit"}
	limits := [3]float64{0, warn, crit}
	var out []Event
	for _, ss := range mat {
		ep := string(ss.Metric[model.LabelName(endpointLabel)])
		prev := -1
		for _, sp := range ss.Values {
			v := float64(sp.Value)
			if Missing(v) {
				continue
			}
			i := plan.index(sp.Timestamp)
			lvl := level(v)
			if prev == -1 {
				prev = lvl
				if i > 0 {
					prev = 0
				}
				if i == 0 || lvl == 0 {
					continue
				}
			}
			if lvl == prev {
				continue
			}
			t := plan.at(i)
			was := prev
			prev = lvl
			if !plan.InRange(t) {
				continue
			}
			var summary string
			dir := "up"
			if lvl > was {
				summary = fmt.Sprintf("%s %s %s above %s %s", ep, figureName(figure), FormatFigure(figure, v), names[lvl], FormatFigure(figure, limits[lvl]))
			} else {
				dir = "down"
				summary = fmt.Sprintf("%s %s %s back below %s %s", ep, figureName(figure), FormatFigure(figure, v), names[was], FormatFigure(figure, limits[was]))
				if lvl > 0 {
					summary += fmt.Sprintf(" (still above %s %s)", names[lvl], FormatFigure(figure, limits[lvl]))
				}
			}
			out = append(out, Event{Time: t, Kind: EventThreshold, Source: map[string]string{FigureErrorRatio: TimelineErrorRatio, FigureP99: TimelineP99}[figure],
				Summary: summary,
				Labels: map[string]string{endpointLabel: ep, "figure": figure, "level": names[lvl], "direction": dir,
					"value": FormatFigure(figure, v)}})
		}
	}
	return out
}

// ChangeEvents finds restarts, deploys and targets going down and up in
// the answer to ChangesTimelineQuery, per target (instance and job):
//   - restart: process_start_time_seconds moves forward; the event is at
//     the new start time (at the point that saw it when the clocks
//     disagree). A target whose start time goes back (several processes
//     answering in turn, StartsInTurn) has no restart;
//   - deploy: a series of the info metric with other label values appears
//     after one of the target's existed;
//   - restart, for a target with neither: the request counters reset;
//   - target down and up: up goes to 0, and back to 1 (TargetUpEvents).
func ChangeEvents(mat model.Matrix, plan TimelinePlan) []Event {
	target := func(m model.Metric) string { return string(m["job"]) + "\x00" + string(m["instance"]) }
	described := map[string]bool{}
	for _, ss := range mat {
		if tag := ss.Metric[SeriesLabel]; tag == "start" || tag == "info" {
			described[target(ss.Metric)] = true
		}
	}
	inTurn := StartsInTurn(mat)
	type infoSeries struct {
		labels      map[string]string
		first, last int
	}
	infos := map[string][]infoSeries{}
	var out []Event
	for _, ss := range mat {
		inst, job := string(ss.Metric["instance"]), string(ss.Metric["job"])
		who := inst
		if job != "" {
			who += " (job " + job + ")"
		}
		switch ss.Metric[SeriesLabel] {
		case "start":
			if _, ok := inTurn[TargetKeyOf(ss.Metric)]; ok {
				continue
			}
			prev := math.NaN()
			for _, sp := range ss.Values {
				v, i := float64(sp.Value), plan.index(sp.Timestamp)
				if Missing(v) {
					continue
				}
				if !math.IsNaN(prev) && math.Abs(v-prev) >= 0.001 {
					// The new start time says when the process started,
					// when it lies after the old one and not after the point
					// that saw it (else the clocks disagree: the point).
					t := plan.at(i)
					if st := unixTime(v); v > prev && !st.After(t) {
						t = st
					}
					if plan.InRange(t) {
						out = append(out, Event{Time: t, Kind: EventRestart, Source: TimelineChanges,
							Summary: fmt.Sprintf("restart of %s: process started at %s", who, unixTime(v).Format("15:04:05Z")),
							Labels: map[string]string{"instance": inst, "job": job, "metric": StartTimeMetric,
								"start_time": unixTime(v).Format(time.RFC3339Nano), "previous_start_time": unixTime(prev).Format(time.RFC3339Nano)}})
					}
				}
				prev = v
			}
		case "info":
			if len(ss.Values) == 0 {
				continue
			}
			l := metricMap(ss.Metric)
			if n := ss.Metric[model.MetricNameLabel]; n != "" {
				l["metric"] = string(n)
			}
			infos[target(ss.Metric)] = append(infos[target(ss.Metric)], infoSeries{labels: l,
				first: plan.index(ss.Values[0].Timestamp), last: plan.index(ss.Values[len(ss.Values)-1].Timestamp)})
		case "resets":
			if _, ok := inTurn[TargetKeyOf(ss.Metric)]; ok || described[target(ss.Metric)] {
				continue
			}
			prev := math.NaN()
			for _, sp := range ss.Values {
				v, i := float64(sp.Value), plan.index(sp.Timestamp)
				if Missing(v) {
					continue
				}
				if !math.IsNaN(prev) && v > prev {
					t := plan.at(i)
					if plan.InRange(t) {
						out = append(out, Event{Time: t, Kind: EventRestart, Source: TimelineChanges,
							Summary: fmt.Sprintf("restart of %s: request counters reset", who),
							Labels:  map[string]string{"instance": inst, "job": job, "metric": "resets"}})
					}
				}
				prev = v
			}
		}
	}
	for _, ss := range infos {
		sort.Slice(ss, func(i, j int) bool { return ss[i].first < ss[j].first })
		for k, s := range ss {
			if s.first == 0 {
				continue
			}
			// The series of the target seen last before this one began.
			before := -1
			for j := range k {
				if ss[j].first < s.first && (before < 0 || ss[j].last > ss[before].last) {
					before = j
				}
			}
			if before < 0 {
				continue
			}
			old := ss[before].labels
			var changed []string
			l := copyMap(s.labels)
			for name, v := range s.labels {
				if name == "instance" || name == "job" || name == "metric" {
					continue
				}
				if old[name] != v {
					changed = append(changed, name+" "+old[name]+" → "+v)
					l["previous_"+name] = old[name]
				}
			}
			for name, v := range old {
				if _, ok := s.labels[name]; !ok && name != "instance" && name != "job" && name != "metric" {
					changed = append(changed, name+" "+v+" → (none)")
					l["previous_"+name] = v
				}
			}
			sort.Strings(changed)
			t := plan.at(s.first)
			if !plan.InRange(t) {
				continue
			}
			who := s.labels["instance"]
			if j := s.labels["job"]; j != "" {
				who += " (job " + j + ")"
			}
			out = append(out, Event{Time: t, Kind: EventDeploy, Source: TimelineChanges, Labels: l,
				Summary: fmt.Sprintf("deploy on %s: %s", who, strings.Join(changed, ", "))})
		}
	}
	return append(out, TargetUpEvents(mat, plan)...)
}
