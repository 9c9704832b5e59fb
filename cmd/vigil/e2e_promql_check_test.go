package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// refusedQueries is how many queries Prometheus has refused as bad
// (prometheus_http_requests_total of /api/v1/query and query_range with
// code 400), from its own /metrics.
func refusedQueries(t *testing.T, promURL string) float64 {
	t.Helper()
	resp, err := http.Get(promURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tp := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := tp.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, m := range fams["prometheus_http_requests_total"].GetMetric() {
		var handler, code string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "handler":
				handler = l.GetValue()
			case "code":
				code = l.GetValue()
			}
		}
		if code == "400" && (handler == "/api/v1/query" || handler == "/api/v1/query_range") {
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

// The PromQL prompt parses a query with Prometheus's own parser before
// sending it: a typo shows the parser's error, "not sent", with the caret
// under its column, for a table (enter) and a graph (ctrl+g), and
// Prometheus never sees it; a function the parser does not know is left
// to Prometheus, which answers it (and counts it refused).
func TestE2EPromQLPromptParsesBeforeSending(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	p := startConsole(t, 80, 24, []string{"NO_COLOR=", "XDG_STATE_HOME=" + t.TempDir()}, stack)
	p.waitText(40*time.Second, "● live")
	before := refusedQueries(t, stack.PrometheusURL)

	p.keys(":")
	p.waitText(15*time.Second, "enter run")
	p.typeText(`sum by job (up{job="flask"})`)
	p.keys("Enter")
	s := p.waitText(10*time.Second, "parse error: not sent: unexpected identifier")
	if under, ok := caretTarget(s); !ok || !strings.HasPrefix(under, "job (up") {
		t.Errorf("the caret is not under job (under %q):\n%s", under, s)
	}
	// Graphed (ctrl+g): refused the same way.
	p.keys("Escape")
	p.waitFor("prompt closed", 15*time.Second, func(s string) bool { return !strings.Contains(s, "parse error") })
	p.keys(":")
	p.waitText(15*time.Second, "type to replace")
	p.typeText(`rate(up[5m]`)
	p.keys("C-g")
	p.waitText(10*time.Second, "parse error: not sent: unclosed left parenthesis")

	// A function this parser does not know goes to Prometheus, which
	// refuses it: that one is counted, the typo was not.
	p.keys("Escape")
	p.waitFor("prompt closed", 15*time.Second, func(s string) bool { return !strings.Contains(s, "parse error") })
	p.keys(":")
	p.waitText(15*time.Second, "type to replace")
	p.typeText(`oops(up)`)
	p.keys("Enter")
	s = p.waitText(15*time.Second, `unknown function with name "oops"`)
	if strings.Contains(s, "not sent") {
		t.Errorf("a query left to Prometheus reads as not sent:\n%s", s)
	}
	p.waitFor("Prometheus to count the query it refused", 30*time.Second, func(string) bool {
		return refusedQueries(t, stack.PrometheusURL) >= before+1
	})
	if got := refusedQueries(t, stack.PrometheusURL); got != before+1 {
		t.Errorf("Prometheus refused %v queries, want 1 (oops): the typo was sent", got-before)
	}
}
