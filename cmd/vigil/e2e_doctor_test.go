package main

import (
	"encoding/json"
	"os"
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
	t.Parallel()
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
		return execVigil(t, bin, env, args...)
	}
	base := []string{"doctor", "--prometheus", stack.PrometheusURL, "--selector", `job="shop"`, "--window", "15s"}

	var code int
	var out, errOut string
	// Left to detection (endpoint_label unset, the flask_ names): the
	// doctor uses what it finds and says so.
	demotest.Eventually(t, 30*time.Second, "the doctor to see the shop job's prefix", func() (bool, string) {
		code, out, errOut = vigil(base...)
		return strings.Contains(out, "shop_http_request_duration_seconds"), out + errOut
	})
	for _, want := range []string{
		"detected: prefix shop_, endpoint label url_rule",
		"i metric prefix              the families are named shop_* (shop_http_request_duration_seconds); vigil uses them",
		`✓ endpoint label             "url_rule", detected (metrics.endpoint_label is unset)`,
		"✓ latency as a histogram",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d with every check ok or info\n%s%s", code, out, errOut)
	}

	// A label set by hand that the series do not have: a finding with its
	// fix, exit 1, named on stderr; JSON carries every check.
	code, out, errOut = vigil(append(append([]string{}, base...), "--endpoint-label", "path")...)
	if code != 1 || !strings.Contains(out, "✕ endpoint label") || !strings.Contains(out, `fix: set metrics.endpoint_label = "url_rule"`) || !strings.Contains(errOut, "endpoint_label warn") {
		t.Errorf("--endpoint-label path: exit %d\n%s%s", code, out, errOut)
	}
	_, out, errOut = vigil(append(append([]string{}, base...), "--format", "json", "--endpoint-label", "path")...)
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
	if len(rep.Checks) != 10 || rep.Detected.Prefix != "shop_" || rep.Detected.EndpointLabel != "url_rule" || rep.Requests != 7 || rep.Worst != "warn" {
		t.Errorf("json report: %+v", rep)
	}

	// The snapshot uses what was detected: url_rule rows of the shop_
	// families, and says so.
	demotest.Eventually(t, 20*time.Second, "the snapshot's url_rule rows of the shop_ families", func() (bool, string) {
		_, out, errOut = vigil("snapshot", "--prometheus", stack.PrometheusURL, "--selector", `job="shop"`, "--window", "15s")
		return strings.Contains(out, "detected metric prefix shop_, endpoint label url_rule") && strings.Contains(out, "/api/users/<int:id>"), out + errOut
	})

	// Prometheus down: every check unknown, exit 1, never "ok".
	code, out, _ = vigil("doctor", "--prometheus", "http://127.0.0.1:1", "--format", "json")
	if code != 1 || strings.Contains(out, `"status": "ok"`) || !strings.Contains(out, `"status": "unknown"`) {
		t.Errorf("doctor on a dead Prometheus: exit %d\n%s", code, out)
	}
}
