package query

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

const markerRules = `groups:
  - name: marker-test
    rules:
      - alert: MarkerCheckoutErrors
        expr: sum by (path) (rate(flask_http_request_duration_seconds_count{path="/api/checkout",status=~"5.."}[10s])) / sum by (path) (rate(flask_http_request_duration_seconds_count{path="/api/checkout"}[10s])) > 0.2
        for: 2s
        labels: {severity: critical}
`

// TestIntegrationChangeMarkers restarts the demo app, changes its version
// and makes an alert naming an endpoint fire, on the real stack; then reads
// them back as the endpoint detail's markers (one changes and one firings
// query), as the overview's "changed" time (one instant query) and as the
// alert's 24-hour history (one range query).
func TestIntegrationChangeMarkers(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{
		App:          demo.AppOptions{Seed: 5},
		EvalInterval: time.Second,
		RuleFiles:    map[string][]byte{"markers.yml": []byte(markerRules)},
	})
	p := demoClient(t, stack, 10*time.Second)
	ctx := context.Background()
	const ep = "/api/checkout"
	s := demoShape(10 * time.Second)

	// A restart and a deploy, once Prometheus has seen the app a while,
	// each a few scrapes apart.
	inst := stack.App.Addr()
	demotest.WaitScrapes(t, stack.PrometheusURL, inst, 6)
	demotest.PostForm(t, stack.App.URL()+"/-/restart", nil)
	restartAt := stack.App.StartTime()
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, 3)
	deployAt := time.Now()
	demotest.PostForm(t, stack.App.URL()+"/-/version", url.Values{"version": {"7.7.7"}})
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, inst, 4)

	// Before anything fired, the overview already sees the change.
	t.Run("the overview marks the endpoint changed", func(t *testing.T) {
		var ov *Overview
		demotest.Eventually(t, 30*time.Second, "the change in the overview", func() (bool, string) {
			var err error
			ov, err = p.Overview(ctx, s)
			if err != nil {
				return false, err.Error()
			}
			for _, e := range ov.Endpoints {
				if e.Name == ep {
					return !e.Changed.IsZero(), fmt.Sprintf("changed %v err %v", e.Changed, ov.ChangesErr)
				}
			}
			return false, "no endpoint " + ep
		})
		if ov.ChangesErr != nil {
			t.Fatal(ov.ChangesErr)
		}
		for _, e := range ov.Endpoints {
			// The newest change is the deploy, found to within the
			// subquery's resolution and a scrape.
			if e.Changed.Before(restartAt.Add(-time.Second)) || e.Changed.After(time.Now()) ||
				absDur(e.Changed.Sub(deployAt)) > changedResolution+2*time.Second {
				t.Errorf("%s changed at %s; restart %s, deploy %s", e.Name, e.Changed, restartAt, deployAt)
			}
		}
	})

	stack.App.SetFault(ep, demo.Fault{ErrorRatio: 0.7})
	firing := `ALERTS{alertname="MarkerCheckoutErrors",alertstate="firing"}`
	demotest.Eventually(t, 45*time.Second, "the alert to fire", func() (bool, string) {
		v := scalarAt(t, p, firing, time.Now())
		return v == 1, fmt.Sprintf("ALERTS %v", v)
	})
	firedAt := time.Now()
	activeAt := unixTime(scalarAt(t, p, `ALERTS_FOR_STATE{alertname="MarkerCheckoutErrors"}`, time.Now()))
	// Long enough for the history's 15s step to see it firing: that many
	// evaluations (one a second) found it firing.
	evals := int((AlertHistoryStep + 3*time.Second) / time.Second)
	demotest.Eventually(t, 10*AlertHistoryStep, fmt.Sprintf("%d evaluations with the alert firing", evals), func() (bool, string) {
		n := scalarAt(t, p, "count_over_time("+firing+"[1h])", time.Now())
		return n >= float64(evals), fmt.Sprintf("%v evaluations", n)
	})

	t.Run("the detail's markers: restart, deploy, firing", func(t *testing.T) {
		req := DetailRequest{Endpoint: ep, Range: 15 * time.Minute, Columns: 900}
		d, err := p.Detail(ctx, s, req)
		if err != nil {
			t.Fatal(err)
		}
		if d.ChangesErr != nil || d.FiringsErr != nil {
			t.Fatalf("changes %v firings %v", d.ChangesErr, d.FiringsErr)
		}
		for _, e := range append(append([]Event{}, d.Changes...), d.Firings...) {
			t.Logf("%s %s %s", e.Time.Format("15:04:05.000"), MarkerTag(e.Kind), MarkerLabel(e))
		}
		var restarts, deploys []Event
		for _, e := range d.Changes {
			switch e.Kind {
			case EventRestart:
				restarts = append(restarts, e)
			case EventDeploy:
				deploys = append(deploys, e)
			}
		}
		if len(restarts) != 1 || restarts[0].Labels["instance"] != stack.App.Addr() || MarkerTag(restarts[0].Kind) != "R" {
			t.Fatalf("restarts %v, want one R of %s", restarts, stack.App.Addr())
		}
		if dt := absDur(restarts[0].Time.Sub(restartAt)); dt > time.Second {
			t.Errorf("R at %s, the app restarted at %s", restarts[0].Time, restartAt)
		}
		if len(deploys) != 1 || deploys[0].Labels["version"] != "7.7.7" {
			t.Errorf("deploys %v, want one to 7.7.7", deploys)
		} else if dt := deploys[0].Time.Sub(deployAt); dt < 0 || dt > 3*time.Second {
			t.Errorf("D at %s, version changed at %s", deploys[0].Time, deployAt)
		}
		if len(d.Firings) != 1 || d.Firings[0].Labels["alertname"] != "MarkerCheckoutErrors" {
			t.Fatalf("firings %v, want MarkerCheckoutErrors once", d.Firings)
		}
		if dt := d.Firings[0].Time.Sub(firedAt); dt > 0 || dt < -5*time.Second {
			t.Errorf("! at %s, seen firing at %s", d.Firings[0].Time, firedAt)
		}

		// Another endpoint of the same app has the same changes but not
		// the alert, which does not name it.
		other, err := p.Detail(ctx, s, DetailRequest{Endpoint: "/api/users", Range: 15 * time.Minute, Columns: 900})
		if err != nil {
			t.Fatal(err)
		}
		if len(other.Firings) != 0 || len(other.Changes) != len(d.Changes) {
			t.Errorf("/api/users: firings %v changes %v", other.Firings, other.Changes)
		}
	})

	t.Run("a restart soon after the first scrape, at a 2-minute step", func(t *testing.T) {
		// The app ran six scrapes before its restart: no point of a 1h
		// chart saw the old process, only the lowest start time within the
		// step did.
		d, err := p.Detail(ctx, s, DetailRequest{Endpoint: ep, Range: time.Hour, Columns: 30})
		if err != nil {
			t.Fatal(err)
		}
		if d.Plan.Step < time.Minute || d.ChangesErr != nil {
			t.Fatalf("step %s, changes error %v", d.Plan.Step, d.ChangesErr)
		}
		var rs []Event
		for _, e := range d.Changes {
			if e.Kind == EventRestart {
				rs = append(rs, e)
			}
		}
		if len(rs) != 1 || absDur(rs[0].Time.Sub(restartAt)) > time.Second {
			t.Errorf("restarts %v, want one at %s", rs, restartAt)
		}
	})

	t.Run("the alert's history counts the activation in its hour", func(t *testing.T) {
		al := Alert{Name: "MarkerCheckoutErrors", Labels: map[string]string{"alertname": "MarkerCheckoutErrors", "path": ep, "severity": "critical", "cluster": "external"}}
		now := time.Now()
		h, err := ReadAlertHistory(ctx, p, al, now)
		if err != nil {
			t.Fatal(err)
		}
		if h.Total != 1 {
			t.Fatalf("total %d, want 1: %v", h.Total, h.Counts)
		}
		i := int(activeAt.Sub(h.Start) / time.Hour)
		if i < 0 || i >= AlertHistoryHours || h.Counts[i] != 1 {
			t.Errorf("activation at %s: counts %v (start %s)", activeAt, h.Counts, h.Start)
		}
		// Another alert of the same name but other labels is not this one.
		h2, err := ReadAlertHistory(ctx, p, Alert{Name: "MarkerCheckoutErrors", Labels: map[string]string{"alertname": "MarkerCheckoutErrors", "path": "/other"}}, now)
		if err != nil || h2.Total != 0 {
			t.Errorf("other labels: %v %v", h2, err)
		}
		// A rejected query is an error, not an empty history.
		if _, err := ReadAlertHistory(ctx, p, Alert{}, now); err == nil {
			t.Error("no alertname: no error")
		}
	})
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
