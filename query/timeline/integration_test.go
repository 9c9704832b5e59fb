package timeline

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/querytest"
)

const timelineRules = `groups:
  - name: timeline-test
    rules:
      - alert: TimelineCheckoutErrors
        expr: sum(rate(flask_http_request_duration_seconds_count{path="/api/checkout",status=~"5.."}[10s])) / sum(rate(flask_http_request_duration_seconds_count{path="/api/checkout"}[10s])) > 0.2
        for: 2s
        labels: {severity: critical}
`

// timelineEval is the rule evaluation interval of the test stack.
const timelineEval = time.Second

func eventsOf(tl *Timeline, kind query.EventKind) []query.Event {
	var out []query.Event
	for _, e := range tl.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// TestIntegrationTimeline plays an incident on the real stack: a restart, a
// deploy, an error-rate fault that fires and resolves an alert, a silence
// created and expired, a write in the audit log and a note; then builds the
// timeline once and checks every event against Prometheus's own data.
func TestIntegrationTimeline(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{
		App:           demo.AppOptions{Seed: 3},
		Alertmanagers: 1,
		EvalInterval:  timelineEval,
		RuleFiles:     map[string][]byte{"yml": []byte(timelineRules)},
	})
	p := querytest.Client(t, stack, 10*time.Second)
	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	since := time.Now().Add(-2 * time.Second)
	dir := t.TempDir()
	auditPath := filepath.Join(dir, "audit.log")
	notesPath := query.NotesPathFor(auditPath)

	// A restart and a deploy, once Prometheus has seen the app a while,
	// each a few scrapes apart.
	inst := stack.App.Addr()
	demotest.WaitScrapes(t, stack.PrometheusURL, inst, 6)
	oldStart := stack.App.StartTime()
	demotest.PostForm(t, stack.App.URL()+"/-/restart", nil)
	newStart := stack.App.StartTime()
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, 3)
	demotest.PostForm(t, stack.App.URL()+"/-/version", url.Values{"version": {"9.9.9"}})
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, 4)

	// The incident: 60% errors on checkout until the alert fires.
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.6})
	firing := `ALERTS{alertname="TimelineCheckoutErrors",alertstate="firing"}`
	demotest.Eventually(t, 45*time.Second, "the alert to fire", func() (bool, string) {
		v := querytest.ScalarAt(t, p, firing, time.Now())
		return v == 1, fmt.Sprintf("ALERTS %v", v)
	})
	// The alert fires before the ratio over the timeline's 10s window has
	// passed the critical 30%: the crossing is only in the range once it has.
	ratio := `sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status=~"5.."}[10s])) / sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[10s]))`
	demotest.Eventually(t, 60*time.Second, "checkout's error ratio past the critical 30%", func() (bool, string) {
		v := querytest.ScalarAt(t, p, ratio, time.Now())
		return v > 0.35, fmt.Sprintf("ratio %v", v)
	})

	// Silenced and expired by someone while it fires.
	m, _ := labels.NewMatcher(labels.MatchEqual, "alertname", "TimelineCheckoutErrors")
	silID, err := am.CreateSilence(ctx, query.SilenceSpec{Matchers: labels.Matchers{m}, EndsAt: time.Now().Add(time.Hour), CreatedBy: "tl-tester", Comment: "looking into it"})
	if err != nil {
		t.Fatal(err)
	}
	if err := query.NewAuditLog(auditPath).Append(query.AuditEntry{Time: time.Now().UTC(), User: "tl-tester@host", Alertmanager: stack.AlertmanagerURLs,
		Action: query.AuditCreate, SilenceID: silID, Matchers: `alertname="TimelineCheckoutErrors"`, Comment: "looking into it", Result: query.AuditOK}); err != nil {
		t.Fatal(err)
	}
	if err := query.NewNoteLog(notesPath).Append(query.Note{Time: time.Now().UTC(), Author: "ana", Context: "tl", Text: "checkout is failing"}); err != nil {
		t.Fatal(err)
	}
	// Expired once Alertmanager has applied it: the alert shows silenced.
	demotest.Eventually(t, 30*time.Second, "the alert silenced in Alertmanager", func() (bool, string) {
		as, err := am.Alerts(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, a := range as {
			if a.Name == "TimelineCheckoutErrors" {
				return a.State == query.StateSilenced, "state " + string(a.State)
			}
		}
		return false, "not in Alertmanager"
	})
	if err := am.ExpireSilence(ctx, silID); err != nil {
		t.Fatal(err)
	}

	// Fixed: the alert resolves.
	stack.App.ClearFault("/api/checkout")
	demotest.Eventually(t, 45*time.Second, "the alert to resolve", func() (bool, string) {
		v := querytest.ScalarAt(t, p, firing, time.Now())
		return math.IsNaN(v), fmt.Sprintf("ALERTS %v", v)
	})
	// A few scrapes (and evaluations) past the resolution.
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, 3)
	until := time.Now()

	req := Request{
		Since: since, Until: until, Shape: querytest.FlaskShape(10 * time.Second),
		Thresholds: Thresholds{ErrorRatioWarn: 0.1, ErrorRatioCrit: 0.3, P99Warn: 5 * time.Second, P99Crit: 10 * time.Second},
		Silences:   am.Silences, AuditPath: auditPath, NotesPath: notesPath, Context: "tl",
	}
	before := queryRequests(t, stack.PrometheusURL)
	tl := Build(ctx, p, req)
	if delta := demotest.RequestsSince(t, stack.PrometheusURL, before, RequestsPerBuild, queryHandlers...); delta != RequestsPerBuild {
		t.Errorf("one timeline build sent %v requests, want %d (one range query per source and the rules)", delta, RequestsPerBuild)
	}
	if len(tl.Errors) != 0 {
		t.Fatalf("errors: %v", tl.Errors)
	}
	if tl.Plan.Step != time.Second {
		t.Fatalf("step %s for a range of %s, want 1s", tl.Plan.Step, until.Sub(since))
	}
	for _, e := range tl.Events {
		t.Logf("%s %-17s %s %v", e.Time.Format("15:04:05.000"), e.Kind, e.Summary, e.Labels)
	}

	t.Run("alert firing and resolved within one evaluation of ALERTS", func(t *testing.T) {
		// Prometheus's own ALERTS series: its raw samples.
		rng := until.Sub(since) + 10*time.Second
		v, _, err := p.Query(ctx, firing+"["+query.FormatDuration(rng.Round(time.Second))+"]", until)
		if err != nil {
			t.Fatal(err)
		}
		mat, ok := v.(model.Matrix)
		if !ok || len(mat) != 1 || len(mat[0].Values) == 0 {
			t.Fatalf("raw ALERTS: %v", v)
		}
		first := mat[0].Values[0].Timestamp.Time()
		last := mat[0].Values[len(mat[0].Values)-1].Timestamp.Time()
		var fired, resolved []query.Event
		for _, e := range eventsOf(tl, query.EventAlertFiring) {
			if e.Labels["alertname"] == "TimelineCheckoutErrors" {
				fired = append(fired, e)
			}
		}
		for _, e := range eventsOf(tl, query.EventAlertResolved) {
			if e.Labels["alertname"] == "TimelineCheckoutErrors" {
				resolved = append(resolved, e)
			}
		}
		if len(fired) != 1 || len(resolved) != 1 {
			t.Fatalf("firing %v resolved %v, want one each", fired, resolved)
		}
		if d := fired[0].Time.Sub(first); absDur(d) > timelineEval {
			t.Errorf("firing at %s, ALERTS began at %s: %s apart", fired[0].Time, first, d)
		}
		// The series ends at its last sample; the evaluation after it
		// found the alert resolved.
		if d := resolved[0].Time.Sub(last.Add(timelineEval)); absDur(d) > timelineEval {
			t.Errorf("resolved at %s, ALERTS last sample %s: %s from the next evaluation", resolved[0].Time, last, d)
		}
		if fired[0].Labels["severity"] != "critical" || fired[0].Source != query.TimelineAlerts {
			t.Errorf("firing event %+v", fired[0])
		}
		if len(eventsOf(tl, query.EventAlertPending)) == 0 {
			t.Error("no pending event before the alert fired (the rule has for: 2s)")
		}
	})

	t.Run("silence created and expired with the author", func(t *testing.T) {
		var kinds []query.EventKind
		for _, e := range tl.Events {
			if e.Labels["silence_id"] == silID && e.Source == query.TimelineSilences {
				kinds = append(kinds, e.Kind)
				if e.Labels["created_by"] != "tl-tester" || e.Labels["comment"] != "looking into it" {
					t.Errorf("silence event without its author or comment: %+v", e)
				}
			}
		}
		if fmt.Sprint(kinds) != fmt.Sprint([]query.EventKind{query.EventSilenceCreated, query.EventSilenceExpired}) {
			t.Errorf("silence events %v, want created then expired", kinds)
		}
	})

	t.Run("one restart event for the instance", func(t *testing.T) {
		rs := eventsOf(tl, query.EventRestart)
		if len(rs) != 1 || rs[0].Labels["instance"] != stack.App.Addr() {
			t.Fatalf("restart events %+v, want one for %s", rs, stack.App.Addr())
		}
		if rs[0].Labels["metric"] != query.StartTimeMetric || !newStart.After(oldStart) || absDur(rs[0].Time.Sub(newStart)) > time.Millisecond {
			t.Errorf("restart event %+v, want it at the new start time %s (was %s)", rs[0], newStart, oldStart)
		}
	})

	t.Run("one deploy event for the version change", func(t *testing.T) {
		ds := eventsOf(tl, query.EventDeploy)
		if len(ds) != 1 || ds[0].Labels["version"] != "9.9.9" || ds[0].Labels["previous_version"] != demo.ExporterVersion ||
			ds[0].Labels["instance"] != stack.App.Addr() {
			t.Fatalf("deploy events %+v", ds)
		}
	})

	t.Run("the note and the write", func(t *testing.T) {
		ns, ws := eventsOf(tl, query.EventNote), eventsOf(tl, query.EventWrite)
		if len(ns) != 1 || ns[0].Labels["author"] != "ana" || ns[0].Summary != "ana: checkout is failing" {
			t.Errorf("notes %+v", ns)
		}
		if len(ws) != 1 || ws[0].Labels["silence_id"] != silID || ws[0].Labels["user"] != "tl-tester@host" {
			t.Errorf("writes %+v", ws)
		}
	})

	t.Run("the threshold crossing within one step", func(t *testing.T) {
		var up *query.Event
		for _, e := range eventsOf(tl, query.EventThreshold) {
			if e.Labels["path"] == "/api/checkout" && e.Labels["figure"] == query.FigureErrorRatio && e.Labels["level"] == "crit" && e.Labels["direction"] == "up" {
				up = &e
				break
			}
		}
		if up == nil {
			t.Fatal("no crossing of the critical error ratio on /api/checkout")
		}
		one := req.Shape
		one.Selector += `,path="/api/checkout"`
		expr := query.ErrorRatioTimelineQuery(one, tl.Plan.Window)
		at := querytest.ScalarAt(t, p, expr, up.Time)
		prev := querytest.ScalarAt(t, p, expr, up.Time.Add(-tl.Plan.Step))
		if !(at >= 0.3) || prev >= 0.3 {
			t.Errorf("crossing at %s: ratio %v there and %v one step before; want >= 0.3 then below", up.Time, at, prev)
		}
		var down bool
		for _, e := range eventsOf(tl, query.EventThreshold) {
			if e.Labels["path"] == "/api/checkout" && e.Labels["direction"] == "down" && e.Time.After(up.Time) {
				down = true
			}
		}
		if !down {
			t.Error("no crossing back below after the fault was cleared")
		}
	})
}
