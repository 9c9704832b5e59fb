package query_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
)

const vigilAlertRules = `groups:
  - name: vigil-alerts-test
    rules:
      - alert: VigilAlwaysFiring
        expr: vector(1)
        labels: {severity: critical}
        annotations:
          summary: always firing
          runbook_url: https://runbooks.example/always
      - alert: VigilAlwaysPending
        expr: vector(2) > 1
        for: 1h
        labels: {severity: warning}
        annotations: {summary: pending for an hour}
      - record: vigil:three
        expr: vector(3)
`

// A real Prometheus evaluates one firing and one pending rule and sends
// the firing alert to a real Alertmanager: the pending alert comes only
// from Prometheus, the firing one from both, once after merging.
// startRulesStack starts a stack with one Alertmanager and a Prometheus
// that evaluates rules, and returns it with a client of Prometheus's API and
// a context that bounds the test.
func startRulesStack(t *testing.T, file, rules string) (*demo.Stack, v1.API, context.Context) {
	t.Helper()
	stack := demotest.Start(t, demo.StackOptions{
		Alertmanagers: 1,
		RuleFiles:     map[string][]byte{file: []byte(rules)},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	pc, err := api.NewClient(api.Config{Address: stack.PrometheusURL})
	if err != nil {
		t.Fatal(err)
	}
	return stack, v1.NewAPI(pc), ctx
}

// alertsUntil reads alerts with read until done holds of them (30s at the
// most), and returns them; which names the source in a failure.
func alertsUntil(t *testing.T, which string, read func() ([]query.Alert, error), what string, done func([]query.Alert) bool) []query.Alert {
	t.Helper()
	var as []query.Alert
	demotest.EventuallyTrue(t, 30*time.Second, what, func() bool {
		var err error
		as, err = read()
		if err != nil {
			t.Fatalf("%s: %v", which, err)
		}
		return done(as)
	})
	return as
}

func TestPrometheusAlertsAndRules(t *testing.T) {
	stack, papi, ctx := startRulesStack(t, "vigil-alerts.yml", vigilAlertRules)
	prom := alertsUntil(t, "PrometheusAlerts", func() ([]query.Alert, error) { return query.PrometheusAlerts(ctx, papi) }, "both alerts in /api/v1/alerts", func(as []query.Alert) bool {
		return len(byName(as, "VigilAlwaysFiring")) == 1 && len(byName(as, "VigilAlwaysPending")) == 1
	})
	firing := byName(prom, "VigilAlwaysFiring")[0]
	if firing.State != query.StateFiring || firing.Source != query.SourcePrometheus || firing.Severity != "critical" ||
		firing.Value != "1e+00" || firing.ActiveAt.IsZero() || firing.RunbookURL() != "https://runbooks.example/always" {
		t.Errorf("firing alert: %+v", firing)
	}
	ls := model.LabelSet{}
	for k, v := range firing.Labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	if firing.Fingerprint != ls.Fingerprint().String() {
		t.Errorf("fingerprint %s, want %s", firing.Fingerprint, ls.Fingerprint())
	}
	pending := byName(prom, "VigilAlwaysPending")[0]
	if pending.State != query.StatePending || pending.Summary() != "pending for an hour" {
		t.Errorf("pending alert: %+v", pending)
	}

	rules, err := query.PrometheusRules(ctx, papi)
	if err != nil {
		t.Fatalf("PrometheusRules: %v", err)
	}
	var mine []query.Rule
	for _, r := range rules {
		if r.Group == "vigil-alerts-test" {
			mine = append(mine, r)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("rules of the test group: %+v (recording rules must be left out)", mine)
	}
	if r := mine[0]; r.Name != "VigilAlwaysFiring" || r.Query != "vector(1)" || r.Duration != 0 || r.Health != "ok" || r.Labels["severity"] != "critical" || r.State != "firing" {
		t.Errorf("rule 0: %+v", r)
	}
	if r := mine[1]; r.Name != "VigilAlwaysPending" || r.Query != "vector(2) > 1" || r.Duration != time.Hour || r.Annotations["summary"] != "pending for an hour" {
		t.Errorf("rule 1: %+v", r)
	}
	if r, ok := query.RuleFor(pending, rules); !ok || r.Query != "vector(2) > 1" {
		t.Errorf("RuleFor(pending) = %+v, %v", r, ok)
	}

	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fromAM := alertsUntil(t, "Alerts", func() ([]query.Alert, error) { return am.Alerts(ctx) }, "the firing alert in Alertmanager", func(as []query.Alert) bool {
		return len(byName(as, "VigilAlwaysFiring")) == 1
	})
	merged := query.MergeAlerts(fromAM, prom)
	query.SortAlerts(merged)
	f, p := byName(merged, "VigilAlwaysFiring"), byName(merged, "VigilAlwaysPending")
	if len(f) != 1 || len(p) != 1 {
		t.Fatalf("merged: %d firing, %d pending, want 1 and 1", len(f), len(p))
	}
	if f[0].Source != query.SourceBoth || f[0].State != query.StateFiring || f[0].Value != "1e+00" || len(f[0].Receivers) == 0 {
		t.Errorf("merged firing alert: %+v", f[0])
	}
	if p[0].Source != query.SourcePrometheus || p[0].State != query.StatePending {
		t.Errorf("merged pending alert: %+v", p[0])
	}
}

func byName(alerts []query.Alert, name string) []query.Alert {
	var out []query.Alert
	for _, a := range alerts {
		if a.Name == name {
			out = append(out, a)
		}
	}
	return out
}

func TestPrometheusAlertsErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := query.PrometheusAlerts(ctx, nil); err == nil {
		t.Error("PrometheusAlerts(nil API): no error")
	}
	if _, err := query.PrometheusRules(ctx, nil); err == nil {
		t.Error("PrometheusRules(nil API): no error")
	}
	// Nothing listens on port 1 of loopback.
	pc, err := api.NewClient(api.Config{Address: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = query.PrometheusAlerts(ctx, v1.NewAPI(pc))
	if err == nil || !strings.HasPrefix(err.Error(), "prometheus alerts: ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable Prometheus: %v", err)
	}
	_, err = query.PrometheusRules(ctx, v1.NewAPI(pc))
	if err == nil || !strings.HasPrefix(err.Error(), "prometheus rules: ") {
		t.Errorf("unreachable Prometheus: %v", err)
	}
}

// The slow copy comes first in the file, so Prometheus lists its pending
// alert before the fast copy's firing one.
const twinAlertRules = `groups:
  - name: vigil-twins
    rules:
      - alert: VigilTwin
        expr: vector(1)
        for: 1h
        labels: {severity: warning, team: web}
        annotations: {summary: slow copy}
      - alert: VigilTwin
        expr: vector(1)
        labels: {severity: warning, team: web}
        annotations: {summary: fast copy}
`

// Two real rules with the same name and labels and different for: one
// firing, one pending, one label set. The merge shows it once, firing,
// with or without Alertmanager's copy.
func TestMergeTwinRulesShowsFiring(t *testing.T) {
	stack, papi, ctx := startRulesStack(t, "twins.yml", twinAlertRules)
	prom := alertsUntil(t, "PrometheusAlerts", func() ([]query.Alert, error) { return query.PrometheusAlerts(ctx, papi) }, "both copies in /api/v1/alerts", func(as []query.Alert) bool {
		return len(byName(as, "VigilTwin")) == 2
	})
	twins := byName(prom, "VigilTwin")
	if twins[0].Key() != twins[1].Key() || twins[0].State == twins[1].State {
		t.Fatalf("want one firing and one pending alert with one label set: %+v", twins)
	}
	check := func(what string, merged []query.Alert, src string) {
		t.Helper()
		got := byName(merged, "VigilTwin")
		if len(got) != 1 || got[0].State != query.StateFiring || got[0].Source != src {
			t.Fatalf("%s: %+v, want one firing alert from %s", what, got, src)
		}
	}
	check("Prometheus only", query.MergeAlerts(nil, prom), query.SourcePrometheus)
	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fromAM := alertsUntil(t, "Alerts", func() ([]query.Alert, error) { return am.Alerts(ctx) }, "the firing copy in Alertmanager", func(as []query.Alert) bool {
		return len(byName(as, "VigilTwin")) == 1
	})
	check("with Alertmanager", query.MergeAlerts(fromAM, prom), query.SourceBoth)
	if m := byName(query.MergeAlerts(fromAM, prom), "VigilTwin")[0]; m.Summary() == "" {
		t.Errorf("merged alert lost its summary: %+v", m)
	}
}
