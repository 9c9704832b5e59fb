package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// The doctor command through the built binary on the real stack: a job with
// a custom prefix and url_rule grouping gets both findings with their fixes
// and exit code 1; once configured as the doctor says, those checks read
// ok. JSON carries every check.
func TestDoctorCommand(t *testing.T) {
	bin := vigilBinary(t)
	stack := demotest.Start(t, demo.StackOptions{
		App:       demo.AppOptions{Seed: 5},
		ExtraJobs: []string{"shop"},
		ExtraApps: map[string]demo.AppOptions{"shop": {Pitfalls: demo.Pitfalls{Prefix: "shop", GroupBy: "url_rule"}}},
	})
	dir := t.TempDir()
	env := append(os.Environ(), "XDG_CONFIG_HOME="+dir, "XDG_STATE_HOME="+dir, "VIGIL_CONFIG=")
	vigil := func(args ...string) (int, string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	base := []string{"doctor", "--prometheus", stack.PrometheusURL, "--selector", `job="shop"`, "--window", "15s"}

	var code int
	var out, errOut string
	demotest.Eventually(t, 30*time.Second, "the doctor to see the shop job's prefix", func() (bool, string) {
		code, out, errOut = vigil(base...)
		return strings.Contains(out, "shop_http_request_duration_seconds"), out + errOut
	})
	if code != 1 {
		t.Errorf("exit %d, want 1 with findings\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"detected: prefix shop_, endpoint label url_rule",
		"✕ metric prefix",
		`fix: set metrics.duration_metric = "shop_http_request_duration_seconds"`,
		"✕ endpoint label",
		`fix: set metrics.endpoint_label = "url_rule"`,
		"✓ latency as a histogram",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "metric_prefix warn") || !strings.Contains(errOut, "endpoint_label warn") {
		t.Errorf("stderr does not name the checks: %s", errOut)
	}

	// Configured as advised: those two checks pass.
	fixed := append(append([]string{}, base...), "--format", "json", "--endpoint-label", "url_rule")
	_, out, errOut = vigil(fixed...)
	var rep struct {
		Worst    string `json:"worst"`
		Requests int    `json:"requests"`
		Detected struct {
			Prefix        string `json:"prefix"`
			EndpointLabel string `json:"endpoint_label"`
		} `json:"detected"`
		Checks []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Fix    string `json:"fix"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json: %v\n%s%s", err, out, errOut)
	}
	if len(rep.Checks) != 9 || rep.Detected.Prefix != "shop_" || rep.Requests != 7 {
		t.Errorf("json report: %+v", rep)
	}
	for _, c := range rep.Checks {
		if c.ID == "endpoint_label" && c.Status != "ok" {
			t.Errorf("with --endpoint-label url_rule the endpoint label check is %s", c.Status)
		}
		if c.ID == "metric_prefix" && c.Status != "warn" {
			t.Errorf("the prefix check is %s, want warn: the duration metric is still flask_", c.Status)
		}
	}

	// Prometheus down: every check unknown, exit 1, never "ok".
	code, out, _ = vigil("doctor", "--prometheus", "http://127.0.0.1:1", "--format", "json")
	if code != 1 || strings.Contains(out, `"status": "ok"`) || !strings.Contains(out, `"status": "unknown"`) {
		t.Errorf("doctor on a dead Prometheus: exit %d\n%s", code, out)
	}
}
