package query

import (
	"time"

	"github.com/prometheus/common/model"
)

// The events of the incident's timeline and the grid they fall on: what
// query/timeline builds the Timeline screen from, and what the endpoint
// detail's markers are.

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

// Event is one thing that happened.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Summary string
	Labels  map[string]string
	Source  string
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

// InRange reports whether t is within the range asked for, Since to Until.
func (p TimelinePlan) InRange(t time.Time) bool {
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
