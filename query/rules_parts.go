package query

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The parts of a refresh that vigil's rules record beyond the rates and
// the latencies: the series per endpoint (the fresh series, the paths
// that only answered 404, the join of the endpoints to their targets),
// the counter resets and the error ratio the trend draws. Each group says
// it is evaluated with a series of RulesInfoMetric, so that a console
// finds what is recorded in its one cheap query, and a rules file of an
// older vigil (without these parts) still serves the rates and latencies.

// RulesInfoMetric is the series each group of vigil's rules records (1)
// to say it is evaluated, labelled with what it records.
const RulesInfoMetric = RulePrefix + "rules"

// SeriesGroup is the group of the rules that do not depend on a window.
const SeriesGroup = "vigil_series"

// Labels of the recorded series and of RulesInfoMetric.
const (
	// ErrorsLabel holds the error statuses (a regular expression of
	// status) an error ratio counts.
	ErrorsLabel = "vigil_errors"
	// ResetsLabel holds the range a group's counter resets are counted
	// over.
	ResetsLabel        = "vigil_resets"
	rulesGroupLabel    = "vigil_group"
	rulesEndpointLabel = "vigil_endpoint_label"
	rulesMetricLabel   = "vigil_metric"
)

// groupName is the name of the rules group of window w.
func rulesGroupName(w time.Duration) string { return "vigil_" + FormatDuration(w) }

// SeriesNames are the names of the series the vigil_series group records.
type SeriesNames struct {
	// Series counts the raw request series per instance, job, endpoint
	// and status.
	Series string
	// resetsPrefix + a range names the counter resets over that range.
	resetsPrefix string
}

// Resets names the recorded counter resets over r.
func (n SeriesNames) Resets(r time.Duration) string { return n.resetsPrefix + FormatDuration(r) }

// SeriesFor returns the names of the vigil_series group's series of s.
func SeriesFor(s Shape) SeriesNames {
	L, count := s.EndpointLabel, s.countMetric()
	return SeriesNames{
		Series:       RulePrefix + "instance_job_" + L + "_" + StatusLabel + ":" + count + ":series",
		resetsPrefix: RulePrefix + "job_" + L + ":" + count + ":resets",
	}
}

// rulesInfo is the rule saying group is evaluated, with extra labels.
func rulesInfo(s Shape, group string, extra ...[2]string) recordingRule {
	ls := [][2]string{{rulesGroupLabel, group}, {rulesEndpointLabel, s.EndpointLabel}, {rulesMetricLabel, s.DurationMetric}}
	return recordingRule{Record: RulesInfoMetric, Expr: "vector(1)", Labels: append(ls, extra...)}
}

// rulesInfoAfter is rulesInfo evaluated after the rule recording after:
// its expression names it, so that a Prometheus evaluating the rules of a
// group concurrently still orders them, and the info's timestamp never
// runs ahead of what the group recorded.
func rulesInfoAfter(s Shape, group, after string, extra ...[2]string) recordingRule {
	r := rulesInfo(s, group, extra...)
	r.Expr = "vector(1) and on () (count(" + after + ") or vector(0))"
	return r
}

// seriesRules are the rules of the vigil_series group: the series per
// endpoint, and the counter resets over the range of each window.
func seriesRules(s Shape, windows []time.Duration) []recordingRule {
	n := SeriesFor(s)
	L, count := s.EndpointLabel, s.countMetric()
	out := []recordingRule{{Record: n.Series, Expr: "count by (instance, job, " + L + ", " + StatusLabel + ") (" + count + ")"}}
	var ranges []time.Duration
	for _, w := range windows {
		if r := ResetsRange(w); !slices.Contains(ranges, r) {
			ranges = append(ranges, r)
		}
	}
	slices.Sort(ranges)
	for _, r := range ranges {
		out = append(out, recordingRule{Record: n.Resets(r), Expr: "sum by (job, " + L + ") (resets(" + count + "[" + FormatDuration(r) + "])) > 0"})
	}
	for _, r := range ranges {
		out = append(out, rulesInfo(s, SeriesGroup, [2]string{ResetsLabel, FormatDuration(r)}))
	}
	return out
}

// rulesInfoQuery is, for each RulesInfoMetric series of s's metrics, the
// time of its group's newest evaluation stored.
func rulesInfoQuery(s Shape) string {
	return "timestamp(" + Selector(RulesInfoMetric, "", LabelMatch(rulesEndpointLabel, "=", s.EndpointLabel), LabelMatch(rulesMetricLabel, "=", s.DurationMetric)) + ")"
}

// recordedTrend reports whether the trend of a refresh of s reads the
// recorded error ratios: those of one job's endpoints, recorded with the
// shape's error statuses over the trend's range (recTrendRatio).
func (s Shape) recordedTrend() bool {
	return s.recorded != "" && s.recTrendRatio && s.perEndpointRecorded()
}

// perEndpointRecorded reports whether a recorded refresh of s reads each
// endpoint's recorded quantiles (and error ratio) as they are: the
// selector picks one job, paths are not grouped, and no refresh found
// several series of one endpoint (recSummed).
func (s Shape) perEndpointRecorded() bool {
	return len(s.groupRules) == 0 && selectorPinsJob(s) && !s.recSummed
}

// SummedRecheck is how long the refreshes of a shape read the summed
// recorded series after one found several recorded series of an endpoint;
// then a refresh reads the per-endpoint series again, and goes back to
// the summed ones at once if the duplicates are still there.
const SummedRecheck = 10 * time.Minute

// readsSummed reports whether a refresh of s at at reads the summed
// recorded series (Shape.recSummed).
func (p *Prometheus) readsSummed(s Shape, at time.Time) bool {
	since, ok := p.summedRec.get(groupKey(s))
	return ok && at.Sub(since) < SummedRecheck
}

// notUnique reports whether a part read per endpoint as recorded holds two
// series of one endpoint: they are then not one endpoint's figure.
func notUnique(label string, rs ...queryResult) bool {
	for _, r := range rs {
		seen := make(map[model.LabelValue]bool, len(r.vec))
		for _, smp := range r.vec {
			v := smp.Metric[model.LabelName(label)]
			if seen[v] {
				return true
			}
			seen[v] = true
		}
		for _, ss := range r.mat {
			v := ss.Metric[model.LabelName(label)]
			if seen[v] {
				return true
			}
			seen[v] = true
		}
	}
	return false
}

// readRulesInfo adds what one RulesInfoMetric series says to st; at is
// the time of its group's newest evaluation (Unix seconds).
func (st *RulesStatus) readRulesInfo(s Shape, m model.Metric, at float64) {
	group := string(m[rulesGroupLabel])
	if group == SeriesGroup {
		st.Series = true
		if r, err := ParseDuration(string(m[ResetsLabel])); err == nil && r > 0 && !slices.Contains(st.Resets, r) {
			st.Resets = append(st.Resets, r)
		}
		return
	}
	w, err := ParseDuration(strings.TrimPrefix(group, "vigil_"))
	if err != nil || w <= 0 || !strings.HasPrefix(group, "vigil_") {
		return
	}
	if string(m[ErrorsLabel]) != s.ErrorStatus {
		if !slices.Contains(st.OtherErrors, w) {
			st.OtherErrors = append(st.OtherErrors, w)
		}
		return
	}
	if !slices.Contains(st.Ratios, w) {
		st.Ratios = append(st.Ratios, w)
	}
	// The time the trend's recorded ratios are final to: that of the
	// group recording them (the oldest, were there two).
	if at > 0 {
		if st.Evaluated == nil {
			st.Evaluated = map[time.Duration]time.Time{}
		}
		if old, ok := st.Evaluated[w]; !ok || unixTime(at).Before(old) {
			st.Evaluated[w] = unixTime(at)
		}
	}
}

// recordedParts are the parts beyond the rates and latencies that a
// refresh reads from the recorded series.
type recordedParts struct {
	series, resets, ratio bool
}

// partsFor is what a refresh of s (whose window is recorded) reads from
// the recorded series.
func (st RulesStatus) partsFor(s Shape) recordedParts {
	return recordedParts{
		series: st.Series,
		resets: slices.Contains(st.Resets, ResetsRange(s.Window)),
		ratio:  slices.Contains(st.Ratios, s.Window),
	}
}

// NotRecorded names the parts of a refresh of s that its rules do not
// record although the rates and latencies are, with why and how they are
// read instead: the rules file is of an older vigil, or counts other
// error statuses.
func (st RulesStatus) NotRecorded(s Shape) []string {
	p := st.partsFor(s)
	var out []string
	if !p.series {
		out = append(out, "the series per endpoint, read raw (no "+SeriesFor(s).Series+")")
	}
	if !p.resets {
		out = append(out, "the counter resets, read raw (no "+SeriesFor(s).Resets(ResetsRange(s.Window))+")")
	}
	if !p.ratio {
		why := "no " + RecordedFor(s, s.Window).ErrorRatio
		if slices.Contains(st.OtherErrors, s.Window) {
			why = "the recorded one counts other error statuses than " + s.ErrorStatus
		}
		out = append(out, "the error ratios, computed from the recorded rates ("+why+")")
	}
	return out
}

// covers reports whether st still records what a refresh of s read.
func (st RulesStatus) covers(s Shape) bool {
	if !st.Has(s.Window) {
		return false
	}
	now := st.partsFor(s)
	p := s.recParts
	return (!p.series || now.series) && (!p.resets || now.resets) && (!p.ratio || now.ratio)
}

// recordedFreshParts are the fresh query's parts read from the recorded
// series where they are: the bucket bounds always (from the total or
// per-endpoint buckets), the rest as s.recParts says.
func recordedFreshParts(s, raw Shape, n RecordedNames, buckets string) freshParts {
	L := s.EndpointLabel
	p := rawFreshParts(raw)
	p.le = "count by (le) (" + Selector(buckets, s.Selector) + ")"
	sn := SeriesFor(s)
	if s.recParts.series {
		p.series = "sum by (" + L + ") (" + Selector(sn.Series, s.Selector) + ")"
		p.only404 = "sum by (" + L + ") (" + Selector(sn.Series, s.Selector, LabelMatch(StatusLabel, "=", "404")) +
			" unless on (" + L + ") " + Selector(sn.Series, s.Selector, LabelMatch(StatusLabel, "!=", "404")) + ")"
	}
	if s.recParts.resets {
		p.resets = "sum by (" + L + ") (" + Selector(sn.Resets(ResetsRange(s.Window)), s.Selector) + ") > 0"
	}
	if s.recParts.series {
		p.inTurn = inTurnPart(raw, Selector(sn.Series, s.Selector))
	}
	// Each member's error ratio and p99, from the recorded rates.
	p.memberErr = errorRatioOf("sum by ("+L+") ("+Selector(n.Requests, s.Selector, s.errorMatcher())+")",
		"sum by ("+L+") ("+Selector(n.Requests, s.Selector)+")")
	p.memberP99 = "histogram_quantile(0.99, sum by (" + L + ", le) (" + Selector(n.Buckets, s.Selector) + "))"
	if selectorPinsJob(s) && !s.recSummed {
		p.memberP99 = "max by (" + L + ") (" + Selector(n.P99, s.Selector) + ")"
		if s.recParts.ratio {
			p.memberErr = "max by (" + L + ") (" + Selector(n.ErrorRatio, s.Selector, LabelMatch(ErrorsLabel, "=", s.ErrorStatus)) + ")"
		}
	}
	return p
}
