package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

func writeRuleFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// `vigil rules lint` offline: exit 1 and file:line with the rule on the
// reference rules, exit 0 on the corrected ones, 1 on a file Prometheus
// would refuse, 2 without a file; an acknowledged finding no longer fails.
func TestRulesLintExitCodesAndFileLine(t *testing.T) {
	dir := writeRuleFiles(t, map[string]string{
		"reference.yml": string(demo.ReferenceRules()),
		"corrected.yml": string(demo.CorrectedRules()),
		"broken.yml":    "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: rate(x[5m]\n",
		"ack.toml": `[[rules.ignore]]
rule = "SlowAPIResponses"
check = "*"
reason = "replaced next sprint"
[[rules.ignore]]
rule = "HighErrorRate"
check = "ratio/errors-per-second"
reason = "kept for the comparison"
`,
	})
	ref, corr := filepath.Join(dir, "reference.yml"), filepath.Join(dir, "corrected.yml")

	out, errOut, code := runBinary(t, nil, "rules", "lint", ref)
	if code != 1 {
		t.Errorf("reference.yml: exit %d, want 1; stderr %s", code, errOut)
	}
	for _, want := range []string{
		ref + ":15: ⚠ HighErrorRate: errors per second, not a ratio (ratio/errors-per-second)",
		ref + ":22: ⚠ SlowAPIResponses: quantile since the process started (histogram/no-rate)",
		"fix:  sum by (job) (rate(flask_http_request_total{status=~\"5..\"}[5m])) / sum by (job) (rate(flask_http_request_total[5m])) > 0.05",
		"fix:  histogram_quantile(0.99, sum by (job, le) (rate(flask_http_request_duration_seconds_bucket[5m]))) > 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	if out, errOut, code := runBinary(t, nil, "rules", "lint", corr); code != 0 {
		t.Errorf("corrected.yml: exit %d, want 0:\n%s%s", code, out, errOut)
	}

	out, _, code = runBinary(t, nil, "rules", "lint", filepath.Join(dir, "broken.yml"))
	if code != 1 || !strings.Contains(out, "broken.yml:4: ⚠ Broken: the expression does not parse (promql/syntax)") {
		t.Errorf("broken.yml: exit %d, want 1 and the rule's line:\n%s", code, out)
	}

	if _, errOut, code := runBinary(t, nil, "rules", "lint"); code != 2 || !strings.Contains(errOut, "name at least one rule file") {
		t.Errorf("no file: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := runBinary(t, nil, "rules", "lint", filepath.Join(dir, "missing.yml")); code != 1 || !strings.Contains(errOut+"", "file error") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}

	out, errOut, code = runBinary(t, nil, "rules", "lint", "--config", filepath.Join(dir, "ack.toml"), ref)
	if code != 0 || !strings.Contains(out, "acknowledged: replaced next sprint") || !strings.Contains(out, "0 finding(s), 5 acknowledged") {
		t.Errorf("acknowledged: exit %d, want 0:\n%s%s", code, out, errOut)
	}

	out, _, code = runBinary(t, nil, "rules", "lint", "--format", "json", ref)
	var js struct {
		Report struct {
			Findings []struct {
				Check, Rule, File string
				Line              int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 1 || len(js.Report.Findings) != 5 || js.Report.Findings[0].Line != 15 {
		t.Errorf("json: exit %d, err %v, %+v", code, err, js)
	}
	out, _, _ = runBinary(t, nil, "rules", "lint", "--format", "markdown", ref)
	if !strings.Contains(out, "| where | rule | check | seen | fix |") || !strings.Contains(out, "HighErrorRate") {
		t.Errorf("markdown:\n%s", out)
	}
}

// `vigil doctor --rules` reads the rules the demo's Prometheus has loaded:
// the reference rules are found (exit 1) in text, JSON and markdown; and
// `vigil rules lint --prometheus` reads the series of that Prometheus.
func TestDoctorRulesOnTheDemoStack(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{RuleFiles: demo.DemoRules()})
	prom := "--prometheus=" + stack.PrometheusURL
	out, errOut, code := runBinary(t, nil, "doctor", "--rules", prom)
	if code != 1 || !strings.Contains(out, "HighErrorRate: errors per second, not a ratio") || !strings.Contains(errOut, "doctor --rules:") {
		t.Errorf("doctor --rules: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "vigil doctor --rules: 5 rule(s), on "+stack.PrometheusURL) {
		t.Errorf("no summary line:\n%s", out)
	}
	out, _, code = runBinary(t, nil, "doctor", "--rules", "--format", "json", prom)
	var js struct {
		Report struct {
			Online   bool
			Requests int
			Findings []struct{ Check, Rule, Group string }
		}
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 1 || !js.Report.Online || len(js.Report.Findings) == 0 {
		t.Errorf("json: exit %d, err %v:\n%s", code, err, out)
	}
	out, _, _ = runBinary(t, nil, "doctor", "--rules", "--format", "markdown", prom)
	if !strings.Contains(out, "**vigil doctor --rules**") || !strings.Contains(out, "SlowAPIResponses") {
		t.Errorf("markdown:\n%s", out)
	}

	// A few scrapes of history, so that the backtest has data to look at.
	demotest.Eventually(t, 30*time.Second, "5 scrapes of the app", func() (bool, string) {
		var r struct {
			Data struct {
				Result []json.RawMessage `json:"result"`
			} `json:"data"`
		}
		demotest.GetJSON(t, stack.PrometheusURL+"/api/v1/query?query="+url.QueryEscape("count_over_time(up[1m]) >= 5"), &r)
		return len(r.Data.Result) > 0, "fewer scrapes"
	})
	out, _, code = runBinary(t, nil, "doctor", "--rules", "--backtest", prom)
	if code != 1 || !strings.Contains(out, "backtest HighErrorRate (") || !strings.Contains(out, "last 24h: fired ") ||
		!strings.Contains(out, "; the fixed rule: ") || !strings.Contains(out, "data covers only the last") {
		t.Errorf("--backtest: exit %d\n%s", code, out)
	}
	if _, errOut, code := runBinary(t, nil, "doctor", "--backtest", prom); code != 2 || !strings.Contains(errOut, "--backtest goes with --rules") {
		t.Errorf("--backtest alone: exit %d, %s", code, errOut)
	}

	dir := writeRuleFiles(t, map[string]string{"dead.yml": `groups:
  - name: g
    rules:
      - alert: ShopErrors
        expr: sum by (job) (rate(shop_http_request_total{status=~"5.."}[5m])) / sum by (job) (rate(shop_http_request_total[5m])) > 0.05
        labels: {severity: warning}
        annotations: {summary: "errors", runbook_url: "https://runbooks.example.com/x"}
`})
	file := filepath.Join(dir, "dead.yml")
	if out, _, code := runBinary(t, nil, "rules", "lint", file); code != 0 {
		t.Errorf("offline the rule passes: exit %d\n%s", code, out)
	}
	out, _, code = runBinary(t, nil, "rules", "lint", prom, file)
	if code != 1 || !strings.Contains(out, file+":4: ⚠ ShopErrors: selector matches no series (series/dead)") ||
		!strings.Contains(out, "flask_http_request_total exists") {
		t.Errorf("online: exit %d\n%s", code, out)
	}
}
