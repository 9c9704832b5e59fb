package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/alertmanager"
	"github.com/vigilterm/vigil/query/timeline"
	"github.com/vigilterm/vigil/themes"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/keys"
)

// silenceCounter is the real Alertmanager client, its silences calls counted.
type silenceCounter struct {
	AlertSource
	silences atomic.Int64
}

func (c *silenceCounter) Silences(ctx context.Context) ([]query.Silence, error) {
	c.silences.Add(1)
	return c.AlertSource.Silences(ctx)
}

// One build of the timeline screen on the real stack is exactly
// query.TimelineQueriesPerBuild range queries and the rules, no instant
// query, and one Alertmanager call, over 3 endpoints as over all 30.
func TestIntegrationTimelineQueriesPerBuild(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}, Alertmanagers: 1, AlertmanagerConfig: demo.AlertmanagerConfig})
	cfg := vigil.Defaults()
	cfg.Prometheus.URL = stack.PrometheusURL
	cfg.Alertmanager.URLs = stack.AlertmanagerURLs
	cfg.Metrics.Selector = `job="flask"`
	cfg.UI.Window = vigil.Window{Fixed: vigil.Duration(30 * time.Second)}
	prom, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Close)
	am, err := alertmanager.New(alertmanager.Options{URLs: stack.AlertmanagerURLs, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	counted := &silenceCounter{AlertSource: am}
	th, _ := themes.Get("mono")
	ctx := &views.Context{Styles: th.Styles(), Keys: keys.New(false), Now: time.Now}
	o := Options{Context: ctx, Config: &cfg, Alertmanager: counted}
	o.PrometheusSources(prom)
	m := New(o)
	// Some history to build from: a few scrapes.
	demotest.WaitScrapes(t, stack.PrometheusURL, stack.App.Addr(), 4)

	measure := func(name string, build func()) {
		t.Helper()
		before := demotest.PrometheusRequests(t, stack.PrometheusURL)
		amBefore := counted.silences.Load()
		build()
		want := float64(timeline.QueriesPerBuild)
		var got map[string]float64
		demotest.Eventually(t, 5*time.Second, "Prometheus to count the queries", func() (bool, string) {
			got = demotest.PrometheusRequests(t, stack.PrometheusURL)
			return got["/api/v1/query_range"]-before["/api/v1/query_range"] >= want, fmt.Sprint(got)
		})
		demotest.Settle(t, stack.PrometheusURL)
		got = demotest.PrometheusRequests(t, stack.PrometheusURL)
		var total float64
		for h, n := range got {
			if h != demotest.BarrierHandler {
				total += n - before[h]
			}
		}
		if r := got["/api/v1/query_range"] - before["/api/v1/query_range"]; r != want || total != float64(timeline.RequestsPerBuild) {
			t.Errorf("%s: one build sent %v range queries and %v API requests in all, want %v and %d (and the rules)", name, r, total, want, timeline.RequestsPerBuild)
		}
		if n := counted.silences.Load() - amBefore; n != 1 {
			t.Errorf("%s: one build made %d Alertmanager calls, want 1", name, n)
		}
		out := screen(m)
		if strings.Contains(out, "unknown:") || strings.Contains(out, "building the timeline") {
			t.Errorf("%s: a source failed or no build arrived:\n%s", name, out)
		}
		t.Logf("%s:\n%s", name, out)
	}
	// The overview has refreshed (its grouping is read, as in a console).
	overview := func() {
		t.Helper()
		if _, err := prom.Overview(context.Background(), cfg.Shape()); err != nil {
			t.Fatal(err)
		}
	}
	overview()
	measure("30 endpoints, shown with 5", func() { press(m, "5") })
	cfg.Metrics.Selector = `job="flask",path=~"/|/login|/api/checkout"`
	overview()
	measure("3 endpoints, rebuilt", func() { run(m, partOf[*timelinePart](m).start(true)) })
	if rows := timelineOf(m).Rows(); len(rows) > 0 {
		t.Logf("%d events, first %s %s", len(rows), rows[0].Kind, rows[0].Summary)
	}
}
