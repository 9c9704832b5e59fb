// Package timeline builds the incident's timeline: events from Prometheus
// (alert transitions, threshold crossings, deploys and restarts),
// Alertmanager (silences), the audit log (vigil's own writes) and the notes
// store, merged and ordered. Each Prometheus source is one range query per
// build, whatever the number of endpoints, instances or alerts;
// Alertmanager is one API call. The events and the grid they fall on
// (query.Event, query.TimelinePlan) are query's: the endpoint detail's
// markers are built from them too.
package timeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/query"
)

// QueriesPerBuild is the number of Prometheus range queries one
// timeline build sends: alerts, error ratio, p99, changes.
const QueriesPerBuild = 4

// RequestsPerBuild is every request to Prometheus one timeline
// build sends: the range queries and the alerting rules (for the firing
// times). Where no overview of the same client has read them yet, the
// scrape interval (ui.window auto) and the grouping rules are read first,
// once (ResolveWindow).
const RequestsPerBuild = QueriesPerBuild + 1

// Error is a source that failed; the others still stand.
type Error struct {
	Source string
	Query  string // the PromQL sent, for a Prometheus source
	Err    error
}

func (e Error) Error() string {
	if e.Query != "" {
		return fmt.Sprintf("%s: %v (query %s)", e.Source, e.Err, e.Query)
	}
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

// Thresholds are the warning and critical levels of the figures
// whose crossings are events.
type Thresholds struct {
	ErrorRatioWarn, ErrorRatioCrit float64
	P99Warn, P99Crit               time.Duration
}

// Request is what a timeline is built from.
type Request struct {
	Since, Until time.Time
	Shape        query.Shape
	Thresholds   Thresholds
	// InfoMetric is the info metric of deploys; empty: DefaultInfoMetric.
	InfoMetric string
	// Silences lists Alertmanager's silences, expired ones included; nil
	// when no Alertmanager is configured (the source is then left out).
	Silences func(context.Context) ([]query.Silence, error)
	// AuditPath and NotesPath are the files of vigil's writes and of the
	// notes; empty leaves the source out, a missing file has no events.
	AuditPath string
	NotesPath string
	// Context is the context name: only its notes are listed.
	Context string
	// Now decides which silences have expired; zero: time.Now().
	Now time.Time
}

// Queries returns the QueriesPerBuild range queries, in
// the order alerts, error ratio, p99, changes.
func Queries(r Request, plan query.TimelinePlan) []query.NamedQuery {
	return []query.NamedQuery{
		{Name: query.TimelineAlerts, Expr: query.AlertsTimelineQuery(), Range: true},
		{Name: query.TimelineErrorRatio, Expr: query.ErrorRatioTimelineQuery(r.Shape, plan.Window), Range: true},
		{Name: query.TimelineP99, Expr: query.P99TimelineQuery(r.Shape, plan.Window), Range: true},
		{Name: query.TimelineChanges, Expr: query.ChangesTimelineQuery(r.Shape, r.InfoMetric, plan.Window), Range: true},
	}
}

// Timeline is one build of the timeline.
type Timeline struct {
	Plan query.TimelinePlan
	// Window is the overview's rate window (ResolveWindow) the threshold
	// crossings were read over; Plan.Window is it, or the step when that
	// is longer.
	Window   query.WindowChoice
	Events   []query.Event
	Errors   []Error
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
func Build(ctx context.Context, p *query.Prometheus, r Request) *Timeline {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	var (
		wg       sync.WaitGroup
		silences []query.Silence
		silErr   error
		rules    []query.Rule
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
		rules, rulesErr = query.PrometheusRules(ctx, p.API())
	}()
	var win query.WindowChoice
	if query.CheckShape(r.Shape) == nil {
		r.Shape, win, _ = p.ResolveWindow(ctx, r.Shape)
		r.Shape = p.ResolveGroups(ctx, r.Shape, r.Until)
	}
	plan := query.PlanTimeline(r.Since, r.Until, r.Shape.Window)
	tl := &Timeline{Plan: plan, Window: win}
	qs := Queries(r, plan)
	var res []query.RangeAnswer
	if err := query.CheckShape(r.Shape); err != nil {
		for range qs {
			res = append(res, query.RangeAnswer{Err: err})
		}
	} else {
		res = p.Ranges(ctx, qs, v1.Range{Start: plan.Start, End: plan.End, Step: plan.Step})
	}
	var alertsMat model.Matrix
	alertsAnswered := false
	for i, q := range qs {
		x := res[i]
		alertsAnswered = alertsAnswered || (q.Name == query.TimelineAlerts && x.Err == nil)
		for _, w := range x.Warnings {
			tl.Warnings = append(tl.Warnings, q.Name+": "+w)
		}
		if x.Err != nil {
			tl.Errors = append(tl.Errors, Error{Source: q.Name, Query: q.Expr, Err: x.Err})
			continue
		}
		switch q.Name {
		case query.TimelineAlerts:
			alertsMat = x.Mat
		case query.TimelineErrorRatio:
			tl.Events = append(tl.Events, endpointKeyed(r.Shape, query.ThresholdEvents(x.Mat, plan, r.Shape.ByLabel(), query.FigureErrorRatio, r.Thresholds.ErrorRatioWarn, r.Thresholds.ErrorRatioCrit))...)
		case query.TimelineP99:
			tl.Events = append(tl.Events, endpointKeyed(r.Shape, query.ThresholdEvents(x.Mat, plan, r.Shape.ByLabel(), query.FigureP99, r.Thresholds.P99Warn.Seconds(), r.Thresholds.P99Crit.Seconds()))...)
		case query.TimelineChanges:
			tl.Events = append(tl.Events, query.ChangeEvents(x.Mat, plan)...)
			tl.Warnings = append(tl.Warnings, query.InTurnWarnings(x.Mat)...)
		}
	}
	if r.AuditPath != "" {
		ev, bad, err := auditEvents(r.AuditPath, plan)
		for _, b := range bad {
			tl.Warnings = append(tl.Warnings, "audit log: "+b.Error()+" (skipped)")
		}
		if err != nil {
			tl.Errors = append(tl.Errors, Error{Source: query.TimelineAudit, Err: err})
		}
		tl.Events = append(tl.Events, ev...)
	}
	if r.NotesPath != "" {
		ns, err := query.NewNoteLog(r.NotesPath).Read()
		if err != nil {
			tl.Errors = append(tl.Errors, Error{Source: query.TimelineNotes, Err: err})
		}
		tl.Events = append(tl.Events, NoteEvents(ns, r.Context, plan)...)
	}
	wg.Wait()
	if alertsAnswered {
		if rulesErr != nil && len(alertsMat) > 0 {
			tl.Warnings = append(tl.Warnings, fmt.Sprintf("%s: firing times are those of the first firing sample seen, not activation plus for: %v", query.TimelineAlerts, rulesErr))
			rules = nil
		}
		tl.Events = append(tl.Events, query.AlertEventsOf(alertsMat, plan, rules)...)
	}
	if r.Silences != nil {
		if silErr != nil {
			tl.Errors = append(tl.Errors, Error{Source: query.TimelineSilences, Err: silErr})
		} else {
			tl.Events = append(tl.Events, SilenceEvents(silences, plan, r.Now)...)
		}
	}
	query.SortEvents(tl.Events)
	return tl
}

// endpointKeyed names an event's endpoint by the endpoint label, whatever
// label the grouped queries used (a group row's name under
// GroupLabel): the screens look it up by the endpoint label.
func endpointKeyed(s query.Shape, ev []query.Event) []query.Event {
	by := s.ByLabel()
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

// WindowText is the window the timeline's crossings were read over: the
// overview's, "12s (auto)", or with long, why ("12s (auto: 4 × scrape
// interval 3s)"); when the step is longer, the step, saying so ("24s (the
// step)", and with long, the overview's too).
func (tl *Timeline) WindowText(long bool) string {
	w := tl.Window
	if w.Window <= 0 {
		return query.FormatDuration(tl.Plan.Window)
	}
	s := w.String()
	if !long {
		s = query.FormatDuration(w.Window)
		if w.Auto {
			s += " (auto)"
		}
	}
	if tl.Plan.Window > w.Window {
		if !long {
			return query.FormatDuration(tl.Plan.Window) + " (the step)"
		}
		return query.FormatDuration(tl.Plan.Window) + " (the step; the overview's is " + s + ")"
	}
	return s
}
