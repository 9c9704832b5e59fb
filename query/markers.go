package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Markers are the events drawn over a chart: deploys, restarts and the
// moments alerts began firing. They come from two range queries over the
// chart's own grid, whatever the number of instances or alerts: the
// changes of the endpoint's targets (ChangesTimelineQuery restricted to
// the targets that serve the endpoint) and the alert series
// (AlertsTimelineQuery, or the one alert of a rule's graph).

// The names of the two marker queries, as QueryError.Name gives them.
const (
	MarkerChanges = "changes"
	MarkerFirings = "firings"
)

// MarkerQueriesPerRefresh is the number of range queries the markers of a
// detail refresh cost.
const MarkerQueriesPerRefresh = 2

// EndpointChangesQuery is ChangesTimelineQuery of the targets (instance,
// job) that have request series of the endpoint, with the lowest start
// time within each step (tagged start_min): a restart whose old process
// Prometheus scraped only within the step before (an app restarted soon
// after its first scrape) is seen too.
func EndpointChangesQuery(s Shape, endpoint string, w, step time.Duration) string {
	startMin := Tag("min_over_time("+RangeSelector(StartTimeMetric, s.Selector, max(step, time.Second))+")", "start_min")
	return "(" + ChangesTimelineQuery(s, s.InfoMetric, w) + " or " + startMin + ") and on (instance, job) group by (instance, job) (" +
		Selector(s.countMetric(), s.Selector, s.endpointMatcher(endpoint)) + ")"
}

// AlertFiringsQuery is AlertsTimelineQuery of one alert name; every alert
// when alertname is empty.
func AlertFiringsQuery(alertname string) string {
	if alertname == "" {
		return AlertsTimelineQuery()
	}
	m := LabelMatch("alertname", "=", alertname)
	return Tag("timestamp(ALERTS{"+m+"})", "alerts") + " or " + Tag("ALERTS_FOR_STATE{"+m+"}", "for_state")
}

// MarkerPlan is the timeline grid of a detail plan: its points, the
// first of which is the state before the range (no event at it).
func MarkerPlan(p DetailPlan) TimelinePlan {
	return TimelinePlan{Since: p.Start, Until: p.End, Start: p.Start, End: p.End,
		Step: p.Step, Window: max(p.Step, p.Window), Points: max(p.Points, 2)}
}

// ChangeMarkers are the deploys and restarts in the answer to
// EndpointChangesQuery (or ChangesTimelineQuery), oldest first. A target
// whose start time goes back (StartsInTurn) has no restart.
func ChangeMarkers(mat model.Matrix, plan TimelinePlan) []Event {
	ev := slices.DeleteFunc(ChangeEvents(mat, plan), func(e Event) bool { return e.Kind != EventDeploy && e.Kind != EventRestart })
	inTurn := StartsInTurn(mat)
	seen := map[string]bool{}
	key := func(inst, job, start string) string { return inst + "\x00" + job + "\x00" + start }
	for _, e := range ev {
		if e.Kind == EventRestart {
			seen[key(e.Labels["instance"], e.Labels["job"], e.Labels["start_time"])] = true
		}
	}
	// The start time at each point, per target, to compare with the
	// lowest start time within the step before it.
	target := func(m model.Metric) string { return string(m["job"]) + "\x00" + string(m["instance"]) }
	starts := map[string]map[int]float64{}
	for _, ss := range mat {
		if ss.Metric[SeriesLabel] != "start" {
			continue
		}
		at := map[int]float64{}
		for _, sp := range ss.Values {
			at[plan.index(sp.Timestamp)] = float64(sp.Value)
		}
		starts[target(ss.Metric)] = at
	}
	for _, ss := range mat {
		if _, ok := inTurn[TargetKeyOf(ss.Metric)]; ok || ss.Metric[SeriesLabel] != "start_min" {
			continue // processes in turn: no restarts
		}
		inst, job := string(ss.Metric["instance"]), string(ss.Metric["job"])
		for _, sp := range ss.Values {
			i := plan.index(sp.Timestamp)
			lo := float64(sp.Value)
			v, ok := starts[target(ss.Metric)][i]
			if !ok || Missing(lo) || Missing(v) || v-lo < 0.001 {
				continue
			}
			st := unixTime(v)
			k := key(inst, job, st.Format(time.RFC3339Nano))
			if seen[k] {
				continue
			}
			seen[k] = true
			t := plan.at(i)
			if st.After(t.Add(-plan.Step)) && !st.After(t) {
				t = st
			}
			if !plan.InRange(t) {
				continue
			}
			who := inst
			if job != "" {
				who += " (job " + job + ")"
			}
			ev = append(ev, Event{Time: t, Kind: EventRestart, Source: TimelineChanges,
				Summary: fmt.Sprintf("restart of %s: process started at %s", who, st.Format("15:04:05Z")),
				Labels: map[string]string{"instance": inst, "job": job, "metric": StartTimeMetric,
					"start_time": st.Format(time.RFC3339Nano), "previous_start_time": unixTime(lo).Format(time.RFC3339Nano)}})
		}
	}
	SortEvents(ev)
	return ev
}

// FiringMarkers are the moments alerts began firing in the answer to
// AlertFiringsQuery, oldest first; with endpoint set, only the alerts one
// of whose label values is the endpoint.
func FiringMarkers(mat model.Matrix, plan TimelinePlan, endpoint string) []Event {
	return firingMarkersOf(mat, plan, endpoint, func(v string) string { return v })
}

// firingMarkersOf is FiringMarkers for a row of the overview: an alert
// counts when one of its label values belongs to the row (row names the
// row of a value: a group's name, or the value).
func firingMarkersOf(mat model.Matrix, plan TimelinePlan, endpoint string, row func(string) string) []Event {
	var out []Event
	for _, e := range AlertEvents(mat, plan) {
		if e.Kind != EventAlertFiring {
			continue
		}
		if endpoint != "" && !slices.ContainsFunc(mapValues(e.Labels), func(v string) bool { return v == endpoint || row(v) == endpoint }) {
			continue
		}
		out = append(out, e)
	}
	SortEvents(out)
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// MarkerTag is the one-letter tag of an event on a chart: D deploy, R
// restart, ! an alert began firing.
func MarkerTag(k EventKind) string {
	switch k {
	case EventDeploy:
		return "D"
	case EventRestart:
		return "R"
	case EventAlertFiring:
		return "!"
	}
	return "?"
}

// MarkerLabel is a short description of a marker event: the alert's
// name, the deploy's changed labels, the restarted instance.
func MarkerLabel(e Event) string {
	switch e.Kind {
	case EventAlertFiring:
		return e.Labels["alertname"]
	case EventDeploy:
		s := e.Summary
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
		return "deploy " + e.Labels["instance"] + " " + s
	case EventRestart:
		return "restart " + e.Labels["instance"]
	}
	return e.Summary
}

// errMarkersNotAsked is the reason of markers whose query was not sent.
var errMarkersNotAsked = errorString("not queried")

type errorString string

func (e errorString) Error() string { return string(e) }

// ChangedWithin is how far back the overview looks for restarts and
// deploys of an endpoint's targets.
const ChangedWithin = 30 * time.Minute

// changedResolution is the step of the subquery that finds when an info
// series first appeared: the deploy time is known to within it.
const changedResolution = 15 * time.Second

// ChangedQuery is one instant query of the newest restart or deploy within
// w of the targets (instance, job) behind each endpoint, as a Unix time
// per endpoint label value; an endpoint without one has no series.
//
//	restart: the start time, where it changed within w
//	deploy:  the first time of the newest info series of a target that
//	         had more than one set of info labels within w
//
// joined to the endpoints through the request series' (instance, job).
func ChangedQuery(s Shape, w time.Duration) string {
	return changedQueryOn(s, w, Selector(s.countMetric(), s.Selector))
}

// changedQueryOn is ChangedQuery joined to the endpoints through present:
// a selector of series with the labels instance, job and the endpoint
// label. An endpoint is joined while present had a sample in the rate
// window or the last 5 minutes (presentIn), not only while it has one
// now: a restarted process shows an endpoint's
// series only once it has served it, and a crash loop's endpoints are
// the ones whose restart must show.
func changedQueryOn(s Shape, w time.Duration, present string) string {
	present = presentIn(present, s.Window)
	info := s.InfoMetric
	if info == "" {
		info = DefaultInfoMetric
	}
	start := Selector(StartTimeMetric, s.Selector)
	// A start time that went back is processes answering in turn, not a
	// restart (processes.go).
	restarts := "(" + start + " and changes(" + RangeSelector(StartTimeMetric, s.Selector, w) + ") > 0 unless on (instance, job) " + inTurnTargets(s, w) + ")"
	deploys := "(max by (instance, job) (min_over_time(timestamp(" + Selector(info, s.Selector) + ")[" +
		FormatDuration(w) + ":" + FormatDuration(changedResolution) + "])) and on (instance, job) (count by (instance, job) (last_over_time(" +
		RangeSelector(info, s.Selector, w) + ")) > 1))"
	perTarget := "max by (instance, job) (" + Tag(restarts, "restart") + " or " + Tag(deploys, "deploy") + ")"
	l := s.EndpointLabel
	// Grouped, a group row takes the newest change of its members.
	return "max by (" + s.by() + ") (" + s.relabel(perTarget+" * on (instance, job) group_right group by (instance, job, "+l+") ("+
		present+")") + ")"
}

// RangePlan is the timeline grid of a range query's range.
func RangePlan(r v1.Range) TimelinePlan {
	step := max(r.Step, time.Millisecond)
	n := int(r.End.Sub(r.Start)/step) + 1
	return TimelinePlan{Since: r.Start, Until: r.End, Start: r.Start, End: r.End, Step: step,
		Window: step, Points: max(n, 2)}
}

// ReadFirings reads the moments the alerts of one name began firing over
// r, with one range query (AlertFiringsQuery), oldest first.
func ReadFirings(ctx context.Context, q Querier, alertname string, r v1.Range) ([]Event, error) {
	expr := AlertFiringsQuery(alertname)
	v, _, err := q.QueryRange(ctx, expr, r)
	if err != nil {
		return nil, fmt.Errorf("%w (query %s)", err, expr)
	}
	mat, ok := v.(model.Matrix)
	if !ok && v != nil {
		return nil, fmt.Errorf("unexpected result type %s (query %s)", v.Type(), expr)
	}
	return FiringMarkers(mat, RangePlan(r), ""), nil
}
