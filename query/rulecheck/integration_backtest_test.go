package rulecheck

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// TestIntegrationBacktestMatchesALERTS plays the demo's scripted incident
// until the reference HighErrorRate fires, then backtests it: the numbers
// are those ALERTS shows at the same step, the data is said to cover less
// than the range, the fixed rule is evaluated too, and every range costs
// at most backtestQueries requests.
func TestIntegrationBacktestMatchesALERTS(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Script: true}, RuleFiles: demo.DemoRules()})
	api := connect(t, stack)
	rules := loaded(t, api, 5, "")
	var ref *Rule
	for i := range rules {
		if rules[i].Name == demo.AlertHighErrorRate && rules[i].Labels[demo.RulesetLabel] == demo.RulesetReference {
			ref = &rules[i]
		}
	}
	if ref == nil {
		t.Fatal("no reference HighErrorRate loaded")
	}
	sel := alertsSelector(*ref)
	demotest.Eventually(t, 90*time.Second, "the reference HighErrorRate to fire", func() (bool, string) {
		// Firing for 5 evaluations at least, so that the backtest's
		// steps see it.
		v, _, _, err := api.Query(context.Background(), "count_over_time("+sel+"[1m]) >= 5", time.Now())
		if err != nil {
			return false, err.Error()
		}
		return v.String() != "", "not firing for 5s yet"
	})
	rep := online(t, api, rules)
	fix := ""
	for _, f := range rep.For(ref.Name, ref.Group) {
		if f.FixExpr != "" {
			fix = f.FixExpr
		}
	}
	if fix == "" {
		t.Fatalf("no fix for the reference HighErrorRate: %s", describe(rep.For(ref.Name, ref.Group)))
	}
	before := demotest.SumRequests(demotest.PrometheusRequests(t, stack.PrometheusURL), apiHandlers...)
	now := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bt := RunBacktest(ctx, api, *ref, fix, now, BacktestRanges)
	after := demotest.SumRequests(demotest.PrometheusRequests(t, stack.PrometheusURL), apiHandlers...)
	t.Logf("backtest (%d requests):\n  %s", bt.Requests, strings.Join(bt.Lines(), "\n  "))
	if int(after-before) != bt.Requests || bt.Requests > backtestQueries*len(BacktestRanges)+backtestStartQueries {
		t.Errorf("Prometheus counted %.0f requests, the backtest %d, at most %d allowed", after-before, bt.Requests, backtestQueries*len(BacktestRanges)+backtestStartQueries)
	}
	for _, r := range bt.Ranges {
		if !r.Short() || !strings.Contains(strings.Join(bt.Lines(), "\n"), "data covers only the last") {
			t.Errorf("range %s: data %s not said to be shorter", r.Range, r.Data)
		}
		if r.Original.Err != "" || r.Original.Times < 1 || r.Original.Duration <= 0 {
			t.Errorf("range %s: original %+v, want at least one firing", r.Range, r.Original)
		}
		if r.Fixed == nil || r.Fixed.Err != "" {
			t.Errorf("range %s: fixed rule not evaluated: %+v", r.Range, r.Fixed)
		}
		// What ALERTS shows over the same period at the same step.
		span := backtestSpan(r.Range, r.Data, r.Step)
		v, _, _, err := api.QueryRange(ctx, sel, v1.Range{Start: now.Add(-span), End: now, Step: r.Step})
		if err != nil {
			t.Fatal(err)
		}
		var pts model.Matrix
		for _, s := range v.(model.Matrix) {
			pts = append(pts, s)
		}
		steps := map[model.Time]bool{}
		for _, s := range pts {
			for _, p := range s.Values {
				steps[p.Timestamp] = true
			}
		}
		if got := time.Duration(len(steps)) * r.Step; got != r.Original.Duration {
			t.Errorf("range %s: ALERTS shows %s firing at step %s, the backtest says %s", r.Range, got, r.Step, r.Original.Duration)
		}
	}
}
