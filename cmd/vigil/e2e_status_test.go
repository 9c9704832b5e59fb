package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// The Status screen (6) at 80x24 on a real clustered pair whose only
// receiver answers 500, with the Watchdog rule loaded: both peers and the
// cluster, the watchdog firing, the webhook failures in the table and in
// the header; then the rule removed → the header says the pipeline is
// broken; then a peer stopped → the screen names it unreachable.
func TestE2EStatusScreenClusterDeliveryAndWatchdog(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{
		RuleFiles:          map[string][]byte{demo.WatchdogRulesFile: demo.WatchdogRules()},
		Alertmanagers:      2,
		AlertmanagerConfig: demo.BrokenReceiverConfig,
	})
	p := startConsole(t, 80, 24, nil, stack, "--alertmanager", stack.AlertmanagerURLs[0],
		"--alertmanager", stack.AlertmanagerURLs[1], "--watchdog", "Watchdog")
	p.waitText(40*time.Second, "● live")
	p.keys("6")
	s := p.waitText(20*time.Second, "ALERTMANAGER  2 of 2 peers answer · cluster ready", "cluster members", "0.25.0", "PROMETHEUS", "Prometheus 2.42")
	// Both peers' rows carry the same 12-digit configuration hash.
	var hashes []string
	for _, l := range lines(s) {
		if strings.HasPrefix(l, "● 127.0.0.1:") {
			f := strings.Fields(l)
			hashes = append(hashes, f[len(f)-1])
		}
	}
	if len(hashes) != 2 || hashes[0] != hashes[1] || len(hashes[0]) != 12 {
		t.Errorf("want two peer rows with one 12-digit config hash, got %q:\n%s", hashes, s)
	}
	if strings.Contains(s, "different configurations") {
		t.Errorf("one configuration reported as different:\n%s", s)
	}

	p.waitText(60*time.Second, "WATCHDOG  ● Watchdog firing")
	s = p.waitFor("webhook failures in the header and the table", 120*time.Second, func(s string) bool {
		ls := lines(s)
		header := strings.Join(ls[:4], "\n")
		if !strings.Contains(header, "notify ✕ webhook") || !strings.Contains(header, "failed/") {
			return false
		}
		for _, l := range ls {
			if strings.HasPrefix(l, "✕ webhook") {
				return true
			}
		}
		return false
	})
	if stack.Sink.Refused() == 0 {
		t.Fatalf("the sink refused nothing, yet the console shows failures:\n%s", s)
	}
	if strings.Contains(s, "watchdog Watchdog not firing") {
		t.Fatalf("watchdog reported broken while it fires:\n%s", s)
	}

	// The Watchdog rule goes: Alertmanager lets the alert lapse.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	removed := time.Now()
	if err := stack.SetRuleFiles(ctx, map[string][]byte{"empty.yml": []byte("groups: []\n")}); err != nil {
		t.Fatal(err)
	}
	// With the failures still in the last 5m, both share the line: the
	// watchdog's said shorter when the full sentence does not fit.
	s = p.waitText(90*time.Second, "✕ watchdog Watchdog not firing:", "pipeline broken")
	t.Logf("the header said the pipeline is broken %s after the Watchdog rule was removed", time.Since(removed).Round(100*time.Millisecond))
	if l := lines(s); !strings.Contains(strings.Join(l[:4], "\n"), "✕ watchdog Watchdog not firing") {
		t.Errorf("the watchdog alarm is not under the header:\n%s", s)
	}

	if err := stack.StopAlertmanager(1); err != nil {
		t.Fatal(err)
	}
	s = p.waitText(30*time.Second, "1 of 2 peers answer", "unreachable")
	for _, l := range lines(s) {
		if len([]rune(l)) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
	p.quit(10 * time.Second)
}
