package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// The console at 120x30 on VictoriaMetrics (scraping the demo app) and one
// Alertmanager: the header says the data is at least 30s old, the Alerts
// screen says the engine evaluates no rules (never "nothing is firing" from
// its empty placeholder) and then lists the alert posted to Alertmanager,
// and the Status screen names VictoriaMetrics and the
// Prometheus version it pretends to be.
func TestE2EEngineVictoriaMetrics(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{Engine: demo.EngineVictoriaMetrics, Alertmanagers: 1})
	// The window is longer than the 30s VictoriaMetrics hides.
	p := startPane(t, 120, 30, nil, append([]string{vigilBinary(t), "--alertmanager", stack.AlertmanagerURLs[0]},
		"--prometheus", stack.PrometheusURL, "--refresh", "1s", "--window", "1m", "--selector", `job="flask"`)...)
	s := p.waitText(90*time.Second, "● live", "data ≥30s old")
	if h := lines(s)[0]; !strings.Contains(h, "data ≥30s old") {
		t.Errorf("the latency is not in the header's first line:\n%s", s)
	}
	p.keys("2")
	s = p.waitText(30*time.Second, "no alerts in Alertmanager; this engine does not evaluate rules: alerts come from Alertmanager")
	if strings.Contains(s, "nothing is firing") {
		t.Errorf("the engine's empty placeholder read as nothing firing:\n%s", s)
	}
	demotest.PostAlert(t, stack.AlertmanagerURLs[0], map[string]string{"alertname": "PostedToAM", "severity": "warning"}, nil)
	p.waitText(30*time.Second, "PostedToAM")
	p.keys("6")
	s = p.waitText(30*time.Second, "VictoriaMetrics, version unknown (reports Prometheus 2.24.0)",
		"this engine does not evaluate rules: alerts come from Alertmanager", "data ≥30s old: the engine hides")
	if strings.Contains(s, "version —") {
		t.Errorf("a blank version:\n%s", s)
	}
}

// Prometheus 3 built with go install has no version: the Status screen
// says so rather than a blank or a dash.
func TestE2EEnginePrometheus3VersionUnknown(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{Engine: demo.EnginePrometheus3})
	p := startConsole(t, 100, 24, nil, stack)
	p.waitText(40*time.Second, "● live")
	p.keys("6")
	s := p.waitText(30*time.Second, "PROMETHEUS", "Prometheus, version unknown")
	if strings.Contains(s, "data ≥") {
		t.Errorf("Prometheus 3 said to hide data:\n%s", s)
	}
}

// vigil demo --engine victoriametrics runs the stack on VictoriaMetrics:
// the URL it prints answers as VictoriaMetrics does; an unknown engine is
// a usage error naming the ones there are.
func TestDemoEngineFlag(t *testing.T) {
	t.Parallel()
	bin := vigilBinary(t)
	out, err := exec.Command(bin, "demo", "--no-tui", "--engine", "influx").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--engine "influx": want one of [prometheus prometheus3 victoriametrics thanos mimir]`) {
		t.Errorf("unknown engine: %v\n%s", err, out)
	}
	demotest.RequireEngine(t, demo.EngineVictoriaMetrics)
	cmd := exec.Command(bin, "demo", "--no-tui", "--engine", "victoriametrics")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	prom := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "prometheus" {
			prom = f[1]
		}
		if strings.HasPrefix(sc.Text(), "running;") {
			break
		}
	}
	if prom == "" {
		t.Fatal("no prometheus URL printed")
	}
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: prom})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	e, err := p.DetectEngine(context.Background())
	if err != nil || e.Kind != query.EngineVictoriaMetrics {
		t.Errorf("the demo's engine: %+v %v, want VictoriaMetrics", e, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("vigil demo exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("vigil demo did not stop within 30s of Ctrl-C")
	}
}

// The console at 140x30 on Thanos with one of its two stores' Prometheus
// stopped: the header says "partial data: 1 store unreachable" once, the
// figures stay; every snapshot format carries the same line. Runs under
// make test-engines (VIGIL_ENGINES=all or naming thanos).
func TestE2EEngineThanosPartialData(t *testing.T) {
	t.Parallel()
	if v := os.Getenv("VIGIL_ENGINES"); v != "all" && !strings.Contains(v, string(demo.EngineThanos)) {
		t.Skip("Thanos not selected (VIGIL_ENGINES=thanos or all, as make test-engines sets)")
	}
	stack := demotest.Start(t, demo.StackOptions{Engine: demo.EngineThanos, ThanosSpare: true})
	p := startConsole(t, 140, 30, nil, stack)
	s := p.waitText(40*time.Second, "● live", "/api/checkout")
	if strings.Contains(s, "partial data") {
		t.Fatalf("partial data with both stores up:\n%s", s)
	}
	if err := stack.StopThanosSpare(); err != nil {
		t.Fatal(err)
	}
	s = p.waitText(60*time.Second, "partial data: 1 store unreachable")
	if h := lines(s)[0]; !strings.Contains(h, "partial data: 1 store unreachable") || !strings.Contains(h, "● live") {
		t.Errorf("not in the header's first line:\n%s", s)
	}
	if strings.Contains(s, "Addr: ") || strings.Count(s, "partial data") > 2 {
		t.Errorf("the stores' own warnings shown, or the line repeated:\n%s", s)
	}
	for _, format := range []string{"text", "json", "markdown"} {
		out, errOut, _ := runBinary(t, nil, append([]string{"snapshot", "--format", format}, consoleArgs(stack)...)...)
		if strings.Count(out, "partial data: 1 store unreachable") != 1 || strings.Contains(out, "Addr: ") {
			t.Errorf("snapshot --format %s: want the partial-data line once:\n%s\n%s", format, out, errOut)
		}
	}
}
