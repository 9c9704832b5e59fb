package main

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// gunicorn with four workers and no multiprocess mode, on the real Flask
// app: each scrape is answered by one worker. At 80x24 the rows and the
// header's totals read ? and the reason is on screen, whole; no row shows
// a made-up figure. The snapshot's totals are null with the warning, and
// it exits 1.
func TestE2EGunicornWorkersReadUnknown(t *testing.T) {
	app := demotest.StartFlask(t, demo.FlaskOptions{Shape: demo.FlaskWorkers, Workers: 4})
	stack := demotest.Start(t, demo.StackOptions{Scrape: map[string][]string{"shop": {app.Addr()}}})
	drv, err := app.StartDrive(context.Background(), demo.DriveOptions{Mix: []demo.Request{
		{Path: "/api/orders", Every: 19}, {Path: "/api/orders?status=503", Every: 1}, {Path: "/", Every: 5},
	}, Rate: 30, Max: 30 * 600, Duration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drv.Stop)
	bin := vigilBinary(t)
	args := []string{"--prometheus", stack.PrometheusURL, "--refresh", "1s", "--window", "20s", "--selector", `job="shop"`}
	p := startPane(t, 80, 24, []string{"NO_COLOR="}, append([]string{bin}, args...)...)

	reason := regexp.MustCompile(`one target, [2-4] processes answering in turn`)
	orders := regexp.MustCompile(`(?m)^\s*/api/orders\b.*$`)
	s := p.waitFor("the rows and totals unknown with the reason", 2*time.Minute, func(s string) bool {
		row := orders.FindString(s)
		return reason.MatchString(s) && row != "" && strings.Contains(row, "?")
	})
	t.Logf("gunicorn workers at 80x24:\n%s", s)
	if !strings.Contains(s, "multiprocess mode") {
		t.Errorf("the reason is cut before the fix:\n%s", s)
	}
	if row := orders.FindString(s); regexp.MustCompile(`[0-9]+\.[0-9]+%|[0-9]+ms`).MatchString(row) {
		t.Errorf("the /api/orders row shows a figure: %q", row)
	}
	if regexp.MustCompile(`req/s [0-9]`).MatchString(s) {
		t.Errorf("the header shows a requests/s figure:\n%s", s)
	}

	out, err := exec.Command(bin, append([]string{"snapshot", "--format", "json"}, args...)...).Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("snapshot: %v, want exit code 1\n%s", err, out)
	}
	var snap struct {
		Totals struct {
			RPS        *float64 `json:"rps"`
			ErrorRatio *float64 `json:"error_ratio"`
		} `json:"totals"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, out)
	}
	if snap.Totals.RPS != nil || snap.Totals.ErrorRatio != nil {
		t.Errorf("snapshot totals rps %v, error ratio %v: want null", snap.Totals.RPS, snap.Totals.ErrorRatio)
	}
	if !strings.Contains(strings.Join(snap.Warnings, "\n"), "answering in turn") {
		t.Errorf("snapshot warnings %q name no processes in turn", snap.Warnings)
	}
}
