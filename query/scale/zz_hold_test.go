package scale

import (
	"os"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

func TestZZHold(t *testing.T) {
	s := flaskShape(time.Minute)
	rules, err := query.RulesFile(s, []time.Duration{time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if extra := os.Getenv("ZZ_RULES"); extra != "" {
		b, err := os.ReadFile(extra)
		if err != nil {
			t.Fatal(err)
		}
		rules = b
	}
	stack := demotest.Start(t, demo.StackOptions{
		App:            demo.AppOptions{Endpoints: 10000, Seed: 1},
		ScrapeInterval: 5 * time.Second,
		EvalInterval:   15 * time.Second,
		QueryLog:       true,
		RuleFiles:      map[string][]byte{"vigil_rules.yml": rules},
	})
	os.WriteFile("/tmp/zz-url", []byte(stack.PrometheusURL), 0o644)
	for i := 0; i < 200; i++ {
		if _, err := os.Stat("/tmp/zz-stop"); err == nil {
			return
		}
		time.Sleep(5 * time.Second)
	}
}
