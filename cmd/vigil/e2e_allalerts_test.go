package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// clusteredContextsConfig writes a config of two contexts, eu (stack a) and
// us (stack b), each with its own Prometheus and its Alertmanager pair.
func clusteredContextsConfig(t *testing.T, a, b *demo.Stack) string {
	t.Helper()
	urls := func(s *demo.Stack) string {
		q := make([]string, len(s.AlertmanagerURLs))
		for i, u := range s.AlertmanagerURLs {
			q[i] = fmt.Sprintf("%q", u)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	doc := fmt.Sprintf(`context = "eu"
[prometheus]
url = %q
[alertmanager]
urls = %s
[ui]
refresh = "1s"
window = "30s"
[metrics]
selector = 'job="flask"'

[[contexts]]
name = "us"
prometheus = { url = %q }
alertmanager = { urls = %s }
`, a.PrometheusURL, urls(a), b.PrometheusURL, urls(b))
	file := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Two contexts, each with its own Prometheus and a clustered Alertmanager
// pair, at 80x24: A lists the alerts of both, each once however many peers
// hold it, tagged with its context; snapshot --context all prints both.
// One peer of us stops: its alerts still show, from the other peer, and
// the list says which peer did not answer. enter opens the alert in us.
// Then all of us stops: us reads unknown, with why, while eu works on.
func TestAllContextsAlertsClusteredPairsInTmux(t *testing.T) {
	a := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 7}, Alertmanagers: 2})
	b := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 8}, Alertmanagers: 2})
	// Prometheus sends every alert to every peer of its cluster; so does
	// the test.
	for _, u := range a.AlertmanagerURLs {
		demotest.PostAlert(t, u, map[string]string{"alertname": "EuDiskFull", "severity": "critical"}, map[string]string{"summary": "eu disk full"})
	}
	for _, u := range b.AlertmanagerURLs {
		demotest.PostAlert(t, u, map[string]string{"alertname": "UsHighErrors", "severity": "critical"}, map[string]string{"summary": "us errors"})
	}
	file := clusteredContextsConfig(t, a, b)

	out, errOut, code := runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "json")
	var snap struct {
		Contexts []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		} `json:"contexts"`
	}
	if err := json.Unmarshal([]byte(out), &snap); err != nil || code != 0 || len(snap.Contexts) != 2 ||
		snap.Contexts[0].Error != "" || snap.Contexts[1].Error != "" {
		t.Fatalf("snapshot --context all: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}

	p := startPane(t, 80, 24, nil, vigilBinary(t), "--config", file)
	p.waitText(30*time.Second, "vigil · eu", "● live", "us ●")
	p.keys("A")
	s := p.waitText(20*time.Second, "Alerts · all contexts", "eu ● ", "us ● ", "2/2 peers answered", "EuDiskFull", "UsHighErrors")
	t.Logf("all contexts:\n%s", s)
	for _, name := range []string{"EuDiskFull", "UsHighErrors"} {
		if n := strings.Count(s, name); n != 1 {
			t.Errorf("%s shows %d times, want once for its cluster of two peers", name, n)
		}
	}
	if !strings.Contains(rowOf(s, "UsHighErrors"), "2/2") || !strings.HasPrefix(strings.TrimSpace(rowOf(s, "UsHighErrors")), "us") ||
		!strings.HasPrefix(strings.TrimSpace(rowOf(s, "EuDiskFull")), "eu") {
		t.Errorf("rows not tagged with their context and peers:\n%s", s)
	}

	// One peer of us stops: the alert is still there, from the other.
	if err := b.StopAlertmanager(0); err != nil {
		t.Fatal(err)
	}
	s = p.waitText(20*time.Second, "1/2 peers answered", "UsHighErrors")
	t.Logf("one peer of us down:\n%s", s)
	if !strings.Contains(rowOf(s, "UsHighErrors"), "1/2?") {
		t.Errorf("the row does not say a peer is unknown:\n%s", s)
	}

	// enter opens it in us, on its alerts screen, its detail.
	p.filter("UsHigh")
	p.keys("Enter")
	s = p.waitText(30*time.Second, "vigil · us", "UsHighErrors", "severity critical")
	t.Logf("opened in us:\n%s", s)

	// All of us stops: unknown, with why; eu's alert still listed.
	if err := b.StopAlertmanager(1); err != nil {
		t.Fatal(err)
	}
	if err := b.StopPrometheus(); err != nil {
		t.Fatal(err)
	}
	// (Each key on its own: escape then A at once reads as alt+A.)
	p.keys("Escape")
	p.waitText(10*time.Second, "SEV")
	p.keys("A")
	p.waitText(10*time.Second, "filter /UsHigh")
	p.keys("Escape") // clears the filter; a second one would close the list
	s = p.waitText(30*time.Second, "us ✕ alerts unknown:", "EuDiskFull")
	t.Logf("us down:\n%s", s)
	if strings.Contains(s, "UsHighErrors") {
		t.Errorf("us's alert shown as current while us is down:\n%s", s)
	}
	_, errOut, code = runBinary(t, nil, "snapshot", "--config", file, "--context", "all", "--format", "json")
	if code != 1 || !strings.Contains(errOut, "context us") {
		t.Errorf("snapshot with us down: exit %d, stderr %q: want 1 naming us", code, errOut)
	}
	p.keys("A")
	p.waitText(10*time.Second, "vigil · us")
	p.quit(10 * time.Second)
}

// rowOf is the screen's line that holds s.
func rowOf(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
