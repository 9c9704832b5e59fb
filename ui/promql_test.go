package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
	promqlview "github.com/vigilterm/vigil/views/promql"
)

// g on an alert graphs its rule's expression from /api/v1/rules, with the
// rule's threshold and a marker at the time the alert became active.
func TestIntegrationGraphAlertRule(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 9}, RuleFiles: demo.DemoRules()})
	stack.App.SetFault("/api/checkout", demo.Fault{ErrorRatio: 0.5})
	cfg := vigil.Defaults()
	cfg.Prometheus.URL = stack.PrometheusURL
	m := stackModel(t, &cfg, stack.PrometheusURL)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})

	active := time.Now().Add(-20 * time.Minute)
	al := query.Alert{Name: "HighErrorRate", State: query.StateFiring, ActiveAt: active,
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", demo.RulesetLabel: demo.RulesetReference}}
	graph := partOf[*alertsPart](m).grapher.graph
	msg := graph(al)()
	req, ok := msg.(promqlview.GraphMsg)
	if !ok {
		t.Fatalf("got %#v", msg)
	}
	if req.Threshold == nil || *req.Threshold != 0.05 || strings.Contains(req.Expr, ">") || !strings.HasPrefix(req.Expr, "rate(flask_http_request_total") {
		t.Fatalf("request %+v", req)
	}
	if req.Range != time.Hour || !req.Marker.Equal(active) {
		t.Fatalf("range %v marker %v", req.Range, req.Marker)
	}
	// Wait for the errors of the fault to reach a rate, asking a second
	// apart.
	demotest.EventuallyEvery(t, 45*time.Second, time.Second, "a graph with series", func() (bool, string) {
		_, cmd := m.Update(req)
		run(m, cmd)
		g := partOf[*promqlPart](m).scr.Graph()
		return g != nil && len(g.Series) > 0, fmt.Sprintf("graph %v", g != nil)
	})
	if !partOf[*promqlPart](m).open || partOf[*promqlPart](m).scr.Graph() == nil || len(partOf[*promqlPart](m).scr.Graph().Series) == 0 {
		e, _ := partOf[*promqlPart](m).scr.Err()
		t.Fatalf("no graph: open %v err %v", partOf[*promqlPart](m).open, e)
	}
	if partOf[*promqlPart](m).scr.Value() != req.Expr {
		t.Fatalf("prompt %q", partOf[*promqlPart](m).scr.Value())
	}
	out := screen(m)
	for _, want := range []string{"HighErrorRate: rate(", "threshold 0.05", "active since"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}

	if req.Alertname != "HighErrorRate" {
		t.Fatalf("the graph of an alert does not ask for its firings: %+v", req)
	}
	// Once the alert fires (its for: is 6s on the demo), the moment it
	// began firing is marked on the graph.
	demotest.Eventually(t, 90*time.Second, "the firing marked on the graph", func() (bool, string) {
		_, cmd := m.Update(req)
		run(m, cmd)
		f, err := partOf[*promqlPart](m).scr.Firings()
		return len(f) > 0, fmt.Sprintf("firings %v err %v", f, err)
	})
	out = screen(m)
	if !strings.Contains(out, "┊ ! ") || !strings.Contains(out, " HighErrorRate") {
		t.Errorf("no firing in the graph's marker legend:\n%s", out)
	}

	// An alert without a rule in this Prometheus says so.
	msg = graph(query.Alert{Name: "Nope", Labels: map[string]string{"alertname": "Nope"}})()
	if f, ok := msg.(views.FlashMsg); !ok || !f.Error || !strings.Contains(f.Text, "no rule") {
		t.Fatalf("got %#v", msg)
	}
}
