package rulecheck

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

func has(fs []Finding, check string) (Finding, bool) {
	for _, f := range fs {
		if f.Check == check {
			return f, true
		}
	}
	return Finding{}, false
}

// TestIntegrationSeedRulesFlagged loads the demo's rules (the reference
// setup's two rules as written, the corrected ones beside them) into the
// real Prometheus: the reference HighErrorRate is errors per second with
// the fired-at ratio at today's traffic, SlowAPIResponses a quantile since
// the start, per series; the corrected rules have no finding.
func TestIntegrationSeedRulesFlagged(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{RuleFiles: demo.DemoRules()})
	api := connect(t, stack)
	rules := loaded(t, api, 5, "")
	waitRate(t, api, "flask_http_request_total")
	rep := online(t, api, rules)
	ref := func(name string) []Finding {
		var out []Finding
		for _, f := range rep.For(name, "") {
			if strings.Contains(f.Group, "reference") {
				out = append(out, f)
			}
		}
		return out
	}
	f, ok := has(ref(demo.AlertHighErrorRate), CheckErrorRatio)
	if !ok {
		t.Fatalf("reference HighErrorRate: no %s finding: %s", CheckErrorRatio, describe(ref(demo.AlertHighErrorRate)))
	}
	if !strings.Contains(f.Seen, "at today's") || !strings.Contains(f.Seen, "at a tenth of that traffic") {
		t.Errorf("the finding gives no fired-at ratio at today's traffic: %s", f.Seen)
	}
	if want := `sum by (job) (rate(flask_http_request_total{status=~"5.."}[1m])) / sum by (job) (rate(flask_http_request_total[1m])) > 0.05`; f.FixExpr != want {
		t.Errorf("fix:\n got %s\nwant %s", f.FixExpr, want)
	}
	for _, c := range []string{CheckHistogramRate, CheckHistogramAgg, CheckSummary, CheckRunbook} {
		if _, ok := has(ref(demo.AlertSlowAPIResponses), c); !ok {
			t.Errorf("reference SlowAPIResponses: no %s finding: %s", c, describe(ref(demo.AlertSlowAPIResponses)))
		}
	}
	for _, f := range rep.Findings {
		if strings.Contains(f.Group, "corrected") {
			t.Errorf("corrected rule %s has a finding: [%s] %s", f.Rule, f.Check, f.Seen)
		}
	}
	t.Logf("%d findings, %d requests: %s", len(rep.Findings), rep.Requests, describe(rep.Findings))
}

// TestIntegrationDeadRuleNamesThePrefixThatExists runs the reference rules
// against an app exporting with defaults_prefix=NO_PREFIX: the rules' flask_
// selectors match nothing, and the finding names http_request_total.
func TestIntegrationDeadRuleNamesThePrefixThatExists(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pitfall demo.Pitfalls
		want    string
	}{
		{"NO_PREFIX", demo.Pitfalls{NoPrefix: true}, "http_request_total"},
		{"defaults_prefix=shop", demo.Pitfalls{Prefix: "shop"}, "shop_http_request_total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Pitfalls: tc.pitfall},
				RuleFiles: map[string][]byte{"reference.yml": demo.ReferenceRules()}})
			api := connect(t, stack)
			rules := loaded(t, api, 2, "")
			rep := online(t, api, rules)
			f, ok := has(rep.For(demo.AlertHighErrorRate, ""), CheckDeadSelector)
			if !ok {
				t.Fatalf("HighErrorRate: no %s finding: %s", CheckDeadSelector, describe(rep.Findings))
			}
			if !strings.Contains(f.Seen, "but "+tc.want+" exists") || !strings.Contains(f.Fix, tc.want+`{status=~"5.."}`) {
				t.Errorf("the finding does not name %s: %s | fix: %s", tc.want, f.Seen, f.Fix)
			}
		})
	}
}

// rulesOfN is a rule file of n alerting rules, each on its own selectors.
func rulesOfN(n int) []byte {
	var b strings.Builder
	b.WriteString("groups:\n  - name: many\n    rules:\n")
	for i := range n {
		if i%3 == 2 {
			fmt.Fprintf(&b, "      - alert: Slow%02d\n        expr: histogram_quantile(0.9, flask_http_request_duration_seconds_bucket{method!=\"M%d\"}) > 1\n", i, i)
		} else {
			fmt.Fprintf(&b, "      - alert: Many%02d\n        expr: sum by (job) (rate(flask_http_request_total{status=~\"5..\", method!=\"M%d\"}[1m])) > 0.0%d\n", i, i, i%9+1)
		}
		fmt.Fprintf(&b, "        labels: {severity: warning}\n")
	}
	return []byte(b.String())
}

// TestIntegrationQueryCountConstant counts, with Prometheus's own request
// counters, the requests of a check of the loaded rules: the same for 5
// rules as for 50.
func TestIntegrationQueryCountConstant(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{})
	api := connect(t, stack)
	counts := map[int]float64{}
	for _, n := range []int{5, 50} {
		file := rulesOfN(n)
		parsed, errs := ParseFile("many.yml", file)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := stack.SetRuleFiles(ctx, map[string][]byte{"many.yml": file}); err != nil {
			t.Fatal(err)
		}
		cancel()
		loaded(t, api, len(parsed), "")
		before := demotest.SumRequests(demotest.PrometheusRequests(t, stack.PrometheusURL), apiHandlers...)
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
		rules, err := LoadRules(ctx, api)
		if err != nil {
			t.Fatal(err)
		}
		env := Gather(ctx, api, rules)
		cancel()
		rep := Check(rules, env, Options{})
		after := demotest.SumRequests(demotest.PrometheusRequests(t, stack.PrometheusURL), apiHandlers...)
		counts[len(rules)] = after - before
		t.Logf("%d rules (%d alerts): %d findings, %.0f requests (self-counted %d + 1 for the rules)", len(rules), rep.Alerts, len(rep.Findings), after-before, env.Requests)
		if len(rep.Unknown) > 0 {
			t.Errorf("unknown checks: %v", rep.Unknown)
		}
		if int(after-before) != env.Requests+1 {
			t.Errorf("Prometheus counted %.0f requests, the check says %d + 1", after-before, env.Requests)
		}
	}
	var got []float64
	for _, c := range counts {
		got = append(got, c)
	}
	if len(got) != 2 || got[0] != got[1] {
		t.Errorf("requests by number of rules: %v, want the same for 5 and 50", counts)
	}
}

// apiHandlers are the handlers a rules check may call.
var apiHandlers = []string{"/api/v1/rules", "/api/v1/targets", "/api/v1/status/runtimeinfo", "/api/v1/label/:name/values",
	"/api/v1/labels", "/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/metadata"}

// waitRate waits until the rate of a metric over 1m can be computed (two
// scrapes in the window).
func waitRate(t *testing.T, api API, metric string) {
	t.Helper()
	demotest.Eventually(t, 30*time.Second, "a rate of "+metric, func() (bool, string) {
		v, _, _, err := api.Query(context.Background(), "sum(rate("+metric+"[1m]))", time.Now())
		if err != nil {
			return false, err.Error()
		}
		return v.String() != "", "no rate yet"
	})
}
