package rulecheck

import (
	"strings"
	"testing"
)

// No expression, label or annotation makes the checks or the fixes panic.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`rate(flask_http_request_total{status=~"5.."}[5m]) > 0.05`,
		`histogram_quantile(0.99, flask_http_request_duration_seconds_bucket) > 2`,
		`histogram_quantile(0.9, sum without (le) (rate(x_bucket[1m]))) > 1 and on (job) x_total > 3`,
		`label_replace(absent(up{job="a"}), "x", "$1", "job", "(.*)")`,
		`count_values("v", x) or vector(0)`,
		`rate(sum(x_total)[5m:1m]) > 1 unless y`,
		`-(1 > bool 2)`, `topk(3, rate(x[1s]))`, `{__name__=~"a.*"} == 1`,
	} {
		f.Add(s, "{{ $labels.job }} {{ $value | humanize }}", "https://x/y")
	}
	f.Fuzz(func(t *testing.T, expr, summary, runbook string) {
		y := "groups:\n  - name: g\n    rules:\n      - record: a:b:c\n        expr: sum by (job) (x_total)\n      - alert: A\n        expr: " +
			quote(expr) + "\n        labels: {severity: " + quote(summary) + "}\n        annotations: {summary: " + quote(summary) +
			", runbook_url: " + quote(runbook) + "}\n"
		rules, _ := ParseFile("f.yml", []byte(y))
		Check(rules, nil, Options{})
	})
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
