package query

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The incident's timeline: events from Prometheus (alert transitions,
// threshold crossings, deploys and restarts), Alertmanager (silences), the
// audit log (vigil's own writes) and the notes store, merged and ordered.
// Each Prometheus source is one range query per build, whatever the number
// of endpoints, instances or alerts; Alertmanager is one API call.

// EventKind is what happened.
type EventKind string

// The kinds of timeline events.
const (
	EventAlertPending   EventKind = "alert_pending"
	EventAlertFiring    EventKind = "alert_firing"
	EventAlertResolved  EventKind = "alert_resolved"
	EventSilenceCreated EventKind = "silence_created"
	EventSilenceExpired EventKind = "silence_expired"
	EventNote           EventKind = "note"
	EventThreshold      EventKind = "threshold_crossed"
	EventDeploy         EventKind = "deploy"
	EventRestart        EventKind = "restart"
	EventWrite          EventKind = "write"
)

// The timeline's sources, as Event.Source and TimelineError.Source name them.
const (
	TimelineAlerts     = "prometheus/alerts"      // ALERTS and ALERTS_FOR_STATE
	TimelineErrorRatio = "prometheus/error_ratio" // error ratio per endpoint
	TimelineP99        = "prometheus/p99"         // p99 per endpoint
	TimelineChanges    = "prometheus/changes"     // start times, info metric, counter resets
	TimelineSilences   = "alertmanager/silences"
	TimelineAudit      = "audit_log"
	TimelineNotes      = "notes"
)

// DefaultInfoMetric is the info metric whose label values changing marks a
// deploy: prometheus_flask_exporter's.
const DefaultInfoMetric = "flask_exporter_info"

// StartTimeMetric is the process start time every Prometheus client library
// exports; a change of it is a restart.
const StartTimeMetric = "process_start_time_seconds"

// TimelinePoints is about how many points each range query of a timeline
// has: the step is the range divided by it, in whole seconds, at least 1s.
const TimelinePoints = 600

// TimelineQueriesPerBuild is the number of Prometheus range queries one
// timeline build sends: alerts, error ratio, p99, changes.
const TimelineQueriesPerBuild = 4

// TimelineRequestsPerBuild is every request to Prometheus one timeline
// build sends: the range queries and the alerting rules (for the firing
// times). Where no overview of the same client has read them yet, the
// scrape interval (ui.window auto) and the grouping rules are read first,
// once (ResolveWindow).
const TimelineRequestsPerBuild = TimelineQueriesPerBuild + 1

// Event is one thing that happened.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Summary string
	Labels  map[string]string
	Source  string
}

// TimelineError is a source that failed; the others still stand.
type TimelineError struct {
	Source string
	Query  string // the PromQL sent, for a Prometheus source
	Err    error
}

func (e TimelineError) Error() string {
	if e.Query != "" {
		return fmt.Sprintf("%s: %v (query %s)", e.Source, e.Err, e.Query)
	}
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

// TimelineThresholds are the warning and critical levels of the figures
// whose crossings are events.
type TimelineThresholds struct {
	ErrorRatioWarn, ErrorRatioCrit float64
	P99Warn, P99Crit               time.Duration
}

// TimelineRequest is what a timeline is built from.
type TimelineRequest struct {
	Since, Until time.Time
	Shape        Shape
	Thresholds   TimelineThresholds
	// InfoMetric is the info metric of deploys; empty: DefaultInfoMetric.
	InfoMetric string
	// Silences lists Alertmanager's silences, expired ones included; nil
	// when no Alertmanager is configured (the source is then left out).
	Silences func(context.Context) ([]Silence, error)
	// AuditPath and NotesPath are the files of vigil's writes and of the
	// notes; empty leaves the source out, a missing file has no events.
	AuditPath string
	NotesPath string
	// Context is the context name: only its notes are listed.
	Context string
	// Now decides which silences have expired; zero: time.Now().
	Now time.Time
}

// TimelinePlan is the grid of the range queries: Points evaluations Step
// apart from Start to End. Start is one step or more before Since, so the
// state at Since is known and whatever began before it is no event.
type TimelinePlan struct {
	Since, Until time.Time
	Start, End   time.Time
	Step         time.Duration
	// Window is the rate window of the figures and of the counter resets:
	// the shape's window, at least one step, so no stretch goes unseen.
	Window time.Duration
	Points int
}

// PlanTimeline fits the step to the range: about TimelinePoints points.
func PlanTimeline(since, until time.Time, window time.Duration) TimelinePlan {
	rng := until.Sub(since)
	if rng < time.Second {
		rng = time.Second
	}
	step := (rng + TimelinePoints - 1) / TimelinePoints
	if r := step % time.Second; r != 0 || step == 0 {
		step += time.Second - r
	}
	end := until.Truncate(time.Second)
	n := int((end.Sub(since)+step-1)/step) + 1
	n = max(n, 2)
	return TimelinePlan{
		Since: since, Until: until,
		Start: end.Add(-time.Duration(n) * step), End: end,
		Step:   step,
		Window: max(window, step),
		Points: n + 1,
	}
}

// at is the time of point i.
func (p TimelinePlan) at(i int) time.Time { return p.Start.Add(time.Duration(i) * p.Step) }

// index is the point a sample of a range query answer belongs to.
func (p TimelinePlan) index(ts model.Time) int {
	d := ts.Time().Sub(p.Start)
	return int((d + p.Step/2) / p.Step)
}

func (p TimelinePlan) inRange(t time.Time) bool {
	return !t.Before(p.Since) && !t.After(p.Until)
}

// AlertsTimelineQuery reads when every alert's series exist (timestamp()
// gives each point's sample time) and, from ALERTS_FOR_STATE, when each
// became active.
func AlertsTimelineQuery() string {
	return Tag("timestamp(ALERTS)", "alerts") + " or " + Tag("ALERTS_FOR_STATE", "for_state")
}

// ErrorRatioTimelineQuery is the error ratio per endpoint over w.
func ErrorRatioTimelineQuery(s Shape, w time.Duration) string { return TrendQuery(s, w) }

// P99TimelineQuery is the p99 per endpoint over w.
func P99TimelineQuery(s Shape, w time.Duration) string {
	s.Window = w
	return QuantileQuery(s, 0.99)
}

// ChangesTimelineQuery reads the process start times, the info metric,
// the counter resets and up per target (instance, job) of the selection,
// in one query.
func ChangesTimelineQuery(s Shape, infoMetric string, w time.Duration) string {
	if infoMetric == "" {
		infoMetric = DefaultInfoMetric
	}
	return Tag(Selector(StartTimeMetric, s.Selector), "start") +
		" or " + Tag(Selector(infoMetric, s.Selector), "info") +
		" or " + Tag("max by (instance, job) (resets("+RangeSelector(s.countMetric(), s.Selector, w)+"))", "resets") +
		" or " + changesTargetParts(s, w)
}

// TimelineQueries returns the TimelineQueriesPerBuild range queries, in
// the order alerts, error ratio, p99, changes.
func TimelineQueries(r TimelineRequest, plan TimelinePlan) []NamedQuery {
	return []NamedQuery{
		{Name: TimelineAlerts, Expr: AlertsTimelineQuery(), Range: true},
		{Name: TimelineErrorRatio, Expr: ErrorRatioTimelineQuery(r.Shape, plan.Window), Range: true},
		{Name: TimelineP99, Expr: P99TimelineQuery(r.Shape, plan.Window), Range: true},
		{Name: TimelineChanges, Expr: ChangesTimelineQuery(r.Shape, r.InfoMetric, plan.Window), Range: true},
	}
}

// Timeline is one build of the timeline.
type Timeline struct {
	Plan TimelinePlan
	// Window is the overview's rate window (ResolveWindow) the threshold
	// crossings were read over; Plan.Window is it, or the step when that
	// is longer.
	Window   WindowChoice
	Events   []Event
	Errors   []TimelineError
	Warnings []string
}

// Timeline builds the timeline of r: the Prometheus queries, the silences
// and the files all at once. A source that fails is named in Errors and the
// others still give their events.
//
// The window is the overview's (ResolveWindow) and so are the grouping
// rules: the screen and the command read the same events over the same
// range. The alerting rules (one call to the rules API) give the firing
// times (AlertEventsOf).
func (p *Prometheus) Timeline(ctx context.Context, r TimelineRequest) *Timeline {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	var (
		wg       sync.WaitGroup
		silences []Silence
		silErr   error
		rules    []Rule
		rulesErr error
	)
	if r.Silences != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			silences, silErr = r.Silences(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rules, rulesErr = PrometheusRules(ctx, p.API())
	}()
	var win WindowChoice
	if checkShape(r.Shape) == nil {
		r.Shape, win, _ = p.ResolveWindow(ctx, r.Shape)
		r.Shape = p.resolveGroups(ctx, r.Shape, r.Until)
	}
	plan := PlanTimeline(r.Since, r.Until, r.Shape.Window)
	tl := &Timeline{Plan: plan, Window: win}
	qs := TimelineQueries(r, plan)
	var res []queryResult
	if err := checkShape(r.Shape); err != nil {
		for range qs {
			res = append(res, queryResult{err: err})
		}
	} else {
		res = p.runAll(ctx, qs, plan.End, v1.Range{Start: plan.Start, End: plan.End, Step: plan.Step})
	}
	var alertsMat model.Matrix
	alertsAnswered := false
	for i, q := range qs {
		x := res[i]
		alertsAnswered = alertsAnswered || (q.Name == TimelineAlerts && x.err == nil)
		for _, w := range x.warnings {
			tl.Warnings = append(tl.Warnings, q.Name+": "+w)
		}
		if x.err != nil {
			tl.Errors = append(tl.Errors, TimelineError{Source: q.Name, Query: q.Expr, Err: x.err})
			continue
		}
		switch q.Name {
		case TimelineAlerts:
			alertsMat = x.mat
		case TimelineErrorRatio:
			tl.Events = append(tl.Events, endpointKeyed(r.Shape, ThresholdEvents(x.mat, plan, r.Shape.by(), FigureErrorRatio, r.Thresholds.ErrorRatioWarn, r.Thresholds.ErrorRatioCrit))...)
		case TimelineP99:
			tl.Events = append(tl.Events, endpointKeyed(r.Shape, ThresholdEvents(x.mat, plan, r.Shape.by(), FigureP99, r.Thresholds.P99Warn.Seconds(), r.Thresholds.P99Crit.Seconds()))...)
		case TimelineChanges:
			tl.Events = append(tl.Events, ChangeEvents(x.mat, plan)...)
			tl.Warnings = append(tl.Warnings, InTurnWarnings(x.mat)...)
		}
	}
	if r.AuditPath != "" {
		ev, bad, err := auditEvents(r.AuditPath, plan)
		for _, b := range bad {
			tl.Warnings = append(tl.Warnings, "audit log: "+b.Error()+" (skipped)")
		}
		if err != nil {
			tl.Errors = append(tl.Errors, TimelineError{Source: TimelineAudit, Err: err})
		}
		tl.Events = append(tl.Events, ev...)
	}
	if r.NotesPath != "" {
		ns, err := NewNoteLog(r.NotesPath).Read()
		if err != nil {
			tl.Errors = append(tl.Errors, TimelineError{Source: TimelineNotes, Err: err})
		}
		tl.Events = append(tl.Events, NoteEvents(ns, r.Context, plan)...)
	}
	wg.Wait()
	if alertsAnswered {
		if rulesErr != nil && len(alertsMat) > 0 {
			tl.Warnings = append(tl.Warnings, fmt.Sprintf("%s: firing times are those of the first firing sample seen, not activation plus for: %v", TimelineAlerts, rulesErr))
			rules = nil
		}
		tl.Events = append(tl.Events, AlertEventsOf(alertsMat, plan, rules)...)
	}
	if r.Silences != nil {
		if silErr != nil {
			tl.Errors = append(tl.Errors, TimelineError{Source: TimelineSilences, Err: silErr})
		} else {
			tl.Events = append(tl.Events, SilenceEvents(silences, plan, r.Now)...)
		}
	}
	SortEvents(tl.Events)
	return tl
}

// endpointKeyed names an event's endpoint by the endpoint label, whatever
// label the grouped queries used (a group row's name under
// GroupLabel): the screens look it up by the endpoint label.
func endpointKeyed(s Shape, ev []Event) []Event {
	by := s.by()
	if by == s.EndpointLabel {
		return ev
	}
	for i := range ev {
		if v, ok := ev[i].Labels[by]; ok {
			delete(ev[i].Labels, by)
			ev[i].Labels[s.EndpointLabel] = v
		}
	}
	return ev
}
