package rulecheck

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

func connect(t *testing.T, stack *demo.Stack) API {
	t.Helper()
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p.API()
}

// loaded waits until Prometheus has loaded want rules (or more, with
// names containing has) and returns them.
func loaded(t *testing.T, api API, want int, has string) []Rule {
	t.Helper()
	var rules []Rule
	demotest.Eventually(t, 30*time.Second, "Prometheus to load the rules", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		rules, err = LoadRules(ctx, api)
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for _, r := range rules {
			if strings.Contains(r.Name, has) {
				n++
			}
		}
		return n == want, fmt.Sprintf("%d of %d rules loaded", n, want)
	})
	return rules
}

func online(t *testing.T, api API, rules []Rule) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env := Gather(ctx, api, rules)
	return Check(rules, env, Options{})
}

// TestIntegrationChecksTripAndTwin loads, in a real Prometheus scraping the
// demo app, one rule written to trip each check beside its corrected twin:
// each check fires on its trip rule and the twin has no finding at all.
func TestIntegrationChecksTripAndTwin(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{RuleFiles: map[string][]byte{"twins.yml": twinsFile()}})
	api := connect(t, stack)
	file := twinsFile()
	parsed, errs := ParseFile("twins.yml", file)
	if len(errs) > 0 {
		t.Fatalf("twins.yml: %v", errs)
	}
	rules := loaded(t, api, len(parsed), "")
	rep := online(t, api, rules)
	for _, u := range rep.Unknown {
		t.Errorf("check %s unknown: %s", u.Check, u.Reason)
	}
	for _, tw := range twins {
		t.Run(tw.check+tw.id, func(t *testing.T) {
			trip, fixed := twinName(tw, true), twinName(tw, false)
			got := rep.For(trip, "")
			found := false
			for _, f := range got {
				found = found || f.Check == tw.check
			}
			if !found {
				t.Errorf("%s: no %s finding; findings: %s", trip, tw.check, describe(got))
			}
			if f := rep.For(fixed, ""); len(f) > 0 {
				t.Errorf("%s (the corrected twin) has findings: %s", fixed, describe(f))
			}
		})
	}
}

func describe(fs []Finding) string {
	if len(fs) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  [" + f.Check + "] " + f.Seen + " | fix: " + f.Fix)
	}
	return b.String()
}
