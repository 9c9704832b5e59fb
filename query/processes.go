package query

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"
)

// Processes behind one target, told from its process_start_time_seconds.
//
// A restart replaces the process with a newer one: the start time only
// ever moves forward. Several processes answering the scrapes of one
// target in turn (gunicorn workers without the exporter's multiprocess
// mode) each expose their own start time, and the scrapes alternate among
// them: the start time goes back to one seen before. Then every counter of
// the target goes up and down between scrapes, and no rate of it is true.

// Processes is what the start times of one target over a range say.
type Processes struct {
	// Seen is how many distinct start times the range holds: the
	// processes that answered (1 for one process with no restart).
	Seen int
	// Back counts the samples whose start time is earlier than the newest
	// one before them: a restart never does that.
	Back int
	// Restarts is how many times a newer process took over, when the start
	// time only moved forward (Back == 0); 0 otherwise.
	Restarts int
	// Starts are the distinct start times, oldest first.
	Starts []time.Time
}

// InTurn reports whether several processes answer the target's scrapes in
// turn: its counters go back and forth, and its rates are wrong.
func (p Processes) InTurn() bool { return p.Back > 0 && p.Seen > 1 }

// Why is the reason a rate of such a target is unknown.
func (p Processes) Why() string {
	return fmt.Sprintf("one target, %d processes answering in turn: use the exporter's multiprocess mode", p.Seen)
}

// ClassifyStarts reads the start times (Unix seconds) of one target's
// process in scrape order. Values closer than a millisecond are one start
// time (Prometheus's float64 round trip).
func ClassifyStarts(values []float64) Processes {
	var p Processes
	var distinct []float64
	newest := 0.0
	for i, v := range values {
		if Missing(v) {
			continue
		}
		if !slices.ContainsFunc(distinct, func(d float64) bool { return sameStart(d, v) }) {
			distinct = append(distinct, v)
		}
		switch {
		case i == 0 || newest == 0:
			newest = v
		case v < newest && !sameStart(v, newest):
			p.Back++
		case v > newest && !sameStart(v, newest):
			p.Restarts++
			newest = v
		}
	}
	p.Seen = len(distinct)
	if p.Back > 0 {
		p.Restarts = 0
	}
	slices.Sort(distinct)
	for _, d := range distinct {
		p.Starts = append(p.Starts, unixTime(d))
	}
	return p
}

func sameStart(a, b float64) bool { return a-b < 0.001 && b-a < 0.001 }

// StartsOf classifies the start times of each target (job, instance) in a
// matrix of process_start_time_seconds samples.
func StartsOf(mat model.Matrix) map[TargetKey]Processes {
	out := make(map[TargetKey]Processes, len(mat))
	for _, ss := range mat {
		vals := make([]float64, len(ss.Values))
		for i, sp := range ss.Values {
			vals[i] = float64(sp.Value)
		}
		out[TargetKeyOf(ss.Metric)] = ClassifyStarts(vals)
	}
	return out
}

// TargetKey names a scrape target.
type TargetKey struct{ Job, Instance string }

// TargetKeyOf is the target of a series.
func TargetKeyOf(m model.Metric) TargetKey {
	return TargetKey{Job: string(m["job"]), Instance: string(m["instance"])}
}

// StartsRange is how far back the start times of the targets are read to
// tell processes in turn from restarts: the scrapes of a few workers
// alternate within it, whatever the rate window.
func StartsRange(window time.Duration) time.Duration { return ResetsRange(window) }

// StartsQuery reads the raw start times of the selected targets over r:
// an instant query whose answer is a matrix, one series per target.
func StartsQuery(s Shape, r time.Duration) string {
	return RangeSelector(StartTimeMetric, s.Selector, r)
}

// inTurnTargets is a vector of the targets (instance, job) whose start
// time went back within r: the PromQL twin of Processes.InTurn.
func inTurnTargets(s Shape, r time.Duration) string {
	return "(resets(" + RangeSelector(StartTimeMetric, s.Selector, r) + ") > 0)"
}

// presentLookback is how far back presentIn looks at least: Prometheus's
// own lookback of an instant selector, so that a recorded series,
// written once a rule evaluation, is found between two evaluations.
const presentLookback = 5 * time.Minute

// presentIn is the series of the selector present (a selector, not an
// expression) that had a sample in the last w, and at least in the last
// presentLookback: a process that answers a scrape without a series it
// showed before (a restarted one, or one of several workers answering in
// turn) leaves it stale at once, while its rate still counts it.
func presentIn(present string, w time.Duration) string {
	return "last_over_time(" + present + "[" + FormatDuration(max(w, presentLookback)) + "])"
}

// inTurnPart counts, per endpoint label value, the targets behind it whose
// start time went back over StartsRange: present is a selector of series
// with the labels instance, job and the endpoint label (the request
// series).
func inTurnPart(s Shape, present string) string {
	L := s.EndpointLabel
	present = presentIn(present, s.Window)
	return "count by (" + L + ") (group by (instance, job, " + L + ") (" + present + " and on (instance, job) " +
		inTurnTargets(s, StartsRange(s.Window)) + "))"
}

// markInTurn makes unknown the figures of the rows served by a target
// whose processes answer the scrapes in turn, and the totals that would
// sum them: no rate of such a target is true. A row whose counters reset
// far more often than its series (ResetsWrong) with no restart to explain
// it is taken for the same, as when the workers' start times are one.
// A crash loop's resets come with restarts: its figures stay.
func markInTurn(ov *Overview, window time.Duration) {
	seen := 0
	for _, t := range ov.Targets.InTurn() {
		seen = max(seen, t.Processes.Seen)
	}
	why := "several processes answer one target's scrapes in turn: use the exporter's multiprocess mode"
	if seen > 1 {
		why = Processes{Seen: seen}.Why()
	}
	totals := ""
	if seen > 0 {
		totals = why
	}
	nan := math.NaN()
	for i := range ov.Endpoints {
		e := &ov.Endpoints[i]
		switch {
		case ov.inTurn[e.Name]:
			e.Unknown = why
		case e.ResetsWrong() && e.Changed.IsZero() && ov.ChangesErr == nil:
			e.Unknown = fmt.Sprintf("counters went back %.0f× in %s over %d series with no restart: several processes answer the scrapes in turn; use the exporter's multiprocess mode",
				e.CounterResets, FormatDuration(ResetsRange(window)), e.Series)
		default:
			continue
		}
		e.RPS, e.ErrorRatio, e.P50, e.P99, e.Exceptions = nan, nan, nan, nan, nan
		e.ErrorRatioChange, e.P99Change = nan, nan
		e.WorstMemberErrorRatio, e.WorstMemberP99, e.SlowestMemberP99 = nan, nan, nan
		for k := range e.Trend {
			e.Trend[k] = nan
		}
		if totals == "" {
			totals = e.Unknown
		}
	}
	ov.inTurn = nil
	if totals != "" {
		ov.Totals = Totals{RPS: nan, ErrorRatio: nan, P99: nan, Exceptions: nan, Unknown: totals}
	}
}
