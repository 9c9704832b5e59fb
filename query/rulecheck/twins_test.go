package rulecheck

import (
	"fmt"
	"strings"
)

// twin is a rule written to trip one check, beside its corrected twin.
// Fields are YAML lines of the rule under `- alert: NAME` (or record:).
type twin struct {
	check    string
	interval string // the group's interval, when the check needs one
	record   bool   // a recording rule
	trip     []string
	fixed    []string
	// pre are rules before the pair (recording rules it reads).
	pre []string
	// id names the pair's rules when a check has two pairs.
	id string
}

const okMeta = `labels: {severity: warning}
annotations: {summary: "{{ $labels.job }} is wrong", runbook_url: "https://runbooks.example.com/x"}`

const (
	bucket = "flask_http_request_duration_seconds_bucket"
	reqs   = "flask_http_request_total"
)

// twins has one pair per check that a rule Prometheus loads can show
// (promql/syntax cannot: Prometheus refuses the file).
var twins = []twin{
	{check: CheckHistogramRate,
		trip:  []string{"expr: histogram_quantile(0.99, sum by (job, le) (" + bucket + ")) > 2", okMeta},
		fixed: []string{"expr: histogram_quantile(0.99, sum by (job, le) (rate(" + bucket + "[1m]))) > 2", okMeta}},
	{check: CheckHistogramLe,
		trip:  []string{"expr: histogram_quantile(0.99, sum by (job) (rate(" + bucket + "[1m]))) > 2", okMeta},
		fixed: []string{"expr: histogram_quantile(0.99, sum by (job, le) (rate(" + bucket + "[1m]))) > 2", okMeta}},
	{check: CheckHistogramAgg,
		trip:  []string{"expr: histogram_quantile(0.99, rate(" + bucket + "[1m])) > 2", okMeta},
		fixed: []string{"expr: histogram_quantile(0.99, sum by (job, le) (rate(" + bucket + "[1m]))) > 2", okMeta}},
	{check: CheckErrorRatio,
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `{status=~"5.."}[1m])) > 0.05`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `{status=~"5.."}[1m])) / sum by (job) (rate(` + reqs + `[1m])) > 0.05`, okMeta}},
	{check: CheckCounterRate,
		trip:  []string{`expr: sum by (job) (` + reqs + `{status="500"}) > 100`, okMeta},
		fixed: []string{`expr: sum by (job) (increase(` + reqs + `{status="500"}[1m])) > 100`, okMeta}},
	{check: CheckRateWindow,
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `[2s])) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[10s])) > 1000`, okMeta}},
	{check: CheckDeadSelector,
		trip:  []string{`expr: sum by (job) (rate(flask_http_request_totl[1m])) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	{check: CheckForShort, interval: "10s",
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, "for: 5s", okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, "for: 20s", okMeta}},
	{check: CheckForLong,
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, "for: 400d", okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, "for: 1m", okMeta}},
	{check: CheckNoComparison,
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `[1m]))`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	{check: CheckLabelValue,
		trip: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`,
			`labels: {severity: warning, rate: "{{ $value }}"}`,
			`annotations: {summary: "{{ $labels.job }} is wrong", runbook_url: "https://runbooks.example.com/x"}`},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`,
			`labels: {severity: warning}`,
			`annotations: {summary: "{{ $labels.job }} is wrong", rate: "{{ $value }}", runbook_url: "https://runbooks.example.com/x"}`}},
	{check: CheckSeverity,
		trip: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`,
			`annotations: {summary: "{{ $labels.job }} is wrong", runbook_url: "https://runbooks.example.com/x"}`},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	{check: CheckSummary,
		trip: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, `labels: {severity: warning}`,
			`annotations: {runbook_url: "https://runbooks.example.com/x"}`},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	{check: CheckRunbook,
		trip: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, `labels: {severity: warning}`,
			`annotations: {summary: "{{ $labels.job }} is wrong", runbook_url: "wiki:Runbooks/Requests"}`},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	{check: CheckTemplate,
		trip: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, `labels: {severity: warning}`,
			`annotations: {summary: "{{ $labels.job | humanizeDuration }} is wrong", runbook_url: "https://runbooks.example.com/x"}`},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, `labels: {severity: warning}`,
			`annotations: {summary: "{{ $value | humanizeDuration }} is wrong", runbook_url: "https://runbooks.example.com/x"}`}},
	{check: CheckTemplateLabel,
		trip: []string{`expr: sum by (job) (rate(flask_http_request_duration_seconds_count[1m])) > 1000`, `labels: {severity: warning}`,
			`annotations: {summary: "{{ $labels.path }} is slow", runbook_url: "https://runbooks.example.com/x"}`},
		fixed: []string{`expr: sum by (job, path) (rate(flask_http_request_duration_seconds_count[1m])) > 1000`, `labels: {severity: warning}`,
			`annotations: {summary: "{{ $labels.path }} is slow", runbook_url: "https://runbooks.example.com/x"}`}},
	{check: CheckRecordName, record: true,
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `[1m]))`},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m]))`}},
	{check: CheckRecordAggregate,
		pre:   []string{"- record: job:flask_http_request_total:rate1m", "  expr: sum by (job) (rate(" + reqs + "[1m]))"},
		trip:  []string{`expr: sum by (instance) (job:flask_http_request_total:rate1m) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (job:flask_http_request_total:rate1m) > 1000`, okMeta}},
	{check: CheckRateGauge,
		trip:  []string{`expr: sum by (job) (rate(process_start_time_seconds[1m])) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (deriv(process_start_time_seconds[1m])) > 1000`, okMeta}},
	{check: CheckRateOfSum,
		trip:  []string{`expr: rate(sum by (job) (` + reqs + `)[1m:10s]) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	{check: CheckRateOfSum, id: "_recorded",
		pre:   []string{"- record: job:flask_http_request_total:sum", "  expr: sum by (job) (" + reqs + ")"},
		trip:  []string{`expr: rate(job:flask_http_request_total:sum[1m]) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta}},
	// The first of the two rules comes before the pair, with the trip
	// rule's name: the second one is flagged.
	{check: CheckDuplicate,
		pre: []string{"- alert: Trip_rule_duplicate", "  expr: sum by (job) (rate(" + reqs + "[1m])) > 1000",
			"  labels: {severity: warning}",
			`  annotations: {summary: "{{ $labels.job }} is wrong", runbook_url: "https://runbooks.example.com/x"}`},
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 2000`, okMeta}},
	{check: CheckRegexp,
		trip:  []string{`expr: sum by (job) (rate(` + reqs + `{status=~"500"}[1m])) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `{status="500"}[1m])) > 1000`, okMeta}},
	// A selector the expression expects to be empty at times (right of
	// unless) is not dead.
	{check: CheckDeadSelector, id: "_unless",
		trip: []string{`expr: sum by (job) (rate(flask_http_request_totl[1m])) > 1000`, okMeta},
		fixed: []string{`expr: sum by (job) (rate(` + reqs + `[1m])) > 1000 unless on (job) sum by (job) (rate(flask_http_request_totl[1m]))`,
			okMeta}},
}

// twinName is the rule name of a pair's trip ("Trip") or fixed ("Twin")
// rule: a recording rule's trip name breaks the naming convention.
func twinName(tw twin, trip bool) string {
	id := strings.NewReplacer("/", "_", "-", "_").Replace(tw.check) + tw.id
	switch {
	case tw.record && trip:
		return "trip_" + id
	case tw.record:
		return "job:twin_" + id + ":rate1m"
	case trip:
		return "Trip_" + id
	}
	return "Twin_" + id
}

// twinsFile is a rule file with every pair, one group per pair.
func twinsFile() []byte {
	var b strings.Builder
	b.WriteString("groups:\n")
	for i, tw := range twins {
		fmt.Fprintf(&b, "  - name: twins_%d\n", i)
		if tw.interval != "" {
			fmt.Fprintf(&b, "    interval: %s\n", tw.interval)
		}
		b.WriteString("    rules:\n")
		for _, l := range tw.pre {
			b.WriteString("      " + l + "\n")
		}
		for _, trip := range []bool{true, false} {
			kind, lines := "alert", tw.fixed
			if tw.record {
				kind = "record"
			}
			if trip {
				lines = tw.trip
			}
			fmt.Fprintf(&b, "      - %s: %s\n", kind, twinName(tw, trip))
			for _, l := range lines {
				for j, part := range strings.Split(l, "\n") {
					_ = j
					b.WriteString("        " + part + "\n")
				}
			}
		}
	}
	return []byte(b.String())
}
