package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// AgeHeld fires 2s after it becomes active: Prometheus's activeAt and
// Alertmanager's startsAt (when it fired) differ by that.
const ageRules = `groups:
  - name: age
    rules:
      - alert: AgeHeld
        expr: vector(1)
        for: 2s
        labels: {severity: warning}
`

// OnlyProm fires in a Prometheus that sends its alerts to no
// Alertmanager.
const onlyPromRules = `groups:
  - name: only
    rules:
      - alert: OnlyProm
        expr: vector(1)
        labels: {severity: critical}
`

func truthConfig(promURL string, amURLs []string) *vigil.Config {
	cfg := vigil.Defaults()
	cfg.Context = "truth"
	cfg.Prometheus.URL = promURL
	cfg.Alertmanager.URLs = amURLs
	cfg.Prometheus.Timeout = vigil.Duration(10 * time.Second)
	cfg.Alertmanager.Timeout = vigil.Duration(10 * time.Second)
	return &cfg
}

// shownAlerts reads a context's alerts as its console's Alerts screen
// does: Alertmanager's and Prometheus's, merged.
func shownAlerts(t *testing.T, cfg *vigil.Config) []query.Alert {
	t.Helper()
	am, err := newAlertmanager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	prom, err := newPrometheus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	amAlerts, err := am.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	promAlerts, err := prom.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return query.SortedAlerts(amAlerts, promAlerts)
}

func firingIn(as []query.Alert) int {
	n := 0
	for _, a := range as {
		if a.State == query.StateFiring {
			n++
		}
	}
	return n
}

// An alert's age is one number whichever source has it: on the Alerts
// screen (Alertmanager's and Prometheus's merged) as on the list of all
// contexts, it is Prometheus's activeAt, not Alertmanager's startsAt.
func TestAlertAgeOneDefinition(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 21}, Alertmanagers: 1,
		RuleFiles: map[string][]byte{"age.yml": []byte(ageRules)}})
	cfg := truthConfig(stack.PrometheusURL, stack.AlertmanagerURLs)
	prom, err := newPrometheus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	am, err := newAlertmanager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var fromAM, fromProm query.Alert
	demotest.Eventually(t, 60*time.Second, "AgeHeld firing in Alertmanager and Prometheus", func() (bool, string) {
		as, err := am.Alerts(ctx)
		if err != nil {
			return false, err.Error()
		}
		ps, err := prom.Alerts(ctx)
		if err != nil {
			return false, err.Error()
		}
		fromAM, fromProm = query.Alert{}, query.Alert{}
		for _, a := range as {
			if a.Name == "AgeHeld" {
				fromAM = a
			}
		}
		for _, a := range ps {
			if a.Name == "AgeHeld" && a.State == query.StateFiring {
				fromProm = a
			}
		}
		return !fromAM.ActiveAt.IsZero() && !fromProm.ActiveAt.IsZero(), fmt.Sprintf("am %v prom %v", fromAM.ActiveAt, fromProm.ActiveAt)
	})
	want := fromProm.ActiveAt
	if !fromAM.ActiveAt.After(want) {
		t.Fatalf("Alertmanager's startsAt %s should come after Prometheus's activeAt %s (the rule's for)", fromAM.ActiveAt, want)
	}
	for _, a := range shownAlerts(t, cfg) {
		if a.Name == "AgeHeld" && !a.ActiveAt.Equal(want) {
			t.Errorf("Alerts screen: AgeHeld active since %s, want Prometheus's activeAt %s (Alertmanager's startsAt is %s)", a.ActiveAt, want, fromAM.ActiveAt)
		}
	}
	list := listAlerts(am, prom, nil)
	rows, _, err := list(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows.Alerts {
		if r.Name == "AgeHeld" {
			found = true
			if !r.ActiveAt.Equal(want) {
				t.Errorf("all contexts: AgeHeld active since %s, want Prometheus's activeAt %s", r.ActiveAt, want)
			}
		}
	}
	if !found {
		t.Errorf("all contexts: no AgeHeld in %+v", rows.Alerts)
	}
}

// A context's firing count is one number wherever it is shown: what its
// console counts when shown (the Alerts screen's merged list), what the
// header and tabs ask of it when not shown, and what the list of all
// contexts counts. A firing alert only its Prometheus has (sent to no
// Alertmanager of the context) counts everywhere.
func TestContextFiringCountOneNumber(t *testing.T) {
	t.Parallel()
	withAM := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 22}, Alertmanagers: 1,
		RuleFiles: map[string][]byte{"age.yml": []byte(ageRules)}})
	alone := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 23},
		RuleFiles: map[string][]byte{"only.yml": []byte(onlyPromRules)}})
	cfg := truthConfig(alone.PrometheusURL, withAM.AlertmanagerURLs)
	var shown []query.Alert
	demotest.Eventually(t, 60*time.Second, "AgeHeld in Alertmanager and OnlyProm firing in Prometheus", func() (bool, string) {
		shown = shownAlerts(t, cfg)
		return firingIn(shown) == 2, fmt.Sprintf("%d firing", firingIn(shown))
	})
	want := firingIn(shown)
	sp := contextSpec(cfg, func(string) string { return "" }, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := sp.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("count of the context not shown: %d, while shown it counts %d", n, want)
	}
	rows, _, err := sp.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, r := range rows.Alerts {
		if r.State == query.StateFiring {
			listed++
		}
	}
	if listed != want {
		t.Errorf("list of all contexts: %d firing, while shown it counts %d", listed, want)
	}
}
