package query

import (
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// The targets on the timeline: going down and coming back up (from up),
// and whether a target's restarts can be told at all (several processes
// answering its scrapes in turn have none: their start times alternate).

// The kinds of a target's scrapes failing and succeeding again.
const (
	EventTargetDown EventKind = "target_down"
	EventTargetUp   EventKind = "target_up"
)

// changesTargetParts are the parts of ChangesTimelineQuery about the
// targets themselves, over w:
//   - start_back: how many times each target's start time went back
//     within w (resets of a value that only a restart should change), so
//     processes in turn are seen even between two points;
//   - up and up_at: each target's up, and the time of that sample.
func changesTargetParts(s Shape, w time.Duration) string {
	up := Selector("up", s.Selector)
	return Tag("max by (instance, job) (resets("+RangeSelector(StartTimeMetric, s.Selector, w)+"))", "start_back") +
		" or " + Tag(up, "up") + " or " + Tag("timestamp("+up+")", "up_at")
}

// StartsInTurn are the targets of an answer to ChangesTimelineQuery whose
// start time went back (ClassifyStarts of its points, or start_back
// within a step): several processes answering in turn, which restart no
// more than they did before; what they are is Processes.Why.
func StartsInTurn(mat model.Matrix) map[TargetKey]Processes {
	out := map[TargetKey]Processes{}
	back := map[TargetKey]bool{}
	for _, ss := range mat {
		if ss.Metric[SeriesLabel] != "start_back" {
			continue
		}
		for _, sp := range ss.Values {
			if v := float64(sp.Value); !Missing(v) && v > 0 {
				back[TargetKeyOf(ss.Metric)] = true
			}
		}
	}
	for _, ss := range mat {
		if ss.Metric[SeriesLabel] != "start" {
			continue
		}
		k := TargetKeyOf(ss.Metric)
		vals := make([]float64, len(ss.Values))
		for i, sp := range ss.Values {
			vals[i] = float64(sp.Value)
		}
		p := ClassifyStarts(vals)
		if back[k] && p.Back == 0 {
			p.Back, p.Restarts = 1, 0
			p.Seen = max(p.Seen, 2)
		}
		if p.InTurn() {
			out[k] = p
		}
	}
	return out
}

// InTurnWarnings says, per target in turn, why it has no restarts.
func InTurnWarnings(mat model.Matrix) []string {
	var out []string
	for k, p := range StartsInTurn(mat) {
		out = append(out, fmt.Sprintf("%s (job %s): no restarts listed: %s", k.Instance, k.Job, p.Why()))
	}
	sort.Strings(out)
	return out
}

// TargetUpEvents are the moments each target's up went to 0 (its scrapes
// fail) and back to 1, at the time of the first sample that said so seen
// at a point. A target down at the first point went down before the
// range: no event.
func TargetUpEvents(mat model.Matrix, plan TimelinePlan) []Event {
	at := map[TargetKey]map[int]float64{}
	for _, ss := range mat {
		if ss.Metric[SeriesLabel] != "up_at" {
			continue
		}
		m := map[int]float64{}
		for _, sp := range ss.Values {
			m[plan.index(sp.Timestamp)] = float64(sp.Value)
		}
		at[TargetKeyOf(ss.Metric)] = m
	}
	var out []Event
	for _, ss := range mat {
		if ss.Metric[SeriesLabel] != "up" {
			continue
		}
		k := TargetKeyOf(ss.Metric)
		who := k.Instance
		if k.Job != "" {
			who += " (job " + k.Job + ")"
		}
		prev, prevAt := -1.0, -1
		var downAt time.Time
		for _, sp := range ss.Values {
			v, i := float64(sp.Value), plan.index(sp.Timestamp)
			if Missing(v) {
				continue
			}
			if prev < 0 || (v == 0) == (prev == 0) {
				prev, prevAt = v, i
				continue
			}
			lo := plan.at(prevAt)
			t := plan.at(i)
			if ts, ok := at[k][i]; ok {
				t = within(sampleTime(ts), lo, t)
			}
			prev, prevAt = v, i
			labels := map[string]string{"instance": k.Instance, "job": k.Job, "metric": "up"}
			if v == 0 {
				downAt = t
				if plan.InRange(t) {
					out = append(out, Event{Time: t, Kind: EventTargetDown, Source: TimelineChanges, Labels: labels,
						Summary: fmt.Sprintf("target %s down: its scrapes fail", who)})
				}
				continue
			}
			summary := fmt.Sprintf("target %s up again", who)
			if !downAt.IsZero() {
				summary += " after " + FormatDuration(t.Sub(downAt).Round(time.Second))
				labels["down_since"] = downAt.Format(time.RFC3339Nano)
			}
			downAt = time.Time{}
			if plan.InRange(t) {
				out = append(out, Event{Time: t, Kind: EventTargetUp, Source: TimelineChanges, Labels: labels, Summary: summary})
			}
		}
	}
	return out
}
