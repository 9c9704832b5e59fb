package rulecheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func checkFile(t *testing.T, name, content string, o Options) *Report {
	t.Helper()
	rules, errs := ParseFile(name, []byte(content))
	for _, e := range errs {
		t.Logf("file error: %v", e)
	}
	return Check(rules, nil, o)
}

func findingsOf(r *Report, rule, check string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Rule == rule && f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func dump(t *testing.T, r *Report) {
	t.Helper()
	for _, f := range r.Findings {
		t.Logf("%s %s [%s] %s | fix: %s | fixexpr: %s", f.Where(), f.Rule, f.Check, f.Seen, f.Fix, f.FixExpr)
	}
}

func TestOfflineSeedRulesFlagged(t *testing.T) {
	r := checkFile(t, "reference.yml", readDemo(t, "reference.yml"), Options{ScrapeInterval: 15 * time.Second})
	dump(t, r)
	for _, want := range []struct{ rule, check string }{
		{"HighErrorRate", CheckErrorRatio},
		{"SlowAPIResponses", CheckHistogramRate},
		{"SlowAPIResponses", CheckHistogramAgg},
		{"SlowAPIResponses", CheckSummary},
		{"SlowAPIResponses", CheckRunbook},
	} {
		if len(findingsOf(r, want.rule, want.check)) == 0 {
			t.Errorf("%s: no %s finding", want.rule, want.check)
		}
	}
	f := findingsOf(r, "HighErrorRate", CheckErrorRatio)
	if len(f) > 0 && !strings.Contains(f[0].FixExpr, "/ sum by (job) (rate(flask_http_request_total[5m]))") {
		t.Errorf("fix = %q", f[0].FixExpr)
	}
}

func TestOfflineCorrectedRulesSilent(t *testing.T) {
	r := checkFile(t, "corrected.yml", readDemo(t, "corrected.yml"), Options{ScrapeInterval: 15 * time.Second})
	dump(t, r)
	if len(r.Findings) != 0 {
		t.Errorf("%d findings on the corrected rules", len(r.Findings))
	}
}

// What Prometheus's own validation refuses comes back as a file error
// naming the file and the position; the rules still get their checks.
func TestParseFileErrorsNameTheFile(t *testing.T) {
	y := "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n  - name: g\n    rules:\n      - alert: B\n        expr: up == 0\n"
	rules, errs := ParseFile("dup.yml", []byte(y))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "dup.yml: groupname: \"g\" is repeated") {
		t.Errorf("errors = %v", errs)
	}
	if len(rules) != 2 || rules[1].Line != 8 {
		t.Errorf("rules = %+v", rules)
	}
	if _, errs := ParseFile("bad.yml", []byte("groups: [\n")); len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "bad.yml:") {
		t.Errorf("yaml error = %v", errs)
	}
}

// An acknowledged finding is kept, with its reason, out of Active.
func TestIgnoreAcknowledges(t *testing.T) {
	r := checkFile(t, "reference.yml", readDemo(t, "reference.yml"), Options{Ignore: []Ignore{
		{Rule: "SlowAPIResponses", Check: "*", Reason: "being replaced"},
		{Rule: "HighErrorRate", Check: CheckErrorRatio, Reason: "kept for the demo"},
	}})
	if len(r.Findings) == 0 || len(r.Active()) != 0 {
		t.Fatalf("%d findings, %d active", len(r.Findings), len(r.Active()))
	}
	for _, f := range r.Findings {
		if f.Ignored == "" {
			t.Errorf("%s %s not acknowledged", f.Rule, f.Check)
		}
	}
}

// Every check a loaded rule can show has its trip rule and corrected twin
// in the integration test (promql/syntax cannot: Prometheus refuses the
// file; TestRulesLintExitCodesAndFileLine lints one).
func TestEveryCheckHasATwin(t *testing.T) {
	has := map[string]bool{}
	for _, tw := range twins {
		has[tw.check] = true
	}
	for _, c := range Checks {
		if c.Name != CheckSyntax && !has[c.Name] {
			t.Errorf("check %s has no trip rule and twin in twins_test.go", c.Name)
		}
	}
}

// docs/rules.md has a section for every check, under its name.
func TestEveryCheckIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Checks {
		if !strings.Contains(string(doc), "\n### `"+c.Name+"`: ") {
			t.Errorf("docs/rules.md has no section ### `%s`: …", c.Name)
		}
	}
}
