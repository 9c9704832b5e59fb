package query

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The alert transitions of the timeline, from the answer to
// AlertsTimelineQuery.
//
// An alert is its label set without alertstate: two rules that give the
// same labels (twins, such as a rule and a faster copy of it) are one
// alert, as on the Alerts screen (MergeAlerts), and at each point it is
// firing when any of them fires, else pending when any is pending.
//
// Times:
//   - pending: the activation time, from ALERTS_FOR_STATE's value (whole
//     seconds) placed on the rule group's evaluations (activeAt);
//   - firing: that same activation time plus the rule's `for`, rounded up
//     to the rule group's evaluations (Prometheus fires at the first
//     evaluation at least `for` after activation): with `for` 0, the
//     activation itself. Without the rules, or when that time does not
//     fall within the step that saw the firing series begin, the
//     timestamp of the first firing sample seen;
//   - resolved: the first point without the firing series.

// alertPoint is an alert's state at one point of the plan.
type alertPoint struct {
	state    int     // 0 inactive, 1 pending, 2 firing
	firingTS float64 // the firing sample's timestamp (timestamp(ALERTS)), when firing
	pendTS   float64 // the pending sample's timestamp, when pending
}

// alertTrack is one alert over the plan.
type alertTrack struct {
	labels map[string]string // without alertstate
	points map[int]*alertPoint
	active map[int]float64 // ALERTS_FOR_STATE's value at each point
}

// AlertEvents is AlertEventsOf without the rules: firing times are those
// of the first firing sample seen.
func AlertEvents(mat model.Matrix, plan TimelinePlan) []Event {
	return AlertEventsOf(mat, plan, nil)
}

// AlertEventsOf finds the alert transitions in the answer to
// AlertsTimelineQuery; rules (PrometheusRules) give each alert's `for`
// and evaluation interval, for exact firing times. A state there at the
// first point began before the range: no event.
func AlertEventsOf(mat model.Matrix, plan TimelinePlan, rules []Rule) []Event {
	tracks := map[string]*alertTrack{}
	track := func(labels map[string]string) *alertTrack {
		id := identity(labels)
		t := tracks[id]
		if t == nil {
			t = &alertTrack{labels: labels, points: map[int]*alertPoint{}, active: map[int]float64{}}
			tracks[id] = t
		}
		return t
	}
	for _, ss := range mat {
		labels := metricMap(ss.Metric)
		switch ss.Metric[SeriesLabel] {
		case "for_state":
			t := track(labels)
			for _, sp := range ss.Values {
				t.active[plan.index(sp.Timestamp)] = float64(sp.Value)
			}
		case "alerts":
			state := labels["alertstate"]
			delete(labels, "alertstate")
			lvl := map[string]int{"pending": 1, "firing": 2}[state]
			if lvl == 0 {
				continue
			}
			t := track(labels)
			for _, sp := range ss.Values {
				i := plan.index(sp.Timestamp)
				pt := t.points[i]
				if pt == nil {
					pt = &alertPoint{}
					t.points[i] = pt
				}
				v := float64(sp.Value)
				if lvl == 2 && (pt.firingTS == 0 || v < pt.firingTS) {
					pt.firingTS = v
				}
				if lvl == 1 && (pt.pendTS == 0 || v < pt.pendTS) {
					pt.pendTS = v
				}
				pt.state = max(pt.state, lvl)
			}
		}
	}
	ids := make([]string, 0, len(tracks))
	for id := range tracks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []Event
	for _, id := range ids {
		out = append(out, tracks[id].events(plan, rules)...)
	}
	return out
}

func (t *alertTrack) state(i int) int {
	if p := t.points[i]; p != nil {
		return p.state
	}
	return 0
}

// events are the transitions of one alert.
func (t *alertTrack) events(plan TimelinePlan, rules []Rule) []Event {
	name := t.labels["alertname"]
	desc := labelText(t.labels, "alertname")
	var out []Event
	add := func(at time.Time, kind EventKind, word string, extra map[string]string) {
		if !plan.InRange(at) {
			return
		}
		l := copyMap(t.labels)
		for k, v := range extra {
			l[k] = v
		}
		out = append(out, Event{Time: at, Kind: kind, Source: TimelineAlerts, Labels: l,
			Summary: strings.TrimSpace(name + " " + word + " " + desc)})
	}
	lastFiring := 0.0
	for i := 1; i < plan.Points; i++ {
		prev, cur := t.state(i-1), t.state(i)
		lo, hi := plan.at(i-1), plan.at(i)
		if prev == 2 {
			lastFiring = t.points[i-1].firingTS
		}
		if prev == 2 && cur < 2 {
			add(hi, EventAlertResolved, "resolved", map[string]string{"last_seen_firing": sampleTime(lastFiring).Format(time.RFC3339)})
		}
		act, hasAct := t.active[i]
		newActive := hasAct && (t.active[i-1] != act || prev == 0)
		if cur == 1 && (prev == 0 || (prev == 2 && newActive)) {
			at := within(sampleTime(t.points[i].pendTS), lo, hi)
			if a, ok := t.activeAt(i, rules); ok {
				at = within(a, lo, hi)
			}
			add(at, EventAlertPending, "pending", nil)
		}
		if cur == 2 && prev < 2 {
			add(t.firedAt(i, lo, hi, rules), EventAlertFiring, "firing", nil)
		}
	}
	return out
}

// firedAt is when the alert began firing within (lo, the time of the
// firing sample at point i]: the activation time plus the `for` of one of its rules,
// rounded up to that rule's evaluations, the earliest that fits; else the
// firing sample's time.
func (t *alertTrack) firedAt(i int, lo, hi time.Time, rules []Rule) time.Time {
	seen := within(sampleTime(t.points[i].firingTS), lo, hi)
	start, ok := t.activeAt(i, rules)
	if !ok {
		return seen
	}
	var best time.Time
	for _, r := range t.rulesOf(rules) {
		hold := r.Duration
		if iv := r.Interval; iv > 0 && hold%iv != 0 {
			hold += iv - hold%iv
		}
		f := start.Add(hold)
		if f.After(lo) && !f.After(seen) && (best.IsZero() || f.Before(best)) {
			best = f
		}
	}
	if best.IsZero() {
		return seen
	}
	return best
}

// rulesOf are the rules that give this alert: its name, and the labels
// each sets.
func (t *alertTrack) rulesOf(rules []Rule) []Rule {
	var out []Rule
	for _, r := range rules {
		if r.Name == t.labels["alertname"] && labelsSubset(r.Labels, t.labels) {
			out = append(out, r)
		}
	}
	return out
}

// activeAt is when the alert became active as of point i. ALERTS_FOR_STATE
// holds it in whole seconds (Prometheus writes ActiveAt.Unix()); the
// alert is evaluated on a grid (its rule group's interval, the phase of
// which any of its samples gives), and the activation is the grid point
// within that second. With no rule known, or an interval under a second
// (several grid points in it), the whole second, and ok is false when
// ALERTS_FOR_STATE has no value at i.
func (t *alertTrack) activeAt(i int, rules []Rule) (time.Time, bool) {
	v, ok := t.active[i]
	if !ok {
		return time.Time{}, false
	}
	secs := unixTime(v)
	var iv time.Duration
	for _, r := range t.rulesOf(rules) {
		if r.Interval > 0 && (iv == 0 || r.Interval < iv) {
			iv = r.Interval
		}
	}
	var phase float64
	for _, p := range t.points {
		if phase = max(p.firingTS, p.pendTS); phase > 0 {
			break
		}
	}
	if iv < time.Second || phase == 0 {
		return secs, true
	}
	// The first grid point at or after the whole second, to the
	// millisecond (sample timestamps are milliseconds).
	ivMs := iv.Milliseconds()
	vMs, gMs := int64(math.Round(v*1000)), int64(math.Round(phase*1000))
	k := (vMs - gMs) / ivMs
	at := gMs + k*ivMs
	for at < vMs {
		at += ivMs
	}
	for at-ivMs >= vMs {
		at -= ivMs
	}
	if at-vMs >= 1000 {
		return secs, true
	}
	return time.UnixMilli(at).UTC(), true
}
