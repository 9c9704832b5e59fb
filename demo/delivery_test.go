package demo_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/vigilterm/vigil/demo"
)

// The demo's configuration with the failing receiver is valid for
// Alertmanager 0.25, and routes a critical alert to it and to the pager.
func TestFailingReceiverConfigPassesAmtool(t *testing.T) {
	dir := t.TempDir()
	cfg := demo.WithFailingReceiver(demo.AlertmanagerConfig("http://127.0.0.1:9"), "http://127.0.0.1:9", `severity="critical"`)
	p := alertingWrite(t, dir, "alertmanager.yml", cfg)
	out := alertingRun(t, dir, "amtool", "check-config", p)
	// pager, audit and chat, and the failing ticket.
	for _, want := range []string{"SUCCESS", " - 4 receivers"} {
		if !strings.Contains(out, want) {
			t.Errorf("amtool check-config: no %q\n%s\nconfig:\n%s", want, out, cfg)
		}
	}
	if !bytes.Contains(cfg, []byte("http://127.0.0.1:9/fail/ticket")) {
		t.Errorf("no failing webhook:\n%s", cfg)
	}
	out = alertingRun(t, dir, "amtool", "config", "routes", "test", "--config.file="+p, "severity=critical", "alertname=X")
	if !strings.Contains(out, demo.TicketReceiver) || !strings.Contains(out, demo.PagerReceiver) {
		t.Errorf("a critical alert should go to %s and %s: %s", demo.TicketReceiver, demo.PagerReceiver, out)
	}
	out = alertingRun(t, dir, "amtool", "config", "routes", "test", "--config.file="+p, "severity=warning", "alertname=X")
	if strings.Contains(out, demo.TicketReceiver) {
		t.Errorf("a warning should not go to %s: %s", demo.TicketReceiver, out)
	}
	// Not YAML: returned as it was.
	if got := demo.WithFailingReceiver([]byte("::"), "http://x", ""); string(got) != "::" {
		t.Errorf("bad input changed: %q", got)
	}
}

func TestWatchdogRulePassesPromtool(t *testing.T) {
	dir := t.TempDir()
	alertingWrite(t, dir, demo.WatchdogRulesFile, demo.WatchdogRules())
	if out := alertingRun(t, dir, "promtool", "check", "rules", demo.WatchdogRulesFile); !strings.Contains(out, "SUCCESS: 1 rules found") {
		t.Errorf("promtool: %s", out)
	}
}

// Under /fail/ the sink answers 500 and records nothing but the count.
func TestSinkRefusesUnderFail(t *testing.T) {
	s, err := demo.StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Post(s.URL()+demo.FailPathPrefix+"ticket", "application/json", strings.NewReader(`{"receiver":"ticket","status":"firing","alerts":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || s.Refused() != 1 || len(s.Received()) != 0 {
		t.Errorf("status %d refused %d received %d: want 500, 1, 0", resp.StatusCode, s.Refused(), len(s.Received()))
	}
	resp, err = http.Post(s.URL()+"/chat", "application/json", strings.NewReader(`{"receiver":"chat","status":"firing","alerts":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || s.Refused() != 1 || len(s.Received()) != 1 {
		t.Errorf("a good path: status %d refused %d received %d", resp.StatusCode, s.Refused(), len(s.Received()))
	}
}
