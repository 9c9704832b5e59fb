package timeline

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/querytest"
)

// The checkout's error ratio over 5s, above 20%: the condition of the
// rules of the truth test.
const truthCond = `sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout",status=~"5.."}[5s])) / sum(rate(flask_http_request_duration_seconds_count{job="flask",path="/api/checkout"}[5s])) > 0.2`

// TruthTwin is a rule and a faster copy of it, with the same labels (the
// slow one first); TruthHeld waits 3s.
var truthRules = `groups:
  - name: truth
    rules:
      - alert: TruthTwin
        expr: ` + truthCond + `
        for: 1h
        labels: {severity: critical, team: web}
      - alert: TruthTwin
        expr: ` + truthCond + `
        labels: {severity: critical, team: web}
      - alert: TruthHeld
        expr: ` + truthCond + `
        for: 3s
        labels: {severity: warning}
`

func eventsAbout(tl *Timeline, kind query.EventKind, label, value string) []query.Event {
	var out []query.Event
	for _, e := range eventsOf(tl, kind) {
		if e.Labels[label] == value {
			out = append(out, e)
		}
	}
	return out
}

// One incident on the real stack, then one timeline build, each event
// checked against Prometheus's own state: the firing times are the
// activation (Prometheus's activeAt) plus the rule's for, the twins are
// one alert, a target's scrapes failing and succeeding again are events,
// a restarted process is a restart and three workers answering in turn
// are none.
func TestIntegrationTimelineTruth(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{
		App:          demo.AppOptions{Seed: 7},
		ExtraJobs:    []string{"workers", "flask2"},
		ExtraApps:    map[string]demo.AppOptions{"workers": {Seed: 8, Pitfalls: demo.Pitfalls{Workers: 3}}},
		EvalInterval: time.Second,
		RuleFiles:    map[string][]byte{"truth.yml": []byte(truthRules)},
	})
	p := querytest.Client(t, stack, 10*time.Second)
	ctx := context.Background()
	since := time.Now().Add(-2 * time.Second)
	scrapes := func(job string, n int) {
		t.Helper()
		demotest.Eventually(t, 60*time.Second, fmt.Sprintf("%d scrapes of %s", n, job), func() (bool, string) {
			v := querytest.ScalarAt(t, p, fmt.Sprintf(`count_over_time(up{job=%q}[5m])`, job), time.Now())
			return v >= float64(n), fmt.Sprintf("%v", v)
		})
	}
	scrapes("flask", 4)

	// A restart of the single process.
	oldStart := stack.App.StartTime()
	demotest.PostForm(t, stack.App.URL()+"/-/restart", nil)
	newStart := stack.App.StartTime()
	demotest.Eventually(t, 30*time.Second, "Prometheus to see the new start time", func() (bool, string) {
		v := querytest.ScalarAt(t, p, `process_start_time_seconds{job="flask"}`, time.Now())
		return math.Abs(v-float64(newStart.UnixNano())/1e9) < 0.001, fmt.Sprintf("%v", v)
	})

	// flask2's listener stops, then an app listens there again.
	app2 := stack.Extra["flask2"]
	addr := app2.Addr()
	stopped := time.Now()
	if err := app2.Close(); err != nil {
		t.Fatal(err)
	}
	demotest.Eventually(t, 30*time.Second, "flask2 down", func() (bool, string) {
		v := querytest.ScalarAt(t, p, `up{job="flask2"}`, time.Now())
		return v == 0, fmt.Sprintf("up %v", v)
	})
	again, err := demo.StartApp(demo.AppOptions{Seed: 9, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	restarted := time.Now()
	demotest.Eventually(t, 30*time.Second, "flask2 up again", func() (bool, string) {
		v := querytest.ScalarAt(t, p, `up{job="flask2"}`, time.Now())
		return v == 1, fmt.Sprintf("up %v", v)
	})

	// The incident: both alerts fire. Every checkout request fails, so
	// the 5s ratio only climbs once it starts: at a share of 0.6 its few
	// requests a window once fell back under 20% an evaluation after it
	// crossed, and the alerts fired twice in Prometheus itself.
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 1})
	var prom []query.Alert
	demotest.Eventually(t, 60*time.Second, "TruthTwin and TruthHeld firing", func() (bool, string) {
		as, err := query.PrometheusAlerts(ctx, p.API())
		if err != nil {
			return false, err.Error()
		}
		prom = as
		n := 0
		for _, a := range as {
			if (a.Name == "TruthTwin" || a.Name == "TruthHeld") && a.State == query.StateFiring {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d firing", n)
	})
	scrapes("workers", 12)
	// The range ends after TruthHeld fired (its end is a whole second).
	demotest.Eventually(t, 30*time.Second, "TruthHeld firing 2s ago", func() (bool, string) {
		v := querytest.ScalarAt(t, p, `ALERTS{alertname="TruthHeld",alertstate="firing"}`, time.Now().Add(-2*time.Second))
		return v == 1, fmt.Sprintf("ALERTS %v", v)
	})
	until := time.Now()

	shape := querytest.FlaskShape(4 * time.Second)
	shape.Selector = `job=~"flask|flask2|workers"`
	tl := Build(ctx, p, Request{Since: since, Until: until, Shape: shape,
		Thresholds: Thresholds{ErrorRatioWarn: 0.1, ErrorRatioCrit: 0.3, P99Warn: 5 * time.Second, P99Crit: 10 * time.Second}})
	if len(tl.Errors) != 0 {
		t.Fatalf("errors: %v", tl.Errors)
	}
	for _, e := range tl.Events {
		t.Logf("%s %-17s %s %v", e.Time.Format("15:04:05.000"), e.Kind, e.Summary, e.Labels)
	}
	t.Logf("warnings: %v", tl.Warnings)

	activeAt := func(name string) time.Time {
		t.Helper()
		var at time.Time
		for _, a := range prom {
			if a.Name == name && (at.IsZero() || a.ActiveAt.Before(at)) {
				at = a.ActiveAt
			}
		}
		if at.IsZero() {
			t.Fatalf("%s not in Prometheus's alerts", name)
		}
		// ALERTS_FOR_STATE holds it in whole seconds.
		if v := querytest.ScalarAt(t, p, `ALERTS_FOR_STATE{alertname="`+name+`"}`, time.Now()); v != float64(at.Unix()) {
			t.Errorf("%s: ALERTS_FOR_STATE %v, activeAt %s", name, v, at.Format(time.RFC3339Nano))
		}
		return at.Truncate(time.Millisecond)
	}

	t.Run("twins are one alert, firing at its activation", func(t *testing.T) {
		if ev := eventsAbout(tl, query.EventAlertPending, "alertname", "TruthTwin"); len(ev) != 0 {
			t.Errorf("pending events of TruthTwin, whose fast copy fired at once: %v", ev)
		}
		ev := eventsAbout(tl, query.EventAlertFiring, "alertname", "TruthTwin")
		if len(ev) != 1 {
			t.Fatalf("firing events of TruthTwin: %v, want one", ev)
		}
		if want := activeAt("TruthTwin"); !ev[0].Time.Equal(want) {
			t.Errorf("TruthTwin firing at %s, want its activation %s", ev[0].Time.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	})
	t.Run("pending at activation, firing for later", func(t *testing.T) {
		act := activeAt("TruthHeld")
		pend := eventsAbout(tl, query.EventAlertPending, "alertname", "TruthHeld")
		fire := eventsAbout(tl, query.EventAlertFiring, "alertname", "TruthHeld")
		if len(pend) != 1 || len(fire) != 1 {
			t.Fatalf("TruthHeld: pending %v, firing %v; want one each", pend, fire)
		}
		if !pend[0].Time.Equal(act) {
			t.Errorf("pending at %s, want activeAt %s", pend[0].Time.Format(time.RFC3339Nano), act.Format(time.RFC3339Nano))
		}
		if want := act.Add(3 * time.Second); !fire[0].Time.Equal(want) {
			t.Errorf("firing at %s, want activeAt + 3s = %s", fire[0].Time.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	})
	t.Run("a target down and up again are events", func(t *testing.T) {
		down := eventsAbout(tl, query.EventTargetDown, "job", "flask2")
		up := eventsAbout(tl, query.EventTargetUp, "job", "flask2")
		if len(down) != 1 || len(up) != 1 {
			t.Fatalf("flask2: down %v, up %v; want one each", down, up)
		}
		if down[0].Time.Before(stopped) || !down[0].Time.Before(restarted) {
			t.Errorf("down at %s: not between the stop %s and the new start %s", down[0].Time.Format(time.StampMilli), stopped.Format(time.StampMilli), restarted.Format(time.StampMilli))
		}
		if up[0].Time.Before(restarted) {
			t.Errorf("up at %s, before the app listened again at %s", up[0].Time.Format(time.StampMilli), restarted.Format(time.StampMilli))
		}
	})
	t.Run("a restarted process is a restart, workers are none", func(t *testing.T) {
		rs := eventsAbout(tl, query.EventRestart, "instance", stack.App.Addr())
		var got time.Time
		if len(rs) == 1 {
			got, _ = time.Parse(time.RFC3339Nano, rs[0].Labels["start_time"])
		}
		if len(rs) != 1 || absDur(got.Sub(newStart)) >= time.Millisecond {
			t.Errorf("restarts of flask: %v, want one at %s (was %s)", rs, newStart.Format(time.RFC3339Nano), oldStart.Format(time.RFC3339Nano))
		}
		if ws := eventsAbout(tl, query.EventRestart, "job", "workers"); len(ws) != 0 {
			t.Errorf("restarts of the workers target, whose 3 processes answer in turn: %d, want none: %v", len(ws), ws[0])
		}
		if !strings.Contains(fmt.Sprint(tl.Warnings), "processes answering in turn") {
			t.Errorf("no warning says why the workers have no restarts: %v", tl.Warnings)
		}
	})
}
