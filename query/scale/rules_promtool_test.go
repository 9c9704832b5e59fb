package scale

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/query"
)

// flaskShape is the configuration's default metrics.
func flaskShape(window time.Duration) query.Shape {
	return query.Shape{
		Selector:         `job="flask"`,
		EndpointLabel:    "path",
		DurationMetric:   "flask_http_request_duration_seconds",
		RequestsMetric:   "flask_http_request_total",
		ExceptionsMetric: "flask_http_request_exceptions_total",
		ErrorStatus:      "5..",
		Window:           window,
	}
}

// promtool finds promtool; under CI=true its absence fails the test.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("promtool not found under CI=true: %v", err)
		}
		t.Skipf("SKIPPED, NOT TESTED: promtool not found (%v); `make deps` installs it", err)
	}
	return p
}

// TestRulesPromtool: the file `vigil rules --window 1m,5m` prints passes
// promtool check rules, and promtool test rules with the committed tests.
func TestRulesPromtool(t *testing.T) {
	bin := promtool(t)
	out, err := query.RulesFile(flaskShape(time.Minute), []time.Duration{time.Minute, 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vigil_rules.yml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("testdata", "vigil_rules_test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vigil_rules_test.yml"), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("promtool %s: %v\n%s\nrules file:\n%s", strings.Join(args, " "), err, b, out)
		}
		return string(b)
	}
	if got := run("check", "rules", "vigil_rules.yml"); !strings.Contains(got, "SUCCESS: 19 rules found") {
		t.Errorf("promtool check rules: want 19 rules\n%s", got)
	}
	if got := run("test", "rules", "vigil_rules_test.yml"); !strings.Contains(got, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", got)
	}
	// The same with the groups' own interval, as the demo of many
	// endpoints loads them.
	every, err := query.RulesFileEvery(flaskShape(time.Minute), []time.Duration{20 * time.Second, time.Minute}, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vigil_rules_every.yml"), every, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run("check", "rules", "vigil_rules_every.yml"); !strings.Contains(got, "SUCCESS: 19 rules found") || strings.Count(string(every), "    interval: 15s\n") != 3 {
		t.Errorf("promtool check rules, groups every 15s: want 19 rules in 3 groups of interval 15s\n%s\n%s", got, every)
	}
	if _, err := query.RulesFileEvery(flaskShape(time.Minute), []time.Duration{time.Minute}, -time.Second); err == nil {
		t.Error("a negative interval accepted")
	}
	for _, name := range []string{
		"vigil:job_path_status:flask_http_request_duration_seconds_count:rate1m",
		"vigil:job_path_le:flask_http_request_duration_seconds_bucket:rate5m",
		"vigil:job_le:flask_http_request_duration_seconds_bucket:rate1m",
		"vigil:job_path:flask_http_request_exceptions_total:rate5m",
		"vigil:job_path:flask_http_request_duration_seconds:p99_rate1m",
		"vigil:job_path:flask_http_request_duration_seconds_count:error_ratio_rate5m",
		"vigil:instance_job_path_status:flask_http_request_duration_seconds_count:series",
		"vigil:job_path:flask_http_request_duration_seconds_count:resets5m",
	} {
		if !strings.Contains(string(out), "record: "+name+"\n") {
			t.Errorf("no rule %s in\n%s", name, out)
		}
	}
}
