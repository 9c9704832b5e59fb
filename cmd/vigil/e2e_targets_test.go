package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// A scraped app dies while Prometheus keeps running: the header names the
// down target with the time it went down, the rows of its endpoints turn
// stale with their age instead of showing frozen figures, and the snapshot
// lists the target as down and exits 1.
func TestE2ETargetDownShowsInHeaderStaleRowsAndSnapshot(t *testing.T) {
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}, ExtraJobs: []string{"flask2"}})
	app2 := stack.Extra["flask2"]
	bin := vigilBinary(t)
	// A 5m window: without staleness the dead app's rows would keep their
	// last figures for five minutes.
	args := []string{"--prometheus", stack.PrometheusURL, "--refresh", "1s", "--window", "5m", "--selector", `job="flask2"`}
	p := startPane(t, 100, 30, []string{"NO_COLOR="}, append([]string{bin}, args...)...)
	p.waitFor("flask2's endpoints, live", 40*time.Second, func(s string) bool {
		return strings.Contains(s, "/api/checkout") && strings.Contains(s, "● live")
	})

	// The snapshot of a healthy selection lists its target, up, and exits 0.
	out, err := exec.Command(bin, append([]string{"snapshot", "--format", "json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("snapshot before the kill: %v\n%s", err, out)
	}
	if tg := snapshotTargets(t, out); len(tg) != 1 || tg[0].Health != "up" || tg[0].Job != "flask2" || tg[0].Instance != app2.Addr() {
		t.Errorf("targets before the kill: %+v", tg)
	}

	killed := time.Now()
	if err := app2.Close(); err != nil {
		t.Fatal(err)
	}
	s := p.waitText(20*time.Second, "1 of 1 targets down since")
	took := time.Since(killed)
	t.Logf("app killed → header says the target is down: %s", took.Round(10*time.Millisecond))
	if took > 4*time.Second {
		t.Errorf("the header took %s to say the target is down; want within a scrape interval (1s) plus a refresh (1s) and some slack", took)
	}
	for _, want := range []string{"flask2", app2.Addr(), "connection refused"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "● live") {
		t.Errorf("the header still says live with every target down:\n%s", s)
	}
	// The header's "since" is a clock time within a few seconds of the kill.
	m := regexp.MustCompile(`down since (\d\d:\d\d:\d\d)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no since time:\n%s", s)
	}
	since, err := time.ParseInLocation("15:04:05", m[1], time.Local)
	if err != nil {
		t.Fatal(err)
	}
	k := killed.Local()
	since = time.Date(k.Year(), k.Month(), k.Day(), since.Hour(), since.Minute(), since.Second(), 0, time.Local)
	if d := since.Sub(k); d < -2*time.Second || d > 4*time.Second {
		t.Errorf("down since %s, the app was killed at %s", m[1], k.Format("15:04:05"))
	}

	// The rows are stale with their age, not fresh figures.
	s = p.waitFor("stale rows", 10*time.Second, func(s string) bool {
		return regexp.MustCompile(`/api/checkout\s+◌ stale \d+s`).MatchString(s)
	})
	for _, l := range lines(s) {
		if strings.Contains(l, "/api/") && !strings.Contains(l, "stale") {
			t.Errorf("a row of the dead app shows as fresh: %q", l)
		}
	}

	// The snapshot: the target in JSON, a line in text and markdown, exit 1.
	cmd := exec.Command(bin, append([]string{"snapshot", "--format", "json"}, args...)...)
	out, _ = cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("snapshot exit code %d with the target down, want 1", code)
	}
	tg := snapshotTargets(t, out)
	if len(tg) != 1 || tg[0].Health != "down" || tg[0].Job != "flask2" || tg[0].Instance != app2.Addr() ||
		!strings.Contains(tg[0].LastError, "connection refused") || tg[0].Since == nil {
		t.Errorf("targets after the kill: %+v\n%s", tg, out)
	} else if d := tg[0].Since.Sub(killed); d < -2*time.Second || d > 4*time.Second {
		t.Errorf("target down since %s, killed at %s", tg[0].Since, killed)
	}
	for _, f := range []string{"text", "markdown"} {
		cmd := exec.Command(bin, append([]string{"snapshot", "--format", f}, args...)...)
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Errorf("%s snapshot exit code %d, want 1", f, code)
		}
		if !strings.Contains(string(out), "1 of 1 targets down") || !strings.Contains(string(out), app2.Addr()) || !strings.Contains(string(out), "stale") {
			t.Errorf("%s snapshot does not name the down target and the stale rows:\n%s", f, out)
		}
	}
	p.quit(10 * time.Second)
}

// A selector that matches nothing says so, in the console and the snapshot
// (exit 1), and is not mistaken for targets being down.
func TestE2ESelectorMatchingNothingSaysSo(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}})
	bin := vigilBinary(t)
	args := []string{"--prometheus", stack.PrometheusURL, "--refresh", "1s", "--selector", `job="nope"`}
	cmd := exec.Command(bin, append([]string{"snapshot"}, args...)...)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("snapshot exit code %d for a selector that matches nothing, want 1\n%s", code, out)
	}
	if !strings.Contains(string(out), `no series matches {job="nope"}`) || strings.Contains(string(out), "targets down") {
		t.Errorf("snapshot output:\n%s", out)
	}
	p := startPane(t, 100, 24, []string{"NO_COLOR="}, append([]string{bin}, args...)...)
	s := p.waitText(20*time.Second, `no series matches {job="nope"}`)
	if strings.Contains(s, "targets down") {
		t.Errorf("no series read as targets down:\n%s", s)
	}
	// No target: the auto window cannot be read and falls back to 1m.
	if !strings.Contains(s, "window 1m (auto)") {
		t.Errorf("header window:\n%s", s)
	}
}

// With Alertmanager unreachable the snapshot never says "no alerts": it
// names the failure, lists Prometheus's own alerts instead, and exits 1.
func TestSnapshotAlertmanagerUnreachableFallsBackAndExits1(t *testing.T) {
	t.Parallel()
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 3}})
	bin := vigilBinary(t)
	closed := demotest.ClosedURL(t)
	args := []string{"--prometheus", stack.PrometheusURL, "--selector", `job="flask"`, "--alertmanager", closed}
	cmd := exec.Command(bin, append([]string{"snapshot", "--format", "json"}, args...)...)
	out, _ := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code %d with Alertmanager unreachable, want 1", code)
	}
	var r struct {
		Alerts       []json.RawMessage `json:"alerts"`
		AlertsSource string            `json:"alerts_source"`
		Errors       []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(r.AlertsSource, "Alertmanager unreachable") || !strings.Contains(r.AlertsSource, "connection refused") {
		t.Errorf("alerts_source %q", r.AlertsSource)
	}
	found := false
	for _, e := range r.Errors {
		found = found || e.Name == "alertmanager" && strings.Contains(e.Error, "connection refused")
	}
	if !found {
		t.Errorf("errors do not name Alertmanager: %+v", r.Errors)
	}
	cmd = exec.Command(bin, append([]string{"snapshot"}, args...)...)
	out, _ = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "Alertmanager unreachable: ") ||
		!strings.Contains(string(out), "Prometheus's own alerts") {
		t.Errorf("text snapshot, exit %d:\n%s", code, out)
	}
	// Without Alertmanager the list says where it comes from, exit 0.
	cmd = exec.Command(bin, "snapshot", "--prometheus", stack.PrometheusURL, "--selector", `job="flask"`)
	out, _ = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(string(out), "Alertmanager not configured: Prometheus's own alerts") {
		t.Errorf("snapshot without Alertmanager, exit %d:\n%s", code, out)
	}
}

type snapshotTarget struct {
	Job       string     `json:"job"`
	Instance  string     `json:"instance"`
	Health    string     `json:"health"`
	LastError string     `json:"last_error"`
	Since     *time.Time `json:"since"`
}

func snapshotTargets(t *testing.T, out []byte) []snapshotTarget {
	t.Helper()
	var r struct {
		Targets []snapshotTarget `json:"targets"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("snapshot is not JSON: %v\n%s", err, out)
	}
	return r.Targets
}

// promScalar runs an instant query and returns the value of its one series.
func promScalar(t *testing.T, promURL, expr string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(promURL + "/api/v1/query?" + url.Values{"query": {expr}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Data.Result) == 0 {
		return 0, false
	}
	var v float64
	_, err = fmt.Sscan(r.Data.Result[0].Value[1].(string), &v)
	return v, err == nil
}
