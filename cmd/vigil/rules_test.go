package main

import (
	"bytes"
	"strings"
	"testing"
)

// vigil rules prints one group per window of --window, for the configured
// endpoint label; a bad list is a usage error (exit 2) naming the flag.
func TestRulesCommand(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"HOME": t.TempDir(), "XDG_CONFIG_HOME": t.TempDir()}[k]
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"rules", "--window", "1m,5m"}, &out, &errOut, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	s := out.String()
	for _, want := range []string{"- name: vigil_1m\n", "- name: vigil_5m\n",
		"record: vigil:job_path_status:flask_http_request_duration_seconds_count:rate5m\n",
		`expr: "sum by (job, path, status) (rate(flask_http_request_duration_seconds_count[1m]))"`} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"rules", "--window=30s", "--endpoint-label", "url_rule"}, &out, &errOut, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if s := out.String(); strings.Contains(s, "vigil_1m") || !strings.Contains(s, "vigil:job_url_rule_status:flask_http_request_duration_seconds_count:rate30s") {
		t.Errorf("--window=30s with url_rule:\n%s", s)
	}
	errOut.Reset()
	if code := run([]string{"rules", "--window", "1m,soon"}, &out, &errOut, env); code != 2 || !strings.Contains(errOut.String(), `--window: window "soon"`) {
		t.Errorf("bad window: exit %d, %q", code, errOut.String())
	}
}
